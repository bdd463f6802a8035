/* test_buf.c - buf.c: capped text buffers and the allocation helpers. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tandem/buf.h"

static void test_buf_empty(void **state)
{
	(void)state;
	struct td_buf b;
	td_buf_init(&b, 16);
	assert_string_equal(td_buf_str(&b), "");
	assert_int_equal(b.len, 0);
	assert_false(b.truncated);
	td_buf_reset(&b); /* reset of a never-used buffer */
	assert_string_equal(td_buf_str(&b), "");
	char *s = td_buf_steal(&b); /* steal of an empty buffer is "", not NULL */
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);
	td_buf_cleanup(&b);
	td_buf_cleanup(&b); /* twice is harmless */
	assert_null(b.data);
}

static void test_buf_append(void **state)
{
	(void)state;
	struct td_buf b;
	td_buf_init(&b, 0);
	td_buf_puts(&b, "hello");
	td_buf_putc(&b, ' ');
	td_buf_append(&b, "worldXXX", 5);
	td_buf_printf(&b, " %d-%s", 42, "x");
	assert_string_equal(td_buf_str(&b), "hello world 42-x");
	assert_int_equal(b.len, strlen("hello world 42-x"));
	assert_false(b.truncated);
	td_buf_append(&b, "", 0);
	assert_int_equal(b.len, 16);
	/* growth across many reallocations keeps the content */
	for (int i = 0; i < 10000; i++)
		td_buf_putc(&b, (char)('a' + i % 26));
	assert_int_equal(b.len, 16 + 10000);
	assert_int_equal(strlen(td_buf_str(&b)), b.len);
	assert_int_equal(td_buf_str(&b)[16], 'a');
	assert_int_equal(td_buf_str(&b)[16 + 10000 - 1], 'a' + 9999 % 26);
	td_buf_reset(&b);
	assert_string_equal(td_buf_str(&b), "");
	td_buf_puts(&b, "again");
	assert_string_equal(td_buf_str(&b), "again");
	td_buf_cleanup(&b);
}

/* printf output longer than the function's stack buffer */
static void test_buf_printf_long(void **state)
{
	(void)state;
	struct td_buf b;
	td_buf_init(&b, 0);
	char big[1000];
	memset(big, 'q', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	td_buf_printf(&b, "<%s>", big);
	assert_int_equal(b.len, 1001);
	assert_int_equal(td_buf_str(&b)[0], '<');
	assert_int_equal(td_buf_str(&b)[1000], '>');
	td_buf_cleanup(&b);
}

static void test_buf_cap(void **state)
{
	(void)state;
	struct td_buf b;
	td_buf_init(&b, 8);
	td_buf_puts(&b, "12345");
	assert_false(b.truncated);
	td_buf_puts(&b, "678"); /* exactly the cap */
	assert_false(b.truncated);
	assert_string_equal(td_buf_str(&b), "12345678");
	td_buf_putc(&b, '9');
	assert_true(b.truncated);
	assert_string_equal(td_buf_str(&b), "12345678");
	td_buf_printf(&b, "%s", "more");
	assert_int_equal(b.len, 8);
	td_buf_reset(&b);
	assert_false(b.truncated);
	td_buf_printf(&b, "%0300d", 7); /* long printf cut to the cap */
	assert_true(b.truncated);
	assert_string_equal(td_buf_str(&b), "00000000");
	char *s = td_buf_steal(&b);
	assert_string_equal(s, "00000000");
	free(s);
	assert_null(b.data);
	assert_false(b.truncated);
	/* the cap survives a steal */
	td_buf_puts(&b, "abcdefghij");
	assert_string_equal(td_buf_str(&b), "abcdefgh");
	td_buf_cleanup(&b);
}

/* cap 0 means 1 MiB, not unlimited */
static void test_buf_default_cap(void **state)
{
	(void)state;
	struct td_buf b;
	td_buf_init(&b, 0);
	size_t n = 1024 * 1024 + 100;
	char *big = td_xmalloc(n);
	memset(big, 'z', n);
	td_buf_append(&b, big, n);
	assert_true(b.truncated);
	assert_int_equal(b.len, 1024 * 1024);
	assert_int_equal(strlen(td_buf_str(&b)), 1024 * 1024);
	free(big);
	td_buf_cleanup(&b);
}

static void test_alloc_helpers(void **state)
{
	(void)state;
	void *p = td_xmalloc(0);
	assert_non_null(p);
	free(p);
	unsigned char *z = td_xcalloc(16, 4);
	for (int i = 0; i < 64; i++)
		assert_int_equal(z[i], 0);
	z = td_xrealloc(z, 128);
	assert_int_equal(z[63], 0);
	free(z);
	char *s = td_xstrdup("secret");
	assert_string_equal(s, "secret");
	td_wipe(s, strlen(s));
	for (int i = 0; i < 6; i++)
		assert_int_equal(s[i], 0);
	free(s);
	td_wipe(NULL, 10); /* a no-op */
	s = td_xstrndup("abcdef", 3);
	assert_string_equal(s, "abc");
	free(s);
	s = td_xasprintf("%s=%d", "x", 5);
	assert_string_equal(s, "x=5");
	free(s);
}

/* td_oom writes one line to stderr and aborts. */
static void test_oom(void **state)
{
	(void)state;
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], STDERR_FILENO);
		close(fds[0]);
		signal(SIGABRT, SIG_DFL);
		td_oom();
	}
	close(fds[1]);
	char msg[128] = "";
	ssize_t n = read(fds[0], msg, sizeof msg - 1);
	close(fds[0]);
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(n > 0);
	assert_non_null(strstr(msg, "out of memory\n"));
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
}

/* td_free_secret frees, clears the pointer, and is a no-op on NULL. */
static void test_free_secret(void **state)
{
	(void)state;
	char *s = td_xstrdup("hunter2");
	td_free_secret(&s);
	assert_null(s);
	td_free_secret(&s); /* twice: harmless */
	assert_null(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_empty),
		cmocka_unit_test(test_buf_append),
		cmocka_unit_test(test_buf_printf_long),
		cmocka_unit_test(test_buf_cap),
		cmocka_unit_test(test_buf_default_cap),
		cmocka_unit_test(test_alloc_helpers),
		cmocka_unit_test(test_oom),
		cmocka_unit_test(test_free_secret),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

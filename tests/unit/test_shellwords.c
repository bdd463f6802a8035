/* test_shellwords.c - shellwords.c: splitting a command line as sh does, without expansion. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tandem/buf.h"
#include "tandem/options.h"
#include "tandem/shellwords.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define MAXW 6

/* Every case: the text, and the words sh would hand to the program (NULL: an error). */
static void test_split_table(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		int n; /* words, or -1 for TD_E_PARSE */
		const char *want[MAXW];
		const char *msg; /* part of the error message */
	} cases[] = {
		/* plain words and the separators between them */
		{ "check_load", 1, { "check_load" }, NULL },
		{ "check_load -w 5 -c 10", 5, { "check_load", "-w", "5", "-c", "10" }, NULL },
		{ "  a   b  ", 2, { "a", "b" }, NULL },
		{ "a\tb\t\tc", 3, { "a", "b", "c" }, NULL },
		{ "a\nb\n\nc\n", 3, { "a", "b", "c" }, NULL },
		{ "a\r\nb", 2, { "a", "b" }, NULL },
		{ " \t\n a \t\n b \t\n ", 2, { "a", "b" }, NULL },
		/* single quotes: everything literal, backslashes and $ included */
		{ "'a b'", 1, { "a b" }, NULL },
		{ "'a\\b'", 1, { "a\\b" }, NULL },
		{ "'a\\'", 1, { "a\\" }, NULL },
		{ "'$HOME *'", 1, { "$HOME *" }, NULL },
		{ "'\"'", 1, { "\"" }, NULL },
		{ "'a\nb'", 1, { "a\nb" }, NULL },
		{ "'a\\\nb'", 1, { "a\\\nb" }, NULL },
		{ "-u '/cart?x=1&y=2'", 2, { "-u", "/cart?x=1&y=2" }, NULL },
		/* double quotes: \ escapes only " \ $ ` and newline */
		{ "\"a b\"", 1, { "a b" }, NULL },
		{ "\"a\\\"b\"", 1, { "a\"b" }, NULL },
		{ "\"a\\\\b\"", 1, { "a\\b" }, NULL },
		{ "\"\\$x\"", 1, { "$x" }, NULL },
		{ "\"\\`x\\`\"", 1, { "`x`" }, NULL },
		{ "\"a\\\nb\"", 1, { "ab" }, NULL },
		{ "\"a\\nb\"", 1, { "a\\nb" }, NULL },
		{ "\"\\'\"", 1, { "\\'" }, NULL },
		{ "\"\\a\\ \"", 1, { "\\a\\ " }, NULL },
		{ "\"'a b'\"", 1, { "'a b'" }, NULL },
		{ "\"$HOME\"", 1, { "$HOME" }, NULL },
		{ "\"a\nb\"", 1, { "a\nb" }, NULL },
		/* a backslash outside quotes takes the next character literally */
		{ "a\\ b", 1, { "a b" }, NULL },
		{ "\\'a\\'", 1, { "'a'" }, NULL },
		{ "\\\"", 1, { "\"" }, NULL },
		{ "\\\\", 1, { "\\" }, NULL },
		{ "\\a\\b", 1, { "ab" }, NULL },
		{ "\\$HOME", 1, { "$HOME" }, NULL },
		{ "a\\\tb", 1, { "a\tb" }, NULL },
		/* backslash-newline outside quotes joins lines and is no word itself */
		{ "a\\\nb", 1, { "ab" }, NULL },
		{ "a \\\n b", 2, { "a", "b" }, NULL },
		{ "a \\\n", 1, { "a" }, NULL },
		{ "\\\na", 1, { "a" }, NULL },
		{ "a\\\n", 1, { "a" }, NULL },
		/* empty words */
		{ "''", 1, { "" }, NULL },
		{ "\"\"", 1, { "" }, NULL },
		{ "a '' b", 3, { "a", "", "b" }, NULL },
		{ "a \"\" ''", 3, { "a", "", "" }, NULL },
		{ "-w ''", 2, { "-w", "" }, NULL },
		/* adjacent parts make one word */
		{ "a'b'\"c\"", 1, { "abc" }, NULL },
		{ "x'y z'\"w v\"u", 1, { "xy zw vu" }, NULL },
		{ "a''b", 1, { "ab" }, NULL },
		{ "''\"\"", 1, { "" }, NULL },
		{ "--warning='5:'\"10\"", 1, { "--warning=5:10" }, NULL },
		{ "a\\ 'b'\\ c", 1, { "a b c" }, NULL },
		/* nothing is expanded */
		{ "$HOME", 1, { "$HOME" }, NULL },
		{ "${HOME}x", 1, { "${HOME}x" }, NULL },
		{ "*", 1, { "*" }, NULL },
		{ "/etc/*.conf ?", 2, { "/etc/*.conf", "?" }, NULL },
		{ "~", 1, { "~" }, NULL },
		{ "~/x ~root", 2, { "~/x", "~root" }, NULL },
		{ "$(id) `id`", 2, { "$(id)", "`id`" }, NULL },
		{ "{a,b}", 1, { "{a,b}" }, NULL },
		/* unterminated quotes */
		{ "'abc", -1, { NULL }, "unterminated '" },
		{ "'", -1, { NULL }, "unterminated '" },
		{ "a 'b c", -1, { NULL }, "unterminated '" },
		{ "\"abc", -1, { NULL }, "unterminated \"" },
		{ "\"", -1, { NULL }, "unterminated \"" },
		{ "\"a\\\"", -1, { NULL }, "unterminated \"" },
		{ "\"a\\", -1, { NULL }, "unterminated \"" },
		{ "'a'\"b", -1, { NULL }, "unterminated \"" },
		{ "\"it's", -1, { NULL }, "unterminated \"" },
		/* a trailing backslash escapes nothing */
		{ "abc\\", -1, { NULL }, "backslash" },
		{ "\\", -1, { NULL }, "backslash" },
		{ "a b \\", -1, { NULL }, "backslash" },
		/* empty commands */
		{ "", -1, { NULL }, "empty" },
		{ " ", -1, { NULL }, "empty" },
		{ " \t\n\r ", -1, { NULL }, "empty" },
		{ "\\\n", -1, { NULL }, "empty" },
	};
	for (size_t i = 0; i < N(cases); i++) {
		int argc = 42;
		char **argv = (char **)&argc; /* untouched on error */
		char err[256] = "";
		enum td_err rc = td_shell_split(cases[i].in, &argc, &argv, err, sizeof err);
		if (cases[i].n < 0) {
			if (rc != TD_E_PARSE)
				fail_msg("case %zu: rc %d, wanted TD_E_PARSE", i, rc);
			if (argc != 42 || argv != (char **)&argc)
				fail_msg("case %zu: output written on error", i);
			if (!strstr(err, cases[i].msg))
				fail_msg("case %zu: message \"%s\" lacks \"%s\"", i, err,
					 cases[i].msg);
			continue;
		}
		if (rc != TD_OK)
			fail_msg("case %zu: rc %d (%s)", i, rc, err);
		if (argc != cases[i].n)
			fail_msg("case %zu: %d words, wanted %d", i, argc, cases[i].n);
		for (int k = 0; k < argc; k++)
			if (strcmp(argv[k], cases[i].want[k]))
				fail_msg("case %zu: word %d is \"%s\", wanted \"%s\"", i, k,
					 argv[k], cases[i].want[k]);
		if (argv[argc] != NULL)
			fail_msg("case %zu: argv is not NULL-terminated", i);
		td_argv_free(argc, argv);
	}
}

/* Splits text expecting success; the caller frees. */
static char **split_ok(const char *text, int *argc)
{
	char **argv = NULL;
	char err[256] = "";
	enum td_err rc = td_shell_split(text, argc, &argv, err, sizeof err);
	if (rc != TD_OK)
		fail_msg("split: rc %d (%s)", rc, err);
	return argv;
}

/* 256 words are accepted, 257 are not; the count is of words, not of separators. */
static void test_split_max_words(void **state)
{
	(void)state;
	struct td_buf b;
	td_buf_init(&b, 0);
	for (int i = 0; i < TD_SHELL_MAX_WORDS; i++)
		td_buf_printf(&b, "%s'w%d'  ", i ? "\t" : "", i);
	int argc;
	char **argv = split_ok(td_buf_str(&b), &argc);
	assert_int_equal(argc, TD_SHELL_MAX_WORDS);
	assert_string_equal(argv[0], "w0");
	assert_string_equal(argv[TD_SHELL_MAX_WORDS - 1], "w255");
	assert_null(argv[argc]);
	td_argv_free(argc, argv);

	td_buf_puts(&b, "''");
	char err[256] = "";
	argc = -1;
	assert_int_equal(td_shell_split(td_buf_str(&b), &argc, &argv, err, sizeof err), TD_E_PARSE);
	assert_int_equal(argc, -1);
	assert_non_null(strstr(err, "more than 256 words"));
	td_buf_cleanup(&b);
}

/* 64 KiB of text is the most; one byte more is refused, whatever it holds. */
static void test_split_huge(void **state)
{
	(void)state;
	size_t n = TD_SHELL_MAX_BYTES;
	char *s = td_xmalloc(n + 2);
	memset(s, 'x', n);
	s[n] = '\0';
	int argc;
	char **argv = split_ok(s, &argc);
	assert_int_equal(argc, 1);
	assert_int_equal(strlen(argv[0]), n);
	td_argv_free(argc, argv);

	/* quoted and split into words, still at the limit */
	memset(s, ' ', n);
	memcpy(s, "a '", 3);
	s[n - 5] = '\'';
	memcpy(s + n - 3, "b c", 3);
	argv = split_ok(s, &argc);
	assert_int_equal(argc, 4);
	assert_int_equal(strlen(argv[1]), n - 8);
	td_argv_free(argc, argv);

	char err[256] = "";
	memset(s, 'x', n + 1);
	s[n + 1] = '\0';
	assert_int_equal(td_shell_split(s, &argc, &argv, err, sizeof err), TD_E_PARSE);
	assert_non_null(strstr(err, "65536"));
	/* far over the limit and in many words */
	size_t big = 1 << 20;
	char *h = td_xmalloc(big + 1);
	for (size_t i = 0; i < big; i++)
		h[i] = i % 2 ? ' ' : 'w';
	h[big] = '\0';
	assert_int_equal(td_shell_split(h, &argc, &argv, err, sizeof err), TD_E_PARSE);
	free(h);
	free(s);
}

/* A message buffer of size 0 is allowed. */
static void test_split_no_errbuf(void **state)
{
	(void)state;
	int argc;
	char **argv;
	assert_int_equal(td_shell_split("'open", &argc, &argv, NULL, 0), TD_E_PARSE);
	assert_int_equal(td_shell_split("", &argc, &argv, NULL, 0), TD_E_PARSE);
	assert_int_equal(td_shell_split("a b", &argc, &argv, NULL, 0), TD_OK);
	assert_int_equal(argc, 2);
	td_argv_free(argc, argv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_table),
		cmocka_unit_test(test_split_max_words),
		cmocka_unit_test(test_split_huge),
		cmocka_unit_test(test_split_no_errbuf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

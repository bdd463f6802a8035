/* test_event.c - event.c: log lines written and read back, hostile text, filters, appending. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tandem/event.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static char *line_of(long long t, const char *tag, const char *host, const char *service,
		     const char *text)
{
	struct td_event e = { t, (char *)tag, (char *)host, (char *)service, (char *)text };
	struct td_buf b;
	char err[256];
	td_buf_init(&b, 0);
	if (td_event_format(&e, &b, err, sizeof err) != TD_OK) {
		td_buf_cleanup(&b);
		return NULL;
	}
	return td_buf_steal(&b);
}

static void test_format_table(void **state)
{
	(void)state;
	static const struct {
		long long t;
		const char *tag, *host, *service, *text, *want;
	} cases[] = {
		{ 1718000000, "deploy", "", "", "shop 1.4.2",
		  "1718000000\tdeploy\t\t\tshop 1.4.2\n" },
		{ 0, "a", "web1", "", "", "0\ta\tweb1\t\t\n" },
		{ 5, "x.y-z_1", "web1", "Root partition", "ok",
		  "5\tx.y-z_1\tweb1\tRoot partition\tok\n" },
		{ 5, "t", "", "", "a\tb\nc\rd\\e", "5\tt\t\t\ta\\tb\\nc\\rd\\\\e\n" },
		{ 5, "t", "h\tx", "s\n", "", "5\tt\th\\tx\ts\\n\t\n" },
		{ 5, "t", "", "", "bell\a esc\x1b del\x7f",
		  "5\tt\t\t\tbell\\x07 esc\\x1b del\\x7f\n" },
		{ 5, "t", "", "", "quotes \"'` <b>&amp;", "5\tt\t\t\tquotes \"'` <b>&amp;\n" },
		{ 5, "t", "", "", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x9a\x80",
		  "5\tt\t\t\tcaf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x9a\x80\n" },
		/* not UTF-8: a lone continuation, an overlong '/', a surrogate, a cut sequence */
		{ 5, "t", "", "", "\x80 \xc0\xaf \xed\xa0\x80 \xe2\x82",
		  "5\tt\t\t\t\\x80 \\xc0\\xaf \\xed\\xa0\\x80 \\xe2\\x82\n" },
	};
	for (size_t i = 0; i < N(cases); i++) {
		char *got = line_of(cases[i].t, cases[i].tag, cases[i].host, cases[i].service,
				    cases[i].text);
		assert_non_null(got);
		if (strcmp(got, cases[i].want))
			fail_msg("case %zu: got \"%s\" want \"%s\"", i, got, cases[i].want);
		free(got);
	}
}

static void test_format_refuses(void **state)
{
	(void)state;
	char longname[TD_EVENT_NAME_MAX + 2];
	memset(longname, 'h', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	assert_null(line_of(5, "", "", "", "x"));
	assert_null(line_of(5, "de ploy", "", "", "x"));
	assert_null(line_of(5, "tab\t", "", "", "x"));
	assert_null(line_of(5, "abcdefghijabcdefghijabcdefghijabc", "", "", "x")); /* 33 */
	assert_null(line_of(5, "t", "", "svc", "x")); /* service, no host */
	assert_null(line_of(-1, "t", "", "", "x"));
	assert_null(line_of(253402300800LL, "t", "", "", "x"));
	assert_null(line_of(5, "t", longname, "", "x"));
	assert_null(line_of(5, "t", "h", longname, "x"));
	char *ok = line_of(5, "abcdefghijabcdefghijabcdefghijab", "", "", "x"); /* 32 */
	assert_non_null(ok);
	free(ok);
}

static void round_trip(const char *text, bool want_cut)
{
	char *line = line_of(1718000000, "deploy", "web1", "disk /var", text);
	assert_non_null(line);
	size_t len = strlen(line);
	assert_true(len <= TD_EVENT_LINE_MAX);
	assert_int_equal(line[len - 1], '\n');
	assert_null(memchr(line, '\n', len - 1));
	struct td_event e;
	assert_int_equal(td_event_parse(line, len - 1, &e), TD_OK);
	assert_int_equal(e.time, 1718000000);
	assert_string_equal(e.tag, "deploy");
	assert_string_equal(e.host, "web1");
	assert_string_equal(e.service, "disk /var");
	if (!want_cut) {
		assert_string_equal(e.text, text);
	} else {
		size_t n = strlen(e.text), m = strlen(TD_EVENT_CUT);
		assert_true(n > m && !strcmp(e.text + n - m, TD_EVENT_CUT));
		/* what is left is a prefix of the text */
		assert_memory_equal(e.text, text, n - m);
	}
	td_event_cleanup(&e);
	free(line);
}

static void test_round_trip(void **state)
{
	(void)state;
	round_trip("", false);
	round_trip("plain", false);
	round_trip("\\t is not a tab \\\\", false);
	round_trip("a\tb\nc\r\n\x01\x1f\x7f end", false);
	/* every byte but NUL survives */
	char all[256];
	for (int i = 1; i < 256; i++)
		all[i - 1] = (char)i;
	all[255] = '\0';
	round_trip(all, false);
	/* huge text: cut to one line with the marker, never inside an escape or a character */
	size_t big = 1024 * 1024;
	char *huge = malloc(big + 1);
	for (size_t i = 0; i < big; i++)
		huge[i] = "ab\n\x01\xc3\xa9"[i % 6];
	huge[big] = '\0';
	round_trip(huge, true);
	memset(huge, '\n', big);
	round_trip(huge, true);
	for (size_t i = 0; i + 4 <= big; i += 4)
		memcpy(huge + i, "\xf0\x9f\x9a\x80", 4);
	round_trip(huge, true);
	free(huge);
	/* exactly at the limit: fits without a cut */
	char *line = line_of(1718000000, "deploy", "web1", "disk /var", "");
	size_t room = TD_EVENT_LINE_MAX - strlen(line);
	free(line);
	char *fit = malloc(room + 2);
	memset(fit, 'x', room + 1);
	fit[room] = '\0';
	round_trip(fit, false);
	line = line_of(1718000000, "deploy", "web1", "disk /var", fit);
	assert_int_equal(strlen(line), TD_EVENT_LINE_MAX);
	free(line);
	fit[room] = 'x';
	fit[room + 1] = '\0';
	line = line_of(1718000000, "deploy", "web1", "disk /var", fit);
	assert_true(strlen(line) <= TD_EVENT_LINE_MAX);
	assert_non_null(strstr(line, TD_EVENT_CUT));
	free(line);
	free(fit);
}

static void test_parse_rejects(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"",
		"1718000000",
		"1718000000\tdeploy\t\t",	       /* 4 fields */
		"1718000000\tdeploy\t\t\ttext\textra", /* 6 fields */
		"x\tdeploy\t\t\ttext",
		"-5\tdeploy\t\t\ttext",
		" 5\tdeploy\t\t\ttext",
		"253402300800\tdeploy\t\t\ttext",
		"5\t\t\t\ttext",
		"5\tbad tag\t\t\ttext",
		"5\tdeploy\t\tsvc\ttext", /* service without host */
		"5\tdeploy\t\t\tbad \\q escape",
		"5\tdeploy\t\t\ttrailing \\",
		"5\tdeploy\t\t\tshort \\x4",
		"5\tdeploy\t\t\tnul \\x00",
		"5\tdeploy\t\t\traw \x01 byte",
		"5\tdeploy\t\t\traw \r cr",
	};
	for (size_t i = 0; i < N(bad); i++) {
		struct td_event e;
		if (td_event_parse(bad[i], strlen(bad[i]), &e) == TD_OK)
			fail_msg("case %zu accepted", i);
	}
	struct td_event e;
	const char nul[] = "5\tdeploy\t\t\tn\0ul";
	assert_int_equal(td_event_parse(nul, sizeof nul - 1, &e), TD_E_PARSE);
	const char *upper_x = "5\tdeploy\t\t\t\\x41\\X", *mixed = "5\tdeploy\t\t\t\\x41\\xfF";
	assert_int_equal(td_event_parse(upper_x, strlen(upper_x), &e), TD_E_PARSE);
	assert_int_equal(td_event_parse(mixed, strlen(mixed), &e), TD_OK);
	assert_string_equal(e.text, "A\xff");
	td_event_cleanup(&e);
}

static void test_match(void **state)
{
	(void)state;
	struct td_event all = { 100, "deploy", "", "", "" };
	struct td_event host = { 100, "deploy", "web1", "", "" };
	struct td_event svc = { 100, "flag", "web1", "load", "" };
	struct td_event_filter f = { 50, 150, "web1", "load", NULL, false };
	assert_true(td_event_match(&all, &f));
	assert_true(td_event_match(&host, &f));
	assert_true(td_event_match(&svc, &f));
	f.service = "disk";
	assert_true(td_event_match(&all, &f));
	assert_true(td_event_match(&host, &f));
	assert_false(td_event_match(&svc, &f));
	f.host = "web2";
	assert_true(td_event_match(&all, &f));
	assert_false(td_event_match(&host, &f));
	assert_false(td_event_match(&svc, &f));
	f.host = NULL;
	f.service = NULL;
	assert_true(td_event_match(&all, &f));
	assert_false(td_event_match(&host, &f));
	f.any_scope = true;
	assert_true(td_event_match(&svc, &f));
	/* tags and range */
	f.tags = "flag,config";
	assert_false(td_event_match(&all, &f));
	assert_true(td_event_match(&svc, &f));
	f.tags = "fla";
	assert_false(td_event_match(&svc, &f));
	f.tags = NULL;
	f.start = 100;
	f.end = 100;
	assert_true(td_event_match(&all, &f));
	f.start = 101;
	assert_false(td_event_match(&all, &f));
	f.start = 0;
	f.end = 99;
	assert_false(td_event_match(&all, &f));
}

static char *tmp_log(void)
{
	char dir[] = "/tmp/test_event.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *log = td_event_log_path(dir);
	return log;
}

static void rm_log(char *log)
{
	unlink(log);
	char *slash = strrchr(log, '/');
	*slash = '\0';
	rmdir(log);
	slash = strrchr(log, '/');
	*slash = '\0';
	rmdir(log);
	free(log);
}

static void test_append_and_read(void **state)
{
	(void)state;
	char *log = tmp_log(), err[256];
	struct td_event_filter f = { 0, 1000000, "web1", "load", NULL, false };
	struct td_event_list l;
	/* no log yet: no events, no error */
	assert_int_equal(td_event_read(log, &f, 10, &l, err, sizeof err), TD_OK);
	assert_int_equal(l.n, 0);
	td_event_list_cleanup(&l);
	for (int i = 0; i < 30; i++) {
		struct td_event e = { 1000 * (30 - i), "deploy", i % 3 ? "web1" : "web2", "", "v" };
		assert_int_equal(td_event_append(log, &e, err, sizeof err), TD_OK);
	}
	/* the header line, then 30 events */
	FILE *fp = fopen(log, "r");
	char first[256];
	assert_non_null(fgets(first, sizeof first, fp));
	assert_string_equal(first, TD_EVENT_HEADER);
	fclose(fp);
	/* a torn last line (a writer died): the next event starts on a line of its own */
	int fd = open(log, O_WRONLY | O_APPEND);
	assert_int_equal(write(fd, "12\tdepl", 7), 7);
	close(fd);
	struct td_event e = { 500, "deploy", "", "", "after the tear" };
	assert_int_equal(td_event_append(log, &e, err, sizeof err), TD_OK);
	assert_int_equal(td_event_read(log, &f, 100, &l, err, sizeof err), TD_OK);
	assert_int_equal(l.malformed, 1);
	assert_int_equal(l.n, 21); /* 20 of web1 and the global one */
	assert_int_equal(l.v[0].time, 500);
	assert_string_equal(l.v[0].text, "after the tear");
	for (size_t i = 1; i < l.n; i++)
		assert_true(l.v[i - 1].time <= l.v[i].time);
	td_event_list_cleanup(&l);
	/* at most max, the latest */
	assert_int_equal(td_event_read(log, &f, 5, &l, err, sizeof err), TD_OK);
	assert_int_equal(l.n, 5);
	assert_int_equal(l.dropped, 16);
	assert_int_equal(l.v[4].time, 29000);
	td_event_list_cleanup(&l);
	/* a bad event is refused before anything is written */
	struct stat before, after;
	stat(log, &before);
	struct td_event bad = { 5, "no good", "", "", "" };
	assert_int_equal(td_event_append(log, &bad, err, sizeof err), TD_E_USAGE);
	stat(log, &after);
	assert_int_equal(before.st_size, after.st_size);
	rm_log(log);
}

static void test_concurrent_append(void **state)
{
	(void)state;
	char *log = tmp_log(), err[256];
	enum { WRITERS = 8, EACH = 100 };
	for (int w = 0; w < WRITERS; w++) {
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			char text[3000];
			memset(text, 'a' + w, sizeof text - 1);
			text[sizeof text - 1] = '\0';
			for (int i = 0; i < EACH; i++) {
				struct td_event e = { w * 1000 + i, "load", "", "", text };
				if (td_event_append(log, &e, err, sizeof err) != TD_OK)
					_exit(1);
			}
			_exit(0);
		}
	}
	for (int w = 0; w < WRITERS; w++) {
		int status;
		assert_true(wait(&status) > 0);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	struct td_event_filter f = { 0, 1000000, NULL, NULL, NULL, true };
	struct td_event_list l;
	assert_int_equal(td_event_read(log, &f, 100000, &l, err, sizeof err), TD_OK);
	assert_int_equal(l.malformed, 0);
	assert_int_equal(l.n, WRITERS * EACH);
	for (size_t i = 0; i < l.n; i++) {
		char c = (char)('a' + l.v[i].time / 1000);
		assert_int_equal(strlen(l.v[i].text), 2999);
		assert_int_equal(l.v[i].text[0], c);
		assert_int_equal(l.v[i].text[2998], c);
	}
	td_event_list_cleanup(&l);
	rm_log(log);
}

static void test_display(void **state)
{
	(void)state;
	struct td_buf b;
	td_buf_init(&b, 0);
	td_event_display(&b, "a\tb\nc\x01 caf\xc3\xa9 \xff", 100);
	assert_string_equal(td_buf_str(&b), "a b c? caf\xc3\xa9 ?");
	td_buf_reset(&b);
	td_event_display(&b, "caf\xc3\xa9", 4); /* never half a character */
	assert_string_equal(td_buf_str(&b), "caf...");
	td_buf_cleanup(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_table),
		cmocka_unit_test(test_format_refuses),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_append_and_read),
		cmocka_unit_test(test_concurrent_append),
		cmocka_unit_test(test_display),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

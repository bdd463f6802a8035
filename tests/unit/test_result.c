/*
 * test_result.c - result.c: the final state and the plugin output of
 * CONTRACT.md; and the state names and order from state.c.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tandem/buf.h"
#include "tandem/result.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define OK TD_STATE_OK
#define WARN TD_STATE_WARNING
#define CRIT TD_STATE_CRITICAL
#define UNKN TD_STATE_UNKNOWN

static void test_state_name(void **state)
{
	(void)state;
	assert_string_equal(td_state_name(OK), "OK");
	assert_string_equal(td_state_name(WARN), "WARNING");
	assert_string_equal(td_state_name(CRIT), "CRITICAL");
	assert_string_equal(td_state_name(UNKN), "UNKNOWN");
	assert_string_equal(td_state_name((enum td_state)4), "UNKNOWN");
	assert_string_equal(td_state_name((enum td_state)-1), "UNKNOWN");
	/* the exit codes of CONTRACT.md */
	assert_int_equal(OK, 0);
	assert_int_equal(WARN, 1);
	assert_int_equal(CRIT, 2);
	assert_int_equal(UNKN, 3);
}

static void test_state_parse_table(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		enum td_err rc;
		enum td_state s;
	} cases[] = {
		{ "ok", TD_OK, OK },
		{ "OK", TD_OK, OK },
		{ "oK", TD_OK, OK },
		{ "o", TD_OK, OK },
		{ "0", TD_OK, OK },
		{ "warning", TD_OK, WARN },
		{ "WARNING", TD_OK, WARN },
		{ "warn", TD_OK, WARN },
		{ "W", TD_OK, WARN },
		{ "1", TD_OK, WARN },
		{ "critical", TD_OK, CRIT },
		{ "Critical", TD_OK, CRIT },
		{ "crit", TD_OK, CRIT },
		{ "c", TD_OK, CRIT },
		{ "2", TD_OK, CRIT },
		{ "unknown", TD_OK, UNKN },
		{ "UNKNOWN", TD_OK, UNKN },
		{ "u", TD_OK, UNKN },
		{ "3", TD_OK, UNKN },
		{ "", TD_E_PARSE, OK },
		{ "4", TD_E_PARSE, OK },
		{ "-1", TD_E_PARSE, OK },
		{ "00", TD_E_PARSE, OK },
		{ "okay", TD_E_PARSE, OK },
		{ "bogus", TD_E_PARSE, OK },
		{ " ok", TD_E_PARSE, OK },
		{ "ok ", TD_E_PARSE, OK },
		{ "criticalx", TD_E_PARSE, OK },
		{ "unknow", TD_E_PARSE, OK },
		{ "x", TD_E_PARSE, OK },
	};
	for (size_t i = 0; i < N(cases); i++) {
		enum td_state s = (enum td_state)42;
		enum td_err rc = td_state_parse(cases[i].in, &s);
		if (rc != cases[i].rc)
			fail_msg("case %zu \"%s\": rc %d, wanted %d", i, cases[i].in, rc, cases[i].rc);
		if (rc == TD_OK && s != cases[i].s)
			fail_msg("case %zu \"%s\": %d, wanted %d", i, cases[i].in, s, cases[i].s);
		if (rc != TD_OK && s != (enum td_state)42)
			fail_msg("case %zu \"%s\": output written on error", i, cases[i].in);
	}
}

/* CRITICAL > WARNING > UNKNOWN > OK, whichever order they come in. */
static void test_state_worst(void **state)
{
	(void)state;
	static const enum td_state all[] = { OK, WARN, CRIT, UNKN };
	static const enum td_state want[4][4] = {
		/*          OK    WARN  CRIT  UNKN */
		/* OK */ { OK, WARN, CRIT, UNKN },
		/* WARN */ { WARN, WARN, CRIT, WARN },
		/* CRIT */ { CRIT, CRIT, CRIT, CRIT },
		/* UNKN */ { UNKN, WARN, CRIT, UNKN },
	};
	for (int a = 0; a < 4; a++)
		for (int b = 0; b < 4; b++) {
			enum td_state got = td_state_worst(all[a], all[b]);
			if (got != want[a][b])
				fail_msg("worst(%s, %s) = %s, wanted %s", td_state_name(all[a]),
					 td_state_name(all[b]), td_state_name(got),
					 td_state_name(want[a][b]));
		}
}

static void test_result_basics(void **state)
{
	(void)state;
	struct td_result r;
	td_result_init(&r);
	assert_int_equal(r.state, OK);
	assert_int_equal(r.n_metrics, 0);
	td_result_summary(&r, "first %d", 1);
	td_result_summary(&r, "second %s", "two");
	assert_string_equal(td_buf_str(&r.summary), "second two");
	td_result_line(&r, "line %d", 1);
	td_result_line(&r, "line %d", 2);
	assert_string_equal(td_buf_str(&r.long_output), "line 1\nline 2\n");
	td_result_raise(&r, WARN);
	assert_int_equal(r.state, WARN);
	td_result_raise(&r, OK);
	assert_int_equal(r.state, WARN);
	td_result_raise(&r, UNKN);
	assert_int_equal(r.state, WARN);
	td_result_raise(&r, CRIT);
	assert_int_equal(r.state, CRIT);
	/* metrics copy their label and uom; the array grows */
	char label[16];
	for (int i = 0; i < 100; i++) {
		snprintf(label, sizeof label, "m%d", i);
		struct td_metric *m = td_result_metric(&r, label, i * 1.5, i % 2 ? "s" : NULL);
		assert_non_null(m);
		assert_true(m->known);
		assert_false(m->warn.set);
		assert_false(m->has_min);
		label[0] = 'X';
	}
	assert_int_equal(r.n_metrics, 100);
	assert_string_equal(r.metrics[42].label, "m42");
	assert_true(r.metrics[42].value == 63);
	assert_string_equal(r.metrics[42].uom, "");
	assert_string_equal(r.metrics[43].uom, "s");
	struct td_metric *m = td_result_metric(&r, "long", 1, "abcdefghijk");
	assert_int_equal(strlen(m->uom), TD_UOM_MAX - 1);
	td_result_cleanup(&r);
	td_result_cleanup(&r); /* twice is harmless */
}

/* A range for a test table; NULL is no threshold. */
static struct td_range range_of(const char *text)
{
	struct td_range r = { .set = false };
	if (text && td_range_parse(text, 0, &r, NULL, 0) != TD_OK)
		fail_msg("bad range \"%s\" in a test table", text);
	return r;
}

static void test_finish_table(void **state)
{
	(void)state;
	/* each metric: value, alerting WARNING above 10 and CRITICAL above 20 */
	static const struct {
		enum td_err err;
		enum td_state probe;
		const char *summary;
		double values[3];
		int n;
		enum td_state timeout_state;
		enum td_state want;
		const char *want_summary;
	} cases[] = {
		{ TD_OK, OK, "fine", { 0 }, 0, CRIT, OK, "fine" },
		{ TD_OK, OK, "", { 5, 6 }, 2, CRIT, OK, "" },
		{ TD_OK, OK, "", { 5, 15 }, 2, CRIT, WARN, "" },
		{ TD_OK, OK, "", { 25, 15, 5 }, 3, CRIT, CRIT, "" },
		{ TD_OK, WARN, "", { 25 }, 1, CRIT, CRIT, "" },
		{ TD_OK, CRIT, "down", { 5 }, 1, CRIT, CRIT, "down" },
		{ TD_OK, UNKN, "", { 15 }, 1, CRIT, WARN, "" },  /* WARNING beats UNKNOWN */
		{ TD_OK, UNKN, "", { 5 }, 1, CRIT, UNKN, "" },
		{ TD_OK, WARN, "", { 5 }, 1, CRIT, WARN, "" },
		/* a timeout gives the timeout state, CRITICAL by default */
		{ TD_E_TIMEOUT, OK, "", { 0 }, 0, CRIT, CRIT, "timed out" },
		{ TD_E_TIMEOUT, OK, "", { 0 }, 0, UNKN, UNKN, "timed out" },
		{ TD_E_TIMEOUT, OK, "", { 0 }, 0, WARN, WARN, "timed out" },
		{ TD_E_TIMEOUT, OK, "", { 0 }, 0, OK, OK, "timed out" },
		{ TD_E_TIMEOUT, CRIT, "", { 25 }, 1, UNKN, UNKN, "timed out" },
		{ TD_E_TIMEOUT, OK, "no answer in 10 s", { 0 }, 0, CRIT, CRIT, "no answer in 10 s" },
		/* any other error is UNKNOWN, whatever the metrics say */
		{ TD_E_CONNECT, OK, "", { 0 }, 0, CRIT, UNKN, "could not connect" },
		{ TD_E_PARSE, OK, "bad reply", { 0 }, 0, CRIT, UNKN, "bad reply" },
		{ TD_E_IO, CRIT, "", { 25 }, 1, CRIT, UNKN, "input/output error" },
		{ TD_E_USAGE, OK, "", { 0 }, 0, OK, UNKN, "usage error" },
		{ TD_E_INTERNAL, WARN, "", { 0 }, 0, CRIT, UNKN, "internal error" },
	};
	for (size_t i = 0; i < N(cases); i++) {
		struct td_result r;
		td_result_init(&r);
		r.state = cases[i].probe;
		if (cases[i].summary[0])
			td_result_summary(&r, "%s", cases[i].summary);
		for (int k = 0; k < cases[i].n; k++) {
			struct td_metric *m = td_result_metric(&r, "v", cases[i].values[k], NULL);
			m->warn = range_of("10");
			m->crit = range_of("20");
		}
		enum td_state got = td_result_finish(&r, cases[i].err, cases[i].timeout_state);
		if (got != cases[i].want || r.state != got)
			fail_msg("case %zu: %s (stored %s), wanted %s", i, td_state_name(got),
				 td_state_name(r.state), td_state_name(cases[i].want));
		if (strcmp(td_buf_str(&r.summary), cases[i].want_summary))
			fail_msg("case %zu: summary \"%s\", wanted \"%s\"", i, td_buf_str(&r.summary),
				 cases[i].want_summary);
		td_result_cleanup(&r);
	}
}

/* Formats a result built from a summary, long output lines and metrics. */
static void test_format_table(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		enum td_state st;
		const char *summary;
		const char *lines[3];
		struct {
			const char *label;
			double v;
			const char *uom;
		} perf[3];
		const char *out;
	} cases[] = {
		{ "LOAD", OK, "load average 0.52", { NULL }, { { NULL, 0, NULL } },
		  "LOAD OK - load average 0.52\n" },
		{ "LOAD", WARN, "load average 5.2", { NULL }, { { "load1", 5.2, NULL } },
		  "LOAD WARNING - load average 5.2 | load1=5.2\n" },
		{ "HTTP", CRIT, "down", { NULL }, { { "a", 1, "s" }, { "b", 2, "B" }, { "c d", 3, "%" } },
		  "HTTP CRITICAL - down | a=1s b=2B 'c d'=3%\n" },
		{ "X", UNKN, "timed out", { NULL }, { { NULL, 0, NULL } }, "X UNKNOWN - timed out\n" },
		/* '|' in text is never read as the perfdata separator */
		{ "X", OK, "a|b||c", { NULL }, { { "m", 1, NULL } }, "X OK - a/b//c | m=1\n" },
		/* the first line is one line */
		{ "X", OK, "one\ntwo\r\nthree", { NULL }, { { NULL, 0, NULL } },
		  "X OK - one two  three\n" },
		/* long output on later lines, with '|' made harmless too */
		{ "X", OK, "sum", { "first", "second | not perf", NULL }, { { "m", 1, NULL } },
		  "X OK - sum | m=1\nfirst\nsecond / not perf\n" },
		{ "X", OK, "sum", { "a", "b", "c" }, { { NULL, 0, NULL } }, "X OK - sum\na\nb\nc\n" },
	};
	for (size_t i = 0; i < N(cases); i++) {
		struct td_result r;
		td_result_init(&r);
		r.state = cases[i].st;
		td_result_summary(&r, "%s", cases[i].summary);
		for (int k = 0; k < 3 && cases[i].lines[k]; k++)
			td_result_line(&r, "%s", cases[i].lines[k]);
		for (int k = 0; k < 3 && cases[i].perf[k].label; k++)
			td_result_metric(&r, cases[i].perf[k].label, cases[i].perf[k].v,
					 cases[i].perf[k].uom);
		struct td_buf out;
		td_buf_init(&out, 0);
		td_result_format(&r, cases[i].name, &out);
		if (strcmp(td_buf_str(&out), cases[i].out))
			fail_msg("case %zu:\n\"%s\"\nwanted\n\"%s\"", i, td_buf_str(&out), cases[i].out);
		td_buf_cleanup(&out);
		td_result_cleanup(&r);
	}
}

/* The example of CONTRACT.md, built the way a probe builds it. */
static void test_format_contract_example(void **state)
{
	(void)state;
	struct td_result r;
	td_result_init(&r);
	td_result_summary(&r, "200 OK, %d bytes in %s s", 1834, "0.012");
	struct td_metric *m = td_result_metric(&r, "time", 0.012345, "s");
	m->warn = range_of("1");
	m->crit = range_of("2");
	m->has_min = true;
	m = td_result_metric(&r, "size", 1834, "B");
	m->has_min = true;
	assert_int_equal(td_result_finish(&r, TD_OK, CRIT), OK);
	struct td_buf out;
	td_buf_init(&out, 0);
	td_buf_puts(&out, "kept:");
	td_result_format(&r, "HTTP", &out);
	assert_string_equal(td_buf_str(&out), "kept:HTTP OK - 200 OK, 1834 bytes in 0.012 s | "
					      "time=0.012345s;1;2;0 size=1834B;;;0\n");
	td_buf_cleanup(&out);
	td_result_cleanup(&r);
}

struct perf_check {
	int n;
	const struct td_result *r;
};

static void perf_item(void *ctx, const struct td_metric *m)
{
	struct perf_check *pc = ctx;
	const struct td_metric *want = &pc->r->metrics[pc->n++];
	assert_string_equal(m->label, want->label);
	assert_true(m->value == want->value);
}

/*
 * Many metrics and much long output: at most TD_OUTPUT_MAX bytes, whole
 * metrics only (every item parses and matches, in order), whole lines only.
 */
static void test_format_cap(void **state)
{
	(void)state;
	struct td_result r;
	td_result_init(&r);
	td_result_summary(&r, "%s", "many metrics");
	for (int i = 0; i < 1000; i++) {
		char label[64];
		snprintf(label, sizeof label, "a rather long metric label number %d", i);
		struct td_metric *m = td_result_metric(&r, label, i + 0.25, "B");
		m->warn = range_of("100");
		m->crit = range_of("200");
	}
	for (int i = 0; i < 1000; i++)
		td_result_line(&r, "long output line %04d with | a bar in it", i);
	struct td_buf out;
	td_buf_init(&out, 0);
	td_result_format(&r, "MANY", &out);
	const char *s = td_buf_str(&out);
	assert_true(out.len <= TD_OUTPUT_MAX);
	assert_true(out.len > TD_OUTPUT_MAX / 2);
	assert_int_equal(s[out.len - 1], '\n');

	/* the first line: status, then whole metrics */
	const char *nl = strchr(s, '\n');
	assert_non_null(nl);
	assert_int_equal(strncmp(s, "MANY OK - many metrics | ", 25), 0);
	char *perf = td_xstrndup(s + 25, (size_t)(nl - s - 25));
	struct perf_check pc = { 0, &r };
	char err[128] = "";
	if (td_perfdata_parse(perf, perf_item, &pc, err, sizeof err) != TD_OK)
		fail_msg("perfdata does not parse: %s", err);
	assert_true(pc.n > 10);
	assert_true(pc.n < 1000);
	free(perf);

	/* later lines: each one whole, in order, '|' replaced */
	int line = 0;
	for (const char *p = nl + 1; *p; line++) {
		const char *e = strchr(p, '\n');
		assert_non_null(e);
		char want[64];
		snprintf(want, sizeof want, "long output line %04d with / a bar in it", line);
		if ((size_t)(e - p) != strlen(want) || strncmp(p, want, strlen(want)))
			fail_msg("long output line %d: \"%.*s\"", line, (int)(e - p), p);
		p = e + 1;
	}
	assert_true(line > 10);
	assert_true(line < 1000);
	td_buf_cleanup(&out);
	td_result_cleanup(&r);
}

/* Long output alone past the cap is cut at a whole line; nothing is lost before it. */
static void test_format_long_output_cap(void **state)
{
	(void)state;
	struct td_result r;
	td_result_init(&r);
	td_result_summary(&r, "%s", "s");
	char big[1000];
	memset(big, 'y', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	for (int i = 0; i < 20; i++)
		td_result_line(&r, "%02d%s", i, big);
	struct td_buf out;
	td_buf_init(&out, 0);
	td_result_format(&r, "X", &out);
	assert_true(out.len <= TD_OUTPUT_MAX);
	assert_int_equal(out.data[out.len - 1], '\n');
	int lines = 0;
	for (const char *p = strchr(td_buf_str(&out), '\n') + 1; *p; lines++) {
		const char *e = strchr(p, '\n');
		assert_int_equal(e - p, 1001);
		assert_true(p[0] == '0' + lines / 10 && p[1] == '0' + lines % 10);
		p = e + 1;
	}
	/* as many whole lines as fit after "X OK - s\n" */
	assert_int_equal(lines, (TD_OUTPUT_MAX - 9) / 1002);
	td_buf_cleanup(&out);
	td_result_cleanup(&r);
}

/* A summary longer than its buffer is cut, and stays one line. */
static void test_format_long_summary(void **state)
{
	(void)state;
	struct td_result r;
	td_result_init(&r);
	char big[3000];
	memset(big, 's', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	big[100] = '\n';
	td_result_summary(&r, "%s", big);
	td_result_metric(&r, "m", 1, NULL);
	struct td_buf out;
	td_buf_init(&out, 0);
	td_result_format(&r, "X", &out);
	const char *s = td_buf_str(&out);
	assert_true(out.len < TD_OUTPUT_MAX);
	assert_int_equal(strchr(s, '\n') - s, (long)(out.len - 1));
	assert_non_null(strstr(s, " | m=1\n"));
	td_buf_cleanup(&out);
	td_result_cleanup(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_name),
		cmocka_unit_test(test_state_parse_table),
		cmocka_unit_test(test_state_worst),
		cmocka_unit_test(test_result_basics),
		cmocka_unit_test(test_finish_table),
		cmocka_unit_test(test_format_table),
		cmocka_unit_test(test_format_contract_example),
		cmocka_unit_test(test_format_cap),
		cmocka_unit_test(test_format_long_output_cap),
		cmocka_unit_test(test_format_long_summary),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

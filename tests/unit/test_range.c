/* test_range.c - range.c: threshold ranges as CONTRACT.md defines them. */
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
#include "tandem/range.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define GIB (1024.0 * 1024.0 * 1024.0)
#define INF INFINITY

/* Equal, or within rounding for numbers no double holds exactly. */
static bool same(double a, double b)
{
	return a == b || fabs(a - b) <= 1e-15 * fabs(b);
}

static void test_parse_table(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		unsigned accept;
		enum td_err rc;
		bool inside;
		double start, end;
		enum td_unit_kind kind;
		const char *norm; /* td_range_format of the result; "": the end's digits (%.0f) */
	} cases[] = {
		/* the five forms of CONTRACT.md */
		{ "10", 0, TD_OK, false, 0, 10, TD_UNIT_NONE, "10" },
		{ "10:", 0, TD_OK, false, 10, INF, TD_UNIT_NONE, "10:" },
		{ "~:10", 0, TD_OK, false, -INF, 10, TD_UNIT_NONE, "~:10" },
		{ "10:20", 0, TD_OK, false, 10, 20, TD_UNIT_NONE, "10:20" },
		{ "@10:20", 0, TD_OK, true, 10, 20, TD_UNIT_NONE, "@10:20" },
		/* normalisation */
		{ "0:10", 0, TD_OK, false, 0, 10, TD_UNIT_NONE, "10" },
		{ "00010:020.50", 0, TD_OK, false, 10, 20.5, TD_UNIT_NONE, "10:20.5" },
		{ ":10", 0, TD_OK, false, 0, 10, TD_UNIT_NONE, "10" }, /* start defaults to 0 */
		{ ":", 0, TD_OK, false, 0, INF, TD_UNIT_NONE, "0:" },
		{ "0:", 0, TD_OK, false, 0, INF, TD_UNIT_NONE, "0:" },
		{ "~:", 0, TD_OK, false, -INF, INF, TD_UNIT_NONE, "~:" },
		{ "@10", 0, TD_OK, true, 0, 10, TD_UNIT_NONE, "@0:10" },
		{ "@~:0", 0, TD_OK, true, -INF, 0, TD_UNIT_NONE, "@~:0" },
		{ "@5:", 0, TD_OK, true, 5, INF, TD_UNIT_NONE, "@5:" },
		{ "10:10", 0, TD_OK, false, 10, 10, TD_UNIT_NONE, "10:10" },
		{ "0", 0, TD_OK, false, 0, 0, TD_UNIT_NONE, "0" },
		{ "-0", 0, TD_OK, false, 0, 0, TD_UNIT_NONE, "0" },
		/* negative and fractional */
		{ "-10:-5", 0, TD_OK, false, -10, -5, TD_UNIT_NONE, "-10:-5" },
		{ "~:-5", 0, TD_OK, false, -INF, -5, TD_UNIT_NONE, "~:-5" },
		{ "-5:", 0, TD_OK, false, -5, INF, TD_UNIT_NONE, "-5:" },
		{ "0.5:1.5", 0, TD_OK, false, 0.5, 1.5, TD_UNIT_NONE, "0.5:1.5" },
		{ ".5", 0, TD_OK, false, 0, 0.5, TD_UNIT_NONE, "0.5" },
		{ "0.012345", 0, TD_OK, false, 0, 0.012345, TD_UNIT_NONE, "0.012345" },
		/* units, converted to base units, never ignored */
		{ "500ms", TD_UNIT_TIME, TD_OK, false, 0, 0.5, TD_UNIT_TIME, "0.5" },
		{ "100ms:1s", TD_UNIT_TIME, TD_OK, false, 0.1, 1, TD_UNIT_TIME, "0.1:1" },
		{ "1:2s", TD_UNIT_TIME, TD_OK, false, 1, 2, TD_UNIT_TIME, "1:2" },
		{ "10GB", TD_UNIT_BYTES, TD_OK, false, 0, 10 * GIB, TD_UNIT_BYTES, "10737418240" },
		{ "1GiB:", TD_UNIT_BYTES, TD_OK, false, GIB, INF, TD_UNIT_BYTES, "1073741824:" },
		{ "80%", TD_UNIT_PERCENT, TD_OK, false, 0, 80, TD_UNIT_PERCENT, "80" },
		{ "@80%:90%", TD_UNIT_ANY, TD_OK, true, 80, 90, TD_UNIT_PERCENT, "@80:90" },
		{ "~:5m", TD_UNIT_ANY, TD_OK, false, -INF, 300, TD_UNIT_TIME, "~:300" },
		{ "80%", 0, TD_E_PARSE, 0, 0, 0, 0, NULL },
		{ "500ms", TD_UNIT_BYTES, TD_E_PARSE, 0, 0, 0, 0, NULL },
		{ "1s:5%", TD_UNIT_ANY, TD_E_PARSE, 0, 0, 0, 0, NULL },   /* ends disagree */
		{ "1s:500ms", TD_UNIT_TIME, TD_E_PARSE, 0, 0, 0, 0, NULL }, /* start > end after units */
		{ "10xB", TD_UNIT_BYTES, TD_E_PARSE, 0, 0, 0, 0, NULL },
		/* start greater than end */
		{ "20:10", 0, TD_E_PARSE, 0, 0, 0, 0, NULL },
		{ "@20:10", 0, TD_E_PARSE, 0, 0, 0, 0, NULL },
		{ "-5", 0, TD_E_PARSE, 0, 0, 0, 0, NULL }, /* 0:-5 */
		{ "10.000001:10", 0, TD_E_PARSE, 0, 0, 0, 0, NULL },
		/* garbage is an error, never read as 0 */
		{ "", 0, TD_E_PARSE, 0, 0, 0, 0, NULL },
		{ "abc", 0, TD_E_PARSE, 0, 0, 0, 0, NULL },
		{ "10:x", 0, TD_E_PARSE, 0, 0, 0, 0, NULL },
		{ "x:10", 0, TD_E_PARSE, 0, 0, 0, 0, NULL },
		{ "1..2", 0, TD_E_PARSE, 0, 0, 0, 0, NULL },
		{ "1:2:3", 0, TD_E_PARSE, 0, 0, 0, 0, NULL },
		{ "10::", 0, TD_E_PARSE, 0, 0, 0, 0, NULL },
		{ "@", 0, TD_E_PARSE, 0, 0, 0, 0, NULL },
		{ "@@10", 0, TD_E_PARSE, 0, 0, 0, 0, NULL },
		{ "~", 0, TD_E_PARSE, 0, 0, 0, 0, NULL },
		{ "~10:20", 0, TD_E_PARSE, 0, 0, 0, 0, NULL },
		{ "10:~", 0, TD_E_PARSE, 0, 0, 0, 0, NULL },
		{ "10@", 0, TD_E_PARSE, 0, 0, 0, 0, NULL },
		{ "inf", 0, TD_E_PARSE, 0, 0, 0, 0, NULL },
		{ "nan", 0, TD_E_PARSE, 0, 0, 0, 0, NULL },
		{ "1e3", 0, TD_E_PARSE, 0, 0, 0, 0, NULL },
		{ "0x10", 0, TD_E_PARSE, 0, 0, 0, 0, NULL },
		{ "10,20", 0, TD_E_PARSE, 0, 0, 0, 0, NULL },
		{ "1,5", 0, TD_E_PARSE, 0, 0, 0, 0, NULL },
		/* trailing and leading junk */
		{ "10 ", 0, TD_E_PARSE, 0, 0, 0, 0, NULL },
		{ " 10", 0, TD_E_PARSE, 0, 0, 0, 0, NULL },
		{ "10:20x", 0, TD_E_PARSE, 0, 0, 0, 0, NULL },
		{ "10: 20", 0, TD_E_PARSE, 0, 0, 0, 0, NULL },
		{ "10\n", 0, TD_E_PARSE, 0, 0, 0, 0, NULL },
		/* max: the longest text accepted (64), max+1 */
		{ "1000000000000000000000000000000000000000000000000000000000000000", 0, TD_OK, false,
		  0, 1e63, TD_UNIT_NONE, "" },
		{ "10000000000000000000000000000000000000000000000000000000000000000", 0, TD_E_PARSE, 0,
		  0, 0, 0, NULL },
	};
	for (size_t i = 0; i < N(cases); i++) {
		struct td_range r = { .set = false, .start = 42, .end = 43 };
		char err[256] = "";
		enum td_err rc = td_range_parse(cases[i].in, cases[i].accept, &r, err, sizeof err);
		if (rc != cases[i].rc)
			fail_msg("case %zu \"%s\": rc %d, wanted %d (%s)", i, cases[i].in, rc, cases[i].rc,
				 err);
		if (rc != TD_OK) {
			/* untouched, and the message names the text */
			if (r.set || r.start != 42 || r.end != 43)
				fail_msg("case %zu \"%s\": output written on error", i, cases[i].in);
			char quoted[80];
			snprintf(quoted, sizeof quoted, "\"%.30s", cases[i].in);
			if (cases[i].in[0] && !strstr(err, quoted))
				fail_msg("case %zu \"%s\": message \"%s\" does not name the text", i,
					 cases[i].in, err);
			if (!err[0])
				fail_msg("case %zu \"%s\": no message", i, cases[i].in);
			continue;
		}
		if (!r.set || r.inside != cases[i].inside || !same(r.start, cases[i].start) ||
		    !same(r.end, cases[i].end) ||
		    r.kind != cases[i].kind)
			fail_msg("case %zu \"%s\": set %d inside %d %g:%g kind %d", i, cases[i].in, r.set,
				 r.inside, r.start, r.end, r.kind);
		char *buf = td_xmalloc(TD_RANGE_MAX), want[TD_RANGE_MAX];
		td_range_format(&r, buf, TD_RANGE_MAX);
		if (cases[i].norm[0])
			snprintf(want, sizeof want, "%s", cases[i].norm);
		else
			snprintf(want, sizeof want, "%.0f", r.end);
		if (strcmp(buf, want))
			fail_msg("case %zu \"%s\": formats as \"%s\", wanted \"%s\"", i, cases[i].in, buf,
				 want);
		/* the normalised form parses back to the same range */
		struct td_range back;
		if (td_range_parse(buf, 0, &back, err, sizeof err) != TD_OK ||
		    back.inside != r.inside || !same(back.start, r.start) || !same(back.end, r.end))
			fail_msg("case %zu \"%s\": \"%s\" does not parse back (%s)", i, cases[i].in, buf,
				 err);
		free(buf);
	}
}

/* Messages name the option text and what is wrong, as CONTRACT.md shows. */
static void test_parse_messages(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		const char *want[2];
	} cases[] = {
		{ "abc", { "\"abc\" is not a range", "\"abc\" is not a number" } },
		{ "10:x", { "\"10:x\" is not a range", "\"x\" is not a number" } },
		{ "1..2", { "\"1..2\" is not a range", "\"1..2\" is not a number" } },
		{ "", { "empty", NULL } },
		{ "20:10", { "\"20:10\" is not a range", "start is greater than end" } },
		{ "1:2:3", { "\"1:2:3\" is not a range", "':'" } },
	};
	for (size_t i = 0; i < N(cases); i++) {
		struct td_range r;
		char err[256] = "";
		assert_int_equal(td_range_parse(cases[i].in, 0, &r, err, sizeof err), TD_E_PARSE);
		for (int k = 0; k < 2; k++)
			if (cases[i].want[k] && !strstr(err, cases[i].want[k]))
				fail_msg("case %zu \"%s\": \"%s\" lacks \"%s\"", i, cases[i].in, err,
					 cases[i].want[k]);
	}
	/* NULL text and a NULL message buffer */
	struct td_range r;
	assert_int_equal(td_range_parse(NULL, 0, &r, NULL, 0), TD_E_PARSE);
	assert_int_equal(td_range_parse("abc", 0, &r, NULL, 0), TD_E_PARSE);
}

/* Huge input is refused quickly and its message stays bounded. */
static void test_parse_huge(void **state)
{
	(void)state;
	size_t n = 1 << 20;
	char *s = td_xmalloc(n + 1);
	memset(s, '9', n);
	s[n] = '\0';
	struct td_range r;
	char err[128];
	assert_int_equal(td_range_parse(s, 0, &r, err, sizeof err), TD_E_PARSE);
	assert_true(strlen(err) < sizeof err);
	assert_non_null(strstr(err, "too long"));
	s[10] = ':';
	assert_int_equal(td_range_parse(s, 0, &r, err, sizeof err), TD_E_PARSE);
	free(s);
}

static void test_alert_table(void **state)
{
	(void)state;
	static const struct {
		const char *range;
		double v;
		bool alert;
	} cases[] = {
		{ "10", -1, true },   { "10", -0.0001, true }, { "10", 0, false },
		{ "10", 5, false },   { "10", 10, false },     { "10", 10.0001, true },
		{ "10:", 9.99, true }, { "10:", 10, false },   { "10:", 1e300, false },
		{ "10:", -INF, true }, { "10:", INF, false },
		{ "~:10", -1e300, false }, { "~:10", 10, false }, { "~:10", 11, true },
		{ "~:10", -INF, false }, { "~:10", INF, true },
		{ "10:20", 9, true }, { "10:20", 10, false }, { "10:20", 15, false },
		{ "10:20", 20, false }, { "10:20", 21, true },
		{ "@10:20", 9, false }, { "@10:20", 10, true }, { "@10:20", 15, true },
		{ "@10:20", 20, true }, { "@10:20", 20.000001, false },
		{ "@0", 0, true },    { "@0", 0.1, false },
		{ "~:", -1e300, false }, { "~:", 1e300, false },
		{ "@~:", 12, true },
		{ "-10:-5", -7, false }, { "-10:-5", -4, true }, { "-10:-5", -11, true },
		/* NaN never alerts, whatever the range */
		{ "10", NAN, false }, { "@10:20", NAN, false }, { "@~:", NAN, false },
		{ "10:", NAN, false },
	};
	for (size_t i = 0; i < N(cases); i++) {
		struct td_range r;
		assert_int_equal(td_range_parse(cases[i].range, 0, &r, NULL, 0), TD_OK);
		if (td_range_alert(&r, cases[i].v) != cases[i].alert)
			fail_msg("case %zu: \"%s\" with %g: alert %d, wanted %d", i, cases[i].range,
				 cases[i].v, !cases[i].alert, cases[i].alert);
	}
	/* an unset range never alerts */
	struct td_range unset = { .set = false, .start = 5, .end = 1 };
	assert_false(td_range_alert(&unset, 0));
	assert_false(td_range_alert(&unset, 1e300));
	assert_false(td_range_alert(&unset, -INF));
}

static void test_scale(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		double factor;
		const char *out;
	} cases[] = {
		{ "10:20", 1000, "10000:20000" },
		{ "~:10", 0.001, "~:0.01" },
		{ "10:", 1024, "10240:" },
		{ "@1:2", 60, "@60:120" },
		{ "~:", 5, "~:" },
		{ "10", 1, "10" },
	};
	for (size_t i = 0; i < N(cases); i++) {
		struct td_range r;
		char buf[TD_RANGE_MAX];
		assert_int_equal(td_range_parse(cases[i].in, 0, &r, NULL, 0), TD_OK);
		td_range_scale(&r, cases[i].factor);
		if (strcmp(td_range_format(&r, buf, sizeof buf), cases[i].out))
			fail_msg("case %zu: \"%s\" * %g = \"%s\", wanted \"%s\"", i, cases[i].in,
				 cases[i].factor, buf, cases[i].out);
	}
	struct td_range r;
	assert_int_equal(td_range_parse("~:", 0, &r, NULL, 0), TD_OK);
	td_range_scale(&r, 2);
	assert_true(isinf(r.start) && r.start < 0);
	assert_true(isinf(r.end) && r.end > 0);
}

static void test_format_direct(void **state)
{
	(void)state;
	static const struct {
		struct td_range r;
		const char *out;
	} cases[] = {
		{ { .set = false, .start = 1, .end = 2 }, "" },
		{ { .set = true, .start = 0, .end = 10 }, "10" },
		{ { .set = true, .start = 0, .end = INF }, "0:" },
		{ { .set = true, .start = -INF, .end = INF }, "~:" },
		{ { .set = true, .inside = true, .start = 0, .end = 10 }, "@0:10" },
		{ { .set = true, .start = 1.0 / 3, .end = 2.0 / 3 }, "0.3333333333:0.6666666667" },
		{ { .set = true, .start = -1e20, .end = 1e20 },
		  "-100000000000000000000:100000000000000000000" },
		{ { .set = true, .start = 0, .end = 1e-7 }, "0.0000001" },
	};
	for (size_t i = 0; i < N(cases); i++) {
		char buf[TD_RANGE_MAX];
		memset(buf, 'x', sizeof buf);
		const char *got = td_range_format(&cases[i].r, buf, sizeof buf);
		if (got != buf || strcmp(got, cases[i].out))
			fail_msg("case %zu: \"%s\", wanted \"%s\"", i, got, cases[i].out);
		if (strpbrk(got, "eE,"))
			fail_msg("case %zu: exponent or comma in \"%s\"", i, got);
	}
	/* the widest range fits TD_RANGE_MAX exactly, with no truncation */
	struct td_range wide = { .set = true, .inside = true, .start = -1.7976931348623157e308,
				 .end = 1.7976931348623157e308 };
	char *buf = td_xmalloc(TD_RANGE_MAX);
	td_range_format(&wide, buf, TD_RANGE_MAX);
	char *colon = strchr(buf, ':');
	assert_non_null(colon);
	assert_int_equal(colon - buf, 1 + 1 + 309); /* "@-" and 309 digits */
	assert_int_equal(strlen(colon + 1), 309);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_parse_messages),
		cmocka_unit_test(test_parse_huge),
		cmocka_unit_test(test_alert_table),
		cmocka_unit_test(test_scale),
		cmocka_unit_test(test_format_direct),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_metric.c - metric.c: a metric's state, perfdata labels and items as
 * CONTRACT.md writes them, and parsing other plugins' perfdata back.
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
#include "tandem/metric.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static struct td_range range_of(const char *text)
{
	struct td_range r = { .set = false };
	if (text && td_range_parse(text, 0, &r, NULL, 0) != TD_OK)
		fail_msg("bad range \"%s\" in a test table", text);
	return r;
}

static void test_state_table(void **state)
{
	(void)state;
	static const struct {
		double v;
		bool known;
		const char *warn, *crit;
		enum td_state want;
	} cases[] = {
		{ 5, true, NULL, NULL, TD_STATE_OK },
		{ 5, true, "10", "20", TD_STATE_OK },
		{ 15, true, "10", "20", TD_STATE_WARNING },
		{ 25, true, "10", "20", TD_STATE_CRITICAL },
		{ 10, true, "10", "20", TD_STATE_OK },   /* ends are inclusive */
		{ 20, true, "10", "20", TD_STATE_WARNING },
		{ -1, true, "10", "20", TD_STATE_CRITICAL },
		{ 25, true, NULL, "20", TD_STATE_CRITICAL },
		{ 25, true, "20", NULL, TD_STATE_WARNING },
		{ 5, true, "10:", "5:", TD_STATE_WARNING },
		{ 4, true, "10:", "5:", TD_STATE_CRITICAL },
		{ 15, true, "@10:20", NULL, TD_STATE_WARNING },
		{ 15, true, "@10:20", "@14:16", TD_STATE_CRITICAL },
		{ 15, true, "30", "10", TD_STATE_CRITICAL }, /* crit wins even inside warn */
		{ 25, false, "10", "20", TD_STATE_OK },      /* unknown value: no threshold state */
		{ NAN, true, "10", "20", TD_STATE_OK },
		{ INFINITY, true, "10", "20", TD_STATE_CRITICAL },
	};
	for (size_t i = 0; i < N(cases); i++) {
		struct td_metric m = { .label = NULL, .value = cases[i].v, .known = cases[i].known };
		m.warn = range_of(cases[i].warn);
		m.crit = range_of(cases[i].crit);
		enum td_state got = td_metric_state(&m);
		if (got != cases[i].want)
			fail_msg("case %zu: %g warn %s crit %s: %s, wanted %s", i, cases[i].v,
				 cases[i].warn ? cases[i].warn : "-", cases[i].crit ? cases[i].crit : "-",
				 td_state_name(got), td_state_name(cases[i].want));
	}
}

static void test_label_table(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		const char *out;
	} cases[] = {
		{ "load1", "load1" },
		{ "/var/log", "/var/log" },
		{ "a.b-c_d:e", "a.b-c_d:e" },
		{ "a b", "'a b'" },
		{ " ", "' '" },
		{ "it's", "'it''s'" },
		{ "'", "''''" },
		{ "''", "''''''" },
		{ "a b's", "'a b''s'" },
		{ "a=b", "a_b" },           /* '=' never, even quoted */
		{ "=", "_" },
		{ "a|b", "a_b" },
		{ "a\nb", "a_b" },
		{ "a\r\nb", "a__b" },
		{ "a\tb", "a_b" },
		{ "\x7f", "_" },
		{ "\x01x", "_x" },
		{ "a b=c'd|e\n", "'a b_c''d_e_'" },
		{ "", "_" },
		{ "temp\xc3\xa9rature", "temp\xc3\xa9rature" }, /* UTF-8 kept */
		{ "a;b", "a;b" },
	};
	for (size_t i = 0; i < N(cases); i++) {
		struct td_buf b;
		td_buf_init(&b, 0);
		td_buf_puts(&b, "<");
		td_perfdata_label(&b, cases[i].in);
		td_buf_puts(&b, ">");
		char want[64];
		snprintf(want, sizeof want, "<%s>", cases[i].out);
		if (strcmp(td_buf_str(&b), want))
			fail_msg("case %zu: \"%s\", wanted \"%s\"", i, td_buf_str(&b), want);
		td_buf_cleanup(&b);
	}
	struct td_buf b;
	td_buf_init(&b, 0);
	td_perfdata_label(&b, NULL);
	assert_string_equal(td_buf_str(&b), "_");
	td_buf_cleanup(&b);
}

static void test_append_table(void **state)
{
	(void)state;
	static const struct {
		const char *label;
		double v;
		bool known;
		const char *uom, *warn, *crit;
		bool has_min;
		double min;
		bool has_max;
		double max;
		const char *out;
	} cases[] = {
		/* CONTRACT.md's example */
		{ "time", 0.012345, true, "s", "1", "2", true, 0, false, 0, "time=0.012345s;1;2;0" },
		{ "size", 1834, true, "B", NULL, NULL, true, 0, false, 0, "size=1834B;;;0" },
		{ "x", 5, true, "", NULL, NULL, false, 0, false, 0, "x=5" },
		{ "x", 5, false, "", NULL, NULL, false, 0, false, 0, "x=U" },
		{ "x", NAN, true, "", NULL, NULL, false, 0, false, 0, "x=U" },
		{ "x", INFINITY, true, "", NULL, NULL, false, 0, false, 0, "x=U" },
		{ "x", 1, true, "", "10", NULL, false, 0, false, 0, "x=1;10" },
		{ "x", 1, true, "", NULL, "20", false, 0, false, 0, "x=1;;20" },
		{ "x", 1, true, "", NULL, NULL, false, 0, true, 100, "x=1;;;;100" },
		{ "x", 1, true, "", NULL, NULL, true, 0, true, 100, "x=1;;;0;100" },
		{ "a b", 1, true, "%", "80", "90", true, 0, true, 100, "'a b'=1%;80;90;0;100" },
		{ "it's", 2, true, "c", NULL, NULL, false, 0, false, 0, "'it''s'=2c" },
		/* ranges normalised */
		{ "r", 1, true, "", "~:10", "10:", false, 0, false, 0, "r=1;~:10;10:" },
		{ "r", 1, true, "", "@10:20", "0:5", false, 0, false, 0, "r=1;@10:20;5" },
		/* numbers: plain decimals, exact integers */
		{ "n", -0.5, true, "", NULL, NULL, false, 0, false, 0, "n=-0.5" },
		{ "n", 1e20, true, "B", NULL, NULL, false, 0, false, 0, "n=100000000000000000000B" },
		{ "n", 1e-7, true, "s", NULL, NULL, false, 0, false, 0, "n=0.0000001s" },
		{ "n", 18446744073709551616.0, true, "c", NULL, NULL, false, 0, false, 0,
		  "n=18446744073709551616c" },
		{ "n", 1.5, true, "", NULL, NULL, true, -0.25, true, 1e9, "n=1.5;;;-0.25;1000000000" },
		/* a UOM never carries separators */
		{ "u", 1, true, "a b;|", NULL, NULL, false, 0, false, 0, "u=1ab" },
		{ "u", 1, true, "'=%", NULL, NULL, false, 0, false, 0, "u=1%" },
		/* labels cleaned */
		{ "a=b|c", 1, true, "", NULL, NULL, false, 0, false, 0, "a_b_c=1" },
		{ "", 1, true, "", NULL, NULL, false, 0, false, 0, "_=1" },
	};
	for (size_t i = 0; i < N(cases); i++) {
		struct td_metric m = {
			.label = (char *)cases[i].label,
			.value = cases[i].v,
			.known = cases[i].known,
			.has_min = cases[i].has_min,
			.min = cases[i].min,
			.has_max = cases[i].has_max,
			.max = cases[i].max,
		};
		snprintf(m.uom, sizeof m.uom, "%s", cases[i].uom);
		m.warn = range_of(cases[i].warn);
		m.crit = range_of(cases[i].crit);
		struct td_buf b;
		td_buf_init(&b, 0);
		td_perfdata_append(&b, &m);
		if (strcmp(td_buf_str(&b), cases[i].out))
			fail_msg("case %zu: \"%s\", wanted \"%s\"", i, td_buf_str(&b), cases[i].out);
		td_buf_cleanup(&b);
	}
}

/* What td_perfdata_parse delivered, flattened for comparison. */
struct collected {
	int n;
	char text[8][160];
};

static void collect(void *ctx, const struct td_metric *m)
{
	struct collected *c = ctx;
	char v[TD_NUMBER_MAX], w[TD_RANGE_MAX], cr[TD_RANGE_MAX], mn[TD_NUMBER_MAX],
		mx[TD_NUMBER_MAX];
	if (c->n >= (int)N(c->text)) {
		c->n++;
		return;
	}
	snprintf(c->text[c->n], sizeof c->text[0], "[%s] %s %s w=%s c=%s min=%s max=%s", m->label,
		 m->known ? td_fmt_number(m->value, v, sizeof v) : "U", m->uom,
		 td_range_format(&m->warn, w, sizeof w), td_range_format(&m->crit, cr, sizeof cr),
		 m->has_min ? td_fmt_number(m->min, mn, sizeof mn) : "-",
		 m->has_max ? td_fmt_number(m->max, mx, sizeof mx) : "-");
	c->n++;
}

static void test_parse_table(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		enum td_err rc;
		int n;
		const char *want[4];
		const char *err; /* a part of the message on error */
	} cases[] = {
		{ "", TD_OK, 0, { NULL }, NULL },
		{ "   \t\n ", TD_OK, 0, { NULL }, NULL },
		{ "load1=0.52;5;10;0", TD_OK, 1, { "[load1] 0.52  w=5 c=10 min=0 max=-" }, NULL },
		{ "time=0.012345s;1;2;0 size=1834B;;;0", TD_OK, 2,
		  { "[time] 0.012345 s w=1 c=2 min=0 max=-", "[size] 1834 B w= c= min=0 max=-" }, NULL },
		{ "'a b'=1", TD_OK, 1, { "[a b] 1  w= c= min=- max=-" }, NULL },
		{ "'it''s'=1", TD_OK, 1, { "[it's] 1  w= c= min=- max=-" }, NULL },
		{ "''''=1", TD_OK, 1, { "['] 1  w= c= min=- max=-" }, NULL },
		{ "'a=b'=1", TD_OK, 1, { "[a=b] 1  w= c= min=- max=-" }, NULL },
		{ "'a|b c'=1", TD_OK, 1, { "[a|b c] 1  w= c= min=- max=-" }, NULL },
		{ "x=U", TD_OK, 1, { "[x] U  w= c= min=- max=-" }, NULL },
		{ "x=U;1;2;0;10", TD_OK, 1, { "[x] U  w=1 c=2 min=0 max=10" }, NULL },
		{ "x=1e+09", TD_OK, 1, { "[x] 1000000000  w= c= min=- max=-" }, NULL },
		{ "x=1.5E-3s", TD_OK, 1, { "[x] 0.0015 s w= c= min=- max=-" }, NULL },
		{ "x=2e3;1e3;;0;1E4", TD_OK, 1, { "[x] 2000  w= c= min=0 max=10000" }, NULL },
		{ "x=-5 y=.5 z=+3", TD_OK, 3,
		  { "[x] -5  w= c= min=- max=-", "[y] 0.5  w= c= min=- max=-",
		    "[z] 3  w= c= min=- max=-" }, NULL },
		{ "x=10%;80;90;0;100;extra;junk", TD_OK, 1, { "[x] 10 % w=80 c=90 min=0 max=100" },
		  NULL },
		{ "x=5c", TD_OK, 1, { "[x] 5 c w= c= min=- max=-" }, NULL },
		{ "x=5ms", TD_OK, 1, { "[x] 5 ms w= c= min=- max=-" }, NULL },
		{ "x=5KB;;;;", TD_OK, 1, { "[x] 5 KB w= c= min=- max=-" }, NULL },
		{ "x=5;~:10;@10:20", TD_OK, 1, { "[x] 5  w=~:10 c=@10:20 min=- max=-" }, NULL },
		{ "x=5;0:10;10:", TD_OK, 1, { "[x] 5  w=10 c=10: min=- max=-" }, NULL },
		/* thresholds we cannot read are dropped, the value is kept */
		{ "x=5;abc;10;zz;1", TD_OK, 1, { "[x] 5  w= c=10 min=- max=1" }, NULL },
		{ "a=1  b=2", TD_OK, 2, { "[a] 1  w= c= min=- max=-", "[b] 2  w= c= min=- max=-" },
		  NULL },
		{ " a=1\n", TD_OK, 1, { "[a] 1  w= c= min=- max=-" }, NULL },
		{ "a=1\tb=2", TD_OK, 2, { "[a] 1  w= c= min=- max=-", "[b] 2  w= c= min=- max=-" },
		  NULL },
		{ "a=1\nb=2\r\n", TD_OK, 2,
		  { "[a] 1  w= c= min=- max=-", "[b] 2  w= c= min=- max=-" }, NULL },
		/* garbage stops with an error; items before it were delivered */
		{ "garbage", TD_E_PARSE, 0, { NULL }, "garbage" },
		{ "a=1 garbage b=2", TD_E_PARSE, 1, { "[a] 1  w= c= min=- max=-" }, "garbage" },
		{ "a=", TD_E_PARSE, 0, { NULL }, "a" },
		{ "=1", TD_E_PARSE, 0, { NULL }, "=1" },
		{ "''=1", TD_E_PARSE, 0, { NULL }, "''=1" },
		{ "'unterminated=1", TD_E_PARSE, 0, { NULL }, "unterminated" },
		{ "'a'b=1", TD_E_PARSE, 0, { NULL }, "'a'b=1" },
		{ "a=abc", TD_E_PARSE, 0, { NULL }, "abc" },
		{ "a=1.2.3", TD_E_PARSE, 0, { NULL }, "1.2.3" },
		{ "a=--1", TD_E_PARSE, 0, { NULL }, "--1" },
		{ "a=;1;2", TD_E_PARSE, 0, { NULL }, "a" },
		{ "a=1e5000", TD_E_PARSE, 0, { NULL }, "1e5000" },
		{ "a=1e400", TD_E_PARSE, 0, { NULL }, "1e400" },
		{ "a=inf", TD_E_PARSE, 0, { NULL }, "inf" },
		{ "a=nan", TD_E_PARSE, 0, { NULL }, "nan" },
		{ "a=5verylongunit", TD_E_PARSE, 0, { NULL }, "verylongunit" },
		{ "a b=1", TD_E_PARSE, 0, { NULL }, "a b=1" },
		{ "a=1;2;3 b", TD_E_PARSE, 1, { "[a] 1  w=2 c=3 min=- max=-" }, "b" },
	};
	for (size_t i = 0; i < N(cases); i++) {
		struct collected c = { 0 };
		char err[256] = "";
		enum td_err rc = td_perfdata_parse(cases[i].in, collect, &c, err, sizeof err);
		if (rc != cases[i].rc)
			fail_msg("case %zu \"%s\": rc %d, wanted %d (%s)", i, cases[i].in, rc, cases[i].rc,
				 err);
		if (c.n != cases[i].n)
			fail_msg("case %zu \"%s\": %d metrics, wanted %d", i, cases[i].in, c.n,
				 cases[i].n);
		for (int k = 0; k < c.n && k < (int)N(cases[i].want); k++)
			if (strcmp(c.text[k], cases[i].want[k]))
				fail_msg("case %zu \"%s\" metric %d: \"%s\", wanted \"%s\"", i, cases[i].in,
					 k, c.text[k], cases[i].want[k]);
		if (rc != TD_OK && (!err[0] || (cases[i].err && !strstr(err, cases[i].err))))
			fail_msg("case %zu \"%s\": message \"%s\" lacks \"%s\"", i, cases[i].in, err,
				 cases[i].err ? cases[i].err : "");
	}
}

static void count(void *ctx, const struct td_metric *m)
{
	(void)m;
	(*(int *)ctx)++;
}

/* Huge input: many items, and a label beyond the cap is an error. */
static void test_parse_huge(void **state)
{
	(void)state;
	struct td_buf b;
	td_buf_init(&b, 0);
	for (int i = 0; i < 10000; i++)
		td_buf_printf(&b, "%sm%d=%d.5s;1;2;0;100", i ? " " : "", i, i);
	int n = 0;
	assert_int_equal(td_perfdata_parse(td_buf_str(&b), count, &n, NULL, 0), TD_OK);
	assert_int_equal(n, 10000);
	td_buf_reset(&b);
	td_buf_puts(&b, "ok=1 ");
	for (int i = 0; i < 5000; i++)
		td_buf_putc(&b, 'x');
	td_buf_puts(&b, "=1");
	n = 0;
	char err[128] = "";
	assert_int_equal(td_perfdata_parse(td_buf_str(&b), count, &n, err, sizeof err), TD_E_PARSE);
	assert_int_equal(n, 1);
	assert_true(err[0] != '\0');
	assert_true(strlen(err) < 128);
	td_buf_cleanup(&b);
}

/* What td_perfdata_append writes, td_perfdata_parse reads back. */
struct roundtrip {
	const struct td_metric *want;
	int n;
};

static void check_back(void *ctx, const struct td_metric *m)
{
	struct roundtrip *rt = ctx;
	const struct td_metric *w = &rt->want[rt->n++];
	char a[TD_RANGE_MAX], b[TD_RANGE_MAX];
	assert_string_equal(m->label, w->label);
	assert_int_equal(m->known, w->known);
	if (w->known && fabs(m->value - w->value) > fabs(w->value) * 1e-9)
		fail_msg("%s: %.17g read back as %.17g", w->label, w->value, m->value);
	/* an unknown value is written as a bare U: its UOM is not kept */
	assert_string_equal(m->uom, w->known ? w->uom : "");
	assert_string_equal(td_range_format(&m->warn, a, sizeof a),
			    td_range_format(&w->warn, b, sizeof b));
	assert_string_equal(td_range_format(&m->crit, a, sizeof a),
			    td_range_format(&w->crit, b, sizeof b));
	assert_int_equal(m->has_min, w->has_min);
	assert_int_equal(m->has_max, w->has_max);
	if (w->has_min)
		assert_true(m->min == w->min);
	if (w->has_max)
		assert_true(m->max == w->max);
}

static void test_roundtrip(void **state)
{
	(void)state;
	struct td_metric ms[] = {
		{ .label = "load1", .value = 0.52, .known = true },
		{ .label = "a b", .value = -3.25, .known = true, .uom = "s" },
		{ .label = "it's 'quoted'", .value = 1e20, .known = true, .uom = "B", .has_min = true },
		{ .label = "unknown", .known = false, .uom = "%", .has_max = true, .max = 100 },
		{ .label = "tiny", .value = 0.0000123, .known = true, .uom = "ms" },
		{ .label = "ctr", .value = 18446744073709551616.0, .known = true, .uom = "c" },
	};
	ms[0].warn = range_of("5");
	ms[0].crit = range_of("10");
	ms[1].warn = range_of("@-1:1");
	ms[2].crit = range_of("~:100");
	ms[4].warn = range_of("0.00001:");
	struct td_buf b;
	td_buf_init(&b, 0);
	for (size_t i = 0; i < N(ms); i++) {
		if (i)
			td_buf_putc(&b, ' ');
		td_perfdata_append(&b, &ms[i]);
	}
	assert_non_null(strstr(td_buf_str(&b), " unknown=U;;;;100 "));
	struct roundtrip rt = { ms, 0 };
	char err[128] = "";
	if (td_perfdata_parse(td_buf_str(&b), check_back, &rt, err, sizeof err) != TD_OK)
		fail_msg("\"%s\": %s", td_buf_str(&b), err);
	assert_int_equal(rt.n, (int)N(ms));
	td_buf_cleanup(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_table),
		cmocka_unit_test(test_label_table),
		cmocka_unit_test(test_append_table),
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_parse_huge),
		cmocka_unit_test(test_roundtrip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_unit.c - unit.c: strict number and quantity parsing, and the
 * locale-independent number printing perfdata depends on.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <float.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tandem/buf.h"
#include "tandem/unit.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define KIB 1024.0
#define MIB (KIB * KIB)
#define GIB (MIB * KIB)
#define TIB (GIB * KIB)
#define PIB (TIB * KIB)

/* A string of n copies of c after prefix; the caller frees it. */
static char *repeat(const char *prefix, char c, size_t n, const char *suffix)
{
	size_t lp = strlen(prefix), ls = strlen(suffix);
	char *s = td_xmalloc(lp + n + ls + 1);
	memcpy(s, prefix, lp);
	memset(s + lp, c, n);
	memcpy(s + lp + n, suffix, ls + 1);
	return s;
}

/* Equal, or within a relative tolerance for values no double holds exactly. */
static bool close_enough(double got, double want, double rel)
{
	if (got == want)
		return true;
	return fabs(got - want) <= rel * fabs(want);
}

static void test_parse_number_table(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		enum td_err rc;
		double v;
		double rel; /* 0: exact */
	} cases[] = {
		{ "0", TD_OK, 0, 0 },
		{ "80", TD_OK, 80, 0 },
		{ "-1.5", TD_OK, -1.5, 0 },
		{ "+2", TD_OK, 2, 0 },
		{ ".5", TD_OK, 0.5, 0 },
		{ "-.5", TD_OK, -0.5, 0 },
		{ "5.", TD_OK, 5, 0 },
		{ "0.1", TD_OK, 0.1, 0 },
		{ "123.456", TD_OK, 123.456, 0 },
		{ "0.012345", TD_OK, 0.012345, 0 },
		{ "007", TD_OK, 7, 0 },
		{ "-0", TD_OK, 0, 0 },
		{ "9007199254740992", TD_OK, 9007199254740992.0, 0 },
		{ "9007199254740993", TD_OK, 9007199254740992.0, 0 }, /* nearest double */
		{ "18446744073709551615", TD_OK, 18446744073709551616.0, 0 },
		{ "123456789012345678901234567890", TD_OK, 1.2345678901234568e29, 1e-15 },
		{ "0.000000000000000000001", TD_OK, 1e-21, 1e-15 },
		/* empty and garbage */
		{ "", TD_E_PARSE, 0, 0 },
		{ ".", TD_E_PARSE, 0, 0 },
		{ "-", TD_E_PARSE, 0, 0 },
		{ "+", TD_E_PARSE, 0, 0 },
		{ "-.", TD_E_PARSE, 0, 0 },
		{ "abc", TD_E_PARSE, 0, 0 },
		{ "--1", TD_E_PARSE, 0, 0 },
		{ "+-1", TD_E_PARSE, 0, 0 },
		{ "1-", TD_E_PARSE, 0, 0 },
		{ "1..2", TD_E_PARSE, 0, 0 },
		{ "1.2.3", TD_E_PARSE, 0, 0 },
		{ "1,5", TD_E_PARSE, 0, 0 },
		{ "0x10", TD_E_PARSE, 0, 0 },
		{ "inf", TD_E_PARSE, 0, 0 },
		{ "-inf", TD_E_PARSE, 0, 0 },
		{ "nan", TD_E_PARSE, 0, 0 },
		{ "infinity", TD_E_PARSE, 0, 0 },
		/* no exponent notation */
		{ "1e5", TD_E_PARSE, 0, 0 },
		{ "1E5", TD_E_PARSE, 0, 0 },
		{ "1e+09", TD_E_PARSE, 0, 0 },
		{ "1.5e-3", TD_E_PARSE, 0, 0 },
		/* no space, no trailing junk */
		{ " 1", TD_E_PARSE, 0, 0 },
		{ "1 ", TD_E_PARSE, 0, 0 },
		{ "1\n", TD_E_PARSE, 0, 0 },
		{ "12abc", TD_E_PARSE, 0, 0 },
		{ "10ms", TD_E_PARSE, 0, 0 },
		{ "10%", TD_E_PARSE, 0, 0 },
	};
	for (size_t i = 0; i < N(cases); i++) {
		double v = -12345;
		enum td_err rc = td_parse_number(cases[i].in, NULL, &v);
		if (rc != cases[i].rc)
			fail_msg("case %zu \"%s\": rc %d, wanted %d", i, cases[i].in, rc, cases[i].rc);
		if (rc != TD_OK && v != -12345)
			fail_msg("case %zu \"%s\": output written on error", i, cases[i].in);
		if (rc == TD_OK && !close_enough(v, cases[i].v, cases[i].rel))
			fail_msg("case %zu \"%s\": %.17g, wanted %.17g", i, cases[i].in, v, cases[i].v);
	}
}

/* max and max+1: 1e308 is finite, 1e309 is not; very long input. */
static void test_parse_number_huge(void **state)
{
	(void)state;
	double v = 0;
	char *s = repeat("1", '0', 308, "");
	assert_int_equal(td_parse_number(s, NULL, &v), TD_OK);
	assert_true(close_enough(v, 1e308, 1e-15));
	free(s);
	s = repeat("1", '0', 309, "");
	assert_int_equal(td_parse_number(s, NULL, &v), TD_E_PARSE);
	free(s);
	s = repeat("-1", '0', 309, "");
	assert_int_equal(td_parse_number(s, NULL, &v), TD_E_PARSE);
	free(s);
	/* 1 MB of digits is rejected, not looped over into infinity */
	s = repeat("", '9', 1 << 20, "");
	assert_int_equal(td_parse_number(s, NULL, &v), TD_E_PARSE);
	free(s);
	/* 1 MB of zeros is still zero */
	s = repeat("", '0', 1 << 20, "");
	v = -1;
	assert_int_equal(td_parse_number(s, NULL, &v), TD_OK);
	assert_true(v == 0);
	free(s);
	/* a long fraction keeps its leading digits */
	s = repeat("0.5", '1', 1 << 20, "");
	assert_int_equal(td_parse_number(s, NULL, &v), TD_OK);
	assert_true(close_enough(v, 0.51111111111111111, 1e-15));
	free(s);
	/* many zeros after the point underflow to zero, they do not fail */
	s = repeat("0.", '0', 100000, "1");
	assert_int_equal(td_parse_number(s, NULL, &v), TD_OK);
	assert_true(v == 0);
	free(s);
	/* huge with junk at the very end */
	s = repeat("", '1', 100000, "x");
	assert_int_equal(td_parse_number(s, NULL, &v), TD_E_PARSE);
	free(s);
}

/* "-0" parses as a zero; whatever its sign, it prints as "0". */
static void test_parse_number_negative_zero(void **state)
{
	(void)state;
	double v = 1;
	char buf[TD_NUMBER_MAX];
	assert_int_equal(td_parse_number("-0", NULL, &v), TD_OK);
	assert_true(v == 0);
	assert_string_equal(td_fmt_number(v, buf, sizeof buf), "0");
	assert_int_equal(td_parse_number("-0.000", NULL, &v), TD_OK);
	assert_true(v == 0);
}

/* end bounds the text: nothing past it is read (ASan checks the heap copy). */
static void test_parse_number_end(void **state)
{
	(void)state;
	double v = 0;
	char *s = td_xmalloc(2);
	memcpy(s, "42", 2); /* no NUL */
	assert_int_equal(td_parse_number(s, s + 2, &v), TD_OK);
	assert_true(v == 42);
	assert_int_equal(td_parse_number(s, s + 1, &v), TD_OK);
	assert_true(v == 4);
	assert_int_equal(td_parse_number(s, s, &v), TD_E_PARSE);
	free(s);
	assert_int_equal(td_parse_number("10:20", NULL, &v), TD_E_PARSE);
	const char *t = "10:20";
	assert_int_equal(td_parse_number(t, t + 2, &v), TD_OK);
	assert_true(v == 10);
}

static void test_parse_quantity_table(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		unsigned accept;
		enum td_err rc;
		double v;
		enum td_unit_kind kind;
	} cases[] = {
		{ "10", 0, TD_OK, 10, TD_UNIT_NONE },
		{ "10", TD_UNIT_ANY, TD_OK, 10, TD_UNIT_NONE },
		{ "-2.5", TD_UNIT_TIME, TD_OK, -2.5, TD_UNIT_NONE },
		/* time */
		{ "500ms", TD_UNIT_TIME, TD_OK, 0.5, TD_UNIT_TIME },
		{ "100us", TD_UNIT_TIME, TD_OK, 1e-4, TD_UNIT_TIME },
		{ "1.5s", TD_UNIT_TIME, TD_OK, 1.5, TD_UNIT_TIME },
		{ "2m", TD_UNIT_TIME, TD_OK, 120, TD_UNIT_TIME },
		{ "1h", TD_UNIT_TIME, TD_OK, 3600, TD_UNIT_TIME },
		{ "1d", TD_UNIT_TIME, TD_OK, 86400, TD_UNIT_TIME },
		{ ".5h", TD_UNIT_TIME, TD_OK, 1800, TD_UNIT_TIME },
		{ "10MS", TD_UNIT_TIME, TD_E_PARSE, 0, 0 }, /* time units are case-sensitive */
		{ "2H", TD_UNIT_TIME, TD_E_PARSE, 0, 0 },
		/* bytes, binary multiples, any case */
		{ "512B", TD_UNIT_BYTES, TD_OK, 512, TD_UNIT_BYTES },
		{ "512b", TD_UNIT_BYTES, TD_OK, 512, TD_UNIT_BYTES },
		{ "1K", TD_UNIT_BYTES, TD_OK, KIB, TD_UNIT_BYTES },
		{ "1k", TD_UNIT_BYTES, TD_OK, KIB, TD_UNIT_BYTES },
		{ "1KB", TD_UNIT_BYTES, TD_OK, KIB, TD_UNIT_BYTES },
		{ "1KiB", TD_UNIT_BYTES, TD_OK, KIB, TD_UNIT_BYTES },
		{ "1kib", TD_UNIT_BYTES, TD_OK, KIB, TD_UNIT_BYTES },
		{ "3M", TD_UNIT_BYTES, TD_OK, 3 * MIB, TD_UNIT_BYTES },
		{ "3m", TD_UNIT_BYTES, TD_OK, 3 * MIB, TD_UNIT_BYTES }, /* not minutes here */
		{ "3mb", TD_UNIT_BYTES, TD_OK, 3 * MIB, TD_UNIT_BYTES },
		{ "3MiB", TD_UNIT_BYTES, TD_OK, 3 * MIB, TD_UNIT_BYTES },
		{ "10GB", TD_UNIT_BYTES, TD_OK, 10 * GIB, TD_UNIT_BYTES },
		{ "10gb", TD_UNIT_BYTES, TD_OK, 10 * GIB, TD_UNIT_BYTES },
		{ "1.5G", TD_UNIT_BYTES, TD_OK, 1.5 * GIB, TD_UNIT_BYTES },
		{ "2TiB", TD_UNIT_BYTES, TD_OK, 2 * TIB, TD_UNIT_BYTES },
		{ "1P", TD_UNIT_BYTES, TD_OK, PIB, TD_UNIT_BYTES },
		{ "1PB", TD_UNIT_BYTES, TD_OK, PIB, TD_UNIT_BYTES },
		{ "-5GB", TD_UNIT_BYTES, TD_OK, -5 * GIB, TD_UNIT_BYTES },
		{ "1EB", TD_UNIT_BYTES, TD_E_PARSE, 0, 0 },
		{ "1GiBs", TD_UNIT_BYTES, TD_E_PARSE, 0, 0 },
		/* percent */
		{ "80%", TD_UNIT_PERCENT, TD_OK, 80, TD_UNIT_PERCENT },
		{ "80.5%", TD_UNIT_ANY, TD_OK, 80.5, TD_UNIT_PERCENT },
		{ "80%%", TD_UNIT_PERCENT, TD_E_PARSE, 0, 0 },
		/* one letter, two families: time wins when both are allowed */
		{ "3m", TD_UNIT_ANY, TD_OK, 180, TD_UNIT_TIME },
		{ "3M", TD_UNIT_ANY, TD_OK, 3 * MIB, TD_UNIT_BYTES },
		{ "3m", TD_UNIT_TIME | TD_UNIT_PERCENT, TD_OK, 180, TD_UNIT_TIME },
		/* a unit outside accept is an error, never ignored */
		{ "80%", 0, TD_E_PARSE, 0, 0 },
		{ "80%", TD_UNIT_TIME, TD_E_PARSE, 0, 0 },
		{ "500ms", 0, TD_E_PARSE, 0, 0 },
		{ "500ms", TD_UNIT_BYTES, TD_E_PARSE, 0, 0 },
		{ "10GB", TD_UNIT_TIME, TD_E_PARSE, 0, 0 },
		{ "2h", TD_UNIT_BYTES, TD_E_PARSE, 0, 0 },
		/* empty, garbage, junk */
		{ "", TD_UNIT_ANY, TD_E_PARSE, 0, 0 },
		{ "ms", TD_UNIT_ANY, TD_E_PARSE, 0, 0 },
		{ "-ms", TD_UNIT_ANY, TD_E_PARSE, 0, 0 },
		{ ".ms", TD_UNIT_ANY, TD_E_PARSE, 0, 0 },
		{ "abc", TD_UNIT_ANY, TD_E_PARSE, 0, 0 },
		{ "10xyz", TD_UNIT_ANY, TD_E_PARSE, 0, 0 },
		{ "10 ms", TD_UNIT_ANY, TD_E_PARSE, 0, 0 },
		{ "10ms ", TD_UNIT_ANY, TD_E_PARSE, 0, 0 },
		{ " 10", TD_UNIT_ANY, TD_E_PARSE, 0, 0 },
		{ "1e3", TD_UNIT_ANY, TD_E_PARSE, 0, 0 },
		{ "1e3s", TD_UNIT_ANY, TD_E_PARSE, 0, 0 },
		{ "1.2.3s", TD_UNIT_ANY, TD_E_PARSE, 0, 0 },
		{ "10s5", TD_UNIT_ANY, TD_E_PARSE, 0, 0 },
	};
	for (size_t i = 0; i < N(cases); i++) {
		double v = -12345;
		enum td_unit_kind kind = (enum td_unit_kind)99;
		char err[128] = "";
		enum td_err rc =
			td_parse_quantity(cases[i].in, NULL, cases[i].accept, &v, &kind, err, sizeof err);
		if (rc != cases[i].rc)
			fail_msg("case %zu \"%s\" accept %u: rc %d, wanted %d (%s)", i, cases[i].in,
				 cases[i].accept, rc, cases[i].rc, err);
		if (rc != TD_OK) {
			/* the message names the text */
			if (!strstr(err, cases[i].in))
				fail_msg("case %zu \"%s\": message \"%s\" does not name it", i, cases[i].in,
					 err);
			if (v != -12345 || kind != (enum td_unit_kind)99)
				fail_msg("case %zu \"%s\": output written on error", i, cases[i].in);
			continue;
		}
		if (!close_enough(v, cases[i].v, 1e-15) || kind != cases[i].kind)
			fail_msg("case %zu \"%s\": %.17g kind %d, wanted %.17g kind %d", i, cases[i].in, v,
				 kind, cases[i].v, cases[i].kind);
	}
}

static void test_parse_quantity_end(void **state)
{
	(void)state;
	const char *t = "10GB:20GB";
	double v = 0;
	enum td_unit_kind kind = TD_UNIT_NONE;
	assert_int_equal(td_parse_quantity(t, t + 4, TD_UNIT_BYTES, &v, &kind, NULL, 0), TD_OK);
	assert_true(v == 10 * GIB);
	assert_int_equal(kind, TD_UNIT_BYTES);
	/* err may be NULL, or of size 0 */
	char err[4] = "xyz";
	assert_int_equal(td_parse_quantity("bad", NULL, 0, &v, &kind, err, 0), TD_E_PARSE);
	assert_string_equal(err, "xyz");
	/* a small err is truncated, still terminated */
	assert_int_equal(td_parse_quantity("bad", NULL, 0, &v, &kind, err, sizeof err), TD_E_PARSE);
	assert_int_equal(strlen(err), 3);
}

static void test_parse_uint_table(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		unsigned long long min, max;
		enum td_err rc;
		unsigned long long v;
	} cases[] = {
		{ "0", 0, 10, TD_OK, 0 },
		{ "10", 0, 10, TD_OK, 10 },
		{ "007", 0, 10, TD_OK, 7 },
		{ "11", 0, 10, TD_E_PARSE, 0 },     /* max+1 */
		{ "100", 0, 10, TD_E_PARSE, 0 },
		{ "7", 0, 5, TD_E_PARSE, 0 },       /* one digit above max */
		{ "9", 0, 0, TD_E_PARSE, 0 },
		{ "0", 0, 0, TD_OK, 0 },
		{ "5", 6, 10, TD_E_PARSE, 0 },      /* below min */
		{ "6", 6, 10, TD_OK, 6 },
		{ "65535", 1, 65535, TD_OK, 65535 },
		{ "65536", 1, 65535, TD_E_PARSE, 0 },
		{ "0", 1, 65535, TD_E_PARSE, 0 },
		{ "18446744073709551615", 0, ULLONG_MAX, TD_OK, ULLONG_MAX },
		{ "18446744073709551616", 0, ULLONG_MAX, TD_E_PARSE, 0 },
		{ "99999999999999999999999", 0, ULLONG_MAX, TD_E_PARSE, 0 },
		{ "4294967296", 0, UINT_MAX, TD_E_PARSE, 0 },
		{ "4294967295", 0, UINT_MAX, TD_OK, UINT_MAX },
		{ "", 0, 10, TD_E_PARSE, 0 },
		{ "-1", 0, 10, TD_E_PARSE, 0 },
		{ "-0", 0, 10, TD_E_PARSE, 0 },
		{ "+1", 0, 10, TD_E_PARSE, 0 },
		{ " 1", 0, 10, TD_E_PARSE, 0 },
		{ "1 ", 0, 10, TD_E_PARSE, 0 },
		{ "1a", 0, 10, TD_E_PARSE, 0 },
		{ "0x10", 0, 100, TD_E_PARSE, 0 },
		{ "1.0", 0, 10, TD_E_PARSE, 0 },
		{ "1e1", 0, 100, TD_E_PARSE, 0 },
		{ "abc", 0, 10, TD_E_PARSE, 0 },
	};
	for (size_t i = 0; i < N(cases); i++) {
		unsigned long long v = 424242;
		enum td_err rc = td_parse_uint(cases[i].in, cases[i].min, cases[i].max, &v);
		if (rc != cases[i].rc)
			fail_msg("case %zu \"%s\" [%llu, %llu]: rc %d, wanted %d (value %llu)", i,
				 cases[i].in, cases[i].min, cases[i].max, rc, cases[i].rc, v);
		if (rc == TD_OK && v != cases[i].v)
			fail_msg("case %zu \"%s\": %llu, wanted %llu", i, cases[i].in, v, cases[i].v);
		if (rc != TD_OK && v != 424242)
			fail_msg("case %zu \"%s\": output written on error", i, cases[i].in);
	}
	unsigned long long v = 0;
	assert_int_equal(td_parse_uint(NULL, 0, 10, &v), TD_E_PARSE);
	char *s = repeat("", '9', 1 << 20, "");
	assert_int_equal(td_parse_uint(s, 0, ULLONG_MAX, &v), TD_E_PARSE);
	free(s);
	s = repeat("", '0', 1 << 20, "1");
	assert_int_equal(td_parse_uint(s, 0, 10, &v), TD_OK);
	assert_int_equal(v, 1);
	free(s);
}

static void test_parse_seconds_table(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		enum td_err rc;
		double v;
	} cases[] = {
		{ "10", TD_OK, 10 },
		{ "1.5", TD_OK, 1.5 },
		{ ".5", TD_OK, 0.5 },
		{ "500ms", TD_OK, 0.5 },
		{ "250us", TD_OK, 250e-6 },
		{ "10s", TD_OK, 10 },
		{ "2m", TD_OK, 120 },
		{ "1h", TD_OK, 3600 },
		{ "1d", TD_OK, 86400 },
		{ "0.0000001", TD_OK, 1e-7 },
		{ "1000000000", TD_OK, 1e9 },     /* max */
		{ "1000000001", TD_E_PARSE, 0 },  /* max+1 */
		{ "11574d", TD_OK, 11574 * 86400.0 },
		{ "11575d", TD_E_PARSE, 0 },      /* 1000080000 s */
		{ "0", TD_E_PARSE, 0 },
		{ "0ms", TD_E_PARSE, 0 },
		{ "0.0", TD_E_PARSE, 0 },
		{ "-0", TD_E_PARSE, 0 },
		{ "-1", TD_E_PARSE, 0 },
		{ "-500ms", TD_E_PARSE, 0 },
		{ "", TD_E_PARSE, 0 },
		{ "abc", TD_E_PARSE, 0 },
		{ "10x", TD_E_PARSE, 0 },
		{ "10 s", TD_E_PARSE, 0 },
		{ "10s ", TD_E_PARSE, 0 },
		{ "10%", TD_E_PARSE, 0 },
		{ "10GB", TD_E_PARSE, 0 },
		{ "1e3", TD_E_PARSE, 0 },
		{ "inf", TD_E_PARSE, 0 },
		{ "10:20", TD_E_PARSE, 0 },
	};
	for (size_t i = 0; i < N(cases); i++) {
		double v = -1;
		char err[160] = "";
		enum td_err rc = td_parse_seconds(cases[i].in, &v, err, sizeof err);
		if (rc != cases[i].rc)
			fail_msg("case %zu \"%s\": rc %d, wanted %d", i, cases[i].in, rc, cases[i].rc);
		if (rc == TD_OK && !close_enough(v, cases[i].v, 1e-15))
			fail_msg("case %zu \"%s\": %.17g, wanted %.17g", i, cases[i].in, v, cases[i].v);
		if (rc != TD_OK) {
			char quoted[64];
			snprintf(quoted, sizeof quoted, "\"%s\"", cases[i].in);
			if (!strstr(err, quoted) || v != -1)
				fail_msg("case %zu \"%s\": message \"%s\" / value %g", i, cases[i].in, err, v);
		}
	}
	double v;
	char *s = repeat("", '1', 100000, "");
	assert_int_equal(td_parse_seconds(s, &v, NULL, 0), TD_E_PARSE);
	free(s);
}

/* Expected output of td_fmt_number; "" means "compare with %.0f" (huge). */
static void test_fmt_number_table(void **state)
{
	(void)state;
	static const struct {
		double v;
		const char *out;
	} cases[] = {
		{ 0, "0" },
		{ -0.0, "0" },
		{ 1, "1" },
		{ -1, "-1" },
		{ 42, "42" },
		{ 1834, "1834" },
		{ 0.5, "0.5" },
		{ -0.5, "-0.5" },
		{ 1.5, "1.5" },
		{ 0.1, "0.1" },
		{ 0.012345, "0.012345" },
		{ 0.012, "0.012" },
		{ 123.456, "123.456" },
		{ 12345.6789, "12345.6789" },
		{ 1.0 / 3, "0.3333333333" },
		{ 2.0 / 3, "0.6666666667" },
		{ -2.0 / 3, "-0.6666666667" },
		{ 1e-7, "0.0000001" },
		{ 1.5e-9, "0.0000000015" },
		{ -1e-7, "-0.0000001" },
		{ 1e-6, "0.000001" },
		{ 0.00012345678901, "0.000123456789" },
		{ 1e-16, "0" },
		{ -1e-16, "0" },
		{ 9.99999999999, "10" },
		{ 0.99999999999, "1" },
		{ 99.999999999999, "100" },
		{ 123456789012.5, "123456789013" },
		{ 4294967296.0, "4294967296" },
		{ 1e15, "1000000000000000" },
		{ 1e15 + 1, "1000000000000001" },
		{ 9007199254740992.0, "9007199254740992" },
		{ 9007199254740994.0, "9007199254740994" },
		{ -9007199254740994.0, "-9007199254740994" },
		{ 9223372036854775808.0, "9223372036854775808" },
		{ 18446744073709551616.0, "18446744073709551616" },
		{ 1e20, "100000000000000000000" },
		{ -1e20, "-100000000000000000000" },
		{ 1e47, "" },
		{ 1e100, "" },
		{ 1e300, "" },
		{ -1e300, "" },
		{ DBL_MAX, "" },
		{ -DBL_MAX, "" },
		{ NAN, "U" },
		{ -NAN, "U" },
		{ INFINITY, "U" },
		{ -INFINITY, "U" },
	};
	for (size_t i = 0; i < N(cases); i++) {
		char *buf = td_xmalloc(TD_NUMBER_MAX); /* exactly the documented size, for ASan */
		char want[512];
		if (cases[i].out[0])
			snprintf(want, sizeof want, "%s", cases[i].out);
		else
			snprintf(want, sizeof want, "%.0f", cases[i].v);
		const char *got = td_fmt_number(cases[i].v, buf, TD_NUMBER_MAX);
		if (got != buf)
			fail_msg("case %zu: did not return buf", i);
		if (strcmp(got, want))
			fail_msg("case %zu %.17g: \"%s\", wanted \"%s\"", i, cases[i].v, got, want);
		free(buf);
	}
}

/*
 * Over every magnitude perfdata may carry: no exponent, no comma, and the
 * text reads back as the value (10 significant digits, or 15 decimals).
 */
static void test_fmt_number_sweep(void **state)
{
	(void)state;
	static const double mant[] = { 1, 1.25, 2.5, 3.14159265358979, 7.000001, 9.87654321 };
	unsigned n = 0;
	for (int e = -14; e <= 22; e++)
		for (size_t m = 0; m < N(mant); m++)
			for (int sign = -1; sign <= 1; sign += 2) {
				double v = sign * mant[m] * pow(10, e);
				char buf[TD_NUMBER_MAX];
				td_fmt_number(v, buf, sizeof buf);
				if (strpbrk(buf, "eE,") || !buf[0])
					fail_msg("%.17g printed as \"%s\"", v, buf);
				size_t len = strlen(buf);
				if (strchr(buf, '.') && (buf[len - 1] == '0' || buf[len - 1] == '.'))
					fail_msg("%.17g printed as \"%s\": trailing zeros", v, buf);
				double back;
				if (td_parse_number(buf, NULL, &back) != TD_OK)
					fail_msg("%.17g printed as \"%s\": does not parse", v, buf);
				double tol = fmax(fabs(v) * 1e-9, 1e-15);
				if (fabs(back - v) > tol)
					fail_msg("%.17g printed as \"%s\": reads back as %.17g", v, buf, back);
				n++;
			}
	assert_true(n > 400);
}

/* A decimal comma locale must not leak into perfdata. */
static void test_fmt_number_locale(void **state)
{
	(void)state;
	static const char *const locales[] = { "de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "fr_FR.utf8" };
	char buf[TD_NUMBER_MAX];
	const char *used = NULL;
	for (size_t i = 0; i < N(locales) && !used; i++)
		if (setlocale(LC_ALL, locales[i]))
			used = locales[i];
	if (used) {
		assert_string_equal(td_fmt_number(0.5, buf, sizeof buf), "0.5");
		assert_string_equal(td_fmt_number(-1234567.125, buf, sizeof buf), "-1234567.125");
		assert_string_equal(td_fmt_number(1e20, buf, sizeof buf), "100000000000000000000");
		assert_string_equal(td_fmt_bytes(1.5 * KIB, buf, sizeof buf), "1.5 KiB");
		double v;
		assert_int_equal(td_parse_number("0.5", NULL, &v), TD_OK);
		assert_true(v == 0.5);
		assert_int_equal(td_parse_number("0,5", NULL, &v), TD_E_PARSE);
		setlocale(LC_ALL, "C");
	} else {
		print_message("no decimal-comma locale installed: locale sub-check skipped\n");
	}
	/* the C locale checks run everywhere */
	assert_string_equal(td_fmt_number(0.5, buf, sizeof buf), "0.5");
}

/* A short buffer is filled, terminated, never overrun. */
static void test_fmt_number_short_buffer(void **state)
{
	(void)state;
	char *buf = td_xmalloc(4);
	assert_string_equal(td_fmt_number(123456, buf, 4), "123");
	assert_string_equal(td_fmt_number(0.123456, buf, 4), "0.1");
	assert_string_equal(td_fmt_number(1e300, buf, 4), "100");
	assert_string_equal(td_fmt_number(NAN, buf, 4), "U");
	free(buf);
}

static void test_fmt_bytes_table(void **state)
{
	(void)state;
	static const struct {
		double v;
		const char *out;
	} cases[] = {
		{ 0, "0 B" },
		{ 1, "1 B" },
		{ 512, "512 B" },
		{ 1023, "1023 B" },
		{ 1024, "1 KiB" },
		{ 1536, "1.5 KiB" },
		{ 10 * MIB, "10 MiB" },
		{ 12.3 * GIB, "12.3 GiB" },
		{ 12.34 * GIB, "12.3 GiB" },
		{ 12.36 * GIB, "12.4 GiB" },
		{ 2 * TIB, "2 TiB" },
		{ 3 * PIB, "3 PiB" },
		{ PIB * KIB, "1 EiB" },
		{ PIB * KIB * KIB, "1024 EiB" },
		{ -2048, "-2 KiB" },
		{ -1, "-1 B" },
	};
	for (size_t i = 0; i < N(cases); i++) {
		char buf[64];
		const char *got = td_fmt_bytes(cases[i].v, buf, sizeof buf);
		if (got != buf || strcmp(got, cases[i].out))
			fail_msg("case %zu %.17g: \"%s\", wanted \"%s\"", i, cases[i].v, got, cases[i].out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_number_table),
		cmocka_unit_test(test_parse_number_huge),
		cmocka_unit_test(test_parse_number_negative_zero),
		cmocka_unit_test(test_parse_number_end),
		cmocka_unit_test(test_parse_quantity_table),
		cmocka_unit_test(test_parse_quantity_end),
		cmocka_unit_test(test_parse_uint_table),
		cmocka_unit_test(test_parse_seconds_table),
		cmocka_unit_test(test_fmt_number_table),
		cmocka_unit_test(test_fmt_number_sweep),
		cmocka_unit_test(test_fmt_number_locale),
		cmocka_unit_test(test_fmt_number_short_buffer),
		cmocka_unit_test(test_fmt_bytes_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

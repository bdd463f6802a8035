/*
 * test_snmp.c - check_snmp without an agent: its command line, the units,
 * the --rate samples and their wraps (fixtures), and how each kind of value
 * becomes a state, a summary and perfdata.
 */
#include "config.h" /* first: the included sources need _GNU_SOURCE */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../plugins/probes/snmp.c"

#define MAXARGS 24

/* Parses "check_snmp ARGS..." (NULL-terminated); returns rc, *cfg on success. */
static enum td_err parse(const char *const *args, void **cfg, char *err, size_t errlen)
{
	char *argv[MAXARGS] = { "check_snmp" };
	int argc = 1;
	for (; args[argc - 1] && argc < MAXARGS; argc++)
		argv[argc] = (char *)args[argc - 1];
	struct td_common common;
	return td_probe_parse(&td_probe_snmp, argc, argv, "check_snmp", &common, cfg, err, errlen);
}

static void test_parse_table(void **state)
{
	(void)state;
	static const struct {
		const char *args[MAXARGS];
		enum td_err rc;
		const char *msg;
	} cases[] = {
		{ { "-H", "h", "-o", "1.3.6.1.2.1.1.3.0" }, TD_OK, NULL },
		{ { "-H", "h", "-o", "1.3.6.1.2.1.1.3.0,1.3.6.1.2.1.1.5.0", "-o", "sysName.0" },
		  TD_OK, NULL },
		{ { "-H", "h", "-o", "1.3.6.1.2.1.1.3.0 1.3.6.1.2.1.1.5.0" }, TD_OK, NULL },
		{ { "-H", "h" }, TD_E_USAGE, "-o" },
		{ { "-o", "1.3.6.1.2.1.1.3.0" }, TD_E_USAGE, "-H" },
		{ { "-H", "h", "-o", "" }, TD_E_USAGE, "-o" },
		{ { "-H", "h", "-o", ",,," }, TD_E_USAGE, "-o" },
		{ { "-H", "h", "-o", "1..3" }, TD_E_USAGE, "not an OID" },
		{ { "-H", "h", "-o", "5" }, TD_E_USAGE, "not an OID" },
		{ { "-H", "h", "-o", "1.3,1.4", "-w", "10,20" }, TD_OK, NULL },
		{ { "-H", "h", "-o", "1.3,1.4", "-w", ",20" }, TD_OK, NULL },
		{ { "-H", "h", "-o", "1.3,1.4", "-w", "10,20,30" }, TD_E_USAGE,
		  "-w: 3 ranges for 2 OIDs" },
		{ { "-H", "h", "-o", "1.3", "-c", "abc" }, TD_E_USAGE, "-c" },
		{ { "-H", "h", "-o", "1.3", "-w", "10:5" }, TD_E_USAGE, "-w" },
		{ { "-H", "h", "-o", "1.3", "-w", "@1:2" }, TD_OK, NULL },
		{ { "-H", "h", "-o", "1.3", "-c", "" }, TD_E_USAGE, "-c: an empty string" },
		{ { "-H", "h", "-o", "1.3,1.4", "-c", "," }, TD_OK, NULL },
		{ { "-H", "h", "-o", "1.3", "-l", "a,b" }, TD_E_USAGE, "-l" },
		{ { "-H", "h", "-o", "1.3", "-u", "s,s" }, TD_E_USAGE, "-u" },
		{ { "-H", "h", "-o", "1.3", "-s", "a", "-s", "b" }, TD_E_USAGE,
		  "tests for 1 OIDs" },
		{ { "-H", "h", "-o", "1.3,1.4", "-s", "a", "-r", "b" }, TD_OK, NULL },
		{ { "-H", "h", "-o", "1.3", "-r", "(" }, TD_E_USAGE, "-r" },
		{ { "-H", "h", "-o", "1.3", "-R", "[a-" }, TD_E_USAGE, "-R" },
		{ { "-H", "h", "-o", "1.3", "--rate", "--rate-multiplier", "60" }, TD_OK, NULL },
		{ { "-H", "h", "-o", "1.3", "--rate-multiplier", "0" }, TD_E_USAGE,
		  "--rate-multiplier" },
		{ { "-H", "h", "-o", "1.3", "--rate-multiplier", "x" }, TD_E_USAGE,
		  "--rate-multiplier" },
		{ { "-H", "h", "-o", "1.3", "--rate", "-n" }, TD_E_USAGE, "--rate" },
		{ { "-H", "h", "-o", "1.3", "-M", "-0.5", "--offset", "3" }, TD_OK, NULL },
		{ { "-H", "h", "-o", "1.3", "-M", "1e3" }, TD_E_USAGE, "-M" },
		{ { "-H", "h", "-o", "1.3", "-D", "01234567890123456" }, TD_E_USAGE, "-D" },
		{ { "-H", "h", "-o", "1.3", "-d", "=" }, TD_OK, NULL },
		{ { "-H", "h", "-o", "1.3", "-P", "3" }, TD_E_USAGE, "-U" },
		{ { "-H", "h", "-o", "1.3", "-t", "5:unknown", "-e", "2" }, TD_OK, NULL },
		{ { "-H", "h", "-o", "1.3", "-x", "AES" }, TD_OK, NULL },
		{ { "-H", "h", "-o", "1.3", "--bogus" }, TD_E_USAGE, "--bogus" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		void *cfg = NULL;
		char err[256] = "";
		enum td_err rc = parse(cases[i].args, &cfg, err, sizeof err);
		if (rc != cases[i].rc)
			fail_msg("case %zu: rc %d, wanted %d: %s", i, rc, cases[i].rc, err);
		if (cases[i].msg && !strstr(err, cases[i].msg))
			fail_msg("case %zu: \"%s\" does not say %s", i, err, cases[i].msg);
		td_probe_snmp.config_free(cfg);
	}
	/* 64 OIDs fit one request, 65 do not */
	struct td_buf b;
	td_buf_init(&b, 0);
	for (int i = 0; i < SNMP_MAX_OIDS; i++)
		td_buf_printf(&b, "%s1.3.6.1.%d", i ? "," : "", i);
	const char *many[] = { "-H", "h", "-o", td_buf_str(&b), NULL };
	void *cfg;
	char err[256];
	assert_int_equal(parse(many, &cfg, err, sizeof err), TD_OK);
	td_probe_snmp.config_free(cfg);
	td_buf_puts(&b, ",1.3.6.1.99");
	many[3] = td_buf_str(&b);
	assert_int_equal(parse(many, &cfg, err, sizeof err), TD_E_USAGE);
	assert_non_null(strstr(err, "at most 64"));
	td_buf_cleanup(&b);
}

static void test_uom(void **state)
{
	(void)state;
	static const struct {
		const char *unit;
		const char *uom;
		double factor;
	} cases[] = {
		{ NULL, "", 1 },	 { "s", "s", 1 },	 { "seconds", "s", 1 },
		{ "Sec.", "s", 1 },	 { "ms", "s", 1e-3 },	 { "us", "s", 1e-6 },
		{ "%", "%", 1 },	 { "percent", "%", 1 },	 { "B", "B", 1 },
		{ "octets", "B", 1 },	 { "KB", "B", 1024 },	 { "kb", "B", 1024 },
		{ "MiB", "B", 1048576 }, { "GB", "B", 1073741824.0 },
		{ "TB", "B", 1099511627776.0 },
		{ "c", "c", 1 },	 { "C", "", 1 }, /* Celsius, not a counter */
		{ "b", "", 1 },		 /* bits are not bytes */
		{ "rpm", "", 1 },	 { "", "", 1 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char uom[TD_UOM_MAX];
		double f;
		snmp_uom(cases[i].unit, uom, &f);
		if (strcmp(uom, cases[i].uom) || f != cases[i].factor)
			fail_msg("case %zu (%s): \"%s\" x%g", i,
				 cases[i].unit ? cases[i].unit : "NULL", uom, f);
	}
}

static void test_samples(void **state)
{
	(void)state;
	struct snmp_sample s = { .type = TD_SNMP_T_COUNTER64, .u = UINT64_MAX }, back;
	char buf[64];
	snmp_sample_format(&s, buf, sizeof buf);
	assert_true(snmp_sample_parse(buf, &back));
	assert_int_equal(back.type, TD_SNMP_T_COUNTER64);
	assert_true(back.u == UINT64_MAX); /* every digit kept */
	s = (struct snmp_sample){ .type = TD_SNMP_T_INTEGER, .d = -12.5 };
	snmp_sample_format(&s, buf, sizeof buf);
	assert_true(snmp_sample_parse(buf, &back));
	assert_float_equal(back.d, -12.5, 0);
	static const char *const bad[] = {
		"",	 "3",	 "3 ",	  "x 5",   "99 5", "0 5", "4 -1", "4 1.5",
		"4 18446744073709551616", "1 abc", "123456789 1",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (snmp_sample_parse(bad[i], &back))
			fail_msg("\"%s\" parsed", bad[i]);
}

static void test_rate_fixtures(void **state)
{
	(void)state;
	static const struct {
		struct snmp_sample prev, cur;
		double dt;
		enum snmp_rate_rc rc;
		double rate;
	} cases[] = {
		{ { TD_SNMP_T_COUNTER32, 1000, 0 }, { TD_SNMP_T_COUNTER32, 3000, 0 }, 10,
		  SNMP_RATE_OK, 200 },
		/* 32-bit wrap: 2^32 - 296 -> 200 is 496 */
		{ { TD_SNMP_T_COUNTER32, 4294967000u, 0 }, { TD_SNMP_T_COUNTER32, 200, 0 }, 8,
		  SNMP_RATE_OK, 62 },
		/* 64-bit wrap from the top */
		{ { TD_SNMP_T_COUNTER64, UINT64_MAX - 99, 0 }, { TD_SNMP_T_COUNTER64, 50, 0 }, 1.5,
		  SNMP_RATE_OK, 100 },
		/* 64-bit going down from low values: a reset, not 2^64 - 990 */
		{ { TD_SNMP_T_COUNTER64, 1000, 0 }, { TD_SNMP_T_COUNTER64, 10, 0 }, 1,
		  SNMP_RATE_RESET, 0 },
		/* gauges may go down */
		{ { TD_SNMP_T_UNSIGNED, 0, 50 }, { TD_SNMP_T_UNSIGNED, 0, 20 }, 10, SNMP_RATE_OK,
		  -3 },
		{ { TD_SNMP_T_INTEGER, 0, 5 }, { TD_SNMP_T_INTEGER, 0, 5 }, 2, SNMP_RATE_OK, 0 },
		/* another type: start over */
		{ { TD_SNMP_T_COUNTER32, 5, 0 }, { TD_SNMP_T_COUNTER64, 10, 0 }, 1,
		  SNMP_RATE_FIRST, 0 },
		/* no time, or time going back */
		{ { TD_SNMP_T_COUNTER32, 5, 0 }, { TD_SNMP_T_COUNTER32, 10, 0 }, 0,
		  SNMP_RATE_NOTIME, 0 },
		{ { TD_SNMP_T_COUNTER32, 5, 0 }, { TD_SNMP_T_COUNTER32, 10, 0 }, -5,
		  SNMP_RATE_NOTIME, 0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		double rate = -999;
		enum snmp_rate_rc rc =
		    snmp_rate(&cases[i].prev, 1000, &cases[i].cur, 1000 + cases[i].dt, &rate);
		if (rc != cases[i].rc || (rc == SNMP_RATE_OK && fabs(rate - cases[i].rate) > 1e-9))
			fail_msg("case %zu: rc %d rate %g, wanted %d %g", i, rc, rate, cases[i].rc,
				 cases[i].rate);
	}
}

/* Evaluates fabricated values as the run would; returns the final state. */
static enum td_state eval(const char *const *args, struct td_snmp_value *vals, size_t n,
			  struct td_store *store, struct td_result *res, struct td_buf *perf)
{
	void *cfg;
	char err[256];
	char oidtxt[TD_SNMP_OID_BUF];
	assert_int_equal(parse(args, &cfg, err, sizeof err), TD_OK);
	const struct snmp_config *c = cfg;
	struct td_run_ctx ctx = { .deadline = td_deadline_in(5), .store = store };
	struct td_buf summary;
	td_result_init(res);
	td_buf_init(&summary, 1024);
	for (size_t i = 0; i < n; i++) {
		snprintf(oidtxt, sizeof oidtxt, "1.3.6.1.4.1.9.%zu", i);
		snmp_eval(c, &ctx, i, &vals[i], oidtxt, res, &summary);
	}
	td_result_summary(res, "%s", td_buf_str(&summary));
	td_buf_cleanup(&summary);
	td_probe_snmp.config_free(cfg);
	enum td_state st = td_result_finish(res, TD_OK, TD_STATE_CRITICAL);
	td_buf_init(perf, 0);
	for (size_t i = 0; i < res->n_metrics; i++) {
		if (i)
			td_buf_putc(perf, ' ');
		td_perfdata_append(perf, &res->metrics[i]);
	}
	return st;
}

static struct td_snmp_value str(const char *s)
{
	struct td_snmp_value v = { .type = TD_SNMP_T_OCTETS, .len = strlen(s) };
	v.text = td_xstrdup(s);
	return v;
}

static void test_eval(void **state)
{
	(void)state;
	struct td_result res;
	struct td_buf perf;
	struct td_snmp_value v[3];

	/* thresholds one per OID, labels and units to perfdata, counters marked c */
	const char *a1[] = { "-H", "h", "-o", "1.3.1,1.3.2", "-w", "50,50", "-c", "60,99",
			     "-l", "gauge,cnt", "-u", "C,", NULL };
	v[0] = (struct td_snmp_value){ .type = TD_SNMP_T_UNSIGNED, .u = 42 };
	v[1] = (struct td_snmp_value){ .type = TD_SNMP_T_COUNTER32, .u = 100 };
	assert_int_equal(eval(a1, v, 2, NULL, &res, &perf), TD_STATE_CRITICAL);
	assert_string_equal(td_buf_str(&res.summary), "gauge 42 C, cnt 100 (CRITICAL)");
	assert_string_equal(td_buf_str(&perf), "gauge=42;50;60 cnt=100c;50;99");
	td_result_cleanup(&res);
	td_buf_cleanup(&perf);

	/* every kind of missing value is UNKNOWN, never OK, and perfdata says U */
	const char *a2[] = { "-H", "h", "-o", "1.3.1,1.3.2,1.3.3", NULL };
	v[0] = (struct td_snmp_value){ .type = TD_SNMP_T_NOSUCHOBJECT };
	v[1] = (struct td_snmp_value){ .type = TD_SNMP_T_NOSUCHINSTANCE };
	v[2] = (struct td_snmp_value){ .type = TD_SNMP_T_ENDOFMIBVIEW };
	assert_int_equal(eval(a2, v, 3, NULL, &res, &perf), TD_STATE_UNKNOWN);
	assert_non_null(strstr(td_buf_str(&res.summary), "1.3.1: noSuchObject"));
	assert_non_null(strstr(td_buf_str(&res.summary), "1.3.3: endOfMibView"));
	assert_string_equal(td_buf_str(&perf), "1.3.1=U 1.3.2=U 1.3.3=U");
	td_result_cleanup(&res);
	td_buf_cleanup(&perf);
	/* ... and a threshold does not make it OK either; a worse state still wins */
	const char *a3[] = { "-H", "h", "-o", "1.3.1,1.3.2", "-w", "5,5", "-c", ",9", NULL };
	v[0] = (struct td_snmp_value){ .type = TD_SNMP_T_NULL };
	v[1] = (struct td_snmp_value){ .type = TD_SNMP_T_INTEGER, .i = 10 };
	assert_int_equal(eval(a3, v, 2, NULL, &res, &perf), TD_STATE_CRITICAL);
	td_result_cleanup(&res);
	td_buf_cleanup(&perf);

	/* strings: -s exact (no quotes, no trailing newline), -r, -R, --invert-search */
	static const struct {
		const char *opt, *arg, *value;
		bool invert;
		enum td_state want;
	} s[] = {
		{ "-s", "vm", "vm", false, TD_STATE_OK },
		{ "-s", "vm", "vm\n", false, TD_STATE_OK },
		{ "-s", "vm", "vm2", false, TD_STATE_CRITICAL },
		{ "-s", "v", "vm", false, TD_STATE_CRITICAL },
		{ "-r", "^v", "vm", false, TD_STATE_OK },
		{ "-r", "^V", "vm", false, TD_STATE_CRITICAL },
		{ "-R", "^V", "vm", false, TD_STATE_OK },
		{ "-r", "^v", "vm", true, TD_STATE_CRITICAL },
		{ "-s", "42", "42", false, TD_STATE_OK },
	};
	for (size_t i = 0; i < sizeof s / sizeof s[0]; i++) {
		const char *a[] = { "-H", "h", "-o", "1.3.1", s[i].opt, s[i].arg,
				    s[i].invert ? "--invert-search" : NULL, NULL };
		v[0] = str(s[i].value);
		enum td_state st = eval(a, v, 1, NULL, &res, &perf);
		if (st != s[i].want)
			fail_msg("string case %zu: %d: %s", i, st, td_buf_str(&res.summary));
		td_snmp_value_cleanup(&v[0]);
		td_result_cleanup(&res);
		td_buf_cleanup(&perf);
	}
	/* -s on an integer compares its text */
	const char *a4[] = { "-H", "h", "-o", "1.3.1", "-s", "7", NULL };
	v[0] = (struct td_snmp_value){ .type = TD_SNMP_T_INTEGER, .i = 7 };
	assert_int_equal(eval(a4, v, 1, NULL, &res, &perf), TD_STATE_OK);
	td_result_cleanup(&res);
	td_buf_cleanup(&perf);

	/* a numeric string (extend output) meets thresholds; a word with a threshold is UNKNOWN */
	const char *a5[] = { "-H", "h", "-o", "1.3.1,1.3.2", "-w", "10,10", NULL };
	v[0] = str("12\n");
	v[1] = str("hello");
	assert_int_equal(eval(a5, v, 2, NULL, &res, &perf), TD_STATE_WARNING);
	assert_non_null(strstr(td_buf_str(&res.summary), "\"hello\" is not a number (UNKNOWN)"));
	assert_string_equal(td_buf_str(&perf), "1.3.1=12;10");
	td_snmp_value_cleanup(&v[0]);
	td_snmp_value_cleanup(&v[1]);
	td_result_cleanup(&res);
	td_buf_cleanup(&perf);

	/* units convert to the contract's: 1500 ms is 1.5 s, thresholds with it */
	const char *a6[] = {"-H", "h", "-o", "1.3.1", "-u", "ms", "-w", "1000", "-c", "2000", NULL};
	v[0] = (struct td_snmp_value){ .type = TD_SNMP_T_UNSIGNED, .u = 1500 };
	assert_int_equal(eval(a6, v, 1, NULL, &res, &perf), TD_STATE_WARNING);
	assert_string_equal(td_buf_str(&perf), "1.3.1=1.5s;1;2");
	assert_string_equal(td_buf_str(&res.summary), "1.3.1 1500 ms (WARNING)");
	td_result_cleanup(&res);
	td_buf_cleanup(&perf);

	/* -M and --offset; -O labels perfdata with the OID */
	const char *a7[] = { "-H", "h", "-o", "1.3.1", "-l", "temp", "-M", "0.1", "--offset", "-2",
			     "-O", NULL };
	v[0] = (struct td_snmp_value){ .type = TD_SNMP_T_INTEGER, .i = 250 };
	assert_int_equal(eval(a7, v, 1, NULL, &res, &perf), TD_STATE_OK);
	assert_string_equal(td_buf_str(&perf), "1.3.6.1.4.1.9.0=23");
	assert_string_equal(td_buf_str(&res.summary), "temp 23");
	td_result_cleanup(&res);
	td_buf_cleanup(&perf);

	/* timeticks read as days and hours in the text, the number in perfdata */
	const char *a8[] = { "-H", "h", "-o", "1.3.1", NULL };
	v[0] = (struct td_snmp_value){ .type = TD_SNMP_T_TIMETICKS, .u = 9000123 };
	assert_int_equal(eval(a8, v, 1, NULL, &res, &perf), TD_STATE_OK);
	assert_string_equal(td_buf_str(&res.summary), "1.3.1 9000123 (1d 01:00:01.23)");
	assert_string_equal(td_buf_str(&perf), "1.3.1=9000123");
	td_result_cleanup(&res);
	td_buf_cleanup(&perf);
}

static void test_rate_with_store(void **state)
{
	(void)state;
	struct td_result res;
	struct td_buf perf;
	struct td_snmp_value v;
	struct td_store *st = td_store_new();
	const char *a[] = { "-H", "h", "-o", "1.3.1", "--rate", "-w", "100", NULL };

	/* first run: a sample, no value, OK */
	v = (struct td_snmp_value){ .type = TD_SNMP_T_COUNTER32, .u = 4294967000u };
	assert_int_equal(eval(a, &v, 1, st, &res, &perf), TD_STATE_OK);
	assert_string_equal(td_buf_str(&perf), "1.3.1=U;100");
	assert_non_null(strstr(td_buf_str(&res.long_output), "first sample"));
	td_result_cleanup(&res);
	td_buf_cleanup(&perf);

	/* pretend the sample is 4 s old; the counter wrapped: 496 in 4 s */
	char *old;
	double when;
	assert_int_equal(td_store_get(st, "rate.0.1.3.6.1.4.1.9.0", &old, &when), TD_OK);
	assert_int_equal(td_store_set(st, "rate.0.1.3.6.1.4.1.9.0", old, when - 4), TD_OK);
	free(old);
	v.u = 200;
	assert_int_equal(eval(a, &v, 1, st, &res, &perf), TD_STATE_WARNING);
	double rate = res.metrics[0].value;
	assert_true(rate > 120 && rate <= 124); /* 496 / 4, a little less as time passed */
	assert_non_null(strstr(td_buf_str(&res.summary), "/s (WARNING)"));
	td_result_cleanup(&res);
	td_buf_cleanup(&perf);
	td_store_free(st);

	/* without a store (tandemd gives one; check_main always does): no rate, said so */
	v.u = 5;
	assert_int_equal(eval(a, &v, 1, NULL, &res, &perf), TD_STATE_OK);
	assert_non_null(strstr(td_buf_str(&res.long_output), "no state store"));
	td_result_cleanup(&res);
	td_buf_cleanup(&perf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_table),	cmocka_unit_test(test_uom),
		cmocka_unit_test(test_samples),		cmocka_unit_test(test_rate_fixtures),
		cmocka_unit_test(test_eval),		cmocka_unit_test(test_rate_with_store),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

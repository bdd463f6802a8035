/*
 * test_snmp_if.c - check_snmp_if without an agent: interface status rules,
 * speed, the counter samples and their wraps and resets (fixtures), and the
 * command line.
 */
#include "config.h" /* first: the included sources need _GNU_SOURCE */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../plugins/probes/snmp_if.c"

static void test_status(void **state)
{
	(void)state;
	static const struct {
		int64_t admin, oper;
		enum td_state want;
		const char *word;
	} cases[] = {
		{ 1, 1, TD_STATE_OK, "up" },
		{ 1, 2, TD_STATE_CRITICAL, "down" },
		{ 1, 3, TD_STATE_CRITICAL, "testing" },
		{ 3, 3, TD_STATE_WARNING, "testing" }, /* an operator is testing it */
		{ 1, 4, TD_STATE_CRITICAL, "unknown" },
		{ 1, 5, TD_STATE_CRITICAL, "dormant" }, /* default --dormant */
		{ 1, 6, TD_STATE_CRITICAL, "notPresent" },
		{ 1, 7, TD_STATE_CRITICAL, "lowerLayerDown" },
		{ 1, 0, TD_STATE_CRITICAL, "invalid" },
		{ 1, 99, TD_STATE_CRITICAL, "invalid" },
		{ 2, 2, TD_STATE_WARNING, "administratively down" }, /* default --admin-down */
		{ 2, 1, TD_STATE_WARNING, "administratively down" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *word;
		enum td_state st = snmpif_status(cases[i].admin, cases[i].oper, TD_STATE_WARNING,
						 TD_STATE_CRITICAL, &word);
		if (st != cases[i].want || strcmp(word, cases[i].word))
			fail_msg("case %zu: %d %s", i, st, word);
	}
	const char *word;
	assert_int_equal(snmpif_status(2, 2, TD_STATE_OK, TD_STATE_CRITICAL, &word), TD_STATE_OK);
	assert_int_equal(snmpif_status(1, 5, TD_STATE_WARNING, TD_STATE_OK, &word), TD_STATE_OK);
}

static void test_speed(void **state)
{
	(void)state;
	static const struct {
		enum td_snmp_type st;
		uint64_t speed;
		enum td_snmp_type ht;
		uint64_t high;
		double want;
	} cases[] = {
		{ TD_SNMP_T_UNSIGNED, 10000000, TD_SNMP_T_UNSIGNED, 10, 1e7 },
		/* ifSpeed exact below its cap, even when ifHighSpeed rounds */
		{ TD_SNMP_T_UNSIGNED, 1544000, TD_SNMP_T_UNSIGNED, 2, 1544000 },
		/* at the cap, ifHighSpeed (Mbit/s) tells */
		{ TD_SNMP_T_UNSIGNED, 4294967295u, TD_SNMP_T_UNSIGNED, 10000, 1e10 },
		{ TD_SNMP_T_UNSIGNED, 4294967295u, TD_SNMP_T_NOSUCHOBJECT, 0, 4294967295.0 },
		{ TD_SNMP_T_UNSIGNED, 0, TD_SNMP_T_UNSIGNED, 100, 1e8 },
		{ TD_SNMP_T_UNSIGNED, 0, TD_SNMP_T_UNSIGNED, 0, 0 },
		{ TD_SNMP_T_NOSUCHINSTANCE, 0, TD_SNMP_T_NOSUCHINSTANCE, 0, 0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct td_snmp_value s = { .type = cases[i].st, .u = cases[i].speed };
		struct td_snmp_value h = { .type = cases[i].ht, .u = cases[i].high };
		if (snmpif_speed(&s, &h) != cases[i].want)
			fail_msg("case %zu: %g", i, snmpif_speed(&s, &h));
	}
	static const struct {
		const char *text;
		enum td_err rc;
		double want;
	} parse[] = {
		{ "1G", TD_OK, 1e9 },	 { "100M", TD_OK, 1e8 },  { "10k", TD_OK, 1e4 },
		{ "2.5G", TD_OK, 2.5e9 }, { "10000", TD_OK, 1e4 }, { "1T", TD_OK, 1e12 },
		{ "", TD_E_PARSE, 0 },	 { "G", TD_E_PARSE, 0 },  { "0", TD_E_PARSE, 0 },
		{ "-1G", TD_E_PARSE, 0 }, { "1 G", TD_E_PARSE, 0 }, { "1g", TD_E_PARSE, 0 },
		{ "1GB", TD_E_PARSE, 0 }, { "1e9", TD_E_PARSE, 0 },
		{ "123456789012345678901234567890123", TD_E_PARSE, 0 },
	};
	for (size_t i = 0; i < sizeof parse / sizeof parse[0]; i++) {
		double v = -1;
		enum td_err rc = snmpif_parse_speed(parse[i].text, &v);
		if (rc != parse[i].rc || (rc == TD_OK && v != parse[i].want))
			fail_msg("speed \"%s\": %d %g", parse[i].text, rc, v);
	}
	char buf[48];
	assert_string_equal(snmpif_fmt_bits(0, buf, sizeof buf), "0 bit/s");
	assert_string_equal(snmpif_fmt_bits(999, buf, sizeof buf), "999 bit/s");
	assert_string_equal(snmpif_fmt_bits(1234567, buf, sizeof buf), "1.23 Mbit/s");
	assert_string_equal(snmpif_fmt_bits(1e10, buf, sizeof buf), "10 Gbit/s");
}

static struct snmpif_sample sample(uint64_t uptime, enum td_snmp_type oct, uint64_t in,
				   uint64_t out, uint64_t errs)
{
	struct snmpif_sample s = { .uptime = uptime };
	for (int i = 0; i < 6; i++)
		s.type[i] = i < 2 ? oct : TD_SNMP_T_COUNTER32;
	s.v[0] = in;
	s.v[1] = out;
	s.v[2] = s.v[3] = errs;
	s.v[4] = s.v[5] = 0;
	return s;
}

static void test_rates(void **state)
{
	(void)state;
	struct snmpif_rates r;
	struct snmpif_sample a, b;

	/* 64-bit: 1250000 octets in 10 s is 1 Mbit/s */
	a = sample(100, TD_SNMP_T_COUNTER64, 1000, 5000, 3);
	b = sample(1100, TD_SNMP_T_COUNTER64, 1251000, 5000, 23);
	snmpif_rates(&a, 50, &b, 60, &r);
	assert_null(r.why);
	assert_float_equal(r.in_bps, 1e6, 1e-6);
	assert_float_equal(r.out_bps, 0, 0);
	assert_float_equal(r.in_err, 2, 1e-9);
	assert_float_equal(r.out_err, 2, 1e-9);

	/* 32-bit octets wrap: 2^32 - 1000 -> 249000 is 250000 octets, 2 Mbit in 1 s */
	a = sample(100, TD_SNMP_T_COUNTER32, 4294966296u, 0, 0);
	b = sample(200, TD_SNMP_T_COUNTER32, 249000, 0, 0);
	snmpif_rates(&a, 0, &b, 1, &r);
	assert_null(r.why);
	assert_float_equal(r.in_bps, 2e6, 1e-6);

	/* 64-bit wrap from the top */
	a = sample(100, TD_SNMP_T_COUNTER64, UINT64_MAX - 9, 0, 0);
	b = sample(200, TD_SNMP_T_COUNTER64, 10, 0, 0);
	snmpif_rates(&a, 0, &b, 1, &r);
	assert_null(r.why);
	assert_float_equal(r.in_bps, 160, 1e-9);

	/* 64-bit going down from low values: reset */
	a = sample(100, TD_SNMP_T_COUNTER64, 5000, 0, 0);
	b = sample(200, TD_SNMP_T_COUNTER64, 10, 0, 0);
	snmpif_rates(&a, 0, &b, 1, &r);
	assert_non_null(r.why);
	assert_true(isnan(r.in_bps) && isnan(r.out_disc));

	/* agent restart: sysUpTime went back, whatever the counters say */
	a = sample(5000, TD_SNMP_T_COUNTER32, 10, 0, 0);
	b = sample(300, TD_SNMP_T_COUNTER32, 20, 0, 0);
	snmpif_rates(&a, 0, &b, 1, &r);
	assert_non_null(strstr(r.why, "restarted"));

	/* 64 -> 32 bits (an agent downgraded): start over */
	a = sample(100, TD_SNMP_T_COUNTER64, 10, 0, 0);
	b = sample(200, TD_SNMP_T_COUNTER32, 20, 0, 0);
	snmpif_rates(&a, 0, &b, 1, &r);
	assert_non_null(strstr(r.why, "32/64"));

	/* no time */
	a = sample(100, TD_SNMP_T_COUNTER64, 10, 0, 0);
	snmpif_rates(&a, 5, &a, 5, &r);
	assert_non_null(r.why);
}

static void test_sample_text(void **state)
{
	(void)state;
	struct snmpif_sample s = sample(4294967295u, TD_SNMP_T_COUNTER64, UINT64_MAX, 1, 2), back;
	struct td_buf b;
	td_buf_init(&b, 0);
	snmpif_sample_format(&s, &b);
	assert_true(snmpif_sample_parse(td_buf_str(&b), &back));
	assert_memory_equal(&s, &back, sizeof s);
	td_buf_cleanup(&b);
	static const char *const bad[] = {
		"",
		"1",
		"1 4 1 4 2 3 3 3 3 3 3 3",	     /* one short */
		"1 4 1 4 2 3 3 3 3 3 3 3 3 3",	     /* one too many */
		"1 4 1 4 2 3 3 3 3 3 3 3 x",	     /* junk */
		"1 4 1 4 2 3 3 3 3 3 3 3 -3",	     /* negative */
		"1  4 1 4 2 3 3 3 3 3 3 3 3",	     /* empty field */
		"1 4 1 4 2 3 3 3 3 3 3 3 3 ",	     /* trailing space */
		"1 4 18446744073709551616 4 2 3 3 3 3 3 3 3 3", /* max + 1 */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (snmpif_sample_parse(bad[i], &back))
			fail_msg("\"%s\" parsed", bad[i]);
}

static enum td_err parse(const char *const *args, void **cfg, char *err, size_t errlen)
{
	char *argv[24] = { "check_snmp_if" };
	int argc = 1;
	for (; args[argc - 1] && argc < 24; argc++)
		argv[argc] = (char *)args[argc - 1];
	struct td_common common;
	return td_probe_parse(&td_probe_snmp_if, argc, argv, "check_snmp_if", &common, cfg, err,
			      errlen);
}

static void test_parse(void **state)
{
	(void)state;
	static const struct {
		const char *args[20];
		enum td_err rc;
		const char *msg;
	} cases[] = {
		{ { "-H", "h", "-i", "eth0" }, TD_OK, NULL },
		{ { "-H", "h", "-d", "Intel Corporation 82540EM" }, TD_OK, NULL },
		{ { "-H", "h", "--alias", "uplink isp" }, TD_OK, NULL },
		{ { "-H", "h", "-k", "3" }, TD_OK, NULL },
		{ { "-H", "h" }, TD_E_USAGE, "choose the interface" },
		{ { "-i", "eth0" }, TD_E_USAGE, "-H" },
		{ { "-H", "h", "-i", "eth0", "-k", "3" }, TD_E_USAGE, "once" },
		{ { "-H", "h", "-k", "0" }, TD_E_USAGE, "-k" },
		{ { "-H", "h", "-k", "2147483648" }, TD_E_USAGE, "-k" },
		{ { "-H", "h", "-k", "3x" }, TD_E_USAGE, "-k" },
		{ { "-H", "h", "-i", "" }, TD_E_USAGE, "-i" },
		{ { "-H", "h", "-i", "a\tb" }, TD_E_USAGE, "-i" },
		{ { "-H", "h", "-i", "e", "-w", "80", "-c", "95", "--bps-warning", "1000000" },
		  TD_OK, NULL },
		{ { "-H", "h", "-i", "e", "--errors-critical", "x" }, TD_E_USAGE,
		  "--errors-critical" },
		{ { "-H", "h", "-i", "e", "--admin-down", "ok", "--dormant", "w" }, TD_OK, NULL },
		{ { "-H", "h", "-i", "e", "-D", "i", "--dormant", "ignore" }, TD_OK, NULL },
		{ { "-H", "h", "-i", "e", "--dormant", "x" }, TD_E_USAGE, "--dormant" },
		{ { "-H", "h", "-i", "e", "--admin-down", "maybe" }, TD_E_USAGE, "--admin-down" },
		{ { "-H", "h", "-i", "e", "--speed", "1G", "--32bit" }, TD_OK, NULL },
		{ { "-H", "h", "-i", "e", "--speed", "fast" }, TD_E_USAGE, "--speed" },
		{ { "-H", "h", "-i", "e", "-a", "SHA", "-U", "u", "-A", "12345678" }, TD_OK, NULL },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		void *cfg = NULL;
		char err[256] = "";
		enum td_err rc = parse(cases[i].args, &cfg, err, sizeof err);
		if (rc != cases[i].rc)
			fail_msg("case %zu: rc %d, wanted %d: %s", i, rc, cases[i].rc, err);
		if (cases[i].msg && !strstr(err, cases[i].msg))
			fail_msg("case %zu: \"%s\" does not say %s", i, err, cases[i].msg);
		td_probe_snmp_if.config_free(cfg);
	}
}

/* A reading matches the interface asked for by the column it was chosen by. */
static void test_matches(void **state)
{
	(void)state;
	struct td_snmp_value v[IF_N];
	memset(v, 0, sizeof v);
	v[IF_DESCR] = (struct td_snmp_value){ .type = TD_SNMP_T_OCTETS, .text = "eth0", .len = 4 };
	v[IF_NAME] = (struct td_snmp_value){ .type = TD_SNMP_T_OCTETS, .text = "Gi0/1", .len = 5 };
	v[IF_ALIAS] = (struct td_snmp_value){.type = TD_SNMP_T_OCTETS, .text = "uplink", .len = 6};
	v[IF_OPER] = (struct td_snmp_value){ .type = TD_SNMP_T_INTEGER, .i = 1 };
	struct snmpif_config c = { .by = SNMPIF_BY_NAME, .select = "Gi0/1" };
	assert_true(snmpif_matches(&c, v));
	c.select = "eth0"; /* the name falls back to ifDescr */
	assert_true(snmpif_matches(&c, v));
	c.select = "eth"; /* exact, not a prefix */
	assert_false(snmpif_matches(&c, v));
	c = (struct snmpif_config){ .by = SNMPIF_BY_DESCR, .select = "Gi0/1" };
	assert_false(snmpif_matches(&c, v));
	c = (struct snmpif_config){ .by = SNMPIF_BY_ALIAS, .select = "uplink" };
	assert_true(snmpif_matches(&c, v));
	c = (struct snmpif_config){ .by = SNMPIF_BY_INDEX, .index = 3 };
	assert_true(snmpif_matches(&c, v));
	v[IF_OPER].type = TD_SNMP_T_NOSUCHINSTANCE; /* the index is gone */
	assert_false(snmpif_matches(&c, v));
	/* the OIDs of a reading: sysUpTime, then the columns with the index appended */
	struct td_snmp_oid oids[IF_N];
	char buf[TD_SNMP_OID_BUF];
	assert_int_equal(snmpif_oids(7, true, oids), IF_N);
	assert_int_equal(snmpif_oids(7, false, oids), IF_HC_IN_OCTETS);
	assert_string_equal(td_snmp_oid_format(&oids[IF_UPTIME], buf, sizeof buf),
			    "1.3.6.1.2.1.1.3.0");
	assert_string_equal(td_snmp_oid_format(&oids[IF_OPER], buf, sizeof buf),
			    "1.3.6.1.2.1.2.2.1.8.7");
	snmpif_oids(7, true, oids);
	assert_string_equal(td_snmp_oid_format(&oids[IF_HC_OUT_OCTETS], buf, sizeof buf),
			    "1.3.6.1.2.1.31.1.1.1.10.7");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status),	    cmocka_unit_test(test_speed),
		cmocka_unit_test(test_rates),	    cmocka_unit_test(test_sample_text),
		cmocka_unit_test(test_parse),	    cmocka_unit_test(test_matches),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

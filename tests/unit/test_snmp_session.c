/*
 * test_snmp_session.c - the SNMP layer without an agent: target options,
 * OID parsing, values, counter deltas, and the deadline when nobody answers.
 * (Talking to a real snmpd is tests/integration/check_snmp.test.)
 */
#include "config.h" /* first: the included source needs _GNU_SOURCE before any system header */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../plugins/probes/snmp_session.c"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

static void test_oid_parse_table(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		enum td_err rc;
		size_t len;
		uint32_t last;
	} cases[] = {
		{ "1.3.6.1.2.1.1.3.0", TD_OK, 9, 0 },
		{ ".1.3.6.1.2.1.1.3.0", TD_OK, 9, 0 },
		{ "1.3", TD_OK, 2, 3 },
		{ "0.0", TD_OK, 2, 0 },
		{ "1.3.6.1.4.1.4294967295", TD_OK, 7, 4294967295u }, /* max */
		{ "1.3.6.1.4.1.4294967296", TD_E_PARSE, 0, 0 },	     /* max + 1 */
		{ "1.3.6.1.4.1.99999999999", TD_E_PARSE, 0, 0 },
		{ "", TD_E_PARSE, 0, 0 },
		{ ".", TD_E_PARSE, 0, 0 },
		{ "1", TD_E_PARSE, 0, 0 },		 /* one arc is not an OID */
		{ "3.1", TD_E_PARSE, 0, 0 },		 /* first arc is 0, 1 or 2 */
		{ "1..3", TD_E_PARSE, 0, 0 },
		{ "1.3.", TD_E_PARSE, 0, 0 },		 /* trailing junk */
		{ "1.3.6x", TD_E_PARSE, 0, 0 },
		{ "1.3.-6", TD_E_PARSE, 0, 0 },		 /* negative */
		{ "1.3. 6", TD_E_PARSE, 0, 0 },
		{ "1.03.6", TD_E_PARSE, 0, 0 },		 /* leading zero */
		{ "sysUpTime.0", TD_E_PARSE, 0, 0 },	 /* a name */
		{ "iso.3.6.1", TD_E_PARSE, 0, 0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct td_snmp_oid o;
		enum td_err rc = td_snmp_oid_parse(cases[i].text, &o);
		if (rc != cases[i].rc)
			fail_msg("case %zu \"%s\": rc %d, wanted %d", i, cases[i].text, rc,
				 cases[i].rc);
		if (rc == TD_OK) {
			assert_int_equal(o.len, cases[i].len);
			assert_int_equal(o.sub[o.len - 1], cases[i].last);
		}
	}
	/* huge input: 128 arcs is the most, 129 and a 2000-character text are refused */
	struct td_buf b;
	td_buf_init(&b, 0);
	td_buf_puts(&b, "1");
	for (int i = 1; i < TD_SNMP_OID_MAX; i++)
		td_buf_puts(&b, ".1");
	struct td_snmp_oid o;
	assert_int_equal(td_snmp_oid_parse(td_buf_str(&b), &o), TD_OK);
	assert_int_equal(o.len, TD_SNMP_OID_MAX);
	td_buf_puts(&b, ".1");
	assert_int_equal(td_snmp_oid_parse(td_buf_str(&b), &o), TD_E_PARSE);
	td_buf_reset(&b);
	for (int i = 0; i < 700; i++)
		td_buf_puts(&b, "1.");
	td_buf_puts(&b, "1");
	assert_int_equal(td_snmp_oid_parse(td_buf_str(&b), &o), TD_E_PARSE);
	td_buf_cleanup(&b);
}

static void test_oid_helpers(void **state)
{
	(void)state;
	struct td_snmp_oid a, b, root;
	char buf[TD_SNMP_OID_BUF];
	assert_int_equal(td_snmp_oid_parse("1.3.6.1.2.1.2.2.1.2", &root), TD_OK);
	assert_int_equal(td_snmp_oid_parse("1.3.6.1.2.1.2.2.1.2.7", &a), TD_OK);
	assert_true(td_snmp_oid_under(&a, &root));
	assert_false(td_snmp_oid_under(&root, &root)); /* strictly under */
	assert_int_equal(td_snmp_oid_parse("1.3.6.1.2.1.2.2.1.3.1", &b), TD_OK);
	assert_false(td_snmp_oid_under(&b, &root));
	assert_true(td_snmp_oid_cmp(&a, &b) < 0);
	assert_true(td_snmp_oid_cmp(&b, &a) > 0);
	assert_true(td_snmp_oid_cmp(&root, &a) < 0); /* a prefix sorts first */
	assert_int_equal(td_snmp_oid_cmp(&a, &a), 0);
	assert_string_equal(td_snmp_oid_format(&a, buf, sizeof buf), "1.3.6.1.2.1.2.2.1.2.7");
	uint32_t idx = 4294967295u;
	assert_true(td_snmp_oid_append(&root, &idx, 1));
	assert_string_equal(td_snmp_oid_format(&root, buf, sizeof buf),
			    "1.3.6.1.2.1.2.2.1.2.4294967295");
	/* formatting into a small buffer truncates, never overflows */
	char small[8];
	td_snmp_oid_format(&root, small, sizeof small);
	assert_int_equal(strlen(small), 7);
	struct td_snmp_oid full = { .len = TD_SNMP_OID_MAX };
	assert_false(td_snmp_oid_append(&full, &idx, 1));
}

static void test_counter_delta(void **state)
{
	(void)state;
	static const struct {
		enum td_snmp_type type;
		uint64_t prev, cur;
		bool ok;
		uint64_t delta;
	} cases[] = {
		{ TD_SNMP_T_COUNTER32, 100, 350, true, 250 },
		{ TD_SNMP_T_COUNTER32, 5, 5, true, 0 },
		/* 32-bit wrap: 4294967000 -> 2^32 -> 200 */
		{ TD_SNMP_T_COUNTER32, 4294967000u, 200, true, 496 },
		{ TD_SNMP_T_COUNTER32, 4294967295u, 0, true, 1 },
		/* a Counter32 is never above 2^32 - 1: that is not a wrap */
		{ TD_SNMP_T_COUNTER32, UINT64_C(5000000000), 1, false, 0 },
		{ TD_SNMP_T_COUNTER64, 1000, 2000, true, 1000 },
		/* 64-bit wrap from the upper half */
		{ TD_SNMP_T_COUNTER64, UINT64_MAX - 99, 50, true, 150 },
		{ TD_SNMP_T_COUNTER64, UINT64_C(1) << 63, 0, true, UINT64_C(1) << 63 },
		/* 64-bit going down from the lower half: a reset */
		{ TD_SNMP_T_COUNTER64, 1000, 10, false, 0 },
		{ TD_SNMP_T_COUNTER64, (UINT64_C(1) << 63) - 1, 0, false, 0 },
		/* gauges do not wrap */
		{ TD_SNMP_T_UNSIGNED, 10, 5, false, 0 },
		{ TD_SNMP_T_UNSIGNED, 5, 10, true, 5 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint64_t d = 12345;
		bool ok = td_snmp_counter_delta(cases[i].type, cases[i].prev, cases[i].cur, &d);
		if (ok != cases[i].ok || (ok && d != cases[i].delta))
			fail_msg("case %zu: ok %d delta %llu, wanted %d %llu", i, ok,
				 (unsigned long long)d, cases[i].ok,
				 (unsigned long long)cases[i].delta);
	}
}

static struct td_snmp_value octets(const char *s, size_t n)
{
	struct td_snmp_value v = { .type = TD_SNMP_T_OCTETS, .len = n };
	v.text = td_xmalloc(n + 1);
	memcpy(v.text, s, n);
	v.text[n] = '\0';
	return v;
}

static void test_value_number(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		bool ok;
		double want;
	} cases[] = {
		{ "42", true, 42 },	    { " 42\n", true, 42 },     { "-3.5", true, -3.5 },
		{ "0", true, 0 },	    { "", false, 0 },	       { "   ", false, 0 },
		{ "abc", false, 0 },	    { "4 2", false, 0 },       { "42abc", false, 0 },
		{ "1e5", false, 0 },	    { "0x10", false, 0 },      { "nan", false, 0 },
		{ "\"42\"", false, 0 }, /* quotes are part of the value */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct td_snmp_value v = octets(cases[i].text, strlen(cases[i].text));
		double x = -1;
		bool ok = td_snmp_value_number(&v, &x);
		if (ok != cases[i].ok || (ok && x != cases[i].want))
			fail_msg("case %zu \"%s\": %d %g", i, cases[i].text, ok, x);
		td_snmp_value_cleanup(&v);
	}
	/* a NUL inside, and an overlong string, are not numbers */
	struct td_snmp_value v = octets("4\0" "2", 3);
	double x;
	assert_false(td_snmp_value_number(&v, &x));
	td_snmp_value_cleanup(&v);
	char big[100];
	memset(big, '1', sizeof big);
	v = octets(big, sizeof big);
	assert_false(td_snmp_value_number(&v, &x));
	td_snmp_value_cleanup(&v);

	struct td_snmp_value n = {.type = TD_SNMP_T_COUNTER64, .u = UINT64_C(18446744073709551000)};
	assert_true(td_snmp_value_number(&n, &x));
	assert_float_equal(x, 18446744073709551000.0, 1e4);
	n = (struct td_snmp_value){ .type = TD_SNMP_T_INTEGER, .i = -7 };
	assert_true(td_snmp_value_number(&n, &x));
	assert_float_equal(x, -7, 0);
	n = (struct td_snmp_value){ .type = TD_SNMP_T_FLOAT, .d = NAN };
	assert_false(td_snmp_value_number(&n, &x));
	for (int t = TD_SNMP_T_NULL; t <= TD_SNMP_T_ENDOFMIBVIEW; t++) {
		n = (struct td_snmp_value){ .type = (enum td_snmp_type)t };
		assert_false(td_snmp_value_number(&n, &x));
		assert_true(td_snmp_value_missing(&n));
	}
	n = (struct td_snmp_value){ .type = TD_SNMP_T_NONE };
	assert_true(td_snmp_value_missing(&n));
}

static void test_value_text(void **state)
{
	(void)state;
	char buf[64];
	struct td_snmp_value v = octets("hello world\n", 12);
	td_snmp_value_text(&v, buf, sizeof buf);
	assert_string_equal(buf, "hello world"); /* extend output's newline dropped */
	td_snmp_value_cleanup(&v);
	v = octets("\x00\x1a\x2b\xff", 4);
	td_snmp_value_text(&v, buf, sizeof buf);
	assert_string_equal(buf, "00:1a:2b:ff"); /* binary as hex, like a MAC address */
	td_snmp_value_cleanup(&v);
	v = octets("a\nb", 3);
	td_snmp_value_text(&v, buf, sizeof buf);
	assert_string_equal(buf, "61:0a:62");
	td_snmp_value_cleanup(&v);
	char big[300];
	memset(big, 'x', sizeof big);
	v = octets(big, sizeof big);
	td_snmp_value_text(&v, buf, sizeof buf);
	assert_int_equal(strlen(buf), sizeof buf - 1); /* capped */
	td_snmp_value_cleanup(&v);
	memset(big, 0xee, sizeof big);
	v = octets(big, sizeof big);
	td_snmp_value_text(&v, buf, sizeof buf);
	assert_true(strlen(buf) < sizeof buf);
	td_snmp_value_cleanup(&v);
	struct td_snmp_value n = { .type = TD_SNMP_T_INTEGER, .i = -42 };
	td_snmp_value_text(&n, buf, sizeof buf);
	assert_string_equal(buf, "-42");
	n = (struct td_snmp_value){ .type = TD_SNMP_T_COUNTER64, .u = UINT64_MAX };
	td_snmp_value_text(&n, buf, sizeof buf);
	assert_string_equal(buf, "18446744073709551615");
	n = (struct td_snmp_value){ .type = TD_SNMP_T_NOSUCHINSTANCE };
	td_snmp_value_text(&n, buf, sizeof buf);
	assert_string_equal(buf, "noSuchInstance");
	assert_string_equal(td_snmp_type_name(TD_SNMP_T_ENDOFMIBVIEW), "endOfMibView");
}

/* Applies options to a fresh target; returns the first error. */
static enum td_err target_with(struct td_snmp_target *t, const char *const *opts, char *err,
			       size_t errlen)
{
	static const struct {
		char letter;
		int id;
	} ids[] = {
		{ 'H', TD_SNMP_OPT_HOST },     { 'p', TD_SNMP_OPT_PORT },
		{ 'C', TD_SNMP_OPT_COMMUNITY }, { 'P', TD_SNMP_OPT_VERSION },
		{ 'L', TD_SNMP_OPT_LEVEL },    { 'U', TD_SNMP_OPT_USER },
		{ 'a', TD_SNMP_OPT_AUTH },     { 'A', TD_SNMP_OPT_AUTH_PASS },
		{ 'x', TD_SNMP_OPT_PRIV },     { 'X', TD_SNMP_OPT_PRIV_PASS },
		{ 'N', TD_SNMP_OPT_CONTEXT },  { 'e', TD_SNMP_OPT_RETRIES },
		{ 'm', TD_SNMP_OPT_MIBS },
	};
	td_snmp_target_init(t);
	for (size_t i = 0; opts[i]; i += 2) {
		int id = 0;
		for (size_t k = 0; k < sizeof ids / sizeof ids[0]; k++)
			if (ids[k].letter == opts[i][1])
				id = ids[k].id;
		enum td_err rc = td_snmp_target_option(t, id, opts[i + 1], err, errlen);
		if (rc != TD_OK)
			return rc;
	}
	return td_snmp_target_finish(t, err, errlen);
}

static void test_target_options(void **state)
{
	(void)state;
	static const struct {
		const char *opts[16];
		enum td_err rc;
		const char *msg; /* in the error */
	} cases[] = {
		{ { "-H", "192.0.2.1" }, TD_OK, NULL },
		{ { "-H", "::1" }, TD_OK, NULL },
		{ { "-H", "[2001:db8::1]" }, TD_OK, NULL },
		{ { "-H", "sw1.example.org", "-p", "1161" }, TD_OK, NULL },
		{ { "-p", "161" }, TD_E_USAGE, "-H" }, /* no host */
		{ { "-H", "" }, TD_E_USAGE, "-H" },
		{ { "-H", "tcp:host" }, TD_OK, NULL }, /* taken as a name, prefixed with udp: */
		{ { "-H", "a b" }, TD_E_USAGE, "-H" },
		{ { "-H", "a/b" }, TD_E_USAGE, "-H" },
		{ { "-H", "-x" }, TD_E_USAGE, "-H" },
		{ { "-H", "h", "-p", "0" }, TD_E_USAGE, "-p" },
		{ { "-H", "h", "-p", "65535" }, TD_OK, NULL },
		{ { "-H", "h", "-p", "65536" }, TD_E_USAGE, "-p" },
		{ { "-H", "h", "-p", "16x" }, TD_E_USAGE, "-p" },
		{ { "-H", "h", "-p", "-1" }, TD_E_USAGE, "-p" },
		{ { "-H", "h", "-P", "1" }, TD_OK, NULL },
		{ { "-H", "h", "-P", "2c" }, TD_OK, NULL },
		{ { "-H", "h", "-P", "4" }, TD_E_USAGE, "-P" },
		{ { "-H", "h", "-P", "3" }, TD_E_USAGE, "-U" }, /* v3 without a user */
		/* -U implies v3, noAuthNoPriv */
		{ { "-H", "h", "-U", "mon" }, TD_OK, NULL },
		{ { "-H", "h", "-P", "2c", "-U", "mon" }, TD_E_USAGE, "-P 3" },
		{ { "-H", "h", "-U", "mon", "-L", "authPriv", "-A", "12345678" }, TD_E_USAGE,
		  "-X" },
		{ { "-H", "h", "-U", "mon", "-L", "authNoPriv" }, TD_E_USAGE, "-A" },
		{ { "-H", "h", "-U", "mon", "-L", "authpriv", "-A", "12345678", "-X", "abcdefgh" },
		  TD_OK, NULL },
		{ { "-H", "h", "-U", "mon", "-L", "secret" }, TD_E_USAGE, "-L" },
		{ { "-H", "h", "-U", "mon", "-A", "1234567" }, TD_E_USAGE, "at least 8" },
		{ { "-H", "h", "-U", "mon", "-a", "SHA-256", "-A", "12345678" }, TD_OK, NULL },
		{ { "-H", "h", "-U", "mon", "-a", "sha512", "-A", "12345678" }, TD_OK, NULL },
		{ { "-H", "h", "-U", "mon", "-a", "SHA-3" }, TD_E_USAGE, "-a" },
		{ { "-H", "h", "-U", "mon", "-x", "AES-256" }, TD_OK, NULL },
		{ { "-H", "h", "-U", "mon", "-x", "3DES" }, TD_E_USAGE, "-x" },
		{ { "-H", "h", "-U", "012345678901234567890123456789012" }, TD_E_USAGE, "-U" },
		{ { "-H", "h", "-e", "0" }, TD_OK, NULL },
		{ { "-H", "h", "-e", "10" }, TD_OK, NULL },
		{ { "-H", "h", "-e", "11" }, TD_E_USAGE, "-e" },
		{ { "-H", "h", "-m", "IF-MIB:HOST-RESOURCES-MIB" }, TD_OK, NULL },
		{ { "-H", "h", "-m", "ALL" }, TD_OK, NULL },
		{ { "-H", "h", "-m", "IF MIB" }, TD_E_USAGE, "-m" },
		{ { "-H", "h", "-m", "" }, TD_E_USAGE, "-m" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct td_snmp_target t;
		char err[256] = "";
		enum td_err rc = target_with(&t, cases[i].opts, err, sizeof err);
		if (rc != cases[i].rc)
			fail_msg("case %zu (%s %s): rc %d, wanted %d: %s", i, cases[i].opts[0],
				 cases[i].opts[1], rc, cases[i].rc, err);
		if (cases[i].msg && !strstr(err, cases[i].msg))
			fail_msg("case %zu: \"%s\" does not name %s", i, err, cases[i].msg);
		td_snmp_target_cleanup(&t);
	}
}

static void test_target_defaults_and_secrets(void **state)
{
	(void)state;
	struct td_snmp_target t;
	char err[256];
	const char *v2[] = { "-H", "h", NULL };
	assert_int_equal(target_with(&t, v2, err, sizeof err), TD_OK);
	assert_int_equal(t.version, TD_SNMP_V2C);
	assert_string_equal(t.community, "public");
	assert_int_equal(t.port, 161);
	assert_int_equal(t.retries, 5);
	td_snmp_target_cleanup(&t);

	/* the level follows the passphrases given; MD5 and DES as monitoring-plugins */
	const char *v3[] = { "-H", "h", "-U", "u", "-A", "authpass1", "-X", "privpass1", NULL };
	assert_int_equal(target_with(&t, v3, err, sizeof err), TD_OK);
	assert_int_equal(t.version, TD_SNMP_V3);
	assert_int_equal(t.level, TD_SNMP_AUTHPRIV);
	assert_int_equal(t.auth, TD_SNMP_AUTH_MD5);
	assert_int_equal(t.priv, TD_SNMP_PRIV_DES);
	td_snmp_target_cleanup(&t);
	const char *v3a[] = { "-H", "h", "-U", "u", "-A", "authpass1", NULL };
	assert_int_equal(target_with(&t, v3a, err, sizeof err), TD_OK);
	assert_int_equal(t.level, TD_SNMP_AUTHNOPRIV);
	td_snmp_target_cleanup(&t);

	/* error messages never echo a secret */
	const char *bad[] = { "-H", "h", "-U", "u", "-A", "short", NULL };
	assert_int_equal(target_with(&t, bad, err, sizeof err), TD_E_USAGE);
	assert_null(strstr(err, "short"));
	td_snmp_target_cleanup(&t);
	const char *longc[] = { "-H", "h", "-C", NULL, NULL };
	char community[300];
	memset(community, 'c', sizeof community - 1);
	community[sizeof community - 1] = '\0';
	longc[3] = community;
	assert_int_equal(target_with(&t, longc, err, sizeof err), TD_E_USAGE);
	assert_null(strstr(err, "ccccc"));
	td_snmp_target_cleanup(&t);
	/* a second -C replaces the first (wiped) */
	td_snmp_target_init(&t);
	assert_int_equal(td_snmp_target_option(&t, TD_SNMP_OPT_COMMUNITY, "one", err, sizeof err),
			 TD_OK);
	assert_int_equal(td_snmp_target_option(&t, TD_SNMP_OPT_COMMUNITY, "two", err, sizeof err),
			 TD_OK);
	assert_string_equal(t.community, "two");
	td_snmp_target_cleanup(&t);
	assert_null(t.community);
}

/* A UDP port that is bound (so no ICMP error) and never answers. */
static int silent_port(unsigned *port)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof a;
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static void test_deadline_no_answer(void **state)
{
	(void)state;
	unsigned port;
	int fd = silent_port(&port);
	struct td_snmp_target t;
	char err[512] = "", portbuf[16];
	snprintf(portbuf, sizeof portbuf, "%u", port);
	const char *opts[] = { "-H", "127.0.0.1", "-p", portbuf, "-C", "s3cret-community", NULL };
	assert_int_equal(target_with(&t, opts, err, sizeof err), TD_OK);
	struct td_deadline dl = td_deadline_in(0.4);
	struct td_snmp_session *s;
	double t0 = td_now();
	assert_int_equal(td_snmp_open(&t, &dl, &s, err, sizeof err), TD_OK);
	struct td_snmp_oid oid;
	struct td_snmp_value v;
	assert_int_equal(td_snmp_oid_parse("1.3.6.1.2.1.1.3.0", &oid), TD_OK);
	assert_int_equal(td_snmp_get(s, false, &oid, 1, &v, &dl, err, sizeof err), TD_E_TIMEOUT);
	double took = td_now() - t0;
	assert_true(took >= 0.35 && took < 0.6);
	assert_non_null(strstr(err, "no answer from udp:127.0.0.1:"));
	assert_non_null(strstr(err, "6 tries"));
	assert_null(strstr(err, "s3cret"));
	td_snmp_value_cleanup(&v);
	/* the walk is bounded too, and a session survives a timed-out request */
	dl = td_deadline_in(0.2);
	t0 = td_now();
	assert_int_equal(td_snmp_walk(s, &oid, 10, NULL, NULL, &dl, err, sizeof err), TD_E_TIMEOUT);
	assert_true(td_now() - t0 < 0.4);
	td_snmp_close(s);
	/* an expired deadline fails at once */
	dl = td_deadline_in(0);
	assert_int_equal(td_snmp_open(&t, &dl, &s, err, sizeof err), TD_OK);
	assert_int_equal(td_snmp_get(s, false, &oid, 1, &v, &dl, err, sizeof err), TD_E_TIMEOUT);
	td_snmp_close(s);
	td_snmp_target_cleanup(&t);
	close(fd);
}

struct worker {
	unsigned port;
	enum td_err rc;
	double took;
};

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	struct td_snmp_target t;
	char err[512], portbuf[16];
	snprintf(portbuf, sizeof portbuf, "%u", w->port);
	const char *opts[] = { "-H", "127.0.0.1", "-p", portbuf, "-e", "1", NULL };
	double t0 = td_now();
	target_with(&t, opts, err, sizeof err);
	struct td_deadline dl = td_deadline_in(0.3);
	struct td_snmp_session *s;
	w->rc = td_snmp_open(&t, &dl, &s, err, sizeof err);
	if (w->rc == TD_OK) {
		struct td_snmp_oid oid;
		struct td_snmp_value v;
		td_snmp_oid_parse("1.3.6.1.2.1.1.5.0", &oid);
		w->rc = td_snmp_get(s, false, &oid, 1, &v, &dl, err, sizeof err);
		td_snmp_value_cleanup(&v);
		td_snmp_close(s);
	}
	td_snmp_target_cleanup(&t);
	w->took = td_now() - t0;
	return NULL;
}

/* Workers of tandemd: each bounded by its own deadline, none waits for another's. */
static void test_threads(void **state)
{
	(void)state;
	unsigned port;
	int fd = silent_port(&port);
	pthread_t th[8];
	struct worker w[8];
	for (int i = 0; i < 8; i++) {
		w[i] = (struct worker){ .port = port };
		assert_int_equal(pthread_create(&th[i], NULL, worker_run, &w[i]), 0);
	}
	for (int i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(w[i].rc, TD_E_TIMEOUT);
		assert_true(w[i].took < 0.5);
	}
	close(fd);
}

static void test_resolve(void **state)
{
	(void)state;
	char err[512] = "", dir[] = "/tmp/tandem-mibs.XXXXXX";
	struct td_snmp_oid o;
	/* numeric: no MIB */
	assert_int_equal(td_snmp_resolve("1.3.6.1.2.1.1.3.0", NULL, &o, err, sizeof err), TD_OK);
	assert_int_equal(o.len, 9);
	/* an empty MIB directory: names under the built-in root resolve, others fail clearly */
	assert_non_null(mkdtemp(dir));
	setenv("MIBDIRS", dir, 1);
	assert_int_equal(td_snmp_resolve("iso.3.6.1.2.1.1.3.0", NULL, &o, err, sizeof err), TD_OK);
	assert_int_equal(o.len, 9);
	assert_int_equal(o.sub[8], 0);
	double t0 = td_now();
	assert_int_equal(td_snmp_resolve("sysUpTime.0", "ALL", &o, err, sizeof err), TD_E_NOTFOUND);
	assert_true(td_now() - t0 < 1);
	assert_non_null(strstr(err, "sysUpTime.0"));
	assert_non_null(strstr(err, "numeric OID"));
	assert_non_null(strstr(err, dir));
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_oid_parse_table),
		cmocka_unit_test(test_oid_helpers),
		cmocka_unit_test(test_counter_delta),
		cmocka_unit_test(test_value_number),
		cmocka_unit_test(test_value_text),
		cmocka_unit_test(test_target_options),
		cmocka_unit_test(test_target_defaults_and_secrets),
		cmocka_unit_test(test_deadline_no_answer),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_resolve),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

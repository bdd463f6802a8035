/*
 * test_pg_conn.c - the libpq wrapper without a server: number parsing,
 * message cleaning, connection parameters, and connecting to a closed port,
 * a missing socket and a listener that never answers (the deadline must
 * hold). Queries against a real server are in tests/integration.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../plugins/probes/pg_conn.c"

static void test_parse_number(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		enum td_err rc;
		double want;
	} cases[] = {
		{ "42", TD_OK, 42 },
		{ "-1.5", TD_OK, -1.5 },
		{ "0", TD_OK, 0 },
		{ "1e+20", TD_OK, 1e20 },
		{ "1.5e-07", TD_OK, 1.5e-7 },
		{ "2E3", TD_OK, 2000 },
		{ "9223372036854775807", TD_OK, 9223372036854775807.0 },
		{ "123456789012345678901234567890.5", TD_OK, 1.2345678901234568e29 },
		{ "0.000001", TD_OK, 1e-6 },
		{ "", TD_E_PARSE, 0 },
		{ " 1", TD_E_PARSE, 0 },
		{ "1 ", TD_E_PARSE, 0 },
		{ "abc", TD_E_PARSE, 0 },
		{ "NaN", TD_E_PARSE, 0 },
		{ "Infinity", TD_E_PARSE, 0 },
		{ "-Infinity", TD_E_PARSE, 0 },
		{ "1e", TD_E_PARSE, 0 },
		{ "1e+", TD_E_PARSE, 0 },
		{ "e5", TD_E_PARSE, 0 },
		{ "1e5x", TD_E_PARSE, 0 },
		{ "1e401", TD_E_PARSE, 0 },
		{ "1e308", TD_OK, 1e308 },
		{ "10e308", TD_E_PARSE, 0 }, /* overflows to infinity */
		{ "t", TD_E_PARSE, 0 },
		{ "0x10", TD_E_PARSE, 0 },
		{ "1,5", TD_E_PARSE, 0 },
		{ "12:30:00", TD_E_PARSE, 0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		double v = -999;
		enum td_err rc = td_pg_parse_number(cases[i].text, &v);
		if (rc != cases[i].rc)
			fail_msg("case %zu \"%s\": rc %d, wanted %d", i, cases[i].text, rc,
				 cases[i].rc);
		if (rc == TD_OK && fabs(v - cases[i].want) > fabs(cases[i].want) * 1e-12)
			fail_msg("case %zu \"%s\": %.17g, wanted %.17g", i, cases[i].text, v,
				 cases[i].want);
	}
	double v;
	assert_int_equal(td_pg_parse_number(NULL, &v), TD_E_PARSE);
}

static void test_clean_message(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out, *sqlstate;
	} cases[] = {
		{ "connection to server at \"127.0.0.1\", port 1 failed: Connection refused\n"
		  "\tIs the server running on that host and accepting TCP/IP connections?\n",
		  "Connection refused Is the server running on that host and accepting TCP/IP "
		  "connections?",
		  "" },
		{ "connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  28P01: "
		  "password authentication failed for user \"x\"\n"
		  "LOCATION:  auth_failed, auth.c:323\n",
		  "password authentication failed for user \"x\"", "28P01" },
		{ "FATAL:  3D000: database \"nope\" does not exist\n",
		  "database \"nope\" does not exist", "3D000" },
		{ "FATAL:  role \"r\" does not exist", "role \"r\" does not exist", "" },
		{ "  spaced   out\n\n text  ", "spaced out text", "" },
		{ "", "", "" },
		/* not a SQLSTATE: lower case, wrong length */
		{ "FATAL:  abcde: x", "abcde: x", "" },
		{ "FATAL:  ABCD: x", "ABCD: x", "" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char out[512], st[6];
		pg_clean_message(cases[i].in, out, sizeof out, st);
		if (strcmp(out, cases[i].out))
			fail_msg("case %zu: \"%s\", wanted \"%s\"", i, out, cases[i].out);
		if (strcmp(st, cases[i].sqlstate))
			fail_msg("case %zu: sqlstate \"%s\", wanted \"%s\"", i, st,
				 cases[i].sqlstate);
	}
	/* a small buffer cuts, NUL-terminated */
	char small[8];
	pg_clean_message("0123456789abcdef", small, sizeof small, NULL);
	assert_string_equal(small, "0123456");
	pg_clean_message(NULL, small, sizeof small, NULL);
	assert_string_equal(small, "");
}

static void test_params_options(void **state)
{
	(void)state;
	static const struct {
		int id;
		const char *arg;
		enum td_err rc;
		const char *err; /* start of the message */
	} cases[] = {
		{ TD_PG_OPT_HOST, "db1", TD_OK, NULL },
		{ TD_PG_OPT_HOST, "", TD_E_USAGE, "-H: empty" },
		{ TD_PG_OPT_PORT, "5432", TD_OK, NULL },
		{ TD_PG_OPT_PORT, "1", TD_OK, NULL },
		{ TD_PG_OPT_PORT, "65535", TD_OK, NULL },
		{ TD_PG_OPT_PORT, "0", TD_E_USAGE, "-P: \"0\" is not a port" },
		{ TD_PG_OPT_PORT, "65536", TD_E_USAGE, "-P: \"65536\"" },
		{ TD_PG_OPT_PORT, "54x", TD_E_USAGE, "-P: " },
		{ TD_PG_OPT_PORT, "-1", TD_E_USAGE, "-P: " },
		{ TD_PG_OPT_PORT, "", TD_E_USAGE, "-P: " },
		{ TD_PG_OPT_DBNAME, "", TD_E_USAGE, "-d: " },
		{ TD_PG_OPT_USER, "", TD_E_USAGE, "-l: " },
		{ TD_PG_OPT_SERVICE, "", TD_E_USAGE, "--service: " },
		{ TD_PG_OPT_OPTION, "sslmode=require", TD_OK, NULL },
		{ TD_PG_OPT_OPTION, "connect_timeout=5 sslmode=disable", TD_OK, NULL },
		{ TD_PG_OPT_OPTION, "nonsense", TD_E_USAGE, "-o: missing \"=\"" },
		{ TD_PG_OPT_OPTION, "frobnicate=1", TD_E_USAGE, "-o: invalid connection option" },
		{ TD_PG_OPT_CONNINFO, "postgresql://u@h:5433/db?sslmode=require", TD_OK, NULL },
		{ TD_PG_OPT_CONNINFO, "host=h dbname='my db'", TD_OK, NULL },
		{ TD_PG_OPT_CONNINFO, "postgresql://h:port/", TD_E_USAGE,
		  "--conninfo: \"port\" is not" },
		{ TD_PG_OPT_CONNINFO, "postgresql://h1:5432,h2:70000/", TD_E_USAGE,
		  "--conninfo: " },
		{ TD_PG_OPT_CONNINFO, "host=h1,h2 port=5432,", TD_OK, NULL },
		{ TD_PG_OPT_OPTION, "port=0", TD_E_USAGE, "-o: \"0\" is not a port" },
		{ TD_PG_OPT_CONNINFO, "host='unterminated", TD_E_USAGE, "--conninfo: " },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct td_pg_params p;
		char err[256] = "";
		td_pg_params_init(&p);
		enum td_err rc = td_pg_params_option(&p, cases[i].id, cases[i].arg, err,
						     sizeof err);
		if (rc != cases[i].rc)
			fail_msg("case %zu \"%s\": rc %d (%s), wanted %d", i, cases[i].arg, rc, err,
				 cases[i].rc);
		if (cases[i].err && strncmp(err, cases[i].err, strlen(cases[i].err)))
			fail_msg("case %zu: \"%s\" does not start with \"%s\"", i, err,
				 cases[i].err);
		td_pg_params_cleanup(&p);
	}
}

static void add(struct td_pg_params *p, int id, const char *arg)
{
	char err[256];
	if (td_pg_params_option(p, id, arg, err, sizeof err) != TD_OK)
		fail_msg("%s: %s", arg, err);
}

static void test_params_precedence(void **state)
{
	(void)state;
	struct td_pg_params p;
	const char **keys, **vals;
	td_pg_params_init(&p);
	/* explicit options win over the connection string, wherever they are given */
	add(&p, TD_PG_OPT_HOST, "explicit-host");
	add(&p, TD_PG_OPT_CONNINFO, "postgresql://uri-user:uri-pw@uri-host:6000/uri-db");
	add(&p, TD_PG_OPT_OPTION, "sslmode=disable");
	assert_string_equal(td_pg_params_get(&p, "host"), "explicit-host");
	assert_string_equal(td_pg_params_get(&p, "port"), "6000");
	assert_string_equal(td_pg_params_get(&p, "dbname"), "uri-db");
	assert_string_equal(td_pg_params_get(&p, "user"), "uri-user");
	assert_string_equal(td_pg_params_get(&p, "password"), "uri-pw");
	assert_string_equal(td_pg_params_get(&p, "sslmode"), "disable");
	assert_null(td_pg_params_get(&p, "service"));
	add(&p, TD_PG_OPT_USER, "u1");
	add(&p, TD_PG_OPT_USER, "u2");
	assert_string_equal(td_pg_params_get(&p, "user"), "u2");
	td_pg_params_finish(&p, "check_x", "template1");
	assert_null(p.default_dbname); /* the URI names one */

	/* the arrays: connection string, explicit options (later wins in libpq), the name */
	pg_params_arrays(&p, &keys, &vals);
	size_t n = 0;
	while (keys[n])
		n++;
	assert_string_equal(keys[n - 1], "fallback_application_name");
	assert_string_equal(vals[n - 1], "check_x");
	size_t host_uri = n, host_explicit = n;
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(keys[i], "host") && !strcmp(vals[i], "uri-host"))
			host_uri = i;
		if (!strcmp(keys[i], "host") && !strcmp(vals[i], "explicit-host"))
			host_explicit = i;
	}
	assert_true(host_uri < host_explicit && host_explicit < n);
	free(keys);
	free(vals);
	td_pg_params_cleanup(&p);
	td_pg_params_cleanup(&p); /* twice is harmless */
}

static void test_params_default_dbname(void **state)
{
	(void)state;
	static const struct {
		int id;
		const char *arg;
		const char *env_db, *env_service;
		bool want_default;
	} cases[] = {
		{ 0, NULL, NULL, NULL, true },
		{ TD_PG_OPT_HOST, "h", NULL, NULL, true },
		{ TD_PG_OPT_DBNAME, "shop", NULL, NULL, false },
		{ TD_PG_OPT_SERVICE, "svc", NULL, NULL, false },
		{ TD_PG_OPT_OPTION, "service=svc", NULL, NULL, false },
		{ TD_PG_OPT_CONNINFO, "dbname=x", NULL, NULL, false },
		{ TD_PG_OPT_CONNINFO, "host=h", NULL, NULL, true },
		{ 0, NULL, "fromenv", NULL, false },
		{ 0, NULL, NULL, "svc", false },
		{ 0, NULL, "", "", true },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct td_pg_params p;
		td_pg_params_init(&p);
		if (cases[i].id)
			add(&p, cases[i].id, cases[i].arg);
		if (cases[i].env_db)
			setenv("PGDATABASE", cases[i].env_db, 1);
		else
			unsetenv("PGDATABASE");
		if (cases[i].env_service)
			setenv("PGSERVICE", cases[i].env_service, 1);
		else
			unsetenv("PGSERVICE");
		td_pg_params_finish(&p, "t", "template1");
		if ((p.default_dbname != NULL) != cases[i].want_default)
			fail_msg("case %zu: default dbname %s", i,
				 p.default_dbname ? "set" : "not set");
		td_pg_params_finish(&p, "t", NULL);
		assert_null(p.default_dbname);
		td_pg_params_cleanup(&p);
	}
	unsetenv("PGDATABASE");
	unsetenv("PGSERVICE");
}

static void test_rows(void **state)
{
	(void)state;
	struct td_pg_rows r;
	memset(&r, 0, sizeof r);
	assert_null(td_pg_cell(&r, 0, 0));
	td_pg_rows_cleanup(&r);
	r.ncols = 2;
	r.nrows = 1;
	r.cells = td_xcalloc(2, sizeof *r.cells);
	r.cells[0] = td_xstrdup("a");
	r.names = td_xcalloc(2, sizeof *r.names);
	r.names[0] = td_xstrdup("x");
	r.names[1] = td_xstrdup("y");
	assert_string_equal(td_pg_cell(&r, 0, 0), "a");
	assert_null(td_pg_cell(&r, 0, 1)); /* SQL NULL */
	assert_null(td_pg_cell(&r, 0, 2));
	assert_null(td_pg_cell(&r, 1, 0));
	td_pg_rows_cleanup(&r);
	assert_int_equal(r.nrows, 0);
}

/* A loopback port: listening (never accepting) or, once closed, refusing. */
static int listener(unsigned *port, bool keep)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	socklen_t len = sizeof sa;
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	*port = ntohs(sa.sin_port);
	if (keep) {
		assert_int_equal(listen(fd, 8), 0);
		return fd;
	}
	close(fd);
	return -1;
}

static enum td_err connect_to(const char *host, unsigned port, double timeout, double *took,
			      char *err, size_t errlen)
{
	struct td_pg_params p;
	struct td_pg *c = NULL;
	char ps[16];
	td_pg_params_init(&p);
	add(&p, TD_PG_OPT_HOST, host);
	snprintf(ps, sizeof ps, "%u", port);
	add(&p, TD_PG_OPT_PORT, ps);
	add(&p, TD_PG_OPT_USER, "nobody");
	add(&p, TD_PG_OPT_OPTION, "sslmode=disable gssencmode=disable");
	td_pg_params_finish(&p, "test_pg_conn", "template1");
	struct td_deadline dl = td_deadline_in(timeout);
	double t0 = td_now();
	enum td_err rc = td_pg_connect(&p, &dl, &c, NULL, err, errlen);
	*took = td_now() - t0;
	assert_null(c);
	td_pg_params_cleanup(&p);
	return rc;
}

static void test_connect_refused(void **state)
{
	(void)state;
	unsigned port;
	char err[512], want[64];
	double took;
	listener(&port, false);
	assert_int_equal(connect_to("127.0.0.1", port, 5, &took, err, sizeof err), TD_E_CONNECT);
	snprintf(want, sizeof want, "connect to 127.0.0.1:%u failed: ", port);
	if (strncmp(err, want, strlen(want)) || !strstr(err, "refused"))
		fail_msg("message: %s", err);
	assert_true(took < 1);
}

static void test_connect_no_socket(void **state)
{
	(void)state;
	char err[512];
	double took;
	assert_int_equal(connect_to("/nonexistent-dir", 5432, 5, &took, err, sizeof err),
			 TD_E_CONNECT);
	if (!strstr(err, "socket /nonexistent-dir/.s.PGSQL.5432") || strchr(err, '\n'))
		fail_msg("message: %s", err);
}

/* A server that accepts and never answers: the deadline, not libpq, ends the wait. */
static void test_connect_silent(void **state)
{
	(void)state;
	unsigned port;
	char err[512];
	double took;
	int fd = listener(&port, true);
	assert_int_equal(connect_to("127.0.0.1", port, 0.3, &took, err, sizeof err), TD_E_TIMEOUT);
	close(fd);
	if (!strstr(err, "no answer from the server within"))
		fail_msg("message: %s", err);
	if (took < 0.29 || took > 0.5)
		fail_msg("took %.3f s for a 0.3 s deadline", took);
}

static void test_connect_expired(void **state)
{
	(void)state;
	unsigned port;
	char err[512];
	double took;
	int fd = listener(&port, true);
	assert_int_equal(connect_to("127.0.0.1", port, 0, &took, err, sizeof err), TD_E_TIMEOUT);
	close(fd);
	assert_true(took < 0.1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_number),
		cmocka_unit_test(test_clean_message),
		cmocka_unit_test(test_params_options),
		cmocka_unit_test(test_params_precedence),
		cmocka_unit_test(test_params_default_dbname),
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_connect_refused),
		cmocka_unit_test(test_connect_no_socket),
		cmocka_unit_test(test_connect_silent),
		cmocka_unit_test(test_connect_expired),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

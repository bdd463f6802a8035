/*
 * test_tcp.c - check_tcp's parse and evaluate steps: option tables
 * (ports, states, escapes, ranges, refused TLS options), expect matching,
 * banner sanitizing, and the result of a finished exchange; plus three runs
 * against sockets of this process (answer, refused, timeout), which keep the
 * socket code under the sanitizers without a server.
 */
#include "../../plugins/probes/tcp.c"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/* Parses argv (NULL-terminated, without argv[0]) into a tcp config. */
static enum td_err parse(struct tcp_config **cfg, char *err, size_t errlen, const char *const *args)
{
	char *argv[256];
	int argc = 0;
	argv[argc++] = (char *)"check_tcp";
	for (; *args && argc < 255; args++)
		argv[argc++] = (char *)*args;
	argv[argc] = NULL;
	struct td_common common;
	void *c = NULL;
	err[0] = '\0';
	enum td_err rc =
	    td_probe_parse(&td_probe_tcp, argc, argv, "check_tcp", &common, &c, err, errlen);
	*cfg = c;
	return rc;
}

#define PARSE(cfg, err, ...)                                                                       \
	parse(&(cfg), err, sizeof err, (const char *const[]){ __VA_ARGS__, NULL })

static void test_port_table(void **state)
{
	(void)state;
	static const struct {
		const char *arg;
		int port; /* 0: rejected */
	} cases[] = {
		{ "1", 1 },
		{ "80", 80 },
		{ "65535", 65535 },
		{ "0", 0 },
		{ "65536", 0 },
		{ "-1", 0 },
		{ "abc", 0 },
		{ "80x", 0 },
		{ "", 0 },
		{ " 80", 0 },
		{ "+80", 0 },
		{ "0x50", 0 },
		{ "99999999999999999999999", 0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct tcp_config *c;
		char err[256];
		enum td_err rc = PARSE(c, err, "-p", cases[i].arg);
		if (rc != (enum td_err)(cases[i].port ? TD_OK : TD_E_USAGE))
			fail_msg("case %zu -p \"%s\": rc %d (%s)", i, cases[i].arg, rc, err);
		if (cases[i].port) {
			assert_int_equal(rc, TD_OK);
			assert_int_equal(c->port, cases[i].port);
		} else {
			assert_int_equal(rc, TD_E_USAGE);
			assert_null(c);
			assert_non_null(strstr(err, "-p:"));
		}
		tcp_config_free(c);
	}
}

static void test_port_required(void **state)
{
	(void)state;
	struct tcp_config *c;
	char err[256];
	assert_int_equal(PARSE(c, err, "-H", "127.0.0.1"), TD_E_USAGE);
	assert_non_null(strstr(err, "-p PORT is required"));
	assert_null(c);
}

static void test_host(void **state)
{
	(void)state;
	struct tcp_config *c;
	char err[256];

	assert_int_equal(PARSE(c, err, "-p", "7"), TD_OK);
	assert_string_equal(c->host, "127.0.0.1");
	assert_true(c->numeric);
	assert_string_equal(c->service, "7");
	tcp_config_free(c);

	assert_int_equal(PARSE(c, err, "-6", "-p", "7"), TD_OK);
	assert_string_equal(c->host, "::1");
	assert_int_equal(c->family, AF_INET6);
	tcp_config_free(c);

	assert_int_equal(PARSE(c, err, "-H", "[::1]", "-p", "7"), TD_OK);
	assert_string_equal(c->host, "::1");
	assert_true(c->numeric);
	tcp_config_free(c);

	assert_int_equal(PARSE(c, err, "-H", "db.example", "-p", "7"), TD_OK);
	assert_string_equal(c->host, "db.example");
	assert_false(c->numeric);
	tcp_config_free(c);

	/* the peer's positional host */
	assert_int_equal(PARSE(c, err, "mail.example", "-p", "25"), TD_OK);
	assert_string_equal(c->host, "mail.example");
	tcp_config_free(c);

	assert_int_equal(PARSE(c, err, "-H", "a", "b", "-p", "25"), TD_E_USAGE);
	assert_non_null(strstr(err, "\"b\""));
	assert_int_equal(PARSE(c, err, "-H", "", "-p", "25"), TD_E_USAGE);
	assert_int_equal(PARSE(c, err, "-H", "[]", "-p", "25"), TD_E_USAGE);
	assert_int_equal(PARSE(c, err, "-4", "-H", "::1", "-p", "25"), TD_E_USAGE);
	assert_non_null(strstr(err, "IPv6"));
	assert_int_equal(PARSE(c, err, "-6", "-H", "127.0.0.1", "-p", "25"), TD_E_USAGE);
	assert_non_null(strstr(err, "IPv4"));
}

static void test_state_table(void **state)
{
	(void)state;
	static const struct {
		const char *arg;
		int want; /* -1: rejected */
	} cases[] = {
		{ "ok", TD_STATE_OK },
		{ "warn", TD_STATE_WARNING },
		{ "crit", TD_STATE_CRITICAL },
		{ "warning", TD_STATE_WARNING },
		{ "critical", TD_STATE_CRITICAL },
		{ "OK", TD_STATE_OK },
		{ "c", TD_STATE_CRITICAL },
		{ "unknown", -1 },
		{ "bad", -1 },
		{ "", -1 },
		{ "crit ", -1 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		for (int opt = 0; opt < 2; opt++) {
			struct tcp_config *c;
			char err[256];
			enum td_err rc = PARSE(c, err, "-p", "1", opt ? "-M" : "-r", cases[i].arg);
			if (rc != (enum td_err)(cases[i].want < 0 ? TD_E_USAGE : TD_OK))
				fail_msg("case %zu %s \"%s\": rc %d (%s)", i, opt ? "-M" : "-r",
					 cases[i].arg, rc, err);
			if (cases[i].want < 0) {
				assert_int_equal(rc, TD_E_USAGE);
				assert_non_null(strstr(err, "is not ok, warn or crit"));
				continue;
			}
			assert_int_equal(rc, TD_OK);
			assert_int_equal(opt ? c->mismatch_state : c->refuse_state, cases[i].want);
			tcp_config_free(c);
		}
	struct tcp_config *c;
	char err[256];
	assert_int_equal(PARSE(c, err, "-p", "1"), TD_OK);
	assert_int_equal(c->refuse_state, TD_STATE_CRITICAL);
	assert_int_equal(c->mismatch_state, TD_STATE_WARNING);
	tcp_config_free(c);
}

static void test_escape_table(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out; /* out NULL: rejected */
	} cases[] = {
		{ "plain", "plain" }, { "a\\nb", "a\nb" }, { "\\r\\n", "\r\n" },
		{ "\\t|", "\t|" },    { "\\\\", "\\" },	   { "\\\\n", "\\n" },
		{ "", "" },	      { "x\\", NULL },	   { "\\", NULL },
		{ "\\x", NULL },      { "\\0", NULL },	   { "a\\\\\\", NULL },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *out = NULL, err[256] = "";
		enum td_err rc = tcp_unescape("-s", cases[i].in, &out, err, sizeof err);
		if (rc != (enum td_err)(cases[i].out ? TD_OK : TD_E_USAGE))
			fail_msg("case %zu \"%s\": rc %d (%s)", i, cases[i].in, rc, err);
		if (!cases[i].out) {
			assert_int_equal(rc, TD_E_USAGE);
			assert_null(out);
			assert_true(strstr(err, "lone backslash") ||
				    strstr(err, "is not an escape"));
			continue;
		}
		assert_int_equal(rc, TD_OK);
		assert_string_equal(out, cases[i].out);
		free(out);
	}
}

static void test_send_quit(void **state)
{
	(void)state;
	struct tcp_config *c;
	char err[256];

	/* without -E: text as given, the quit string gets CRLF like the peer's */
	assert_int_equal(PARSE(c, err, "-p", "1", "-s", "GET\\n", "-q", "QUIT"), TD_OK);
	assert_string_equal(c->send, "GET\\n");
	assert_string_equal(c->quit, "QUIT\r\n");
	tcp_config_free(c);

	/* -E applies wherever it stands, and adds nothing to -q */
	assert_int_equal(PARSE(c, err, "-p", "1", "-s", "GET\\r\\n", "-q", "bye\\n", "-E"), TD_OK);
	assert_string_equal(c->send, "GET\r\n");
	assert_string_equal(c->quit, "bye\n");
	tcp_config_free(c);

	assert_int_equal(PARSE(c, err, "-E", "-p", "1", "-s", "x\\"), TD_E_USAGE);
	assert_string_equal(err, "-s: \"x\\\" ends with a lone backslash");
	assert_int_equal(PARSE(c, err, "-E", "-p", "1", "-q", "\\q"), TD_E_USAGE);
	assert_non_null(strstr(err, "-q:"));

	assert_int_equal(PARSE(c, err, "-p", "1"), TD_OK);
	assert_null(c->send);
	assert_null(c->quit);
	tcp_config_free(c);
}

static void test_range_table(void **state)
{
	(void)state;
	static const struct {
		const char *arg;
		bool ok;
		double start, end;
		bool inside;
	} cases[] = {
		{ "1", true, 0, 1, false },
		{ "0.5", true, 0, 0.5, false },
		{ "500ms", true, 0, 0.5, false },
		{ "250us", true, 0, 0.00025, false },
		{ "1:2", true, 1, 2, false },
		{ "100ms:2s", true, 0.1, 2, false },
		{ "~:0.5", true, -INFINITY, 0.5, false },
		{ "@1:2", true, 1, 2, true },
		{ "2:", true, 2, INFINITY, false },
		{ "abc", false, 0, 0, false },
		{ "", false, 0, 0, false },
		{ "2:1", false, 0, 0, false },
		{ "10GB", false, 0, 0, false },
		{ "80%", false, 0, 0, false },
		{ "1e3", false, 0, 0, false },
		{ "1:x", false, 0, 0, false },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		for (int opt = 0; opt < 2; opt++) {
			struct tcp_config *c;
			char err[256];
			enum td_err rc = PARSE(c, err, "-p", "1", opt ? "-c" : "-w", cases[i].arg);
			if (rc != (enum td_err)(cases[i].ok ? TD_OK : TD_E_USAGE))
				fail_msg("case %zu %s \"%s\": rc %d (%s)", i, opt ? "-c" : "-w",
					 cases[i].arg, rc, err);
			if (!cases[i].ok) {
				assert_int_equal(rc, TD_E_USAGE);
				assert_non_null(strstr(err, opt ? "-c: " : "-w: "));
				continue;
			}
			assert_int_equal(rc, TD_OK);
			const struct td_range *r = opt ? &c->crit : &c->warn;
			assert_true(r->set);
			assert_true(r->start == cases[i].start);
			assert_float_equal(r->end, cases[i].end, 1e-12);
			assert_int_equal(r->inside, cases[i].inside);
			tcp_config_free(c);
		}
}

static void test_other_options(void **state)
{
	(void)state;
	struct tcp_config *c;
	char err[256];

	assert_int_equal(PARSE(c, err, "-p", "1"), TD_OK);
	assert_int_equal(c->maxbytes, TCP_MAXBYTES_DEFAULT);
	assert_true(c->delay == 0);
	assert_true(c->timeout == 10);
	tcp_config_free(c);

	assert_int_equal(PARSE(c, err, "-p", "1", "-m", "1", "-d", "500ms", "-t", "3", "-j", "-A"),
			 TD_OK);
	assert_int_equal(c->maxbytes, 1);
	assert_float_equal(c->delay, 0.5, 1e-12);
	assert_true(c->timeout == 3);
	assert_true(c->jail && c->all);
	tcp_config_free(c);

	assert_int_equal(PARSE(c, err, "-p", "1", "-m", "1048576"), TD_OK);
	tcp_config_free(c);
	assert_int_equal(PARSE(c, err, "-p", "1", "-m", "1048577"), TD_E_USAGE);
	assert_int_equal(PARSE(c, err, "-p", "1", "-m", "0"), TD_E_USAGE);
	assert_int_equal(PARSE(c, err, "-p", "1", "-m", "-5"), TD_E_USAGE);
	assert_int_equal(PARSE(c, err, "-p", "1", "-d", "0"), TD_E_USAGE);
	assert_int_equal(PARSE(c, err, "-p", "1", "-d", "soon"), TD_E_USAGE);
	assert_non_null(strstr(err, "-d: "));

	/* -e repeats, up to a cap */
	const char *args[2 * TCP_EXPECT_MAX + 6];
	size_t n = 0;
	args[n++] = "-p";
	args[n++] = "1";
	for (int i = 0; i < TCP_EXPECT_MAX; i++) {
		args[n++] = "-e";
		args[n++] = "x";
	}
	args[n] = NULL;
	assert_int_equal(parse(&c, err, sizeof err, args), TD_OK);
	assert_int_equal(c->n_expect, TCP_EXPECT_MAX);
	tcp_config_free(c);
	args[n++] = "-e";
	args[n++] = "one too many";
	args[n] = NULL;
	assert_int_equal(parse(&c, err, sizeof err, args), TD_E_USAGE);
	assert_non_null(strstr(err, "more than"));
}

static void test_tls_rejected(void **state)
{
	(void)state;
	struct tcp_config *c;
	char err[256];
	assert_int_equal(PARSE(c, err, "-p", "443", "-S"), TD_E_USAGE);
	assert_non_null(strstr(err, "-S: TLS is not supported"));
	assert_null(c);
	assert_int_equal(PARSE(c, err, "-p", "443", "--ssl"), TD_E_USAGE);
	assert_int_equal(PARSE(c, err, "-p", "443", "-D", "30"), TD_E_USAGE);
	assert_non_null(strstr(err, "-D: "));
	assert_non_null(strstr(err, "not supported"));
	assert_int_equal(PARSE(c, err, "-p", "443", "--certificate=30,14"), TD_E_USAGE);
}

/* Feeds data in chunks to tcp_expect_scan, as reads would. */
static bool scan_chunks(char *const *expect, size_t n, bool all, const char *const *chunks,
			bool *found)
{
	char buf[256];
	size_t len = 0;
	bool done = false;
	memset(found, 0, n * sizeof *found);
	for (; *chunks && !done; chunks++) {
		size_t from = len, k = strlen(*chunks);
		memcpy(buf + len, *chunks, k);
		len += k;
		done = tcp_expect_scan(expect, n, all, found, buf, len, from);
	}
	return done;
}

#define CHUNKS(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void test_expect_scan(void **state)
{
	(void)state;
	char *two[] = { (char *)"220", (char *)"ESMTP" };
	char *one[] = { (char *)"OpenSSH" };
	char *empty[] = { (char *)"" };
	bool found[2];

	/* any (the default): one string is enough */
	assert_true(scan_chunks(two, 2, false, CHUNKS("220 mail ready"), found));
	assert_true(found[0] && !found[1]);
	assert_true(scan_chunks(two, 2, false, CHUNKS("ESMTP here"), found));
	assert_false(scan_chunks(two, 2, false, CHUNKS("554 go away"), found));
	/* anywhere, not only at the start */
	assert_true(scan_chunks(one, 1, false, CHUNKS("SSH-2.0-OpenSSH_9.2"), found));
	/* -A: partial is not done until every string came */
	assert_false(scan_chunks(two, 2, true, CHUNKS("220 mail ready"), found));
	assert_true(found[0] && !found[1]);
	assert_true(scan_chunks(two, 2, true, CHUNKS("220 mail", " ESMTP ready"), found));
	/* a string split across reads, even one byte at a time */
	assert_true(scan_chunks(one, 1, false, CHUNKS("SSH-2.0-Open", "SSH_9"), found));
	assert_true(scan_chunks(one, 1, false, CHUNKS("O", "p", "e", "n", "S", "S", "H"), found));
	assert_true(scan_chunks(two, 2, true, CHUNKS("2", "2", "0 ES", "MT", "P"), found));
	assert_false(scan_chunks(one, 1, false, CHUNKS("Open", "-", "SSH"), found));
	/* case matters, as in the peer */
	assert_false(scan_chunks(one, 1, false, CHUNKS("openssh"), found));
	/* an empty string is in every answer */
	assert_true(scan_chunks(empty, 1, true, CHUNKS("x"), found));

	/* bytes after a NUL are still searched */
	static const char bin[] = { 'a', '\0', 'E', 'S', 'M', 'T', 'P' };
	memset(found, 0, sizeof found);
	assert_true(tcp_expect_scan(two, 2, false, found, bin, sizeof bin, 0));
	assert_true(found[1]);
}

static void test_sanitize(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		bool first;
		size_t max;
		const char *out;
	} cases[] = {
		{ "220 mail ready\r\n", true, 80, "220 mail ready" },
		{ "220 one\r\n220 two\r\n", true, 80, "220 one" },
		{ "220 one\r\n220 two\r\n", false, 80, "220 one 220 two" },
		{ "\r\n\r\n  hello  world \t\n", true, 80, "hello world" },
		{ "  hello  world \t\n", false, 80, "hello world" },
		{ "bell\a esc\x1b[0m", true, 80, "bell? esc?[0m" },
		{ "caf\xc3\xa9", true, 80, "caf??" },
		{ "0123456789", true, 10, "0123456789" },
		{ "0123456789A", true, 10, "0123456789..." },
		{ "01234 6789A", true, 5, "01234..." },
		{ "01234 ", true, 5, "01234" },
		{ "", true, 80, "" },
		{ " \r\n\t", false, 80, "" },
		{ "a|b", true, 80, "a|b" }, /* '|' is the core's to replace */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char out[100];
		memset(out, 'Z', sizeof out);
		tcp_sanitize(cases[i].in, strlen(cases[i].in), cases[i].first, cases[i].max, out);
		if (strcmp(out, cases[i].out))
			fail_msg("case %zu: got \"%s\", wanted \"%s\"", i, out, cases[i].out);
		assert_true(strlen(out) <= cases[i].max + 3);
	}
	/* NUL bytes in the answer are control bytes, not an end */
	char out[20];
	tcp_sanitize("a\0b", 3, true, 10, out);
	assert_string_equal(out, "a?b");
}

static void eval(const struct tcp_config *c, enum tcp_outcome o, const char *data, double elapsed,
		 struct td_result *res, struct td_buf *out)
{
	struct tcp_answer a = {
		.outcome = o, .data = data, .len = data ? strlen(data) : 0, .elapsed = elapsed
	};
	td_result_init(res);
	tcp_evaluate(c, &a, res);
	td_result_finish(res, TD_OK, TD_STATE_CRITICAL);
	td_buf_init(out, 0);
	td_result_format(res, "TCP", out);
}

static void test_evaluate(void **state)
{
	(void)state;
	struct tcp_config *c;
	struct td_result res;
	struct td_buf out;
	char err[256];

	assert_int_equal(PARSE(c, err, "-H", "mail.example", "-p", "25", "-w", "1", "-c", "2s"),
			 TD_OK);
	eval(c, TCP_CONNECTED, NULL, 0.000123, &res, &out);
	assert_int_equal(res.state, TD_STATE_OK);
	assert_string_equal(td_buf_str(&out), "TCP OK - 0.000 second response time on mail.example "
					      "port 25 | time=0.000123s;1;2;0;10\n");
	td_result_cleanup(&res);
	td_buf_cleanup(&out);

	eval(c, TCP_MATCHED, "220 mail.example ESMTP\r\nmore\r\n", 1.5, &res, &out);
	assert_int_equal(res.state, TD_STATE_WARNING);
	assert_string_equal(td_buf_str(&out), "TCP WARNING - 1.500 second response time on "
					      "mail.example port 25 [220 mail.example ESMTP] | "
					      "time=1.5s;1;2;0;10\n");
	td_result_cleanup(&res);
	td_buf_cleanup(&out);

	eval(c, TCP_MISMATCH, "554 no\r\nbye\r\n", 0.25, &res, &out);
	assert_int_equal(res.state, TD_STATE_WARNING);
	assert_string_equal(td_buf_str(&res.summary),
			    "Unexpected response from host/socket: 554 no bye");
	td_result_cleanup(&res);
	td_buf_cleanup(&out);

	eval(c, TCP_MISMATCH, "554 no\r\n", 2.5, &res, &out); /* worst of -M and -c */
	assert_int_equal(res.state, TD_STATE_CRITICAL);
	td_result_cleanup(&res);
	td_buf_cleanup(&out);

	eval(c, TCP_NO_DATA, NULL, 0.1, &res, &out);
	assert_int_equal(res.state, TD_STATE_CRITICAL);
	assert_string_equal(td_buf_str(&res.summary), "No data received from mail.example port 25");
	assert_int_equal(res.n_metrics, 1);
	td_result_cleanup(&res);
	td_buf_cleanup(&out);
	tcp_config_free(c);

	/* -j hides the server's text; -M sets the mismatch state */
	assert_int_equal(PARSE(c, err, "-p", "25", "-j", "-M", "crit"), TD_OK);
	eval(c, TCP_MATCHED, "220 secret banner", 0.01, &res, &out);
	assert_null(strstr(td_buf_str(&out), "secret"));
	td_result_cleanup(&res);
	td_buf_cleanup(&out);
	eval(c, TCP_MISMATCH, "500 secret", 0.01, &res, &out);
	assert_int_equal(res.state, TD_STATE_CRITICAL);
	assert_string_equal(td_buf_str(&res.summary),
			    "Unexpected response from host/socket on 127.0.0.1 port 25");
	td_result_cleanup(&res);
	td_buf_cleanup(&out);
	tcp_config_free(c);

	/* -M ok: the answer is accepted, thresholds still apply */
	assert_int_equal(PARSE(c, err, "-p", "25", "-M", "ok", "-w", "100ms"), TD_OK);
	eval(c, TCP_MISMATCH, "500", 0.01, &res, &out);
	assert_int_equal(res.state, TD_STATE_OK);
	td_result_cleanup(&res);
	td_buf_cleanup(&out);
	eval(c, TCP_MISMATCH, "500", 0.2, &res, &out);
	assert_int_equal(res.state, TD_STATE_WARNING);
	td_result_cleanup(&res);
	td_buf_cleanup(&out);
	tcp_config_free(c);

	/* a long banner is cut in the status line */
	char banner[300];
	memset(banner, 'x', sizeof banner - 1);
	banner[sizeof banner - 1] = '\0';
	assert_int_equal(PARSE(c, err, "-p", "25"), TD_OK);
	eval(c, TCP_MATCHED, banner, 0.01, &res, &out);
	const char *open = strchr(td_buf_str(&res.summary), '[');
	assert_non_null(open);
	assert_int_equal(strlen(open), 1 + TCP_BANNER_MAX + 3 + 1);
	td_result_cleanup(&res);
	td_buf_cleanup(&out);
	tcp_config_free(c);
}

/* A listening socket on 127.0.0.1 that nobody accepts from: the kernel completes connects. */
static int listen_any(unsigned *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, len), 0);
	assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static enum td_err run_port(unsigned port, const char *extra, double seconds, struct td_result *res)
{
	char p[8], err[256];
	struct tcp_config *c;
	snprintf(p, sizeof p, "%u", port);
	assert_int_equal(extra ? PARSE(c, err, "-p", p, "-e", extra) : PARSE(c, err, "-p", p),
			 TD_OK);
	struct td_run_ctx ctx = { .deadline = td_deadline_in(seconds) };
	td_result_init(res);
	enum td_err rc = tcp_run(c, &ctx, res);
	tcp_config_free(c);
	return rc;
}

static void test_run(void **state)
{
	(void)state;
	struct td_result res;
	unsigned port;
	int lfd = listen_any(&port);

	assert_int_equal(run_port(port, NULL, 5, &res), TD_OK);
	assert_int_equal(res.state, TD_STATE_OK);
	assert_int_equal(res.n_metrics, 1);
	assert_string_equal(res.metrics[0].label, "time");
	assert_true(res.metrics[0].value >= 0 && res.metrics[0].value < 5);
	td_result_cleanup(&res);

	/* nothing is ever sent: the deadline ends the wait */
	double t0 = td_now();
	assert_int_equal(run_port(port, "banner", 0.3, &res), TD_E_TIMEOUT);
	double took = td_now() - t0;
	assert_true(took >= 0.29 && took < 1.0);
	assert_non_null(strstr(td_buf_str(&res.summary), "no answer within"));
	assert_int_equal(res.n_metrics, 0);
	td_result_cleanup(&res);

	/* closed: the port is free once the listener is gone */
	close(lfd);
	assert_int_equal(run_port(port, NULL, 5, &res), TD_OK);
	assert_int_equal(res.state, TD_STATE_CRITICAL);
	assert_non_null(strstr(td_buf_str(&res.summary), "Connection refused"));
	assert_int_equal(res.n_metrics, 0);
	td_result_cleanup(&res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_port_table),   cmocka_unit_test(test_port_required),
		cmocka_unit_test(test_host),	     cmocka_unit_test(test_state_table),
		cmocka_unit_test(test_escape_table), cmocka_unit_test(test_send_quit),
		cmocka_unit_test(test_range_table),  cmocka_unit_test(test_other_options),
		cmocka_unit_test(test_tls_rejected), cmocka_unit_test(test_expect_scan),
		cmocka_unit_test(test_sanitize),     cmocka_unit_test(test_evaluate),
		cmocka_unit_test(test_run),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_http.c - check_http's options, its pure helpers, and evaluate on made-up responses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <fcntl.h>
#include <unistd.h>

#include "../../plugins/probes/http.c"

#define MAX_ARGS 16

/* Parses argv (NULL-terminated, without argv[0]); returns rc, the config in *cfg. */
static enum td_err parse(struct http_config **cfg, char *err, size_t errlen, ...)
{
	char *argv[MAX_ARGS + 2] = { "check_http" };
	int argc = 1;
	va_list ap;
	va_start(ap, errlen);
	for (const char *a; argc <= MAX_ARGS && (a = va_arg(ap, const char *));)
		argv[argc++] = (char *)a;
	va_end(ap);
	struct td_common common;
	void *c = NULL;
	err[0] = '\0';
	enum td_err rc = td_probe_parse(&td_probe_http, argc, argv, "check_http", &common, &c, err,
					errlen);
	*cfg = c;
	return rc;
}

static void test_targets(void **state)
{
	(void)state;
	static const struct {
		const char *args[8];
		const char *url, *connect_to;
	} cases[] = {
		{ { "-H", "example.org" }, "http://example.org/", NULL },
		{ { "-H", "example.org", "-S" }, "https://example.org/", NULL },
		{ { "-H", "example.org", "-p", "8080" }, "http://example.org:8080/", NULL },
		{ { "-H", "example.org:8080" }, "http://example.org:8080/", NULL },
		{ { "-H", "example.org:8080", "-p", "9090" },
		  "http://example.org:8080/",
		  "example.org:8080:example.org:9090" },
		{ { "-H", "shop", "-I", "10.0.0.1", "-u", "/cart" },
		  "http://shop/cart",
		  "shop:80:10.0.0.1:80" },
		{ { "-H", "shop", "-I", "10.0.0.1", "-C", "30" }, "https://shop/", "shop:443:10.0.0.1:443" },
		{ { "-I", "::1", "-p", "8080" }, "http://[::1]:8080/", NULL },
		{ { "-H", "[::1]:8080", "-u", "x" }, "http://[::1]:8080/x", NULL },
		{ { "-H", "fe80::1" }, "http://[fe80::1]/", NULL },
		{ { "-H", "shop", "-I", "::1" }, "http://shop/", "shop:80:[::1]:80" },
		{ { "-H", "shop", "-I", "10.0.0.1", "-f", "sticky" }, "http://shop/", "::10.0.0.1:" },
		{ { "-H", "shop", "-I", "10.0.0.1", "-f", "stickyport", "-p", "81" },
		  "http://shop:81/",
		  "::10.0.0.1:81" },
		{ { "-u", "https://api.example:8443/health?x=1" }, "https://api.example:8443/health?x=1",
		  NULL },
		{ { "-u", "http://api.example/", "-I", "10.0.0.2" },
		  "http://api.example/",
		  "api.example:80:10.0.0.2:80" },
		{ { "--url=/status", "-I", "10.0.0.2" }, "http://10.0.0.2/status", NULL },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct http_config *c;
		char err[256];
		const char *const *a = cases[i].args;
		enum td_err rc = parse(&c, err, sizeof err, a[0], a[1], a[2], a[3], a[4], a[5],
				       a[6], a[7], NULL);
		if (rc != TD_OK)
			fail_msg("case %zu: %s", i, err);
		assert_string_equal(c->url, cases[i].url);
		if (cases[i].connect_to)
			assert_string_equal(c->connect_to, cases[i].connect_to);
		else if (c->connect_to)
			fail_msg("case %zu: connect_to %s, wanted none", i, c->connect_to);
		http_config_free(c);
	}
}

/* Command lines that are usage errors, and a piece of the message each gives. */
static void test_usage_errors(void **state)
{
	(void)state;
	static const struct {
		const char *args[6];
		const char *msg;
	} cases[] = {
		{ { NULL }, "give -H HOST" },
		{ { "-H", "" }, "-H: \"\" is not HOST[:PORT]" },
		{ { "-H", "bad/host" }, "is not HOST[:PORT]" },
		{ { "-H", "a@b" }, "is not HOST[:PORT]" },
		{ { "-H", "host:0" }, "-H: \"0\" is not a port" },
		{ { "-H", "host:65536" }, "is not a port" },
		{ { "-H", "[::1" }, "is not HOST[:PORT]" },
		{ { "-H", "[host]" }, "is not HOST[:PORT]" },
		{ { "-I", "a b" }, "-I: \"a b\" is not an address" },
		{ { "-H", "h", "-p", "abc" }, "-p: \"abc\" is not a port" },
		{ { "-H", "h", "-p", "-1" }, "is not a port" },
		{ { "-H", "h", "-p", "8080x" }, "is not a port" },
		{ { "-u", "https://x/", "-H", "y" }, "drop -H, -p, -S" },
		{ { "-u", "https://x/", "-p", "1" }, "drop -H, -p, -S" },
		{ { "-u", "ftp://x/" }, "neither a path nor an http(s) URL" },
		{ { "-u", "http://user:pw@x/" }, "credentials with -a" },
		{ { "-u", "http:///" }, "no valid host" },
		{ { "-H", "h", "-u", "/a b" }, "has spaces" },
		{ { "-u", "http://x/", "-C", "5" }, "-C: the URL must be https://" },
		{ { "-H", "h", "--ssl=2" }, "-S: \"2\" is not a TLS version" },
		{ { "-H", "h", "--ssl=1.4+" }, "is not a TLS version" },
		{ { "-H", "h", "-C", "x" }, "-C: \"x\" is not DAYS[,DAYS]" },
		{ { "-H", "h", "-C", "-1" }, "is not DAYS" },
		{ { "-H", "h", "-C", "30,x" }, "is not DAYS" },
		{ { "-H", "h", "-C", "36501" }, "is not DAYS" },
		{ { "-H", "h", "-m", "abc" }, "-m: \"abc\" is not a number" },
		{ { "-H", "h", "-m", "500:100" }, "MIN must be from 0 to MAX" },
		{ { "-H", "h", "-m", "1:2:3" }, "is not MIN[:MAX]" },
		{ { "-H", "h", "-m", "" }, "is not MIN[:MAX]" },
		{ { "-H", "h", "-m", "5s" }, "a time is not accepted" },
		{ { "-H", "h", "-M", "abc" }, "-M: \"abc\" is not a duration" },
		{ { "-H", "h", "-M", "0" }, "is not a duration" },
		{ { "-H", "h", "-w", "abc" }, "-w: \"abc\" is not a range" },
		{ { "-H", "h", "-c", "10KB" }, "a size is not accepted" },
		{ { "-H", "h", "-f", "bogus" }, "-f: \"bogus\" is not ok, warning" },
		{ { "-H", "h", "--max-redirs", "1001" }, "--max-redirs: \"1001\"" },
		{ { "-H", "h", "--max-redirs", "-1" }, "--max-redirs" },
		{ { "-H", "h", "-k", "no colon" }, "-k: \"no colon\" is not \"Name: value\"" },
		{ { "-H", "h", "-k", ": x" }, "is not \"Name: value\"" },
		{ { "-H", "h", "-k", "X-A: 1\r\nX-B: 2" }, "is not \"Name: value\"" },
		{ { "-H", "h", "-r", "(" }, "-r: \"(\" is not a regular expression" },
		{ { "-H", "h", "-R", "a[" }, "-R: \"a[\" is not a regular expression" },
		{ { "-H", "h", "--invert-regex" }, "--invert-regex needs -r" },
		{ { "-H", "h", "-N", "-s", "x" }, "-N skips the body" },
		{ { "-H", "h", "-j", "HEAD", "-r", "x" }, "-j HEAD has no body" },
		{ { "-H", "h", "-s", "" }, "-s: the text must be 1 to" },
		{ { "-H", "h", "-e", "" }, "-e: the text must be" },
		{ { "-H", "h", "-j", "get" }, "-j: \"get\" is not a method" },
		{ { "-H", "h", "-a", ":pw" }, "-a: expected USER:PASSWORD" },
		{ { "-H", "h", "--auth-file", "/nonexistent/auth" }, "--auth-file: cannot read" },
		{ { "-H", "h", "--max-body", "0" }, "--max-body: \"0\" is not a size" },
		{ { "-H", "h", "--max-body", "2GB" }, "is not a size from 1 B to 1 GiB" },
		{ { "-H", "h", "--max-body", "10s" }, "is not a size" },
		{ { "-H", "h", "-K", "key.pem" }, "-K needs the certificate too" },
		{ { "-H", "h", "--state-regex", "sometimes" }, "--state-regex: \"sometimes\"" },
		{ { "-H", "h", "stray" }, "unexpected argument \"stray\"" },
		{ { "-H", "h", "-A", "a\nb" }, "-A: the text has a line break" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct http_config *c;
		char err[256];
		const char *const *a = cases[i].args;
		enum td_err rc =
		    parse(&c, err, sizeof err, a[0], a[1], a[2], a[3], a[4], a[5], NULL);
		if (rc == TD_OK)
			fail_msg("case %zu: accepted, wanted an error with \"%s\"", i,
				 cases[i].msg);
		assert_null(c);
		if (!strstr(err, cases[i].msg))
			fail_msg("case %zu: message \"%s\" lacks \"%s\"", i, err, cases[i].msg);
	}
}

static void test_option_values(void **state)
{
	(void)state;
	struct http_config *c;
	char err[256];
	assert_int_equal(parse(&c, err, sizeof err, "-H", "h", "-w", "500ms", "-c", "2", "-m",
			       "1KB:2KB", "-M", "10m", "-C", "30,14", NULL),
			 TD_OK);
	assert_float_equal(c->warn.end, 0.5, 1e-9);
	assert_float_equal(c->crit.end, 2, 1e-9);
	assert_float_equal(c->pagesize.start, 1024, 1e-9);
	assert_float_equal(c->pagesize.end, 2048, 1e-9);
	assert_float_equal(c->max_age, 600, 1e-9);
	assert_float_equal(c->cert_warn, 30, 1e-9);
	assert_float_equal(c->cert_crit, 14, 1e-9);
	assert_true(c->tls && c->check_cert);
	http_config_free(c);

	assert_int_equal(parse(&c, err, sizeof err, "-H", "h", "-m", "100", "--ssl=1.2", NULL),
			 TD_OK);
	assert_float_equal(c->pagesize.start, 100, 1e-9);
	assert_true(isinf(c->pagesize.end));
	assert_int_equal(c->tls_min, TD_HTTP_TLS_1_2);
	assert_true(c->tls_exact);
	http_config_free(c);

	assert_int_equal(parse(&c, err, sizeof err, "-H", "h", "-m", ":500", "--ssl=1.1+", NULL),
			 TD_OK);
	assert_float_equal(c->pagesize.start, 0, 1e-9);
	assert_float_equal(c->pagesize.end, 500, 1e-9);
	assert_int_equal(c->tls_min, TD_HTTP_TLS_1_1);
	assert_false(c->tls_exact);
	http_config_free(c);

	assert_int_equal(parse(&c, err, sizeof err, "-H", "h", "-a", "user:pa:ss", "-P", "x=1",
			       "-T", "application/json", "-k", "X-A: 1", "-j", "PUT", NULL),
			 TD_OK);
	assert_string_equal(c->username, "user");
	assert_string_equal(c->password, "pa:ss");
	assert_int_equal(c->n_headers, 2);
	assert_string_equal(c->headers[0], "X-A: 1");
	assert_string_equal(c->headers[1], "Content-Type: application/json");
	assert_string_equal(c->method, "PUT");
	http_config_free(c);

	/* -f: the peer's states and follow modes; --max-body with units */
	assert_int_equal(
	    parse(&c, err, sizeof err, "-H", "h", "-f", "CRITICAL", "--max-body", "10MB", NULL),
	    TD_OK);
	assert_int_equal(c->follow, HTTP_NOFOLLOW);
	assert_int_equal(c->redirect_state, TD_STATE_CRITICAL);
	assert_int_equal(c->max_body, 10 * 1024 * 1024);
	http_config_free(c);
	assert_int_equal(
	    parse(&c, err, sizeof err, "-H", "h", "-f", "curl", "--max-redirs", "0", NULL), TD_OK);
	assert_int_equal(c->follow, HTTP_FOLLOW);
	assert_int_equal(c->max_redirs, 0);
	http_config_free(c);

	/* -l may come after -r (the peer needs it first); the expression spans lines */
	assert_int_equal(parse(&c, err, sizeof err, "-H", "h", "-r", "a.b", "-l", NULL), TD_OK);
	regmatch_t m = { 0, 3 };
	assert_int_equal(regexec(&c->regex, "a\nb", 1, &m, REG_STARTEND), 0);
	http_config_free(c);
	assert_int_equal(parse(&c, err, sizeof err, "-H", "h", "-R", "A.B", NULL), TD_OK);
	m = (regmatch_t){ 0, 3 };
	assert_int_equal(regexec(&c->regex, "a\nb", 1, &m, REG_STARTEND), REG_NOMATCH);
	m = (regmatch_t){ 0, 3 };
	assert_int_equal(regexec(&c->regex, "axb", 1, &m, REG_STARTEND), 0);
	http_config_free(c);

	/* compatibility options are accepted and change nothing */
	assert_int_equal(parse(&c, err, sizeof err, "-H", "h", "--sni", "-D", "-L", "-n", NULL),
			 TD_OK);
	assert_string_equal(c->url, "http://h/");
	http_config_free(c);
}

static void test_auth_file(void **state)
{
	(void)state;
	char path[] = "/tmp/tandem-auth.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	static const struct {
		const char *text;
		bool ok;
		const char *user, *password;
	} cases[] = {
		{ "alice:s3cret\n", true, "alice", "s3cret" },
		{ "alice:s3:cret\r\nsecond line\n", true, "alice", "s3:cret" },
		{ "alice:", true, "alice", "" },
		{ "", false, NULL, NULL },
		{ "\nalice:x\n", false, NULL, NULL },
		{ "no colon\n", false, NULL, NULL },
		{ ":pw\n", false, NULL, NULL },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_int_equal(ftruncate(fd, 0), 0);
		assert_int_equal(pwrite(fd, cases[i].text, strlen(cases[i].text), 0),
				 (ssize_t)strlen(cases[i].text));
		char *u = NULL, *p = NULL, err[256];
		enum td_err rc = td_http_auth_file(path, &u, &p, err, sizeof err);
		if ((rc == TD_OK) != cases[i].ok)
			fail_msg("case %zu: rc %d (%s)", i, rc, err);
		if (cases[i].ok) {
			assert_string_equal(u, cases[i].user);
			assert_string_equal(p, cases[i].password);
		}
		free(u);
		free(p);
	}
	close(fd);
	/* through the option */
	struct http_config *c;
	char err[256];
	assert_int_equal(pwrite(fd = open(path, O_WRONLY | O_TRUNC), "bob:pw\n", 7, 0), 7);
	close(fd);
	assert_int_equal(parse(&c, err, sizeof err, "-H", "h", "--auth-file", path, NULL), TD_OK);
	assert_string_equal(c->username, "bob");
	assert_string_equal(c->password, "pw");
	http_config_free(c);
	unlink(path);
}

static void test_header_ok(void **state)
{
	(void)state;
	static const struct {
		const char *line;
		bool ok;
	} cases[] = {
		{ "X-Test: yes", true },   { "Accept:", true },        { "Host: a:8080", true },
		{ "", false },             { ":x", false },            { "X Test: y", false },
		{ "X-Test", false },       { "X-Test: a\nb", false },  { "X-Test: a\rb", false },
		{ "X(T): y", false },      { "X\x7fT: y", false },    { "\xc3\xa9: y", false },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		if (td_http_header_ok(cases[i].line) != cases[i].ok)
			fail_msg("case %zu: \"%s\"", i, cases[i].line);
}

static void test_expect_match(void **state)
{
	(void)state;
	static const struct {
		const char *list;
		long code;
		const char *line;
		bool match;
	} cases[] = {
		{ "200", 200, "HTTP/1.1 200 OK", true },
		{ "200", 201, "HTTP/1.1 201 Created", false },
		{ "200,301", 301, "HTTP/1.1 301 Moved Permanently", true },
		{ " 200 , 302 ", 302, "HTTP/1.1 302 Found", true },
		{ "HTTP/1.1 200", 200, "HTTP/1.1 200 OK", true },
		{ "HTTP/1.0", 200, "HTTP/1.1 200 OK", false },
		{ "Found", 302, "HTTP/1.1 302 Found", true },
		{ "20", 200, "HTTP/1.1 200 OK", true }, /* the peer's substring match */
		{ "404", 200, "HTTP/1.1 200 OK 404", false }, /* codes compare as codes */
		{ ",,", 200, "HTTP/1.1 200 OK", false },
		{ "200", 200, NULL, true },
		{ "OK", 200, NULL, false },
		{ "HTTP/2 200", 200, "HTTP/2 200", true },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		if (http_expect_match(cases[i].list, cases[i].code, cases[i].line) !=
		    cases[i].match)
			fail_msg("case %zu: \"%s\" against %s", i, cases[i].list,
				 cases[i].line ? cases[i].line : "(none)");
}

static void test_status_text(void **state)
{
	(void)state;
	static const struct {
		const char *line;
		long code;
		const char *text;
	} cases[] = {
		{ "HTTP/1.1 200 OK", 200, "200 OK" },
		{ "HTTP/1.1 404 Not Found  ", 404, "404 Not Found" },
		{ "HTTP/2 200", 200, "200 OK" },
		{ "HTTP/2 299 ", 299, "299" },
		{ "HTTP/1.1 503 Custom Reason", 503, "503 Custom Reason" },
		{ NULL, 0, "0" },
		{ "garbage", 500, "500 Internal Server Error" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char out[128];
		http_status_text(cases[i].line, cases[i].code, out, sizeof out);
		assert_string_equal(out, cases[i].text);
	}
}

static const char head_block[] = "HTTP/1.1 200 OK\r\n"
				 "Date: Tue, 01 Jul 2025 12:00:00 GMT\r\n"
				 "Last-Modified:Mon, 30 Jun 2025 12:00:00 GMT  \r\n"
				 "Content-Length: 5\r\n"
				 "X-Date-Like: no\r\n"
				 "location: /next\r\n"
				 "\r\n";

static void test_header_value(void **state)
{
	(void)state;
	char v[64];
	assert_true(http_header_value(head_block, "Date", v, sizeof v));
	assert_string_equal(v, "Tue, 01 Jul 2025 12:00:00 GMT");
	assert_true(http_header_value(head_block, "last-modified", v, sizeof v));
	assert_string_equal(v, "Mon, 30 Jun 2025 12:00:00 GMT");
	assert_true(http_header_value(head_block, "Location", v, sizeof v));
	assert_string_equal(v, "/next");
	assert_false(http_header_value(head_block, "Dat", v, sizeof v));
	assert_false(http_header_value(head_block, "X-Date", v, sizeof v));
	assert_false(http_header_value("", "Date", v, sizeof v));
	assert_true(http_header_value("A:\r\n", "A", v, sizeof v));
	assert_string_equal(v, "");
	/* a value longer than the buffer is cut, never overflows */
	char small[4];
	assert_true(http_header_value(head_block, "Date", small, sizeof small));
	assert_string_equal(small, "Tue");
}

static void test_parse_date(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		bool ok;
		time_t t;
	} cases[] = {
		{ "Sun, 06 Nov 1994 08:49:37 GMT", true, 784111777 },
		{ "Sunday, 06-Nov-94 08:49:37 GMT", true, 784111777 },
		{ "Sun Nov  6 08:49:37 1994", true, 784111777 },
		{ "Nov  6 08:49:37 1994 GMT", true, 784111777 }, /* OpenSSL's certificate dates */
		{ "", false, 0 },
		{ "yesterday-ish", false, 0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		time_t t = 0;
		if (td_http_parse_date(cases[i].text, &t) != cases[i].ok)
			fail_msg("case %zu: \"%s\"", i, cases[i].text);
		if (cases[i].ok)
			assert_int_equal(t, cases[i].t);
	}
	assert_false(td_http_parse_date(NULL, &(time_t){ 0 }));
}

/* --- evaluate on made-up responses --- */

static struct http_config *config(const char *a1, const char *a2, const char *a3, const char *a4)
{
	struct http_config *c;
	char err[256];
	if (parse(&c, err, sizeof err, "-H", "example.org", a1, a2, a3, a4, NULL) != TD_OK)
		fail_msg("%s", err);
	return c;
}

static void response(struct td_http_response *r, long code, const char *line, const char *extra,
		     const char *body)
{
	td_http_response_init(r);
	r->status = code;
	r->status_line = td_xstrdup(line);
	td_buf_printf(&r->head, "%s\r\n%s\r\n", line, extra ? extra : "");
	r->head_bytes = r->head.len;
	td_buf_cleanup(&r->body);
	td_buf_init(&r->body, 1 << 20);
	td_buf_puts(&r->body, body ? body : "");
	r->body_bytes = r->body.len;
	r->t_total = 0.25;
	r->t_connect = 0.01;
	r->t_sent = 0.02;
	r->t_first = 0.2;
}

/* Evaluates r under c and returns the final state; the summary goes to out. */
static enum td_state evaluate(struct http_config *c, struct td_http_response *r, time_t now,
			      char *out, size_t len)
{
	struct td_result res;
	td_result_init(&res);
	http_evaluate(c, r, now, 0, &res);
	enum td_state st = td_result_finish(&res, TD_OK, TD_STATE_CRITICAL);
	snprintf(out, len, "%s", td_buf_str(&res.summary));
	td_result_cleanup(&res);
	td_http_response_cleanup(r);
	http_config_free(c);
	return st;
}

static void test_evaluate_status(void **state)
{
	(void)state;
	static const struct {
		long code;
		const char *line;
		const char *a1, *a2;
		enum td_state st;
		const char *summary;
	} cases[] = {
		{ 200, "HTTP/1.1 200 OK", NULL, NULL, TD_STATE_OK, "200 OK, " },
		{ 204, "HTTP/1.1 204 No Content", NULL, NULL, TD_STATE_OK, "204 No Content" },
		{ 301, "HTTP/1.1 301 Moved Permanently", NULL, NULL, TD_STATE_OK, "301 Moved" },
		{ 301, "HTTP/1.1 301 Moved Permanently", "-f", "warning", TD_STATE_WARNING,
		  "redirect to /next; 301" },
		{ 302, "HTTP/1.1 302 Found", "-f", "critical", TD_STATE_CRITICAL, "redirect to" },
		{ 302, "HTTP/1.1 302 Found", "-f", "unknown", TD_STATE_UNKNOWN, "redirect to" },
		{ 304, "HTTP/1.1 304 Not Modified", "-f", "follow", TD_STATE_OK, "304 Not Modified" },
		{ 401, "HTTP/1.1 401 Unauthorized", NULL, NULL, TD_STATE_WARNING, "401 Unauthorized, " },
		{ 404, "HTTP/2 404", NULL, NULL, TD_STATE_WARNING, "404 Not Found, " },
		{ 500, "HTTP/1.1 500 Internal Server Error", NULL, NULL, TD_STATE_CRITICAL, "500" },
		{ 503, "HTTP/1.1 503 Service Unavailable", NULL, NULL, TD_STATE_CRITICAL, "503" },
		{ 99, "HTTP/1.1 099 Odd", NULL, NULL, TD_STATE_CRITICAL, "invalid status" },
		{ 600, "HTTP/1.1 600 Odd", NULL, NULL, TD_STATE_CRITICAL, "invalid status" },
		{ 404, "HTTP/1.1 404 Not Found", "-e", "404", TD_STATE_OK, "404 Not Found" },
		{ 500, "HTTP/1.1 500 Internal Server Error", "-e", "500,503", TD_STATE_OK, "500" },
		{ 200, "HTTP/1.1 200 OK", "-e", "201,204", TD_STATE_CRITICAL, "expected 201,204; 200" },
		{ 301, "HTTP/1.1 301 Moved Permanently", "-e", "HTTP/1.1 3", TD_STATE_OK, "301" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct td_http_response r;
		char out[512];
		response(&r, cases[i].code, cases[i].line, "Location: /next", "hello");
		r.location = td_xstrdup("/next");
		enum td_state st =
		    evaluate(config(cases[i].a1, cases[i].a2, NULL, NULL), &r, 0, out, sizeof out);
		if (st != cases[i].st || !strstr(out, cases[i].summary))
			fail_msg("case %zu: %s \"%s\", wanted %s \"%s\"", i, td_state_name(st), out,
				 td_state_name(cases[i].st), cases[i].summary);
	}
}

static void test_evaluate_content(void **state)
{
	(void)state;
	static const struct {
		const char *a1, *a2, *a3, *a4;
		const char *body;
		bool truncated;
		enum td_state st;
		const char *summary;
	} cases[] = {
		{ "-s", "needle", NULL, NULL, "hay needle hay", false, TD_STATE_OK, "200 OK" },
		{ "-s", "needle", NULL, NULL, "hay hay", false, TD_STATE_CRITICAL,
		  "string \"needle\" not found; 200 OK" },
		{ "-s", "needle", NULL, NULL, "hay hay", true, TD_STATE_UNKNOWN,
		  "string \"needle\" not found in the first 1 MiB" },
		{ "-s", "needle", NULL, NULL, "needle", true, TD_STATE_UNKNOWN,
		  "body larger than --max-body 1 MiB" },
		{ "-s", "0123456789012345678901234567890123456789xyz", NULL, NULL, "", false,
		  TD_STATE_CRITICAL, "\"0123456789012345678901234567890123456789...\" not found" },
		{ "-r", "ne+dle", NULL, NULL, "a neeedle", false, TD_STATE_OK, "200 OK" },
		{ "-r", "^needle$", NULL, NULL, "a\nneedle\nb", false, TD_STATE_OK, "200 OK" },
		{ "-r", "a.needle", NULL, NULL, "a\nneedle", false, TD_STATE_CRITICAL, "pattern not found" },
		{ "-r", "a.needle", "-l", NULL, "a\nneedle", false, TD_STATE_OK, "200 OK" },
		{ "-R", "NEEDLE", NULL, NULL, "needle", false, TD_STATE_OK, "200 OK" },
		{ "-r", "NEEDLE", NULL, NULL, "needle", false, TD_STATE_CRITICAL, "pattern not found" },
		{ "-r", "needle", "--invert-regex", NULL, "needle", false, TD_STATE_CRITICAL,
		  "pattern found" },
		{ "-r", "needle", "--invert-regex", NULL, "hay", false, TD_STATE_OK, "200 OK" },
		{ "-r", "needle", "--state-regex", "warning", "hay", false, TD_STATE_WARNING,
		  "pattern not found" },
		{ "-d", "X-Tandem: present", NULL, NULL, "", false, TD_STATE_OK, "200 OK" },
		{ "-d", "X-Missing", NULL, NULL, "", false, TD_STATE_CRITICAL,
		  "header \"X-Missing\" not found" },
		{ "-m", "10:20", NULL, NULL, "", false, TD_STATE_WARNING, "page size 42 B outside 10:20" },
		{ "-m", "10:100", NULL, NULL, "", false, TD_STATE_OK, "42 bytes" },
		{ "-w", "0.1", NULL, NULL, "", false, TD_STATE_WARNING, "in 0.250 s" },
		{ "-w", "0.1", "-c", "200ms", "", false, TD_STATE_CRITICAL, "200 OK" },
		{ "-w", "1", "-c", "2", "", false, TD_STATE_OK, "200 OK" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct td_http_response r;
		char out[512];
		response(&r, 200, "HTTP/1.1 200 OK", "X-Tandem: present\r\nA: b", cases[i].body);
		r.body_truncated = cases[i].truncated;
		enum td_state st =
		    evaluate(config(cases[i].a1, cases[i].a2, cases[i].a3, cases[i].a4), &r, 0, out,
			     sizeof out);
		if (st != cases[i].st || !strstr(out, cases[i].summary))
			fail_msg("case %zu: %s \"%s\", wanted %s \"%s\"", i, td_state_name(st), out,
				 td_state_name(cases[i].st), cases[i].summary);
	}
	/* the body may hold NUL bytes: -s and -r search all of it */
	struct td_http_response r;
	char out[512];
	response(&r, 200, "HTTP/1.1 200 OK", NULL, "");
	td_buf_append(&r.body, "a\0b needle", 10);
	r.body_bytes = r.body.len;
	assert_int_equal(evaluate(config("-s", "needle", NULL, NULL), &r, 0, out, sizeof out),
			 TD_STATE_OK);
	response(&r, 200, "HTTP/1.1 200 OK", NULL, "");
	td_buf_append(&r.body, "a\0b needle", 10);
	assert_int_equal(evaluate(config("-r", "need+le", NULL, NULL), &r, 0, out, sizeof out),
			 TD_STATE_OK);
}

static void test_evaluate_age(void **state)
{
	(void)state;
	static const struct {
		const char *headers;
		const char *age;
		enum td_state st;
		const char *summary;
	} cases[] = {
		{ "Date: Tue, 01 Jul 2025 12:00:00 GMT\r\nLast-Modified: Tue, 01 Jul 2025 11:00:00 GMT",
		  "2h", TD_STATE_OK, "200 OK" },
		{ "Date: Tue, 01 Jul 2025 12:00:00 GMT\r\nLast-Modified: Tue, 01 Jul 2025 11:00:00 GMT",
		  "30m", TD_STATE_CRITICAL, "last modified 1:00:00 ago" },
		{ "Date: Tue, 01 Jul 2025 12:00:00 GMT\r\nLast-Modified: Sat, 28 Jun 2025 12:00:00 GMT",
		  "1d", TD_STATE_CRITICAL, "last modified 3.0 days ago" },
		{ "Date: Tue, 01 Jul 2025 12:00:00 GMT\r\nLast-Modified: Tue, 01 Jul 2025 12:00:20 GMT",
		  "1d", TD_STATE_OK, "200 OK" },
		{ "Date: Tue, 01 Jul 2025 12:00:00 GMT\r\nLast-Modified: Tue, 01 Jul 2025 13:00:00 GMT",
		  "1d", TD_STATE_CRITICAL, "document is 3600 s in the future" },
		{ "Last-Modified: Tue, 01 Jul 2025 11:00:00 GMT", "1d", TD_STATE_UNKNOWN,
		  "server date unknown" },
		{ "Date: Tue, 01 Jul 2025 12:00:00 GMT", "1d", TD_STATE_CRITICAL,
		  "document modification date unknown" },
		{ "Date: garbage\r\nLast-Modified: Tue, 01 Jul 2025 11:00:00 GMT", "1d",
		  TD_STATE_CRITICAL, "server date \"garbage\" unparsable" },
		{ "Date: Tue, 01 Jul 2025 12:00:00 GMT\r\nLast-Modified: soon", "1d", TD_STATE_CRITICAL,
		  "document date \"soon\" unparsable" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct td_http_response r;
		char out[512];
		response(&r, 200, "HTTP/1.1 200 OK", cases[i].headers, "x");
		enum td_state st =
		    evaluate(config("-M", cases[i].age, NULL, NULL), &r, 0, out, sizeof out);
		if (st != cases[i].st || !strstr(out, cases[i].summary))
			fail_msg("case %zu: %s \"%s\", wanted %s \"%s\"", i, td_state_name(st), out,
				 td_state_name(cases[i].st), cases[i].summary);
	}
}

static void test_evaluate_cert(void **state)
{
	(void)state;
	const time_t now = 1750000000, day = 86400;
	static const struct {
		double before, after; /* days from now */
		const char *arg;
		bool cont;
		enum td_state st;
		const char *summary;
	} cases[] = {
		{ -10, 100, "30", false, TD_STATE_OK, "certificate valid for 100 days" },
		{ -10, 20.5, "30", false, TD_STATE_WARNING, "certificate expires in 20.5 days" },
		{ -10, 20, "30,21", false, TD_STATE_CRITICAL, "certificate expires in 20 days" },
		{ -10, 30, "30", false, TD_STATE_OK, "valid for 30 days" },
		{ -10, 0.5, "0", false, TD_STATE_OK, "valid for 0 days" },
		{ -100, -3, "30", false, TD_STATE_CRITICAL, "certificate expired 3 days ago" },
		{ -100, -3, "0", false, TD_STATE_CRITICAL, "expired" },
		{ 2, 100, "30", false, TD_STATE_CRITICAL, "certificate not valid before" },
		{ -10, 100, "30", true, TD_STATE_OK, "200 OK, " },
		{ -10, 10, "30", true, TD_STATE_WARNING, "certificate expires in 10 days (2025-06-25 15:06 UTC); 200 OK" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct td_http_response r;
		char out[512];
		response(&r, 200, "HTTP/1.1 200 OK", NULL, "");
		r.tls = true;
		r.has_cert = true;
		r.cert_not_before = now + (time_t)(cases[i].before * day);
		r.cert_not_after = now + (time_t)(cases[i].after * day);
		struct http_config *c =
		    config("-C", cases[i].arg,
			   cases[i].cont ? "--continue-after-certificate" : NULL, NULL);
		enum td_state st = evaluate(c, &r, now, out, sizeof out);
		if (st != cases[i].st || !strstr(out, cases[i].summary))
			fail_msg("case %zu: %s \"%s\", wanted %s \"%s\"", i, td_state_name(st), out,
				 td_state_name(cases[i].st), cases[i].summary);
	}
	/* no certificate information at all: the check could not be made */
	struct td_http_response r;
	char out[512];
	response(&r, 200, "HTTP/1.1 200 OK", NULL, "");
	assert_int_equal(evaluate(config("-C", "30", NULL, NULL), &r, now, out, sizeof out),
			 TD_STATE_UNKNOWN);
	assert_non_null(strstr(out, "no certificate information"));
}

static void test_evaluate_perfdata(void **state)
{
	(void)state;
	struct td_http_response r;
	struct td_result res;
	struct td_buf out;
	response(&r, 200, "HTTP/1.1 200 OK", NULL, "12345");
	r.tls = true;
	r.t_tls = 0.05;
	struct http_config *c = config("-E", "-w", "100ms", NULL);
	td_result_init(&res);
	td_buf_init(&out, 0);
	http_evaluate(c, &r, 0, 0, &res);
	td_result_finish(&res, TD_OK, TD_STATE_CRITICAL);
	td_result_format(&res, "HTTP", &out);
	assert_string_equal(td_buf_str(&out),
			    "HTTP WARNING - 200 OK, 24 bytes in 0.250 s | time=0.25s;0.1;;0;10 "
			    "size=24B;;;0 time_connect=0.01s;;;0;10 time_ssl=0.04s;;;0;10 "
			    "time_headers=0s;;;0;10 time_firstbyte=0.18s;;;0;10 "
			    "time_transfer=0.05s;;;0;10\n");
	td_buf_cleanup(&out);
	td_result_cleanup(&res);
	td_http_response_cleanup(&r);
	http_config_free(c);
}

static void test_help(void **state)
{
	(void)state;
	struct td_buf out;
	td_buf_init(&out, 0);
	td_probe_help(&td_probe_http, "check_http", &out);
	const char *h = td_buf_str(&out);
	static const char *const want[] = {
	    "-H, --hostname", "-I, --IP-address", "--insecure",	       "--ca-file",
	    "--max-body",     "--auth-file",	  "-C, --certificate", "-E, --extended-perfdata",
	    "-k, --header"};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		if (!strstr(h, want[i]))
			fail_msg("--help lacks %s", want[i]);
	td_buf_cleanup(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_targets),
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_option_values),
		cmocka_unit_test(test_auth_file),
		cmocka_unit_test(test_header_ok),
		cmocka_unit_test(test_expect_match),
		cmocka_unit_test(test_status_text),
		cmocka_unit_test(test_header_value),
		cmocka_unit_test(test_parse_date),
		cmocka_unit_test(test_evaluate_status),
		cmocka_unit_test(test_evaluate_content),
		cmocka_unit_test(test_evaluate_age),
		cmocka_unit_test(test_evaluate_cert),
		cmocka_unit_test(test_evaluate_perfdata),
		cmocka_unit_test(test_help),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

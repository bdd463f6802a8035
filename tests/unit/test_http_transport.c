/*
 * test_http_transport.c - the libcurl transport: file:// fetches, caps,
 * error classes, deadlines, and canned answers from a one-shot server thread
 * (interim responses, redirects, oversized headers, garbage), and many
 * fetches at once from several threads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include "../../plugins/probes/http_transport.c"

/* --- a server thread that answers each connection with one canned reply --- */

struct srv {
	int fd;
	unsigned port;
	const char *reply;
	size_t reply_len;
	int conns;             /* connections to serve */
	char request[8192];    /* the last request received */
	size_t request_len;
	pthread_t thread;
};

static void srv_read_request(struct srv *s, int c)
{
	s->request_len = 0;
	int wait_ms = 2000;
	for (;;) {
		struct pollfd p = { .fd = c, .events = POLLIN };
		if (poll(&p, 1, wait_ms) <= 0)
			break;
		ssize_t n =
		    recv(c, s->request + s->request_len, sizeof s->request - 1 - s->request_len, 0);
		if (n <= 0)
			break;
		s->request_len += (size_t)n;
		s->request[s->request_len] = '\0';
		/* after the headers, wait briefly for a body that follows them */
		if (strstr(s->request, "\r\n\r\n"))
			wait_ms = 50;
		if (s->request_len + 1 >= sizeof s->request)
			break;
	}
}

static void *srv_main(void *arg)
{
	struct srv *s = arg;
	for (int i = 0; i < s->conns; i++) {
		int c = accept(s->fd, NULL, NULL);
		if (c < 0)
			break;
		srv_read_request(s, c);
		for (size_t off = 0; off < s->reply_len;) {
			ssize_t n = send(c, s->reply + off, s->reply_len - off, MSG_NOSIGNAL);
			if (n <= 0)
				break;
			off += (size_t)n;
		}
		shutdown(c, SHUT_WR);
		close(c);
	}
	return NULL;
}

/* A listening socket on 127.0.0.1 and a free port. */
static int listen_any(unsigned *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static void srv_start(struct srv *s, const char *reply, size_t len, int conns)
{
	memset(s, 0, sizeof *s);
	s->fd = listen_any(&s->port);
	s->reply = reply;
	s->reply_len = len;
	s->conns = conns;
	assert_int_equal(pthread_create(&s->thread, NULL, srv_main, s), 0);
}

static void srv_stop(struct srv *s)
{
	shutdown(s->fd, SHUT_RDWR);
	pthread_join(s->thread, NULL);
	close(s->fd);
}

/* --- helpers --- */

/* A fixture as a file:// URL: from $top_srcdir (make check), else beside this source. */
static char *fixture_url(const char *name)
{
	const char *top = getenv("top_srcdir");
	char *src = td_xstrdup(top && *top ? top : __FILE__);
	if (!(top && *top)) {
		char *cut = strstr(src, "tests/unit/");
		if (cut)
			*cut = '\0';
		if (!*src) {
			free(src);
			src = td_xstrdup(".");
		}
	}
	char *abs = realpath(src, NULL);
	assert_non_null(abs);
	char *u = td_xasprintf("file://%s/tests/integration/fixtures/http/%s", abs, name);
	free(abs);
	free(src);
	return u;
}

static enum td_err fetch(const struct td_http_request *req, double seconds,
			 struct td_http_response *r, char *err, size_t errlen)
{
	struct td_deadline d = td_deadline_in(seconds);
	td_http_response_init(r);
	return td_http_fetch(req, &d, r, err, errlen);
}

/* --- tests --- */

static void test_file(void **state)
{
	(void)state;
	char *url = fixture_url("stats.json"), err[256];
	struct td_http_request req = { .url = url, .allow_file = true, .max_body = 1 << 20 };
	struct td_http_response r;
	assert_int_equal(fetch(&req, 5, &r, err, sizeof err), TD_OK);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(td_buf_str(&r.body), "\"last_hour\": 42"));
	assert_int_equal(r.body_bytes, r.body.len);
	assert_false(r.body_truncated);
	td_http_response_cleanup(&r);

	/* the cap: exactly max_body bytes are kept, and reading stops */
	req.max_body = 10;
	assert_int_equal(fetch(&req, 5, &r, err, sizeof err), TD_OK);
	assert_true(r.body_truncated);
	assert_int_equal(r.body.len, 10);
	assert_int_equal(r.body_bytes, 10);
	assert_memory_equal(r.body.data, "{\n  \"order", 10);
	td_http_response_cleanup(&r);

	/* no_body: nothing is read */
	req.max_body = 1 << 20;
	req.no_body = true;
	assert_int_equal(fetch(&req, 5, &r, err, sizeof err), TD_OK);
	assert_true(r.body_skipped);
	assert_int_equal(r.body.len, 0);
	td_http_response_cleanup(&r);

	/* file:// only where asked for (check_http never reads local files) */
	req.no_body = false;
	req.allow_file = false;
	assert_int_equal(fetch(&req, 5, &r, err, sizeof err), TD_E_USAGE);
	td_http_response_cleanup(&r);
	free(url);

	req.allow_file = true;
	req.url = "file:///nonexistent/tandem.json";
	assert_int_equal(fetch(&req, 5, &r, err, sizeof err), TD_E_NOTFOUND);
	assert_non_null(strstr(err, "nonexistent"));
	td_http_response_cleanup(&r);
}

static void test_refused_and_deadline(void **state)
{
	(void)state;
	unsigned port;
	int fd = listen_any(&port);
	close(fd); /* nothing listens there now */
	char url[64], err[256];
	snprintf(url, sizeof url, "http://127.0.0.1:%u/", port);
	struct td_http_request req = { .url = url, .max_body = 100 };
	struct td_http_response r;
	assert_int_equal(fetch(&req, 5, &r, err, sizeof err), TD_E_CONNECT);
	td_http_response_cleanup(&r);

	/* a deadline already passed: no request at all */
	struct td_deadline d = td_deadline_in(0);
	td_http_response_init(&r);
	assert_int_equal(td_http_fetch(&req, &d, &r, err, sizeof err), TD_E_TIMEOUT);
	td_http_response_cleanup(&r);

	/* a bad URL is the caller's fault */
	req.url = "http://[::1/";
	assert_int_equal(fetch(&req, 5, &r, err, sizeof err), TD_E_USAGE);
	td_http_response_cleanup(&r);
}

static void test_timeout(void **state)
{
	(void)state;
	unsigned port;
	int fd = listen_any(&port); /* the kernel accepts; nobody ever answers */
	char url[64], err[256];
	snprintf(url, sizeof url, "http://127.0.0.1:%u/", port);
	struct td_http_request req = { .url = url, .max_body = 100 };
	struct td_http_response r;
	double t0 = td_now();
	assert_int_equal(fetch(&req, 0.3, &r, err, sizeof err), TD_E_TIMEOUT);
	double took = td_now() - t0;
	if (took < 0.25 || took > 0.8)
		fail_msg("the 0.3 s deadline ended after %.3f s", took);
	td_http_response_cleanup(&r);
	close(fd);
}

static void test_interim_and_final(void **state)
{
	(void)state;
	static const char reply[] = "HTTP/1.1 100 Continue\r\n\r\n"
				    "HTTP/1.1 200 OK\r\nX-A: 1\r\nContent-Length: 2\r\n\r\nhi";
	struct srv s;
	srv_start(&s, reply, sizeof reply - 1, 1);
	char url[64], err[256];
	snprintf(url, sizeof url, "http://127.0.0.1:%u/p", s.port);
	static const char *const headers[] = { "X-Test: yes" };
	struct td_http_request req = { .url = url,
				       .method = "PUT",
				       .post_data = "a=b",
				       .post_len = 3,
				       .headers = headers,
				       .n_headers = 1,
				       .user_agent = "tandem-test",
				       .username = "alice",
				       .password = "s3cret",
				       .max_body = 100 };
	struct td_http_response r;
	assert_int_equal(fetch(&req, 5, &r, err, sizeof err), TD_OK);
	srv_stop(&s);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.status_line, "HTTP/1.1 200 OK");
	assert_string_equal(td_buf_str(&r.head),
			    "HTTP/1.1 200 OK\r\nX-A: 1\r\nContent-Length: 2\r\n\r\n");
	assert_int_equal(r.head_bytes, r.head.len);
	assert_string_equal(td_buf_str(&r.body), "hi");
	assert_string_equal(r.primary_ip, "127.0.0.1");
	assert_int_equal(r.primary_port, s.port);
	assert_int_equal(r.http_major, 1);
	assert_true(r.t_total >= r.t_first && r.t_first >= r.t_sent && r.t_sent >= r.t_connect);
	/* what was sent: method, body, headers, agent, basic auth (alice:s3cret) */
	assert_non_null(strstr(s.request, "PUT /p HTTP/1.1\r\n"));
	assert_non_null(strstr(s.request, "X-Test: yes\r\n"));
	assert_non_null(strstr(s.request, "User-Agent: tandem-test\r\n"));
	assert_non_null(strstr(s.request, "Authorization: Basic YWxpY2U6czNjcmV0\r\n"));
	assert_non_null(strstr(s.request, "\r\n\r\na=b"));
	td_http_response_cleanup(&r);
}

static void test_redirects(void **state)
{
	(void)state;
	static const char self[] = "HTTP/1.1 302 Found\r\nLocation: /loop\r\nContent-Length: 0\r\n"
				   "Connection: close\r\n\r\n";
	struct srv s;
	char url[64], err[256];
	struct td_http_response r;

	/* followed: a response that sends us back to itself is a loop at once */
	srv_start(&s, self, sizeof self - 1, 1);
	snprintf(url, sizeof url, "http://127.0.0.1:%u/loop", s.port);
	struct td_http_request req = {.url = url, .follow = true, .max_redirs = 5, .max_body = 100};
	assert_int_equal(fetch(&req, 5, &r, err, sizeof err), TD_E_PROTO);
	assert_true(r.redirect_loop);
	assert_non_null(strstr(err, "redirects to itself"));
	srv_stop(&s);
	td_http_response_cleanup(&r);

	/* not followed: the answer is the 3xx, with the Location resolved */
	srv_start(&s, self, sizeof self - 1, 1);
	snprintf(url, sizeof url, "http://127.0.0.1:%u/start", s.port);
	req = (struct td_http_request){ .url = url, .max_body = 100 };
	assert_int_equal(fetch(&req, 5, &r, err, sizeof err), TD_OK);
	srv_stop(&s);
	assert_int_equal(r.status, 302);
	char want[80];
	snprintf(want, sizeof want, "http://127.0.0.1:%u/loop", s.port);
	assert_string_equal(r.location, want);
	td_http_response_cleanup(&r);

	/* followed with a limit of 0: one redirect is one too many */
	srv_start(&s, self, sizeof self - 1, 1);
	snprintf(url, sizeof url, "http://127.0.0.1:%u/start", s.port);
	req =
	    (struct td_http_request){.url = url, .follow = true, .max_redirs = 0, .max_body = 100};
	assert_int_equal(fetch(&req, 5, &r, err, sizeof err), TD_E_PROTO);
	assert_true(r.redirect_limit);
	srv_stop(&s);
	td_http_response_cleanup(&r);
}

static void test_bad_answers(void **state)
{
	(void)state;
	struct srv s;
	char url[64], err[256];
	struct td_http_response r;
	struct td_http_request req = { .url = url, .max_body = 100 };

	/* headers over the cap: an error, and memory stays bounded */
	struct td_buf big;
	td_buf_init(&big, 2 * TD_HTTP_HEAD_MAX);
	td_buf_puts(&big, "HTTP/1.1 200 OK\r\n");
	while (big.len < TD_HTTP_HEAD_MAX + 4096)
		td_buf_printf(&big, "X-Filler-%zu: %0900d\r\n", big.len, 0);
	td_buf_puts(&big, "Content-Length: 0\r\n\r\n");
	srv_start(&s, big.data, big.len, 1);
	snprintf(url, sizeof url, "http://127.0.0.1:%u/", s.port);
	assert_int_equal(fetch(&req, 5, &r, err, sizeof err), TD_E_TOOBIG);
	assert_true(r.head.len <= TD_HTTP_HEAD_MAX);
	srv_stop(&s);
	td_http_response_cleanup(&r);
	td_buf_cleanup(&big);

	/* not HTTP at all */
	static const char junk[] = "SSH-2.0-OpenSSH_9.2\r\n\r\n";
	srv_start(&s, junk, sizeof junk - 1, 1);
	snprintf(url, sizeof url, "http://127.0.0.1:%u/", s.port);
	assert_int_equal(fetch(&req, 5, &r, err, sizeof err), TD_E_PROTO);
	srv_stop(&s);
	td_http_response_cleanup(&r);

	/* a connection closed without a word */
	srv_start(&s, "", 0, 1);
	snprintf(url, sizeof url, "http://127.0.0.1:%u/", s.port);
	assert_int_equal(fetch(&req, 5, &r, err, sizeof err), TD_E_CONNECT);
	srv_stop(&s);
	td_http_response_cleanup(&r);

	/* a body cut short of its Content-Length */
	static const char cut[] = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this";
	srv_start(&s, cut, sizeof cut - 1, 1);
	snprintf(url, sizeof url, "http://127.0.0.1:%u/", s.port);
	assert_int_equal(fetch(&req, 5, &r, err, sizeof err), TD_E_PROTO);
	srv_stop(&s);
	td_http_response_cleanup(&r);
}

/* Many fetches at once: each thread has its own handle and buffers. */
struct worker {
	char *url;
	int ok;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	for (int i = 0; i < 25; i++) {
		struct td_http_request req = { .url = w->url, .allow_file = true,
					       .max_body = (size_t)(1 + i * 20) };
		struct td_http_response r;
		char err[256];
		struct td_deadline d = td_deadline_in(10);
		td_http_response_init(&r);
		if (td_http_fetch(&req, &d, &r, err, sizeof err) == TD_OK &&
		    r.body.len == (r.body_truncated ? req.max_body : r.body.len) &&
		    r.body.len <= req.max_body &&
		    memcmp(r.body.data, "{\n", r.body.len < 2 ? 1 : 2) == 0)
			w->ok++;
		td_http_response_cleanup(&r);
	}
	return NULL;
}

static void test_threads(void **state)
{
	(void)state;
	enum { N = 8 };
	pthread_t t[N];
	struct worker w[N];
	char *url = fixture_url("stats.json");
	for (int i = 0; i < N; i++) {
		w[i] = (struct worker){ .url = url };
		assert_int_equal(pthread_create(&t[i], NULL, worker_main, &w[i]), 0);
	}
	for (int i = 0; i < N; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(w[i].ok, 25);
	}
	free(url);
}

static void test_status_code(void **state)
{
	(void)state;
	static const struct {
		const char *line;
		long code;
	} cases[] = {
		{ "HTTP/1.1 200 OK\r\n", 200 }, { "HTTP/2 404 \r\n", 404 }, { "HTTP/1.0  302\r\n", 302 },
		{ "HTTP/1.1 20\r\n", 0 },       { "HTTP/1.1 abc\r\n", 0 },  { "HTTP/1.1\r\n", 0 },
		{ "HTTP/", 0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_int_equal(http_status_code(cases[i].line, strlen(cases[i].line)),
				 cases[i].code);
}

static void test_tls_version(void **state)
{
	(void)state;
	struct td_http_request req = { 0 };
	assert_int_equal(http_tls_version(&req),
			 CURL_SSLVERSION_DEFAULT | CURL_SSLVERSION_MAX_DEFAULT);
	req.tls_min = TD_HTTP_TLS_1_2;
	assert_int_equal(http_tls_version(&req),
			 CURL_SSLVERSION_TLSv1_2 | CURL_SSLVERSION_MAX_DEFAULT);
	req.tls_exact = true;
	assert_int_equal(http_tls_version(&req),
			 CURL_SSLVERSION_TLSv1_2 | CURL_SSLVERSION_MAX_TLSv1_2);
	req.tls_min = (enum td_http_tls)99;
	assert_int_equal(http_tls_version(&req),
			 CURL_SSLVERSION_DEFAULT | CURL_SSLVERSION_MAX_DEFAULT);
}

static void test_split_auth(void **state)
{
	(void)state;
	static const struct {
		const char *text, *user, *password;
	} cases[] = {
		{ "u:p", "u", "p" }, { "u:p:q", "u", "p:q" }, { "u", "u", "" }, { ":p", "", "p" },
		{ "", "", "" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *u, *p;
		td_http_split_auth(cases[i].text, &u, &p);
		assert_string_equal(u, cases[i].user);
		assert_string_equal(p, cases[i].password);
		free(u);
		free(p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_refused_and_deadline),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_interim_and_final),
		cmocka_unit_test(test_redirects),
		cmocka_unit_test(test_bad_answers),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_status_code),
		cmocka_unit_test(test_tls_version),
		cmocka_unit_test(test_split_auth),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * http_transport.c - the HTTP probes' one door to libcurl (see http.h).
 *
 * Each fetch is one curl easy handle made and destroyed inside
 * td_http_fetch, with its state on the caller's stack: nothing here is
 * shared between threads except libcurl's global initialisation, done once
 * per process through pthread_once. CURLOPT_NOSIGNAL keeps libcurl away from
 * SIGALRM (check_main's hard timer owns it) and lets the threaded resolver
 * bound name resolution by the same timeout as the rest.
 *
 * The body is kept up to max_body: the write callback stores what fits and
 * then refuses the rest, which makes libcurl abort the transfer with
 * CURLE_WRITE_ERROR; the flags in the response tell that apart from a real
 * write failure. The header callback keeps only the last response's block
 * (each status line starts a new one), so redirects and 1xx interim
 * responses do not count towards the final response's headers.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>

#include "tandem/http.h"

/* Longest Location value kept for loop detection and reports. */
#define HTTP_LOCATION_MAX 8192

static pthread_once_t http_once = PTHREAD_ONCE_INIT;
static CURLcode http_init_rc = CURLE_FAILED_INIT; /* written once, under http_once */

static void http_global_init(void)
{
	http_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* Per-fetch state the callbacks share; lives on td_http_fetch's stack. */
struct http_xfer {
	const struct td_http_request *req;
	struct td_http_response *resp;
	CURL *h;
	long code;             /* status of the response being received */
	struct td_buf location; /* its Location header */
	bool head_too_big;
	bool loop;
};

void td_http_response_init(struct td_http_response *r)
{
	memset(r, 0, sizeof *r);
	td_buf_init(&r->head, TD_HTTP_HEAD_MAX);
	td_buf_init(&r->body, 1);
	td_buf_init(&r->trace, TD_HTTP_TRACE_MAX);
}

void td_http_response_cleanup(struct td_http_response *r)
{
	td_buf_cleanup(&r->head);
	td_buf_cleanup(&r->body);
	td_buf_cleanup(&r->trace);
	free(r->status_line);
	free(r->url);
	free(r->location);
	free(r->cert_subject);
	free(r->cert_issuer);
	r->status_line = r->url = r->location = r->cert_subject = r->cert_issuer = NULL;
}

/* "HTTP/1.1 301 Moved" -> 301; 0 when the line is not a status line. */
static long http_status_code(const char *line, size_t len)
{
	size_t i = 5;
	while (i < len && line[i] != ' ')
		i++;
	while (i < len && line[i] == ' ')
		i++;
	if (i + 3 > len || !isdigit((unsigned char)line[i]) ||
	    !isdigit((unsigned char)line[i + 1]) || !isdigit((unsigned char)line[i + 2]))
		return 0;
	return (line[i] - '0') * 100 + (line[i + 1] - '0') * 10 + (line[i + 2] - '0');
}

/* Resolves location against the URL being fetched; true when it is that URL. */
static bool http_is_self_redirect(struct http_xfer *x)
{
	char *cur = NULL, *a = NULL, *b = NULL;
	bool same = false;
	if (curl_easy_getinfo(x->h, CURLINFO_EFFECTIVE_URL, &cur) != CURLE_OK || !cur)
		return false;
	CURLU *u = curl_url();
	CURLU *v = curl_url();
	if (u && v && curl_url_set(u, CURLUPART_URL, cur, 0) == CURLUE_OK &&
	    curl_url_set(v, CURLUPART_URL, cur, 0) == CURLUE_OK &&
	    curl_url_set(v, CURLUPART_URL, td_buf_str(&x->location), 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_URL, &a, 0) == CURLUE_OK &&
	    curl_url_get(v, CURLUPART_URL, &b, 0) == CURLUE_OK)
		same = strcmp(a, b) == 0;
	curl_free(a);
	curl_free(b);
	curl_url_cleanup(u);
	curl_url_cleanup(v);
	return same;
}

static size_t http_on_header(char *data, size_t size, size_t n, void *arg)
{
	struct http_xfer *x = arg;
	struct td_http_response *r = x->resp;
	size_t len = size * n;

	if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
		/* a new response: interim (1xx), redirect, or the final one */
		td_buf_reset(&r->head);
		td_buf_reset(&x->location);
		td_buf_reset(&r->body);
		r->head_bytes = r->body_bytes = 0;
		x->code = http_status_code(data, len);
	}
	if (r->head.len + len > TD_HTTP_HEAD_MAX) {
		x->head_too_big = true;
		return 0;
	}
	td_buf_append(&r->head, data, len);
	r->head_bytes += len;
	if (len > 9 && strncasecmp(data, "Location:", 9) == 0) {
		const char *v = data + 9, *e = data + len;
		while (v < e && (*v == ' ' || *v == '\t'))
			v++;
		while (e > v && (e[-1] == '\r' || e[-1] == '\n' || e[-1] == ' ' || e[-1] == '\t'))
			e--;
		td_buf_reset(&x->location);
		td_buf_append(&x->location, v, (size_t)(e - v));
	}
	bool end = len <= 2 && (data[0] == '\r' || data[0] == '\n');
	if (end && x->req->follow && x->code >= 300 && x->code < 400 && x->location.len &&
	    !x->location.truncated && http_is_self_redirect(x)) {
		x->loop = true;
		return 0;
	}
	return len;
}

static size_t http_on_body(char *data, size_t size, size_t n, void *arg)
{
	struct http_xfer *x = arg;
	struct td_http_response *r = x->resp;
	size_t len = size * n;

	if (x->req->no_body) {
		r->body_skipped = true;
		return 0;
	}
	size_t room = x->req->max_body - r->body.len;
	if (len > room) {
		td_buf_append(&r->body, data, room);
		r->body_bytes += room;
		r->body_truncated = true;
		return 0;
	}
	td_buf_append(&r->body, data, len);
	r->body_bytes += len;
	return len;
}

/* Keeps libcurl's own narration (never the headers sent: they hold secrets). */
static int http_on_debug(CURL *h, curl_infotype type, char *data, size_t size, void *arg)
{
	struct http_xfer *x = arg;
	(void)h;
	if (type == CURLINFO_TEXT)
		td_buf_append(&x->resp->trace, data, size);
	return 0;
}

/* The file-scope variants below are chosen by the libcurl version built against. */
#if LIBCURL_VERSION_NUM >= 0x075500 /* 7.85: protocol lists as strings */
static CURLcode http_set_protocols(CURL *h, bool allow_file)
{
	CURLcode rc = curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR,
				       allow_file ? "http,https,file" : "http,https");
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	return rc;
}
#else
static CURLcode http_set_protocols(CURL *h, bool allow_file)
{
	long web = CURLPROTO_HTTP | CURLPROTO_HTTPS;
	CURLcode rc =
	    curl_easy_setopt(h, CURLOPT_PROTOCOLS, allow_file ? web | CURLPROTO_FILE : web);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS, web);
	return rc;
}
#endif

static long http_tls_version(const struct td_http_request *req)
{
	static const long min[] = { CURL_SSLVERSION_DEFAULT, CURL_SSLVERSION_TLSv1_0,
				    CURL_SSLVERSION_TLSv1_1, CURL_SSLVERSION_TLSv1_2,
				    CURL_SSLVERSION_TLSv1_3 };
	static const long max[] = { CURL_SSLVERSION_MAX_DEFAULT, CURL_SSLVERSION_MAX_TLSv1_0,
				    CURL_SSLVERSION_MAX_TLSv1_1, CURL_SSLVERSION_MAX_TLSv1_2,
				    CURL_SSLVERSION_MAX_TLSv1_3 };
	unsigned v = (unsigned)req->tls_min;
	if (v >= sizeof min / sizeof min[0])
		v = 0;
	return min[v] | (req->tls_exact ? max[v] : CURL_SSLVERSION_MAX_DEFAULT);
}

bool td_http_parse_date(const char *text, time_t *out)
{
	if (!text || !*text)
		return false;
	time_t t = curl_getdate(text, NULL);
	if (t == -1)
		return false;
	*out = t;
	return true;
}

void td_http_split_auth(const char *text, char **user, char **password)
{
	const char *colon = strchr(text, ':');
	size_t ulen = colon ? (size_t)(colon - text) : strlen(text);
	*user = td_xstrndup(text, ulen);
	*password = td_xstrdup(colon ? colon + 1 : "");
}

enum td_err td_http_auth_file(const char *path, char **user, char **password, char *err,
			      size_t errlen)
{
	char buf[4096];
	enum td_err rc = TD_OK;
	size_t got = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return td_errf(errno == ENOENT ? TD_E_NOTFOUND : TD_E_IO, err, errlen,
			       "cannot read %s: %m", path);
	while (got < sizeof buf - 1 && (n = read(fd, buf + got, sizeof buf - 1 - got)) > 0)
		got += (size_t)n;
	close(fd);
	buf[got] = '\0';
	size_t line = strcspn(buf, "\r\n");
	buf[line] = '\0';
	if (line == 0 || !strchr(buf, ':') || buf[0] == ':')
		rc = td_errf(TD_E_PARSE, err, errlen, "%s: the first line is not USER:PASSWORD",
			     path);
	else
		td_http_split_auth(buf, user, password);
	td_wipe(buf, sizeof buf);
	return rc;
}

bool td_http_header_ok(const char *line)
{
	const char *p = line;
	/* a token: visible ASCII except separators (RFC 9110, 5.6.2) */
	while (*p > 32 && *p < 127 && !strchr("()<>@,;:\\\"/[]?={}", *p))
		p++;
	if (p == line || *p != ':')
		return false;
	return strpbrk(p, "\r\n") == NULL;
}

/* Subject, issuer and validity of the first certificate of the chain (the server's). */
static void http_read_cert(CURL *h, struct td_http_response *r)
{
	struct curl_certinfo *ci = NULL;
	if (curl_easy_getinfo(h, CURLINFO_CERTINFO, &ci) != CURLE_OK || !ci || ci->num_of_certs < 1)
		return;
	bool start = false, end = false;
	for (struct curl_slist *s = ci->certinfo[0]; s; s = s->next) {
		const char *d = s->data;
		if (!strncasecmp(d, "Subject:", 8) && !r->cert_subject)
			r->cert_subject = td_xstrndup(d + 8, strnlen(d + 8, 512));
		else if (!strncasecmp(d, "Issuer:", 7) && !r->cert_issuer)
			r->cert_issuer = td_xstrndup(d + 7, strnlen(d + 7, 512));
		else if (!strncasecmp(d, "Start date:", 11))
			start = td_http_parse_date(d + 11, &r->cert_not_before);
		else if (!strncasecmp(d, "Expire date:", 12))
			end = td_http_parse_date(d + 12, &r->cert_not_after);
	}
	r->has_cert = start && end;
}

static double http_seconds(CURL *h, CURLINFO what)
{
	curl_off_t us = 0;
	if (curl_easy_getinfo(h, what, &us) != CURLE_OK || us < 0)
		return 0;
	return (double)us / 1e6;
}

static void http_read_info(struct http_xfer *x)
{
	struct td_http_response *r = x->resp;
	CURL *h = x->h;
	char *s = NULL;
	long v = 0;

	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
	if (curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &s) == CURLE_OK && s)
		r->url = td_xstrdup(s);
	s = NULL;
	if (curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &s) == CURLE_OK && s)
		r->location = td_xstrdup(s);
	s = NULL;
	if (curl_easy_getinfo(h, CURLINFO_PRIMARY_IP, &s) == CURLE_OK && s)
		snprintf(r->primary_ip, sizeof r->primary_ip, "%s", s);
	curl_easy_getinfo(h, CURLINFO_PRIMARY_PORT, &r->primary_port);
	curl_easy_getinfo(h, CURLINFO_REDIRECT_COUNT, &r->redirects);
	if (curl_easy_getinfo(h, CURLINFO_HTTP_VERSION, &v) == CURLE_OK && v)
		r->http_major = v == CURL_HTTP_VERSION_2_0 ? 2 : v == CURL_HTTP_VERSION_3 ? 3 : 1;
	r->t_dns = http_seconds(h, CURLINFO_NAMELOOKUP_TIME_T);
	r->t_connect = http_seconds(h, CURLINFO_CONNECT_TIME_T);
	r->t_tls = http_seconds(h, CURLINFO_APPCONNECT_TIME_T);
	r->t_sent = http_seconds(h, CURLINFO_PRETRANSFER_TIME_T);
	r->t_first = http_seconds(h, CURLINFO_STARTTRANSFER_TIME_T);
	r->t_total = http_seconds(h, CURLINFO_TOTAL_TIME_T);
	r->tls = r->url && strncasecmp(r->url, "https:", 6) == 0;
	if (r->head.len) {
		size_t eol = strcspn(r->head.data, "\r\n");
		r->status_line = td_xstrndup(r->head.data, eol);
	}
	if (x->req->want_cert && r->tls)
		http_read_cert(h, r);
}

/* Sorts a libcurl failure into the td_err classes the probes act on. */
static enum td_err http_classify(CURLcode rc)
{
	switch (rc) {
	case CURLE_OPERATION_TIMEDOUT: return TD_E_TIMEOUT;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_INTERFACE_FAILED:
		return TD_E_CONNECT;
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
	case CURLE_BAD_FUNCTION_ARGUMENT:
		return TD_E_USAGE;
	case CURLE_FILE_COULDNT_READ_FILE: return TD_E_NOTFOUND;
	case CURLE_OUT_OF_MEMORY: return TD_E_NOMEM;
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_TOO_MANY_REDIRECTS:
	case CURLE_BAD_CONTENT_ENCODING:
	case CURLE_HTTP3:
		return TD_E_PROTO;
	default: return TD_E_IO;
	}
}

/* Sets every option of req on h; the first failure is returned. */
static CURLcode http_setup(struct http_xfer *x, struct curl_slist **headers,
			   struct curl_slist **connect_to, long timeout_ms, char *curl_err)
{
	const struct td_http_request *req = x->req;
	CURL *h = x->h;
	CURLcode rc = CURLE_OK;
#define HTTP_SET(opt, val)                                   \
	do {                                                 \
		if ((rc = curl_easy_setopt(h, opt, val)) != CURLE_OK) \
			return rc;                           \
	} while (0)

	HTTP_SET(CURLOPT_ERRORBUFFER, curl_err);
	HTTP_SET(CURLOPT_NOSIGNAL, 1L);
	HTTP_SET(CURLOPT_TIMEOUT_MS, timeout_ms);
	HTTP_SET(CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
	if ((rc = http_set_protocols(h, req->allow_file)) != CURLE_OK)
		return rc;
	HTTP_SET(CURLOPT_URL, req->url);
	HTTP_SET(CURLOPT_HEADERFUNCTION, http_on_header);
	HTTP_SET(CURLOPT_HEADERDATA, x);
	HTTP_SET(CURLOPT_WRITEFUNCTION, http_on_body);
	HTTP_SET(CURLOPT_WRITEDATA, x);
	if (req->trace) {
		HTTP_SET(CURLOPT_DEBUGFUNCTION, http_on_debug);
		HTTP_SET(CURLOPT_DEBUGDATA, x);
		HTTP_SET(CURLOPT_VERBOSE, 1L);
	}
	if (req->connect_to) {
		*connect_to = curl_slist_append(NULL, req->connect_to);
		if (!*connect_to)
			return CURLE_OUT_OF_MEMORY;
		HTTP_SET(CURLOPT_CONNECT_TO, *connect_to);
	}
	for (size_t i = 0; i < req->n_headers; i++) {
		struct curl_slist *s = curl_slist_append(*headers, req->headers[i]);
		if (!s)
			return CURLE_OUT_OF_MEMORY;
		*headers = s;
	}
	if (*headers)
		HTTP_SET(CURLOPT_HTTPHEADER, *headers);
	if (req->user_agent)
		HTTP_SET(CURLOPT_USERAGENT, req->user_agent);
	if (req->username) {
		HTTP_SET(CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		HTTP_SET(CURLOPT_USERNAME, req->username);
		HTTP_SET(CURLOPT_PASSWORD, req->password ? req->password : "");
	}
	if (req->insecure) {
		HTTP_SET(CURLOPT_SSL_VERIFYPEER, 0L);
		HTTP_SET(CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (req->ca_file)
		HTTP_SET(CURLOPT_CAINFO, req->ca_file);
	if (req->client_cert)
		HTTP_SET(CURLOPT_SSLCERT, req->client_cert);
	if (req->client_key)
		HTTP_SET(CURLOPT_SSLKEY, req->client_key);
	HTTP_SET(CURLOPT_SSLVERSION, http_tls_version(req));
	if (req->ip_version)
		HTTP_SET(CURLOPT_IPRESOLVE,
			 (long)(req->ip_version == 6 ? CURL_IPRESOLVE_V6 : CURL_IPRESOLVE_V4));
	if (req->follow) {
		HTTP_SET(CURLOPT_FOLLOWLOCATION, 1L);
		HTTP_SET(CURLOPT_MAXREDIRS, req->max_redirs);
	}
	if (req->want_cert)
		HTTP_SET(CURLOPT_CERTINFO, 1L);
	if (req->decompress)
		HTTP_SET(CURLOPT_ACCEPT_ENCODING, "");
	if (req->connect_only) {
		HTTP_SET(CURLOPT_CONNECT_ONLY, 1L);
	} else if (req->method && strcmp(req->method, "HEAD") == 0) {
		HTTP_SET(CURLOPT_NOBODY, 1L);
	} else {
		if (req->post_data) {
			HTTP_SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->post_len);
			HTTP_SET(CURLOPT_POSTFIELDS, req->post_data);
		}
		if (req->method && strcmp(req->method, req->post_data ? "POST" : "GET") != 0)
			HTTP_SET(CURLOPT_CUSTOMREQUEST, req->method);
	}
#undef HTTP_SET
	return CURLE_OK;
}

enum td_err td_http_fetch(const struct td_http_request *req, const struct td_deadline *deadline,
			  struct td_http_response *resp, char *err, size_t errlen)
{
	char curl_err[CURL_ERROR_SIZE] = "";
	struct curl_slist *headers = NULL, *connect_to = NULL;
	struct http_xfer x = { .req = req, .resp = resp };
	enum td_err ret;
	CURLcode rc;

	pthread_once(&http_once, http_global_init);
	if (http_init_rc != CURLE_OK)
		return td_errf(TD_E_INTERNAL, err, errlen, "libcurl could not be initialised: %s",
			       curl_easy_strerror(http_init_rc));
	int left = td_deadline_left_ms(deadline);
	if (left <= 0) /* a timeout of 0 means "none" to libcurl */
		return td_errf(TD_E_TIMEOUT, err, errlen, "no time left for the request");
	if (req->max_body < 1)
		return td_errf(TD_E_INTERNAL, err, errlen, "max_body must be at least 1");

	td_buf_cleanup(&resp->body);
	td_buf_init(&resp->body, req->max_body);
	td_buf_init(&x.location, HTTP_LOCATION_MAX);
	x.h = curl_easy_init();
	if (!x.h) {
		ret = td_errf(TD_E_INTERNAL, err, errlen, "curl_easy_init failed");
		goto out;
	}
	rc = http_setup(&x, &headers, &connect_to, (long)left, curl_err);
	if (rc != CURLE_OK) {
		ret = td_errf(rc == CURLE_OUT_OF_MEMORY ? TD_E_NOMEM : TD_E_USAGE, err, errlen,
			      "cannot set up the request: %s",
			      curl_err[0] ? curl_err : curl_easy_strerror(rc));
		goto out;
	}
	rc = curl_easy_perform(x.h);
	http_read_info(&x);
	if (rc == CURLE_WRITE_ERROR && (resp->body_truncated || resp->body_skipped))
		rc = CURLE_OK; /* we stopped reading on purpose */
	if (rc == CURLE_OK) {
		ret = TD_OK;
	} else if (x.head_too_big) {
		ret = td_errf(TD_E_TOOBIG, err, errlen, "response headers larger than %d KiB",
			      TD_HTTP_HEAD_MAX / 1024);
	} else if (x.loop) {
		resp->redirect_loop = true;
		ret = td_errf(TD_E_PROTO, err, errlen, "redirect loop: %s redirects to itself",
			      resp->url ? resp->url : req->url);
	} else {
		resp->redirect_limit = rc == CURLE_TOO_MANY_REDIRECTS;
		ret = http_classify(rc);
		/* a server that answered, but not in HTTP (curl refuses HTTP/0.9) */
		if (rc == CURLE_UNSUPPORTED_PROTOCOL && resp->primary_ip[0])
			ret = TD_E_PROTO;
		td_errf(ret, err, errlen, "%s", curl_err[0] ? curl_err : curl_easy_strerror(rc));
	}
out:
	if (x.h)
		curl_easy_cleanup(x.h);
	curl_slist_free_all(headers);
	curl_slist_free_all(connect_to);
	td_buf_cleanup(&x.location);
	return ret;
}

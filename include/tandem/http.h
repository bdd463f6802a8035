/*
 * http.h - one HTTP(S) or file fetch, the transport under the HTTP probes.
 *
 * plugins/probes/http_transport.c is the only file that includes libcurl:
 * check_http and check_json describe a request in a struct td_http_request
 * and get a struct td_http_response back. A fetch is reentrant and safe in
 * worker threads: it makes and destroys its own curl handle, uses no signals,
 * and bounds every phase (name resolution, connect, TLS, transfer) by the
 * caller's deadline. libcurl's global state is set up once per process
 * (pthread_once) and left for the process's exit to release.
 *
 * Memory is bounded: at most max_body bytes of body and TD_HTTP_HEAD_MAX bytes
 * of headers are kept; a longer body stops the transfer (body_truncated), a
 * longer header block is an error.
 *
 * Deliberately left out: connection reuse between fetches, cookies, proxies
 * beyond libcurl's own environment variables, HTTP/3.
 *
 * The request points at strings the caller keeps alive during the fetch.
 * The response owns its buffers and strings (td_http_response_cleanup).
 */
#ifndef TANDEM_HTTP_H
#define TANDEM_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "tandem/buf.h"
#include "tandem/deadline.h"
#include "tandem/error.h"

/* Most bytes of response headers kept (the final response's block). */
#define TD_HTTP_HEAD_MAX (256 * 1024)
/* Most bytes of libcurl's trace kept for verbose output. */
#define TD_HTTP_TRACE_MAX 4096

/* Lowest TLS version accepted; exact pins the highest to the same one. */
enum td_http_tls {
	TD_HTTP_TLS_DEFAULT = 0,
	TD_HTTP_TLS_1_0,
	TD_HTTP_TLS_1_1,
	TD_HTTP_TLS_1_2,
	TD_HTTP_TLS_1_3,
};

struct td_http_request {
	const char *url;            /* http:// or https://; file:// when allow_file */
	const char *connect_to;     /* "HOST:PORT:ADDRESS:PORT" (curl's CONNECT_TO), or NULL */
	const char *method;         /* NULL: GET, or POST when post_data is set */
	const char *post_data;      /* request body, or NULL */
	size_t post_len;
	const char *const *headers; /* extra "Name: value" request headers */
	size_t n_headers;
	const char *user_agent;     /* NULL: libcurl sends none */
	const char *username;       /* basic authentication, or NULL */
	const char *password;
	const char *ca_file;        /* a CA bundle trusted besides the system's CA directory */
	const char *client_cert;    /* PEM client certificate, and its key (NULL: in that file) */
	const char *client_key;
	bool insecure;              /* accept any certificate and name */
	enum td_http_tls tls_min;
	bool tls_exact;             /* no version above tls_min */
	int ip_version;             /* 0: any, 4 or 6 */
	bool allow_file;            /* accept file:// URLs */
	bool follow;                /* follow redirects, at most max_redirs of them */
	long max_redirs;
	bool no_body;               /* the request is sent as is; reading stops at the body */
	bool connect_only;          /* connect and, for https, complete the TLS handshake only */
	bool want_cert;             /* fill the response's cert_* fields (https) */
	bool decompress;            /* ask for and undo gzip/deflate */
	bool trace;                 /* keep libcurl's informational lines in response.trace */
	size_t max_body;            /* most body bytes kept, >= 1 */
};

struct td_http_response {
	long status;             /* final status code; 0 for file:// or when none arrived */
	char *status_line;       /* "HTTP/1.1 200 OK", without CRLF, or NULL */
	struct td_buf head;      /* the final response's header lines, CRLF kept */
	struct td_buf body;      /* at most max_body bytes */
	size_t head_bytes;       /* bytes of header lines of the final response */
	size_t body_bytes;       /* body bytes received until reading ended */
	bool body_truncated;     /* more than max_body arrived; reading stopped there */
	bool body_skipped;       /* no_body: reading stopped where the body began */
	bool redirect_limit;     /* failed: more than max_redirs redirects */
	bool redirect_loop;      /* failed: a response redirected to its own URL */
	long redirects;          /* redirects followed */
	char *url;               /* the URL of the final response */
	char *location;          /* a 3xx response's Location, resolved; NULL otherwise */
	char primary_ip[64];     /* address connected to, "" if none */
	long primary_port;
	bool tls;                /* the final connection used TLS */
	int http_major;          /* 1 or 2 (HTTP/1.x, HTTP/2), 0 if unknown */
	/* seconds from the start: DNS done, TCP connected, TLS done, request
	 * sent, first byte received, end; 0 for a phase that did not happen */
	double t_dns, t_connect, t_tls, t_sent, t_first, t_total;
	bool has_cert;           /* the server certificate's fields below are set */
	time_t cert_not_before, cert_not_after;
	char *cert_subject, *cert_issuer;
	struct td_buf trace;     /* libcurl's informational lines, when asked for */
};

void td_http_response_init(struct td_http_response *r);
void td_http_response_cleanup(struct td_http_response *r);

/*
 * Fetches req before deadline into resp (initialised by the caller).
 * Returns TD_OK when a response arrived (whatever its status; a body cut at
 * max_body or skipped by no_body included), or: TD_E_TIMEOUT when the
 * deadline passed, TD_E_CONNECT when the server could not be reached or the
 * TLS handshake failed (certificate verification included), TD_E_PROTO for
 * an answer that is not HTTP or a redirect limit or loop, TD_E_TOOBIG for
 * headers over TD_HTTP_HEAD_MAX, TD_E_NOTFOUND for a missing file, TD_E_USAGE
 * for a URL libcurl refuses, TD_E_IO otherwise. err gets one line saying why.
 */
enum td_err td_http_fetch(const struct td_http_request *req, const struct td_deadline *deadline,
			  struct td_http_response *resp, char *err, size_t errlen);

/*
 * Basic authentication from "USER:PASSWORD" (no colon: an empty password),
 * into two malloc'd strings. td_http_auth_file reads the first line of a file
 * (at most 4 KiB) the same way. The caller wipes the password (td_wipe)
 * before freeing it; the file's bytes are wiped here.
 */
void td_http_split_auth(const char *text, char **user, char **password);
enum td_err td_http_auth_file(const char *path, char **user, char **password, char *err,
			      size_t errlen);

/* True when line is one request header "Name: value" (a token, a colon, no CR or LF). */
bool td_http_header_ok(const char *line);

/*
 * Parses a date as HTTP headers and certificates write it ("Sun, 06 Nov 1994
 * 08:49:37 GMT", the RFC 850 and asctime forms, "Nov  6 08:49:37 1994 GMT").
 * Returns false for anything else.
 */
bool td_http_parse_date(const char *text, time_t *out);

#endif

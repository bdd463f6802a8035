/*
 * http.c - check_http: an HTTP(S) request, its status, content, timing and
 * the server certificate, over the shared libcurl transport (http.h).
 *
 * The options are those of monitoring-plugins' check_http and check_curl, so
 * their command definitions keep working. Where tandem differs on purpose:
 *   - The server certificate and its name are verified by default;
 *     --insecure turns that off, --ca-file adds a CA (-D is accepted and
 *     changes nothing). -k sends a header, as in the peer, never "insecure".
 *   - -u/--url takes a path as in the peer, or a whole URL
 *     (https://host:port/path) that then gives the scheme, host and port.
 *   - -w/-c are ranges with units (`-w 500ms`); a bare N alerts above N s.
 *   - -m MIN:MAX becomes the warning range of the `size` metric.
 *   - The body is read up to --max-body (default 1 MiB); past it reading
 *     stops and the check is UNKNOWN (it could not see the whole page)
 *     unless a worse state applies. -N stops at the headers.
 *   - A response that redirects to its own URL is CRITICAL at once, with or
 *     without -H; more than --max-redirs redirects is WARNING as in the peer.
 *   - -C reports a `cert_days` metric (days until the certificate expires).
 *
 * The work splits into parse (options into an immutable config, finish
 * building the URL), fetch (the transport), and evaluate (a pure function
 * from a response to metrics and a state), which the unit tests drive with
 * made-up responses.
 */
#include "config.h"

#include <ctype.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "tandem/http.h"
#include "tandem/probe.h"

/* Default --max-body: pages larger than this need the option or -N. */
#define HTTP_MAX_BODY_DEFAULT (1024 * 1024)
#define HTTP_MAX_BODY_LIMIT (1024.0 * 1024 * 1024)
/* -k headers accepted, and the longest text option (-s, -d, -e, -P, -k). */
#define HTTP_HEADERS_MAX 64
#define HTTP_TEXT_MAX 8192
#define HTTP_POST_MAX (1024 * 1024)
/* How much of a searched string or a body the output quotes. */
#define HTTP_QUOTE_MAX 40
#define HTTP_SHOW_BODY_MAX 1024
/* Clock skew tolerated before a Last-Modified counts as "in the future" (the peer's). */
#define HTTP_FUTURE_SLACK 30

enum {
	OPT_HOST = 1,
	OPT_ADDRESS,
	OPT_PORT,
	OPT_URL,
	OPT_SSL,
	OPT_SNI,
	OPT_IPV4,
	OPT_IPV6,
	OPT_EXPECT,
	OPT_STRING,
	OPT_REGEX,
	OPT_EREGI,
	OPT_LINESPAN,
	OPT_INVERT,
	OPT_STATE_REGEX,
	OPT_HEADER_STRING,
	OPT_HEADER,
	OPT_AUTH,
	OPT_AUTH_FILE,
	OPT_POST,
	OPT_METHOD,
	OPT_CONTENT_TYPE,
	OPT_AGENT,
	OPT_ONREDIRECT,
	OPT_MAX_REDIRS,
	OPT_NO_BODY,
	OPT_PAGESIZE,
	OPT_MAX_AGE,
	OPT_CERT,
	OPT_CONTINUE,
	OPT_EXTENDED,
	OPT_WARN,
	OPT_CRIT,
	OPT_INSECURE,
	OPT_CA_FILE,
	OPT_CLIENT_CERT,
	OPT_CLIENT_KEY,
	OPT_VERIFY,
	OPT_MAX_BODY,
	OPT_SHOW_BODY,
	OPT_DECOMPRESS,
	OPT_COMPAT,
};

enum http_follow { HTTP_NOFOLLOW, HTTP_FOLLOW, HTTP_STICKY, HTTP_STICKYPORT };

struct http_config {
	char *host;       /* -H, without a :port */
	unsigned vport;   /* the :port of -H, 0 if none */
	char *address;    /* -I */
	unsigned port;    /* -p, 0: the scheme's */
	char *path;       /* -u PATH */
	char *url_arg;    /* -u URL (with a scheme) */
	bool tls, tls_given;
	enum td_http_tls tls_min;
	bool tls_exact;
	int ip_version;
	char *expect;     /* -e list */
	char *string;     /* -s */
	char *header_string; /* -d */
	char *regex_text; /* -r/-R */
	bool regex_icase, linespan, invert_regex, has_regex;
	enum td_state regex_state;
	regex_t regex;
	char *headers[HTTP_HEADERS_MAX + 1]; /* -k, then -T's Content-Type */
	size_t n_headers;
	char *username, *password; /* wiped on free */
	char *post;
	char *method;
	char *content_type;
	char *user_agent;
	enum td_state redirect_state;
	enum http_follow follow;
	long max_redirs;
	bool no_body;
	struct td_range pagesize;
	double max_age;   /* seconds; 0: not checked */
	bool check_cert, cert_continue;
	double cert_warn, cert_crit; /* days */
	bool extended, show_body, decompress, insecure;
	struct td_range warn, crit;
	size_t max_body;
	char *ca_file, *client_cert, *client_key;
	double timeout;
	/* built by finish */
	char *url;
	char *connect_to;
	char *target;     /* "host:port" for messages */
};

static const struct td_option http_options[] = {
	{ 'H', "hostname", TD_ARG_REQUIRED, "HOST[:PORT]",
	  "Host name for the Host header, TLS SNI and the certificate name check. With -I the "
	  "connection goes to that address instead. A :PORT goes into the Host header and is the "
	  "port unless -p says otherwise.",
	  OPT_HOST },
	{ 'I', "IP-address", TD_ARG_REQUIRED, "ADDRESS",
	  "Address (or name) to connect to; without -H it is also the host name.", OPT_ADDRESS },
	{ 'p', "port", TD_ARG_REQUIRED, "PORT", "TCP port (default 80, or 443 with -S or -C).",
	  OPT_PORT },
	{ 'u', "url", TD_ARG_REQUIRED, "PATH|URL",
	  "Path to request (default /), or a whole URL http[s]://host[:port]/path that gives the "
	  "scheme, host and port (then without -H, -p and -S).",
	  OPT_URL },
	{ 'S', "ssl", TD_ARG_OPTIONAL, "VERSION[+]",
	  "Use TLS (https); the port defaults to 443. VERSION (1, 1.1, 1.2 or 1.3) is the lowest "
	  "accepted and, without a trailing +, the highest too.",
	  OPT_SSL },
	{ 0, "sni", TD_ARG_NONE, NULL,
	  "Accepted for compatibility: the host name (-H) is always sent as TLS SNI.", OPT_SNI },
	{ '4', "use-ipv4", TD_ARG_NONE, NULL, "Connect over IPv4 only.", OPT_IPV4 },
	{ '6', "use-ipv6", TD_ARG_NONE, NULL, "Connect over IPv6 only.", OPT_IPV6 },
	{ 'e', "expect", TD_ARG_REQUIRED, "LIST",
	  "Comma-separated status codes (200,301) or strings, one of which the status line must "
	  "match; anything else is CRITICAL. Without -e: 2xx OK, 3xx as -f says, 4xx WARNING, "
	  "5xx CRITICAL.",
	  OPT_EXPECT },
	{ 's', "string", TD_ARG_REQUIRED, "TEXT", "CRITICAL unless the body contains TEXT.",
	  OPT_STRING },
	{ 'r', "regex", TD_ARG_REQUIRED, "ERE",
	  "CRITICAL unless the body matches this POSIX extended regular expression.", OPT_REGEX },
	{ 0, "ereg", TD_ARG_REQUIRED, "ERE", "Same as -r.", OPT_REGEX },
	{ 'R', "eregi", TD_ARG_REQUIRED, "ERE", "As -r, ignoring case.", OPT_EREGI },
	{ 'l', "linespan", TD_ARG_NONE, NULL, "Let -r/-R match across lines (^, $ and . too).",
	  OPT_LINESPAN },
	{ 0, "invert-regex", TD_ARG_NONE, NULL,
	  "Alert when -r/-R matches instead of when it does not.", OPT_INVERT },
	{ 0, "state-regex", TD_ARG_REQUIRED, "STATE",
	  "State when -r/-R fails (default critical).", OPT_STATE_REGEX },
	{ 'd', "header-string", TD_ARG_REQUIRED, "TEXT",
	  "CRITICAL unless the response headers contain TEXT.", OPT_HEADER_STRING },
	{ 'k', "header", TD_ARG_REQUIRED, "\"NAME: VALUE\"",
	  "Send this request header; repeat for more.", OPT_HEADER },
	{ 'a', "authorization", TD_ARG_REQUIRED, "USER:PASSWORD",
	  "Basic authentication. Arguments show in ps: prefer --auth-file or --extra-opts.",
	  OPT_AUTH },
	{ 0, "auth-file", TD_ARG_REQUIRED, "FILE",
	  "Read USER:PASSWORD for basic authentication from the first line of FILE.",
	  OPT_AUTH_FILE },
	{ 'P', "post", TD_ARG_REQUIRED, "DATA",
	  "Send DATA as the request body, with method POST unless -j names another.", OPT_POST },
	{ 'j', "method", TD_ARG_REQUIRED, "METHOD",
	  "Request method: GET, HEAD, POST, PUT, DELETE, OPTIONS, ...", OPT_METHOD },
	{ 'T', "content-type", TD_ARG_REQUIRED, "TYPE",
	  "Content-Type of the -P data (default application/x-www-form-urlencoded).",
	  OPT_CONTENT_TYPE },
	{ 'A', "useragent", TD_ARG_REQUIRED, "TEXT",
	  "User-Agent header (default check_http/VERSION (tandem)).", OPT_AGENT },
	{ 'f', "onredirect", TD_ARG_REQUIRED, "POLICY",
	  "What a 3xx answer gives: ok (default), warning, critical or unknown; or follow it: "
	  "follow or curl (to any host), sticky (keep connecting to the -I address), stickyport "
	  "(keep the address and port).",
	  OPT_ONREDIRECT },
	{ 0, "max-redirs", TD_ARG_REQUIRED, "N",
	  "Most redirects followed (default 15); more is WARNING.", OPT_MAX_REDIRS },
	{ 'N', "no-body", TD_ARG_NONE, NULL,
	  "Stop reading at the body, after the headers (the request is still GET or POST).",
	  OPT_NO_BODY },
	{ 'm', "pagesize", TD_ARG_REQUIRED, "MIN[:MAX]",
	  "WARNING when the response (headers and body) is smaller than MIN or larger than MAX "
	  "bytes; units allowed (10KB).",
	  OPT_PAGESIZE },
	{ 'M', "max-age", TD_ARG_REQUIRED, "AGE",
	  "CRITICAL when Last-Modified is more than AGE before the server's Date, or missing. AGE "
	  "in seconds, or 10m, 2h, 1d.",
	  OPT_MAX_AGE },
	{ 'C', "certificate", TD_ARG_REQUIRED, "DAYS[,DAYS]",
	  "Check the server certificate: WARNING when it expires within the first DAYS, CRITICAL "
	  "within the second (default 0) or when expired. Implies -S. Alone it checks only the "
	  "certificate.",
	  OPT_CERT },
	{ 0, "continue-after-certificate", TD_ARG_NONE, NULL,
	  "With -C, make the HTTP request and check the answer too.", OPT_CONTINUE },
	{ 'E', "extended-perfdata", TD_ARG_NONE, NULL,
	  "Also report time_connect, time_ssl, time_headers, time_firstbyte and time_transfer.",
	  OPT_EXTENDED },
	{ 'w', "warning", TD_ARG_REQUIRED, "RANGE",
	  "WARNING when the response time is outside RANGE, in seconds or with a unit (500ms); a "
	  "bare N alerts above N.",
	  OPT_WARN },
	{ 'c', "critical", TD_ARG_REQUIRED, "RANGE", "CRITICAL threshold, as -w.", OPT_CRIT },
	{ 0, "insecure", TD_ARG_NONE, NULL,
	  "Do not verify the server certificate and its name (verified by default).",
	  OPT_INSECURE },
	{ 0, "ca-file", TD_ARG_REQUIRED, "FILE",
	  "Also trust the CA certificates in FILE (PEM), besides the system's.", OPT_CA_FILE },
	{ 0, "ca-cert", TD_ARG_REQUIRED, "FILE", "Same as --ca-file.", OPT_CA_FILE },
	{ 'J', "client-cert", TD_ARG_REQUIRED, "FILE", "Client certificate (PEM).",
	  OPT_CLIENT_CERT },
	{ 'K', "private-key", TD_ARG_REQUIRED, "FILE", "Key of the client certificate (PEM).",
	  OPT_CLIENT_KEY },
	{ 'D', "verify-cert", TD_ARG_NONE, NULL,
	  "Accepted for compatibility: certificates are verified unless --insecure.", OPT_VERIFY },
	{ 0, "max-body", TD_ARG_REQUIRED, "SIZE",
	  "Read at most SIZE of body (default 1MiB, e.g. 10MB). Past it reading stops and the "
	  "check is UNKNOWN unless a worse state applies.",
	  OPT_MAX_BODY },
	{ 'B', "show-body", TD_ARG_NONE, NULL, "Show the start of the body in the long output.",
	  OPT_SHOW_BODY },
	{ 0, "enable-automatic-decompression", TD_ARG_NONE, NULL,
	  "Accept gzip or deflate and check the decompressed body.", OPT_DECOMPRESS },
	{ 'L', "link", TD_ARG_NONE, NULL, "Accepted for compatibility; the output is never HTML.",
	  OPT_COMPAT },
	{ 'n', "nohtml", TD_ARG_NONE, NULL, "Accepted for compatibility.", OPT_COMPAT },
	TD_OPTION_END,
};

static void *http_config_new(void)
{
	struct http_config *c = td_xcalloc(1, sizeof *c);
	c->regex_state = TD_STATE_CRITICAL;
	c->redirect_state = TD_STATE_OK;
	c->max_redirs = 15;
	c->max_body = HTTP_MAX_BODY_DEFAULT;
	c->timeout = 10;
	return c;
}

static void http_config_free(void *cfg)
{
	struct http_config *c = cfg;
	if (!c)
		return;
	free(c->host);
	free(c->address);
	free(c->path);
	free(c->url_arg);
	free(c->expect);
	free(c->string);
	free(c->header_string);
	free(c->regex_text);
	if (c->has_regex)
		regfree(&c->regex);
	for (size_t i = 0; i < c->n_headers; i++)
		free(c->headers[i]);
	td_free_secret(&c->username);
	td_free_secret(&c->password);
	free(c->post);
	free(c->method);
	free(c->content_type);
	free(c->user_agent);
	free(c->ca_file);
	free(c->client_cert);
	free(c->client_key);
	free(c->url);
	free(c->connect_to);
	free(c->target);
	free(c);
}

static void http_set_str(char **slot, const char *value)
{
	free(*slot);
	*slot = td_xstrdup(value);
}

/* A host or address as a URL may carry it: no spaces, slashes, '@' or such. */
static bool http_host_ok(const char *h)
{
	if (!*h || strlen(h) > 255)
		return false;
	for (const char *p = h; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr(".-_:%", *p))
			return false;
	return true;
}

/* Writes host for a URL or CONNECT_TO: an IPv6 address goes in brackets. */
static char *http_bracket(const char *host)
{
	return strchr(host, ':') ? td_xasprintf("[%s]", host) : td_xstrdup(host);
}

static enum td_err http_parse_port(const char *opt, const char *text, unsigned *out, char *err,
				   size_t errlen)
{
	unsigned long long v;
	if (td_parse_uint(text, 1, 65535, &v) != TD_OK)
		return td_errf(TD_E_USAGE, err, errlen, "%s: \"%s\" is not a port (1 to 65535)",
			       opt, text);
	*out = (unsigned)v;
	return TD_OK;
}

/*
 * -H: "name", "name:port", "1.2.3.4:port", "[v6]", "[v6]:port", or a bare
 * IPv6 address (two colons or more: no port).
 */
static enum td_err http_parse_host(const char *arg, char **host, unsigned *port, char *err,
				   size_t errlen)
{
	const char *colon = NULL;
	size_t hlen = strlen(arg);
	const char *h = arg;
	*port = 0;
	if (arg[0] == '[') {
		const char *close = strchr(arg, ']');
		if (!close || (close[1] && close[1] != ':'))
			return td_errf(TD_E_USAGE, err, errlen, "-H: \"%s\" is not HOST[:PORT]",
				       arg);
		h = arg + 1;
		hlen = (size_t)(close - h);
		colon = close[1] ? close + 1 : NULL;
	} else if ((colon = strchr(arg, ':')) && !strchr(colon + 1, ':')) {
		hlen = (size_t)(colon - arg);
	} else {
		colon = NULL;
	}
	char *name = td_xstrndup(h, hlen);
	if (!http_host_ok(name) || (arg[0] == '[' && !strchr(name, ':'))) {
		free(name);
		return td_errf(TD_E_USAGE, err, errlen, "-H: \"%s\" is not HOST[:PORT]", arg);
	}
	if (colon && http_parse_port("-H", colon + 1, port, err, errlen) != TD_OK) {
		free(name);
		return TD_E_USAGE;
	}
	free(*host);
	*host = name;
	return TD_OK;
}

/*
 * Splits an http(s) URL into TLS flag, host (brackets removed) and port
 * (the scheme's when absent). The path is left to libcurl.
 */
static enum td_err http_split_url(const char *url, bool *tls, char **host, unsigned *port,
				  char *err, size_t errlen)
{
	const char *p;
	if (strncasecmp(url, "http://", 7) == 0) {
		*tls = false;
		p = url + 7;
	} else if (strncasecmp(url, "https://", 8) == 0) {
		*tls = true;
		p = url + 8;
	} else {
		return td_errf(TD_E_USAGE, err, errlen,
			       "-u: \"%s\" is neither a path nor an http(s) URL", url);
	}
	size_t alen = strcspn(p, "/?#");
	if (memchr(p, '@', alen))
		return td_errf(TD_E_USAGE, err, errlen,
			       "-u: \"%s\": give credentials with -a or --auth-file", url);
	char *auth = td_xstrndup(p, alen);
	enum td_err rc = TD_OK;
	char *h = NULL;
	unsigned pt = 0;
	if (http_parse_host(auth, &h, &pt, NULL, 0) != TD_OK)
		rc = td_errf(TD_E_USAGE, err, errlen, "-u: \"%s\" has no valid host[:port]", url);
	free(auth);
	if (rc != TD_OK)
		return rc;
	free(*host);
	*host = h;
	*port = pt ? pt : *tls ? 443 : 80;
	return TD_OK;
}

/* "30" or "30,14": warning and critical days left, >= 0. */
static enum td_err http_parse_cert_days(const char *arg, double *warn, double *crit, char *err,
					size_t errlen)
{
	const char *comma = strchr(arg, ',');
	double w, c = 0;
	if (td_parse_number(arg, comma, &w) != TD_OK || w < 0 || w > 36500 ||
	    (comma && (td_parse_number(comma + 1, NULL, &c) != TD_OK || c < 0 || c > 36500)))
		return td_errf(TD_E_USAGE, err, errlen,
			       "-C: \"%s\" is not DAYS[,DAYS] (days from 0 to 36500)", arg);
	*warn = w;
	*crit = c;
	return TD_OK;
}

/* "MIN", "MIN:MAX" or ":MAX" in bytes (units allowed) into a range alerting outside. */
static enum td_err http_parse_pagesize(const char *arg, struct td_range *out, char *err,
				       size_t errlen)
{
	const char *colon = strchr(arg, ':');
	struct td_range r = { .set = true, .start = 0, .end = INFINITY, .kind = TD_UNIT_BYTES };
	enum td_unit_kind k;
	char why[160];
	if (!*arg || (colon && strchr(colon + 1, ':')))
		return td_errf(TD_E_USAGE, err, errlen, "-m: \"%s\" is not MIN[:MAX]", arg);
	if ((colon ? colon > arg : true) &&
	    td_parse_quantity(arg, colon, TD_UNIT_BYTES, &r.start, &k, why, sizeof why) != TD_OK)
		return td_errf(TD_E_USAGE, err, errlen, "-m: %s", why);
	if (colon && colon[1] &&
	    td_parse_quantity(colon + 1, NULL, TD_UNIT_BYTES, &r.end, &k, why, sizeof why) != TD_OK)
		return td_errf(TD_E_USAGE, err, errlen, "-m: %s", why);
	if (r.start < 0 || r.start > r.end)
		return td_errf(TD_E_USAGE, err, errlen, "-m: \"%s\": MIN must be from 0 to MAX",
			       arg);
	*out = r;
	return TD_OK;
}

static enum td_err http_parse_redirect(const char *arg, struct http_config *c, char *err,
				       size_t errlen)
{
	static const struct {
		const char *name;
		enum http_follow follow;
		enum td_state state;
	} policies[] = {
		{ "ok", HTTP_NOFOLLOW, TD_STATE_OK },
		{ "warning", HTTP_NOFOLLOW, TD_STATE_WARNING },
		{ "critical", HTTP_NOFOLLOW, TD_STATE_CRITICAL },
		{ "unknown", HTTP_NOFOLLOW, TD_STATE_UNKNOWN },
		{ "follow", HTTP_FOLLOW, TD_STATE_OK },
		{ "curl", HTTP_FOLLOW, TD_STATE_OK },
		{ "sticky", HTTP_STICKY, TD_STATE_OK },
		{ "stickyport", HTTP_STICKYPORT, TD_STATE_OK },
	};
	for (size_t i = 0; i < sizeof policies / sizeof policies[0]; i++)
		if (strcasecmp(arg, policies[i].name) == 0) {
			c->follow = policies[i].follow;
			c->redirect_state = policies[i].state;
			return TD_OK;
		}
	return td_errf(TD_E_USAGE, err, errlen,
		       "-f: \"%s\" is not ok, warning, critical, unknown, follow, curl, sticky or "
		       "stickyport",
		       arg);
}

static enum td_err http_parse_tls(const char *arg, struct http_config *c, char *err, size_t errlen)
{
	static const struct {
		const char *name;
		enum td_http_tls v;
	} versions[] = {
		{ "1", TD_HTTP_TLS_1_0 },   { "1.0", TD_HTTP_TLS_1_0 }, { "1.1", TD_HTTP_TLS_1_1 },
		{ "1.2", TD_HTTP_TLS_1_2 }, { "1.3", TD_HTTP_TLS_1_3 },
	};
	c->tls = c->tls_given = true;
	if (!arg || !*arg)
		return TD_OK;
	size_t n = strlen(arg);
	bool plus = arg[n - 1] == '+';
	for (size_t i = 0; i < sizeof versions / sizeof versions[0]; i++)
		if (strlen(versions[i].name) == n - plus &&
		    !strncmp(arg, versions[i].name, n - plus)) {
			c->tls_min = versions[i].v;
			c->tls_exact = !plus;
			return TD_OK;
		}
	return td_errf(TD_E_USAGE, err, errlen,
		       "-S: \"%s\" is not a TLS version (1, 1.1, 1.2 or 1.3, optionally with +)",
		       arg);
}

static enum td_err http_text(const char *opt, const char *arg, size_t max, char **slot, char *err,
			     size_t errlen)
{
	if (!*arg || strlen(arg) > max)
		return td_errf(TD_E_USAGE, err, errlen, "%s: the text must be 1 to %zu bytes", opt,
			       max);
	http_set_str(slot, arg);
	return TD_OK;
}

static enum td_err http_option(void *cfg, int id, const char *arg, char *err, size_t errlen)
{
	struct http_config *c = cfg;
	char why[200];
	unsigned long long n;
	double v;
	enum td_unit_kind kind;

	switch (id) {
	case OPT_HOST: return http_parse_host(arg, &c->host, &c->vport, err, errlen);
	case OPT_ADDRESS:
		if (!http_host_ok(arg))
			return td_errf(TD_E_USAGE, err, errlen,
				       "-I: \"%s\" is not an address or name", arg);
		http_set_str(&c->address, arg);
		return TD_OK;
	case OPT_PORT: return http_parse_port("-p", arg, &c->port, err, errlen);
	case OPT_URL:
		free(c->path);
		free(c->url_arg);
		c->path = c->url_arg = NULL;
		if (strlen(arg) > HTTP_TEXT_MAX || strpbrk(arg, " \t\r\n"))
			return td_errf(TD_E_USAGE, err, errlen,
				       "-u: \"%.40s\" has spaces (write %%20) or is too long", arg);
		if (strstr(arg, "://"))
			c->url_arg = td_xstrdup(arg);
		else
			c->path = arg[0] == '/' ? td_xstrdup(arg) : td_xasprintf("/%s", arg);
		return TD_OK;
	case OPT_SSL: return http_parse_tls(arg, c, err, errlen);
	case OPT_SNI:
	case OPT_VERIFY:
	case OPT_COMPAT: return TD_OK;
	case OPT_IPV4: c->ip_version = 4; return TD_OK;
	case OPT_IPV6: c->ip_version = 6; return TD_OK;
	case OPT_EXPECT: return http_text("-e", arg, 1024, &c->expect, err, errlen);
	case OPT_STRING: return http_text("-s", arg, HTTP_TEXT_MAX, &c->string, err, errlen);
	case OPT_HEADER_STRING:
		return http_text("-d", arg, HTTP_TEXT_MAX, &c->header_string, err, errlen);
	case OPT_REGEX:
	case OPT_EREGI:
		c->regex_icase = id == OPT_EREGI;
		return http_text(id == OPT_EREGI ? "-R" : "-r", arg, HTTP_TEXT_MAX, &c->regex_text,
				 err, errlen);
	case OPT_LINESPAN: c->linespan = true; return TD_OK;
	case OPT_INVERT: c->invert_regex = true; return TD_OK;
	case OPT_STATE_REGEX:
		if (td_state_parse(arg, &c->regex_state) != TD_OK)
			return td_errf(TD_E_USAGE, err, errlen,
				       "--state-regex: \"%s\" is not a state (ok, warning, "
				       "critical or unknown)",
				       arg);
		return TD_OK;
	case OPT_HEADER:
		if (c->n_headers >= HTTP_HEADERS_MAX)
			return td_errf(TD_E_USAGE, err, errlen, "-k: more than %d headers",
				       HTTP_HEADERS_MAX);
		if (strlen(arg) > HTTP_TEXT_MAX || !td_http_header_ok(arg))
			return td_errf(TD_E_USAGE, err, errlen,
				       "-k: \"%.60s\" is not \"Name: value\"", arg);
		c->headers[c->n_headers++] = td_xstrdup(arg);
		return TD_OK;
	case OPT_AUTH:
		td_free_secret(&c->username);
		td_free_secret(&c->password);
		td_http_split_auth(arg, &c->username, &c->password);
		if (!*c->username)
			return td_errf(TD_E_USAGE, err, errlen, "-a: expected USER:PASSWORD");
		return TD_OK;
	case OPT_AUTH_FILE:
		td_free_secret(&c->username);
		td_free_secret(&c->password);
		if (td_http_auth_file(arg, &c->username, &c->password, why, sizeof why) != TD_OK)
			return td_errf(TD_E_USAGE, err, errlen, "--auth-file: %s", why);
		return TD_OK;
	case OPT_POST:
		if (strlen(arg) > HTTP_POST_MAX)
			return td_errf(TD_E_USAGE, err, errlen, "-P: more than %d bytes",
				       HTTP_POST_MAX);
		http_set_str(&c->post, arg);
		return TD_OK;
	case OPT_METHOD:
		for (const char *p = arg; *p; p++)
			if (!isupper((unsigned char)*p) && *p != '-' && *p != '_')
				return td_errf(TD_E_USAGE, err, errlen,
					       "-j: \"%s\" is not a method (upper-case letters)",
					       arg);
		return http_text("-j", arg, 32, &c->method, err, errlen);
	case OPT_CONTENT_TYPE:
		if (strpbrk(arg, "\r\n"))
			return td_errf(TD_E_USAGE, err, errlen, "-T: \"%s\" is not a media type",
				       arg);
		return http_text("-T", arg, 256, &c->content_type, err, errlen);
	case OPT_AGENT:
		if (strpbrk(arg, "\r\n"))
			return td_errf(TD_E_USAGE, err, errlen, "-A: the text has a line break");
		return http_text("-A", arg, 512, &c->user_agent, err, errlen);
	case OPT_ONREDIRECT: return http_parse_redirect(arg, c, err, errlen);
	case OPT_MAX_REDIRS:
		if (td_parse_uint(arg, 0, 1000, &n) != TD_OK)
			return td_errf(TD_E_USAGE, err, errlen,
				       "--max-redirs: \"%s\" is not a number from 0 to 1000", arg);
		c->max_redirs = (long)n;
		return TD_OK;
	case OPT_NO_BODY: c->no_body = true; return TD_OK;
	case OPT_PAGESIZE: return http_parse_pagesize(arg, &c->pagesize, err, errlen);
	case OPT_MAX_AGE:
		if (td_parse_seconds(arg, &c->max_age, why, sizeof why) != TD_OK)
			return td_errf(TD_E_USAGE, err, errlen, "-M: %s", why);
		return TD_OK;
	case OPT_CERT:
		c->check_cert = true;
		c->tls = true;
		return http_parse_cert_days(arg, &c->cert_warn, &c->cert_crit, err, errlen);
	case OPT_CONTINUE: c->cert_continue = true; return TD_OK;
	case OPT_EXTENDED: c->extended = true; return TD_OK;
	case OPT_WARN:
	case OPT_CRIT:
		if (td_range_parse(arg, TD_UNIT_TIME, id == OPT_WARN ? &c->warn : &c->crit, why,
				   sizeof why) != TD_OK)
			return td_errf(TD_E_USAGE, err, errlen, "%s: %s",
				       id == OPT_WARN ? "-w" : "-c", why);
		return TD_OK;
	case OPT_INSECURE: c->insecure = true; return TD_OK;
	case OPT_CA_FILE: return http_text("--ca-file", arg, 4096, &c->ca_file, err, errlen);
	case OPT_CLIENT_CERT: return http_text("-J", arg, 4096, &c->client_cert, err, errlen);
	case OPT_CLIENT_KEY: return http_text("-K", arg, 4096, &c->client_key, err, errlen);
	case OPT_MAX_BODY:
		if (td_parse_quantity(arg, NULL, TD_UNIT_BYTES, &v, &kind, NULL, 0) != TD_OK ||
		    v < 1 || v > HTTP_MAX_BODY_LIMIT)
			return td_errf(TD_E_USAGE, err, errlen,
				       "--max-body: \"%s\" is not a size from 1 B to 1 GiB", arg);
		c->max_body = (size_t)v;
		return TD_OK;
	case OPT_SHOW_BODY: c->show_body = true; return TD_OK;
	case OPT_DECOMPRESS: c->decompress = true; return TD_OK;
	}
	return td_errf(TD_E_USAGE, err, errlen, "unexpected argument \"%s\"", arg ? arg : "");
}

/* Builds the URL and where to connect from -H, -I, -p, -u and -S. */
static enum td_err http_build_target(struct http_config *c, char *err, size_t errlen)
{
	char *url_host = NULL;
	unsigned url_port = 0;
	if (c->url_arg) {
		if (c->host || c->port || c->tls_given)
			return td_errf(TD_E_USAGE, err, errlen,
				       "-u: a URL gives host, port and scheme: drop -H, -p, -S");
		bool tls = false;
		if (http_split_url(c->url_arg, &tls, &url_host, &url_port, err, errlen) != TD_OK)
			return TD_E_USAGE;
		if (c->check_cert && !tls) {
			free(url_host);
			return td_errf(TD_E_USAGE, err, errlen, "-C: the URL must be https://");
		}
		c->tls = tls;
		c->url = td_xstrdup(c->url_arg);
	} else {
		if (!c->host && !c->address) {
			return td_errf(TD_E_USAGE, err, errlen,
				       "give -H HOST, -I ADDRESS or -u URL: nothing to check");
		}
		url_host = td_xstrdup(c->host ? c->host : c->address);
		unsigned scheme_port = c->tls ? 443 : 80;
		url_port = c->vport ? c->vport : c->port ? c->port : scheme_port;
		char *bh = http_bracket(url_host);
		if (url_port == scheme_port)
			c->url = td_xasprintf("%s://%s%s", c->tls ? "https" : "http", bh,
					      c->path ? c->path : "/");
		else
			c->url = td_xasprintf("%s://%s:%u%s", c->tls ? "https" : "http", bh,
					      url_port, c->path ? c->path : "/");
		free(bh);
	}
	const char *conn_host = c->address ? c->address : url_host;
	unsigned conn_port = c->port ? c->port : url_port;
	char *bu = http_bracket(url_host), *bc = http_bracket(conn_host);
	/* CONNECT_TO with an empty host and port matches every request, redirects included */
	if (c->follow == HTTP_STICKY)
		c->connect_to = td_xasprintf("::%s:", bc);
	else if (c->follow == HTTP_STICKYPORT)
		c->connect_to = td_xasprintf("::%s:%u", bc, conn_port);
	else if (strcmp(conn_host, url_host) != 0 || conn_port != url_port)
		c->connect_to = td_xasprintf("%s:%u:%s:%u", bu, url_port, bc, conn_port);
	c->target = td_xasprintf("%s:%u", bc, conn_port);
	free(bu);
	free(bc);
	free(url_host);
	return TD_OK;
}

static enum td_err http_finish(void *cfg, const struct td_common *common, char *err, size_t errlen)
{
	struct http_config *c = cfg;
	c->timeout = common->timeout;
	if (c->no_body && (c->string || c->regex_text))
		return td_errf(TD_E_USAGE, err, errlen,
			       "-N skips the body that -s, -r and -R search");
	if (c->method && !strcmp(c->method, "HEAD") && (c->string || c->regex_text))
		return td_errf(TD_E_USAGE, err, errlen,
			       "-j HEAD has no body for -s, -r and -R to search");
	if (c->invert_regex && !c->regex_text)
		return td_errf(TD_E_USAGE, err, errlen, "--invert-regex needs -r or -R");
	if (c->client_key && !c->client_cert)
		return td_errf(TD_E_USAGE, err, errlen, "-K needs the certificate too (-J)");
	if (c->regex_text) {
		int flags = REG_EXTENDED | REG_NOSUB | (c->regex_icase ? REG_ICASE : 0) |
			    (c->linespan ? 0 : REG_NEWLINE);
		int rc = regcomp(&c->regex, c->regex_text, flags);
		if (rc != 0) {
			char why[160];
			regerror(rc, &c->regex, why, sizeof why);
			return td_errf(TD_E_USAGE, err, errlen,
				       "%s: \"%s\" is not a regular expression: %s",
				       c->regex_icase ? "-R" : "-r", c->regex_text, why);
		}
		c->has_regex = true;
	}
	if (c->post && c->content_type) {
		c->headers[c->n_headers++] = td_xasprintf("Content-Type: %s", c->content_type);
	}
	if (!c->user_agent)
		c->user_agent = td_xstrdup("check_http/" PACKAGE_VERSION " (tandem)");
	return http_build_target(c, err, errlen);
}

/* --- evaluate: pure functions from a response to text, metrics and a state --- */

/* Finds header name in a raw header block; copies its value (trimmed) into out. */
static bool http_header_value(const char *head, const char *name, char *out, size_t len)
{
	size_t nlen = strlen(name);
	for (const char *line = head; *line;) {
		size_t llen = strcspn(line, "\r\n");
		if (llen > nlen && line[nlen] == ':' && strncasecmp(line, name, nlen) == 0) {
			const char *v = line + nlen + 1, *e = line + llen;
			while (v < e && (*v == ' ' || *v == '\t'))
				v++;
			while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
				e--;
			snprintf(out, len, "%.*s", (int)(e - v), v);
			return true;
		}
		line += llen;
		line += strspn(line, "\r\n");
	}
	return false;
}

static const char *http_reason(long code)
{
	switch (code) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 206: return "Partial Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 307: return "Temporary Redirect";
	case 308: return "Permanent Redirect";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "";
	}
}

/* "HTTP/1.1 404 Not Found" -> "404 Not Found"; HTTP/2 has no reason: a known one is added. */
static void http_status_text(const char *status_line, long code, char *out, size_t len)
{
	const char *reason = "";
	size_t rlen = 0;
	if (status_line) {
		const char *p = strchr(status_line, ' ');
		if (p) {
			p += strspn(p, " ");
			p += strspn(p, "0123456789");
			p += strspn(p, " ");
			reason = p;
			rlen = strlen(p);
			while (rlen && reason[rlen - 1] == ' ')
				rlen--;
		}
	}
	if (!rlen) {
		reason = http_reason(code);
		rlen = strlen(reason);
	}
	snprintf(out, len, "%ld%s%.*s", code, rlen ? " " : "", (int)(rlen > 80 ? 80 : rlen),
		 reason);
}

/* -e: a 3-digit item matches the code; any other item is looked for in the status line. */
static bool http_expect_match(const char *list, long code, const char *status_line)
{
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, ",");
		const char *s = p;
		size_t sn = n;
		while (sn && *s == ' ') {
			s++;
			sn--;
		}
		while (sn && s[sn - 1] == ' ')
			sn--;
		if (sn == 3 && isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[1]) &&
		    isdigit((unsigned char)s[2])) {
			if ((s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0') == code)
				return true;
		} else if (sn && status_line) {
			for (const char *q = status_line; strlen(q) >= sn; q++)
				if (strncmp(q, s, sn) == 0)
					return true;
		}
		p += n;
		if (*p)
			p++;
	}
	return false;
}

/* Quotes text for a status line: at most HTTP_QUOTE_MAX bytes, then "...". */
static void http_quote(struct td_buf *out, const char *text)
{
	size_t n = strlen(text);
	td_buf_printf(out, "\"%.*s%s\"", (int)(n > HTTP_QUOTE_MAX ? HTTP_QUOTE_MAX : n), text,
		      n > HTTP_QUOTE_MAX ? "..." : "");
}

/* One problem: raises the state and adds "; text" to the problems line. */
static void http_problem(struct td_result *res, struct td_buf *problems, enum td_state st,
			 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void http_problem(struct td_result *res, struct td_buf *problems, enum td_state st,
			 const char *fmt, ...)
{
	char text[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	if (problems->len)
		td_buf_puts(problems, "; ");
	td_buf_puts(problems, text);
	td_result_raise(res, st);
}

static void http_fmt_utc(time_t t, char *buf, size_t len)
{
	struct tm tm;
	if (gmtime_r(&t, &tm) && strftime(buf, len, "%Y-%m-%d %H:%M UTC", &tm))
		return;
	snprintf(buf, len, "?");
}

/* The certificate's days left as a metric, and a sentence for the summary. */
static void http_eval_cert(const struct http_config *c, const struct td_http_response *r,
			   time_t now, struct td_result *res, struct td_buf *problems,
			   struct td_buf *facts)
{
	char when[64], num[TD_NUMBER_MAX];
	if (!r->has_cert) {
		http_problem(res, problems, TD_STATE_UNKNOWN, "no certificate information from %s",
			     c->target);
		return;
	}
	double days = difftime(r->cert_not_after, now) / 86400.0;
	struct td_metric *m = td_result_metric(res, "cert_days", floor(days * 100) / 100, NULL);
	m->warn = (struct td_range){ .set = true, .start = c->cert_warn, .end = INFINITY };
	m->crit = (struct td_range){ .set = true, .start = c->cert_crit, .end = INFINITY };
	enum td_state st = td_metric_state(m);
	http_fmt_utc(r->cert_not_after, when, sizeof when);
	if (r->cert_not_before > now) {
		char from[64];
		http_fmt_utc(r->cert_not_before, from, sizeof from);
		http_problem(res, problems, TD_STATE_CRITICAL, "certificate not valid before %s",
			     from);
	} else if (days < 0) {
		http_problem(res, problems, TD_STATE_CRITICAL,
			     "certificate expired %s days ago (%s)",
			     td_fmt_number(floor(-days * 10) / 10, num, sizeof num), when);
	} else if (st != TD_STATE_OK) {
		http_problem(res, problems, st, "certificate expires in %s days (%s)",
			     td_fmt_number(floor(days * 10) / 10, num, sizeof num), when);
	} else {
		td_buf_printf(facts, "%scertificate valid for %s days (%s)", facts->len ? ", " : "",
			      td_fmt_number(floor(days), num, sizeof num), when);
	}
}

/* -M: the document's age from Date and Last-Modified, judged as the peer judges it. */
static void http_eval_age(const struct http_config *c, const struct td_http_response *r,
			  struct td_result *res, struct td_buf *problems)
{
	char date[128], modified[128];
	time_t srv, doc;
	const char *head = td_buf_str(&r->head);
	if (!http_header_value(head, "Date", date, sizeof date) || !*date) {
		http_problem(res, problems, TD_STATE_UNKNOWN,
			     "server date unknown (no Date header)");
		return;
	}
	if (!http_header_value(head, "Last-Modified", modified, sizeof modified) || !*modified) {
		http_problem(res, problems, TD_STATE_CRITICAL,
			     "document modification date unknown");
		return;
	}
	if (!td_http_parse_date(date, &srv)) {
		http_problem(res, problems, TD_STATE_CRITICAL, "server date \"%.60s\" unparsable",
			     date);
		return;
	}
	if (!td_http_parse_date(modified, &doc)) {
		http_problem(res, problems, TD_STATE_CRITICAL, "document date \"%.60s\" unparsable",
			     modified);
		return;
	}
	double age = difftime(srv, doc);
	if (age < -HTTP_FUTURE_SLACK) {
		http_problem(res, problems, TD_STATE_CRITICAL, "document is %.0f s in the future",
			     -age);
	} else if (age > c->max_age) {
		if (age > 2 * 86400)
			http_problem(res, problems, TD_STATE_CRITICAL,
				     "last modified %.1f days ago", age / 86400);
		else
			http_problem(res, problems, TD_STATE_CRITICAL,
				     "last modified %ld:%02ld:%02ld ago", (long)age / 3600,
				     (long)age / 60 % 60, (long)age % 60);
	}
}

/* The status code against -e, or against the classes and the -f policy. */
static void http_eval_status(const struct http_config *c, const struct td_http_response *r,
			     struct td_result *res, struct td_buf *problems)
{
	long code = r->status;
	if (c->expect) {
		if (!http_expect_match(c->expect, code, r->status_line))
			http_problem(res, problems, TD_STATE_CRITICAL, "expected %s", c->expect);
		return;
	}
	/* the summary shows the status anyway: only the state is raised */
	if (code < 100 || code >= 600)
		http_problem(res, problems, TD_STATE_CRITICAL, "invalid status");
	else if (code >= 500)
		td_result_raise(res, TD_STATE_CRITICAL);
	else if (code >= 400)
		td_result_raise(res, TD_STATE_WARNING);
	else if (code >= 300 && c->follow == HTTP_NOFOLLOW && c->redirect_state != TD_STATE_OK)
		http_problem(res, problems, c->redirect_state, "redirect to %.200s",
			     r->location ? r->location : "(no Location)");
}

static void http_eval_content(const struct http_config *c, const struct td_http_response *r,
			      struct td_result *res, struct td_buf *problems)
{
	char cap[32];
	td_fmt_bytes((double)c->max_body, cap, sizeof cap);
	/* a search that fails in a cut body cannot tell: UNKNOWN, not CRITICAL */
	enum td_state cut = r->body_truncated ? TD_STATE_UNKNOWN : TD_STATE_CRITICAL;
	if (c->header_string && !memmem(td_buf_str(&r->head), r->head.len, c->header_string,
					strlen(c->header_string))) {
		struct td_buf q;
		td_buf_init(&q, 128);
		http_quote(&q, c->header_string);
		http_problem(res, problems, TD_STATE_CRITICAL, "header %s not found",
			     td_buf_str(&q));
		td_buf_cleanup(&q);
	}
	if (c->string &&
	    !memmem(td_buf_str(&r->body), r->body.len, c->string, strlen(c->string))) {
		struct td_buf q;
		td_buf_init(&q, 128);
		http_quote(&q, c->string);
		http_problem(res, problems, cut, "string %s not found%s%s", td_buf_str(&q),
			     r->body_truncated ? " in the first " : "",
			     r->body_truncated ? cap : "");
		td_buf_cleanup(&q);
	}
	if (c->has_regex) {
		regmatch_t m = { .rm_so = 0, .rm_eo = (regoff_t)r->body.len };
		bool found = regexec(&c->regex, td_buf_str(&r->body), 1, &m, REG_STARTEND) == 0;
		if (found == c->invert_regex) {
			enum td_state st =
			    r->body_truncated && !found ? TD_STATE_UNKNOWN : c->regex_state;
			http_problem(res, problems, st, "pattern %s%s%s",
				     found ? "found" : "not found",
				     r->body_truncated && !found ? " in the first " : "",
				     r->body_truncated && !found ? cap : "");
		}
	}
	if (r->body_truncated)
		http_problem(res, problems, TD_STATE_UNKNOWN,
			     "body larger than --max-body %s: read only that much", cap);
}

static void http_add_time(struct td_result *res, const char *label, double v, double timeout)
{
	struct td_metric *m = td_result_metric(res, label, v < 0 ? 0 : v, "s");
	m->has_min = m->has_max = true;
	m->min = 0;
	m->max = timeout;
}

static void http_eval_metrics(const struct http_config *c, const struct td_http_response *r,
			      struct td_result *res)
{
	struct td_metric *m = td_result_metric(res, "time", r->t_total, "s");
	m->warn = c->warn;
	m->crit = c->crit;
	m->has_min = m->has_max = true;
	m->min = 0;
	m->max = c->timeout;
	if (!(c->check_cert && !c->cert_continue)) {
		m = td_result_metric(res, "size", (double)(r->head_bytes + r->body_bytes), "B");
		m->warn = c->pagesize;
		m->has_min = true;
		m->min = 0;
	}
	if (!c->extended)
		return;
	double tcp = r->t_connect, tls = r->tls && r->t_tls > 0 ? r->t_tls : tcp;
	http_add_time(res, "time_connect", tcp, c->timeout);
	if (r->tls)
		http_add_time(res, "time_ssl", tls - tcp, c->timeout);
	if (c->check_cert && !c->cert_continue)
		return;
	http_add_time(res, "time_headers", r->t_sent - tls, c->timeout);
	http_add_time(res, "time_firstbyte", r->t_first - r->t_sent, c->timeout);
	http_add_time(res, "time_transfer", r->t_total - r->t_first, c->timeout);
}

/* Printable start of the body for -B. */
static void http_show_body(const struct td_http_response *r, struct td_result *res)
{
	struct td_buf b;
	td_buf_init(&b, HTTP_SHOW_BODY_MAX + 8);
	size_t n = r->body.len < HTTP_SHOW_BODY_MAX ? r->body.len : HTTP_SHOW_BODY_MAX;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)r->body.data[i];
		td_buf_putc(&b,
			    ch == '\n' || ch == '\t' || (ch >= 32 && ch != 127) ? (char)ch : '.');
	}
	if (n < r->body.len || r->body_truncated)
		td_buf_puts(&b, "...");
	td_result_line(res, "%s", td_buf_str(&b));
	td_buf_cleanup(&b);
}

static void http_verbose(const struct http_config *c, const struct td_http_response *r,
			 int verbose, struct td_result *res)
{
	td_result_line(res, "%s -> %s port %ld%s", r->url ? r->url : c->url,
		       r->primary_ip[0] ? r->primary_ip : "?", r->primary_port,
		       r->http_major == 2 ? ", HTTP/2" : "");
	if (r->redirects)
		td_result_line(res, "%ld redirect%s followed", r->redirects,
			       r->redirects > 1 ? "s" : "");
	if (r->has_cert)
		td_result_line(res, "certificate subject %s, issuer %s",
			       r->cert_subject ? r->cert_subject : "?",
			       r->cert_issuer ? r->cert_issuer : "?");
	if (verbose >= 2 && r->head.len) {
		const char *p = td_buf_str(&r->head);
		while (*p) {
			size_t n = strcspn(p, "\r\n");
			if (n)
				td_result_line(res, "< %.*s", (int)(n > 200 ? 200 : n), p);
			p += n;
			p += strspn(p, "\r\n");
		}
	}
	if (verbose >= 3 && r->trace.len)
		td_result_line(res, "%s", td_buf_str(&r->trace));
}

/* Everything a response means under config c; now is the wall clock (certificates). */
static void http_evaluate(const struct http_config *c, const struct td_http_response *r,
			  time_t now, int verbose, struct td_result *res)
{
	struct td_buf problems, facts;
	char status[128], size[32], secs[TD_NUMBER_MAX];
	td_buf_init(&problems, 900);
	td_buf_init(&facts, 300);
	snprintf(secs, sizeof secs, "%.3f", r->t_total);

	if (c->check_cert)
		http_eval_cert(c, r, now, res, &problems, &facts);
	if (c->check_cert && !c->cert_continue) {
		http_eval_metrics(c, r, res);
		td_result_summary(res, "%s%s%s%sTLS handshake with %s in %s s",
				  td_buf_str(&problems), problems.len ? "; " : "",
				  td_buf_str(&facts), facts.len ? ", " : "", c->target, secs);
		goto out;
	}
	http_status_text(r->status_line, r->status, status, sizeof status);
	http_eval_status(c, r, res, &problems);
	if (c->max_age > 0)
		http_eval_age(c, r, res, &problems);
	http_eval_content(c, r, res, &problems);
	http_eval_metrics(c, r, res);
	size_t total = r->head_bytes + r->body_bytes;
	if (td_range_alert(&c->pagesize, (double)total)) {
		char range[TD_RANGE_MAX];
		http_problem(res, &problems, TD_STATE_WARNING, "page size %zu B outside %s", total,
			     td_range_format(&c->pagesize, range, sizeof range));
	}
	snprintf(size, sizeof size, "%zu", total);
	if (r->redirects)
		td_buf_printf(&facts, "%s%ld redirect%s", facts.len ? ", " : "", r->redirects,
			      r->redirects > 1 ? "s" : "");
	td_result_summary(res, "%s%s%s, %s bytes in %s s%s%s", td_buf_str(&problems),
			  problems.len ? "; " : "", status, size, secs, facts.len ? ", " : "",
			  td_buf_str(&facts));
	if (c->show_body)
		http_show_body(r, res);
out:
	if (verbose)
		http_verbose(c, r, verbose, res);
	td_buf_cleanup(&problems);
	td_buf_cleanup(&facts);
}

/* --- fetch --- */

static void http_request(const struct http_config *c, int verbose, struct td_http_request *req)
{
	memset(req, 0, sizeof *req);
	req->url = c->url;
	req->connect_to = c->connect_to;
	req->method = c->method;
	req->post_data = c->post;
	req->post_len = c->post ? strlen(c->post) : 0;
	req->headers = (const char *const *)c->headers;
	req->n_headers = c->n_headers;
	req->user_agent = c->user_agent;
	req->username = c->username;
	req->password = c->password;
	req->ca_file = c->ca_file;
	req->client_cert = c->client_cert;
	req->client_key = c->client_key;
	req->insecure = c->insecure;
	req->tls_min = c->tls_min;
	req->tls_exact = c->tls_exact;
	req->ip_version = c->ip_version;
	req->follow = c->follow != HTTP_NOFOLLOW;
	req->max_redirs = c->max_redirs;
	req->no_body = c->no_body;
	req->connect_only = c->check_cert && !c->cert_continue;
	req->want_cert = c->check_cert || verbose > 0;
	req->decompress = c->decompress;
	req->trace = verbose >= 3;
	req->max_body = c->max_body;
}

static enum td_err http_run(const void *cfg, const struct td_run_ctx *ctx, struct td_result *res)
{
	const struct http_config *c = cfg;
	struct td_http_request req;
	struct td_http_response r;
	char why[512];
	char secs[TD_NUMBER_MAX];

	http_request(c, ctx->verbose, &req);
	td_http_response_init(&r);
	enum td_err rc = td_http_fetch(&req, &ctx->deadline, &r, why, sizeof why);
	switch (rc) {
	case TD_OK: http_evaluate(c, &r, time(NULL), ctx->verbose, res); break;
	case TD_E_TIMEOUT:
		td_result_summary(res, "no answer from %s within %s s (%s)", c->target,
				  td_fmt_number(c->timeout, secs, sizeof secs), why);
		break;
	case TD_E_CONNECT:
		td_result_raise(res, TD_STATE_CRITICAL);
		td_result_summary(res, "%s: %s", c->url, why);
		rc = TD_OK;
		break;
	case TD_E_PROTO:
		td_result_raise(res, r.redirect_limit ? TD_STATE_WARNING : TD_STATE_CRITICAL);
		if (r.redirect_limit)
			td_result_summary(res,
					  "more than %ld redirects (--max-redirs), the last to %s",
					  c->max_redirs, r.url ? r.url : "?");
		else if (r.redirect_loop)
			td_result_summary(res, "%s", why);
		else
			td_result_summary(res, "invalid answer from %s: %s", c->target, why);
		rc = TD_OK;
		break;
	default: td_result_summary(res, "%s", why); break;
	}
	if (rc != TD_OK && ctx->verbose >= 3 && r.trace.len)
		td_result_line(res, "%s", td_buf_str(&r.trace));
	td_http_response_cleanup(&r);
	return rc;
}

const struct td_probe td_probe_http = {
	.name = "http",
	.label = "HTTP",
	.purpose = "check an HTTP(S) server: status, content, response time, certificate",
	.help_tail =
		"States: 2xx OK, 3xx as -f says (default OK), 4xx WARNING, 5xx CRITICAL, no\n"
		"connection or a failed TLS handshake CRITICAL, -s/-r/-d mismatches CRITICAL,\n"
		"-m WARNING, a timeout CRITICAL (or the -t state). The certificate and its\n"
		"name are verified unless --insecure.\n"
		"Perfdata: time (s) and size (B, headers and body); with -E time_connect,\n"
		"time_ssl, time_headers, time_firstbyte, time_transfer; with -C cert_days.\n"
		"\nExamples:\n"
		"  check_http -H www.example.org -w 500ms -c 2             response time\n"
		"  check_http -H shop.example -I 10.0.0.5 -S -u /cart -s Checkout\n"
		"  check_http -u https://api.example/health -e 200,204 -E\n"
		"  check_http -H www.example.org -C 30,7                    certificate only\n",
	.options = http_options,
	.config_new = http_config_new,
	.config_free = http_config_free,
	.option = http_option,
	.finish = http_finish,
	.run = http_run,
};

/*
 * graph_cgi.c - tandem-graph run by a web server (see cgi.h): strict query
 * parsing, HTML pages, images with caching headers.
 *
 * Caching: an image's ETag hashes the query, the newest update of its RRD
 * files, meta.json's and the events log's change times, and, while the
 * range reaches the present, the current max-age period; max-age is the
 * time one pixel stands for, at least the RRD step, at most an hour. A
 * browser that asks again with If-None-Match gets 304 until one of those
 * changes. Pages are small and always fresh (no-cache).
 */
#include "config.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tandem/cgi.h"
#include "tandem/tools.h"
#include "tandem/unit.h"

/* The four graphs of a service page. */
static const struct {
	const char *name, *start;
} td_cgi_periods[] = {
	{ "Day", "-1d" },
	{ "Week", "-1w" },
	{ "Month", "-31d" },
	{ "Year", "-1y" },
};

#define TD_CGI_PAGE_WIDTH  440
#define TD_CGI_PAGE_HEIGHT 140
#define TD_CGI_ZOOM_WIDTH  1200
#define TD_CGI_ZOOM_HEIGHT 320
/* Images ask for no more than this into the future. */
#define TD_CGI_FUTURE_MAX (7LL * 86400)

/* ---- query ---- */

enum td_cgi_key {
	K_HOST,
	K_SERVICE,
	K_METRIC,
	K_START,
	K_END,
	K_WIDTH,
	K_HEIGHT,
	K_FORMAT,
	K_TAG,
	K_N
};
static const char *const td_cgi_keys[K_N] = {
	"host", "service", "metric", "start", "end", "width", "height", "format", "tag",
};

static int td_cgi_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes s[0..n) ('+' is a space); false on a bad escape, a control byte, NUL, or too long. */
static bool td_cgi_decode(const char *s, size_t n, struct td_buf *out)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '%') {
			int hi = i + 2 < n ? td_cgi_hex(s[i + 1]) : -1;
			int lo = hi < 0 ? -1 : td_cgi_hex(s[i + 2]);
			if (lo < 0)
				return false;
			c = (unsigned char)(hi * 16 + lo);
			i += 2;
		} else if (c == '+') {
			c = ' ';
		}
		if (c < 0x20 || c == 0x7F)
			return false;
		if (out->len >= TD_CGI_VALUE_MAX)
			return false;
		td_buf_putc(out, (char)c);
	}
	return true;
}

/* A key is printed back only when it is plainly a word. */
static bool td_cgi_printable_key(const char *k, size_t n)
{
	if (n == 0 || n > 32)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= 'A' && k[i] <= 'Z') ||
		      (k[i] >= '0' && k[i] <= '9') || k[i] == '_' || k[i] == '-'))
			return false;
	return true;
}

static bool td_cgi_dots(const char *s)
{
	return !strcmp(s, ".") || !strcmp(s, "..");
}

static enum td_err td_cgi_tags(const char *v, char *err, size_t errlen)
{
	size_t n = 0;
	for (const char *p = v;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		char tag[TD_EVENT_TAG_MAX + 2];
		if (len == 0 || len > TD_EVENT_TAG_MAX)
			return td_errf(TD_E_USAGE, err, errlen,
				       "tag: expected tags separated by commas");
		memcpy(tag, p, len);
		tag[len] = '\0';
		if (!td_event_tag_valid(tag) || ++n > TD_CGI_TAGS_MAX)
			return td_errf(TD_E_USAGE, err, errlen,
				       "tag: at most %d tags of letters, digits, '_', '.' or '-'",
				       TD_CGI_TAGS_MAX);
		if (!comma)
			return TD_OK;
		p = comma + 1;
	}
}

static enum td_err td_cgi_size(const char *v, const char *name, unsigned *out, char *err,
			       size_t errlen)
{
	unsigned long long n;
	if (td_parse_uint(v, TD_GRAPH_SIZE_MIN, TD_GRAPH_SIZE_MAX, &n) != TD_OK)
		return td_errf(TD_E_USAGE, err, errlen, "%s: expected a number from %d to %d", name,
			       TD_GRAPH_SIZE_MIN, TD_GRAPH_SIZE_MAX);
	*out = (unsigned)n;
	return TD_OK;
}

static enum td_err td_cgi_times(struct td_cgi_query *q, time_t now, char *err, size_t errlen)
{
	time_t s, e;
	char why[200];
	if (td_time_parse(q->start_text ? q->start_text : "-1d", now, &s, why, sizeof why) != TD_OK)
		return td_errf(TD_E_USAGE, err, errlen, "start: %s", why);
	if (td_time_parse(q->end_text ? q->end_text : "now", now, &e, why, sizeof why) != TD_OK)
		return td_errf(TD_E_USAGE, err, errlen, "end: %s", why);
	if (e - s < TD_GRAPH_SPAN_MIN || e - s > TD_GRAPH_SPAN_MAX)
		return td_errf(TD_E_USAGE, err, errlen,
			       "end must come 1 minute to 10 years after start");
	if ((long long)s < (long long)now - TD_GRAPH_SPAN_MAX ||
	    (long long)e > (long long)now + TD_CGI_FUTURE_MAX)
		return td_errf(TD_E_USAGE, err, errlen,
			       "the range must lie within the last 10 years and the next 7 days");
	q->start = s;
	q->end = e;
	return TD_OK;
}

enum td_err td_cgi_query_parse(const char *qs, time_t now, struct td_cgi_query *q, char *err,
			       size_t errlen)
{
	bool seen[K_N] = { false };
	char *val[K_N] = { NULL };
	enum td_err rc = TD_OK;
	memset(q, 0, sizeof *q);
	q->view = TD_CGI_INDEX;
	if (!qs || !*qs)
		return TD_OK;
	size_t total = strlen(qs);
	if (total > TD_CGI_QUERY_MAX)
		return td_errf(TD_E_USAGE, err, errlen, "the query is longer than %d bytes",
			       TD_CGI_QUERY_MAX);
	for (const char *p = qs;;) {
		const char *amp = strchr(p, '&');
		size_t len = amp ? (size_t)(amp - p) : strlen(p);
		const char *eq = memchr(p, '=', len);
		size_t klen = eq ? (size_t)(eq - p) : len;
		int k = -1;
		for (int i = 0; i < K_N; i++)
			if (strlen(td_cgi_keys[i]) == klen && !strncmp(p, td_cgi_keys[i], klen))
				k = i;
		if (len == 0) {
			rc = td_errf(TD_E_USAGE, err, errlen, "empty parameter in the query");
			goto out;
		}
		if (k < 0) {
			if (td_cgi_printable_key(p, klen))
				rc = td_errf(TD_E_USAGE, err, errlen, "unknown parameter \"%.*s\"",
					     (int)klen, p);
			else
				rc = td_errf(TD_E_USAGE, err, errlen, "unknown parameter");
			goto out;
		}
		struct td_buf v;
		td_buf_init(&v, TD_CGI_VALUE_MAX + 1);
		if (!eq || !td_cgi_decode(eq + 1, len - klen - 1, &v) || v.len == 0) {
			td_buf_cleanup(&v);
			rc = td_errf(
			    TD_E_USAGE, err, errlen,
			    "%s: expected a value of 1 to %d bytes without control characters",
			    td_cgi_keys[k], TD_CGI_VALUE_MAX);
			goto out;
		}
		if (k == K_METRIC) {
			if (q->n_metrics == TD_GRAPH_METRICS_MAX) {
				td_buf_cleanup(&v);
				rc = td_errf(TD_E_USAGE, err, errlen,
					     "metric: at most %d in one graph",
					     TD_GRAPH_METRICS_MAX);
				goto out;
			}
			q->metrics[q->n_metrics++] = td_buf_steal(&v);
		} else if (seen[k]) {
			td_buf_cleanup(&v);
			rc = td_errf(TD_E_USAGE, err, errlen, "%s: given twice", td_cgi_keys[k]);
			goto out;
		} else {
			val[k] = td_buf_steal(&v);
		}
		seen[k] = true;
		if (!amp)
			break;
		p = amp + 1;
	}

	q->host = val[K_HOST];
	q->service = val[K_SERVICE];
	q->start_text = val[K_START];
	q->end_text = val[K_END];
	q->tags = val[K_TAG];
	val[K_HOST] = val[K_SERVICE] = val[K_START] = val[K_END] = val[K_TAG] = NULL;
	if (!q->host != !q->service) {
		rc = td_errf(TD_E_USAGE, err, errlen, "host and service go together");
		goto out;
	}
	if (q->host && (strchr(q->host, '/') || td_cgi_dots(q->host) || td_cgi_dots(q->service))) {
		rc = td_errf(TD_E_USAGE, err, errlen, "not a host or service name");
		goto out;
	}
	for (size_t i = 0; i < q->n_metrics; i++)
		if (td_cgi_dots(q->metrics[i])) {
			rc = td_errf(TD_E_USAGE, err, errlen, "not a metric name");
			goto out;
		}
	if (q->tags && (rc = td_cgi_tags(q->tags, err, errlen)) != TD_OK)
		goto out;
	q->view = seen[K_FORMAT] ? TD_CGI_IMAGE : q->host ? TD_CGI_PAGE : TD_CGI_INDEX;
	if (q->view != TD_CGI_IMAGE) {
		static const int image_only[] = { K_METRIC, K_START, K_END, K_WIDTH, K_HEIGHT };
		for (size_t i = 0; i < sizeof image_only / sizeof *image_only; i++)
			if (seen[image_only[i]]) {
				rc = td_errf(TD_E_USAGE, err, errlen,
					     "%s: only for images (with format=)",
					     td_cgi_keys[image_only[i]]);
				goto out;
			}
		goto out;
	}
	if (!q->host) {
		rc = td_errf(TD_E_USAGE, err, errlen, "an image needs host and service");
		goto out;
	}
	if (!strcmp(val[K_FORMAT], "png")) {
		q->format = TD_GRAPH_PNG;
	} else if (!strcmp(val[K_FORMAT], "svg")) {
		q->format = TD_GRAPH_SVG;
	} else {
		rc = td_errf(TD_E_USAGE, err, errlen, "format: expected png or svg");
		goto out;
	}
	q->width = TD_CGI_PAGE_WIDTH;
	q->height = TD_CGI_PAGE_HEIGHT;
	if ((val[K_WIDTH] && (rc = td_cgi_size(val[K_WIDTH], "width", &q->width, err, errlen))) ||
	    (val[K_HEIGHT] && (rc = td_cgi_size(val[K_HEIGHT], "height", &q->height, err, errlen))))
		goto out;
	rc = td_cgi_times(q, now, err, errlen);
out:
	for (int i = 0; i < K_N; i++)
		free(val[i]);
	if (rc != TD_OK)
		td_cgi_query_cleanup(q);
	return rc;
}

void td_cgi_query_cleanup(struct td_cgi_query *q)
{
	free(q->host);
	free(q->service);
	for (size_t i = 0; i < q->n_metrics; i++)
		free(q->metrics[i]);
	free(q->start_text);
	free(q->end_text);
	free(q->tags);
	memset(q, 0, sizeof *q);
}

/* ---- text ---- */

void td_cgi_url_encode(struct td_buf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' || *p == '~') {
			td_buf_putc(out, (char)*p);
		} else {
			char e[3] = { '%', hex[*p >> 4], hex[*p & 15] };
			td_buf_append(out, e, 3);
		}
	}
}

void td_cgi_html_escape(struct td_buf *out, const char *s)
{
	struct td_buf clean;
	td_buf_init(&clean, 0);
	td_event_display(&clean, s, 64 * 1024);
	for (const char *p = td_buf_str(&clean); *p; p++) {
		switch (*p) {
		case '&': td_buf_puts(out, "&amp;"); break;
		case '<': td_buf_puts(out, "&lt;"); break;
		case '>': td_buf_puts(out, "&gt;"); break;
		case '"': td_buf_puts(out, "&quot;"); break;
		case '\'': td_buf_puts(out, "&#39;"); break;
		default: td_buf_putc(out, *p);
		}
	}
	td_buf_cleanup(&clean);
}

/* An href of this CGI, HTML-escaped: "?host=..&amp;service=..". */
static void td_cgi_href(struct td_buf *out, const char *host, const char *service)
{
	struct td_buf u;
	td_buf_init(&u, 0);
	td_buf_putc(&u, '?');
	if (host) {
		td_buf_puts(&u, "host=");
		td_cgi_url_encode(&u, host);
		td_buf_puts(&u, "&service=");
		td_cgi_url_encode(&u, service);
	}
	td_cgi_html_escape(out, td_buf_str(&u));
	td_buf_cleanup(&u);
}

static void td_cgi_age(struct td_buf *out, long long then, time_t now)
{
	long long d = (long long)now - then;
	if (then <= 0)
		td_buf_puts(out, "never");
	else if (d < 0)
		td_buf_puts(out, "just now");
	else if (d < 120)
		td_buf_printf(out, "%lld s ago", d);
	else if (d < 7200)
		td_buf_printf(out, "%lld min ago", d / 60);
	else if (d < 2 * 86400)
		td_buf_printf(out, "%lld h ago", d / 3600);
	else
		td_buf_printf(out, "%lld d ago", d / 86400);
}

static const char td_cgi_css[] =
    "*{box-sizing:border-box}"
    "body{margin:0;font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',"
    "sans-serif;color:#1f2328;background:#f4f5f7}"
    "header{background:#1f2a44;color:#fff;padding:14px 28px}"
    "header a{color:#fff;text-decoration:none}"
    "header h1{margin:0;font-size:20px;font-weight:600;letter-spacing:.02em}"
    "header p{margin:2px 0 0;color:#b8c2d9;font-size:13px}"
    "main{max-width:1180px;margin:0 auto;padding:20px 28px 40px}"
    "nav{font-size:13px;margin-bottom:8px}nav a{color:#2156a5}"
    "h2{font-size:16px;margin:26px 0 10px;color:#32405e}"
    "section.card{background:#fff;border:1px solid #e1e4ea;border-radius:8px;padding:4px 18px 16px;"
    "margin-bottom:18px}"
    "table{border-collapse:collapse;width:100%}"
    "td,th{padding:6px 10px;border-bottom:1px solid #eef0f3;text-align:left;vertical-align:top}"
    "th{font-size:12px;color:#66708a;font-weight:600;text-transform:uppercase}"
    "tr:last-child td{border-bottom:0}"
    "td a{color:#2156a5;text-decoration:none;font-weight:500}td a:hover{text-decoration:underline}"
    ".out{color:#4b5568;font-size:13px;word-break:break-word}"
    ".age{color:#8a93a6;font-size:12px;white-space:nowrap}"
    ".state{display:inline-block;min-width:74px;text-align:center;border-radius:4px;"
    "padding:1px 6px;font-size:12px;font-weight:700;color:#fff;background:#8a93a6}"
    ".s0{background:#2e9e5b}.s1{background:#d99a00}.s2{background:#d13b3b}.s3{background:#7b61c4}"
    ".graphs{display:grid;grid-template-columns:repeat(auto-fill,minmax(500px,1fr));gap:14px}"
    "figure{margin:0;background:#fff;border:1px solid #e1e4ea;border-radius:8px;padding:8px}"
    "figure img{display:block;max-width:100%;height:auto}"
    "figcaption{font-size:12px;color:#66708a;padding:4px 2px 0}"
    ".uom{color:#8a93a6;font-weight:400}"
    ".empty{color:#66708a}"
    "footer{text-align:center;color:#8a93a6;font-size:12px;padding:10px}";

static void td_cgi_page_start(struct td_buf *b, const char *title, const char *sub)
{
	td_buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
		       "<title>");
	td_cgi_html_escape(b, title);
	td_buf_printf(b,
		      "</title><style>%s</style></head>\n<body><header><h1><a href=\"?\">tandem</a>"
		      "</h1><p>",
		      td_cgi_css);
	td_cgi_html_escape(b, sub);
	td_buf_puts(b, "</p></header>\n<main>\n");
}

static void td_cgi_page_end(struct td_buf *b)
{
	td_buf_printf(b, "</main><footer>%s %s</footer></body></html>\n", PACKAGE_NAME,
		      PACKAGE_VERSION);
}

/* What the last run said, from meta.json's "last". */
struct td_cgi_last {
	long long time;
	int state; /* -1: unknown */
	char *state_name, *output;
};

/* A copy of at most max bytes of s. */
static char *td_cgi_strcap(const char *s, size_t max)
{
	return td_xstrndup(s, strnlen(s, max));
}

static void td_cgi_last_read(const char *dir, struct td_cgi_last *l)
{
	memset(l, 0, sizeof *l);
	l->state = -1;
	char *path = td_xasprintf("%s/meta.json", dir);
	json_object *root = json_object_from_file(path), *last, *v;
	free(path);
	if (!root)
		return;
	if (json_object_object_get_ex(root, "last", &last) &&
	    json_object_is_type(last, json_type_object)) {
		if (json_object_object_get_ex(last, "time", &v) &&
		    json_object_is_type(v, json_type_int))
			l->time = json_object_get_int64(v);
		if (json_object_object_get_ex(last, "state", &v) &&
		    json_object_is_type(v, json_type_int))
			l->state = json_object_get_int(v);
		if (json_object_object_get_ex(last, "state_name", &v) &&
		    json_object_is_type(v, json_type_string))
			l->state_name = td_cgi_strcap(json_object_get_string(v), 16);
		if (json_object_object_get_ex(last, "output", &v) &&
		    json_object_is_type(v, json_type_string))
			l->output = td_cgi_strcap(json_object_get_string(v), 400);
	}
	json_object_put(root);
}

static void td_cgi_last_cleanup(struct td_cgi_last *l)
{
	free(l->state_name);
	free(l->output);
}

static void td_cgi_state_badge(struct td_buf *b, const struct td_cgi_last *l)
{
	int s = l->state >= 0 && l->state <= 3 ? l->state : -1;
	td_buf_printf(b, "<span class=\"state s%d\">", s < 0 ? 9 : s);
	td_cgi_html_escape(b, l->state_name ? l->state_name : "no data");
	td_buf_puts(b, "</span>");
}

static void td_cgi_events_table(struct td_buf *b, const struct td_event_list *ev, bool scope)
{
	char when[32];
	td_buf_puts(b, "<table><tr><th>When</th><th>Tag</th>");
	if (scope)
		td_buf_puts(b, "<th>Where</th>");
	td_buf_puts(b, "<th>What</th></tr>\n");
	for (size_t i = ev->n; i-- > 0;) {
		const struct td_event *e = &ev->v[i];
		td_buf_puts(b, "<tr><td class=\"age\">");
		td_cgi_html_escape(b, td_time_format((time_t)e->time, when, sizeof when));
		td_buf_puts(b, "</td><td>");
		td_cgi_html_escape(b, e->tag);
		if (scope) {
			td_buf_puts(b, "</td><td>");
			td_cgi_html_escape(b, *e->host ? e->host : "everywhere");
			if (*e->service) {
				td_buf_puts(b, " / ");
				td_cgi_html_escape(b, e->service);
			}
		}
		td_buf_puts(b, "</td><td class=\"out\">");
		td_cgi_html_escape(b, e->text);
		td_buf_puts(b, "</td></tr>\n");
	}
	td_buf_puts(b, "</table>\n");
}

/* ---- responses ---- */

static void td_cgi_body(struct td_cgi_response *rs, struct td_buf *b)
{
	rs->body_len = b->len;
	rs->body = (unsigned char *)td_buf_steal(b);
}

static void td_cgi_error(struct td_cgi_response *rs, int status, const char *msg)
{
	struct td_buf b;
	rs->status = status;
	td_buf_reset(&rs->headers);
	td_buf_puts(&rs->headers, "Content-Type: text/plain; charset=utf-8\r\n"
				  "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n");
	free(rs->body);
	td_buf_init(&b, 0);
	td_event_display(&b, msg, 1000);
	td_buf_putc(&b, '\n');
	td_cgi_body(rs, &b);
}

static void td_cgi_html_headers(struct td_cgi_response *rs)
{
	rs->status = 200;
	td_buf_puts(&rs->headers,
		    "Content-Type: text/html; charset=utf-8\r\nCache-Control: no-cache\r\n"
		    "X-Content-Type-Options: nosniff\r\nReferrer-Policy: same-origin\r\n"
		    "Content-Security-Policy: default-src 'none'; img-src 'self'; "
		    "style-src 'unsafe-inline'; frame-ancestors 'self'\r\n");
}

static void td_cgi_index(const struct td_cgi_request *rq, const struct td_cgi_query *q,
			 struct td_cgi_response *rs)
{
	struct td_graph_entry *v;
	size_t n, hosts = 0;
	char err[512];
	if (td_graph_list(rq->data_dir, &v, &n, err, sizeof err) != TD_OK) {
		td_cgi_error(rs, 500, "the data directory cannot be read");
		snprintf(rs->log, sizeof rs->log, "%.500s", err);
		return;
	}
	for (size_t i = 0; i < n; i++)
		hosts += i == 0 || strcmp(v[i].host, v[i - 1].host);
	struct td_buf b, sub;
	td_buf_init(&b, 32 * 1024 * 1024);
	td_buf_init(&sub, 0);
	td_buf_printf(&sub, "%zu services on %zu hosts", n, hosts);
	td_cgi_page_start(&b, "tandem graphs", td_buf_str(&sub));
	td_buf_cleanup(&sub);
	if (n == 0)
		td_buf_puts(&b,
			    "<p class=\"empty\">No services yet: tandemd has not stored anything "
			    "in its data directory.</p>\n");
	for (size_t i = 0; i < n; i++) {
		if (i == 0 || strcmp(v[i].host, v[i - 1].host)) {
			if (i > 0)
				td_buf_puts(&b, "</table></section>\n");
			td_buf_puts(&b, "<section class=\"card\"><h2>");
			td_cgi_html_escape(&b, v[i].host);
			td_buf_puts(&b, "</h2><table>\n");
		}
		char *rel = td_layout_service_dir(v[i].host, v[i].service);
		char *dir = td_xasprintf("%s/%s", rq->data_dir, rel);
		struct td_cgi_last last;
		td_cgi_last_read(dir, &last);
		td_buf_puts(&b, "<tr><td>");
		td_cgi_state_badge(&b, &last);
		td_buf_puts(&b, "</td><td><a href=\"");
		td_cgi_href(&b, v[i].host, v[i].service);
		td_buf_puts(&b, "\">");
		td_cgi_html_escape(&b, v[i].service);
		td_buf_puts(&b, "</a></td><td class=\"out\">");
		td_cgi_html_escape(&b, last.output ? last.output : "");
		td_buf_puts(&b, "</td><td class=\"age\">");
		td_cgi_age(&b, last.time, rq->now);
		td_buf_puts(&b, "</td></tr>\n");
		td_cgi_last_cleanup(&last);
		free(dir);
		free(rel);
	}
	if (n > 0)
		td_buf_puts(&b, "</table></section>\n");
	td_graph_list_free(v, n);

	char *log = td_event_log_path(rq->data_dir);
	struct td_event_list ev;
	struct td_event_filter f = { (long long)rq->now - 7 * 86400,
				     (long long)rq->now + 86400,
				     NULL,
				     NULL,
				     q->tags,
				     true };
	if (td_event_read(log, &f, 15, &ev, err, sizeof err) == TD_OK && ev.n > 0) {
		td_buf_puts(&b, "<section class=\"card\"><h2>Events of the last 7 days</h2>\n");
		td_cgi_events_table(&b, &ev, true);
		td_buf_puts(&b, "</section>\n");
	}
	td_event_list_cleanup(&ev);
	free(log);
	td_cgi_page_end(&b);
	td_cgi_html_headers(rs);
	td_cgi_body(rs, &b);
}

/* An image URL of the page, HTML-escaped. */
static void td_cgi_img_href(struct td_buf *out, const struct td_cgi_query *q,
			    const struct td_graph_service *s, const size_t *idx, size_t n,
			    const char *start, const char *format, unsigned w, unsigned h)
{
	struct td_buf u;
	td_buf_init(&u, 0);
	td_buf_puts(&u, "?host=");
	td_cgi_url_encode(&u, q->host);
	td_buf_puts(&u, "&service=");
	td_cgi_url_encode(&u, q->service);
	for (size_t i = 0; i < n; i++) {
		td_buf_puts(&u, "&metric=");
		td_cgi_url_encode(&u, s->metrics[idx[i]].label);
	}
	td_buf_printf(&u, "&format=%s&start=%s&width=%u&height=%u", format, start, w, h);
	if (q->tags) {
		td_buf_puts(&u, "&tag=");
		td_cgi_url_encode(&u, q->tags);
	}
	td_cgi_html_escape(out, td_buf_str(&u));
	td_buf_cleanup(&u);
}

static void td_cgi_page(const struct td_cgi_request *rq, const struct td_cgi_query *q,
			struct td_cgi_response *rs)
{
	struct td_graph_service s;
	char err[512];
	if (td_graph_service_open(rq->data_dir, q->host, q->service, &s, err, sizeof err) !=
	    TD_OK) {
		td_cgi_error(rs, 404, err);
		return;
	}
	struct td_buf b, title;
	td_buf_init(&b, 4 * 1024 * 1024);
	td_buf_init(&title, 0);
	td_buf_printf(&title, "%s / %s", q->host, q->service);
	td_cgi_page_start(&b, td_buf_str(&title), "graphs of one service");
	td_buf_puts(&b, "<nav><a href=\"?\">All services</a> &rsaquo; ");
	td_cgi_html_escape(&b, q->host);
	td_buf_puts(&b, "</nav>\n<h2 style=\"font-size:22px;margin-top:6px\">");
	td_cgi_html_escape(&b, td_buf_str(&title));
	td_buf_puts(&b, "</h2>\n");
	td_buf_cleanup(&title);
	struct td_cgi_last last;
	td_cgi_last_read(s.dir, &last);
	td_buf_puts(&b, "<p>");
	td_cgi_state_badge(&b, &last);
	td_buf_puts(&b, " <span class=\"out\">");
	td_cgi_html_escape(&b, last.output ? last.output : "");
	td_buf_puts(&b, "</span> <span class=\"age\">");
	td_cgi_age(&b, last.time, rq->now);
	td_buf_puts(&b, "</span></p>\n");
	td_cgi_last_cleanup(&last);
	if (s.n_metrics == 0)
		td_buf_puts(&b, "<p class=\"empty\">No metrics stored yet.</p>\n");

	/* one section per unit, at most TD_GRAPH_METRICS_MAX lines a graph */
	bool *done = td_xcalloc(s.n_metrics ? s.n_metrics : 1, sizeof *done);
	for (size_t i = 0; i < s.n_metrics; i++) {
		if (done[i])
			continue;
		size_t idx[TD_GRAPH_METRICS_MAX], n = 0;
		for (size_t k = i; k < s.n_metrics && n < TD_GRAPH_METRICS_MAX; k++)
			if (!done[k] && !strcmp(s.metrics[k].uom, s.metrics[i].uom)) {
				idx[n++] = k;
				done[k] = true;
			}
		td_buf_puts(&b, "<section class=\"card\"><h2>");
		for (size_t k = 0; k < n; k++) {
			if (k)
				td_buf_puts(&b, ", ");
			td_cgi_html_escape(&b, s.metrics[idx[k]].label);
		}
		if (*s.metrics[i].uom) {
			td_buf_puts(&b, " <span class=\"uom\">(");
			td_cgi_html_escape(&b, s.metrics[i].uom);
			td_buf_puts(&b, ")</span>");
		}
		td_buf_puts(&b, "</h2><div class=\"graphs\">\n");
		for (size_t p = 0; p < sizeof td_cgi_periods / sizeof *td_cgi_periods; p++) {
			td_buf_puts(&b, "<figure><a href=\"");
			td_cgi_img_href(&b, q, &s, idx, n, td_cgi_periods[p].start, "svg",
					TD_CGI_ZOOM_WIDTH, TD_CGI_ZOOM_HEIGHT);
			td_buf_puts(&b, "\"><img src=\"");
			td_cgi_img_href(&b, q, &s, idx, n, td_cgi_periods[p].start, "png",
					TD_CGI_PAGE_WIDTH, TD_CGI_PAGE_HEIGHT);
			td_buf_puts(&b, "\" alt=\"");
			td_cgi_html_escape(&b, q->service);
			td_buf_printf(&b, ", %s\"></a><figcaption>%s (%s)</figcaption></figure>\n",
				      td_cgi_periods[p].name, td_cgi_periods[p].name,
				      td_cgi_periods[p].start);
		}
		td_buf_puts(&b, "</div></section>\n");
	}
	free(done);

	char *log = td_event_log_path(rq->data_dir);
	struct td_event_list ev;
	struct td_event_filter f = { (long long)rq->now - 31 * 86400,
				     (long long)rq->now + 86400,
				     q->host,
				     q->service,
				     q->tags,
				     false };
	if (td_event_read(log, &f, 20, &ev, err, sizeof err) == TD_OK && ev.n > 0) {
		td_buf_puts(&b, "<section class=\"card\"><h2>Events of the last 31 days</h2>\n");
		td_cgi_events_table(&b, &ev, true);
		td_buf_puts(&b, "</section>\n");
	}
	td_event_list_cleanup(&ev);
	free(log);
	td_graph_service_cleanup(&s);
	td_cgi_page_end(&b);
	td_cgi_html_headers(rs);
	td_cgi_body(rs, &b);
}

static uint64_t td_cgi_hash(uint64_t h, const void *p, size_t n)
{
	for (const unsigned char *c = p; n--; c++)
		h = (h ^ *c) * 1099511628211ULL;
	return h;
}

static uint64_t td_cgi_hash_ll(uint64_t h, long long v)
{
	return td_cgi_hash(h, &v, sizeof v);
}

static void td_cgi_http_date(struct td_buf *out, long long t)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm))
		return;
	/* by hand: strftime's names follow the locale, HTTP's never do */
	td_buf_printf(out, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday], tm.tm_mday,
		      months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* True when the If-None-Match list names etag (or is "*"). */
static bool td_cgi_etag_match(const char *header, const char *etag)
{
	if (!header)
		return false;
	if (!strcmp(header, "*"))
		return true;
	size_t n = strlen(etag);
	for (const char *p = header; (p = strstr(p, etag)) != NULL; p += n)
		if ((p == header || p[-1] == ' ' || p[-1] == ',' || p[-1] == '/') &&
		    (p[n] == '\0' || p[n] == ',' || p[n] == ' '))
			return true;
	return false;
}

static long long td_cgi_mtime(const char *path, long long *size)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return 0;
	if (size)
		*size = (long long)st.st_size;
	return (long long)st.st_mtime;
}

static void td_cgi_image(const struct td_cgi_request *rq, const struct td_cgi_query *q,
			 struct td_cgi_response *rs)
{
	struct td_graph_service s;
	char err[1024];
	enum td_err rc;
	if (td_graph_service_open(rq->data_dir, q->host, q->service, &s, err, sizeof err) !=
	    TD_OK) {
		td_cgi_error(rs, 404, err);
		return;
	}
	size_t idx[TD_GRAPH_METRICS_MAX], n;
	rc = td_graph_select(&s, (const char *const *)q->metrics, q->n_metrics, idx, &n, err,
			     sizeof err);
	if (rc != TD_OK) {
		td_cgi_error(rs, rc == TD_E_NOTFOUND ? 404 : 400, err);
		td_graph_service_cleanup(&s);
		return;
	}

	long long last = 0, events_size = 0;
	unsigned long step = 0;
	for (size_t i = 0; i < n; i++) {
		long long l;
		unsigned long st;
		if (td_graph_rrd_stat(s.metrics[idx[i]].path, &l, &st) == TD_OK) {
			last = l > last ? l : last;
			step = !step || (st && st < step) ? st : step;
		}
	}
	char *meta = td_xasprintf("%s/meta.json", s.dir);
	char *log = td_event_log_path(rq->data_dir);
	long long meta_time = td_cgi_mtime(meta, NULL),
		  events_time = td_cgi_mtime(log, &events_size);
	free(meta);
	long long max_age = (q->end - q->start) / (long long)q->width;
	if (max_age < (long long)step)
		max_age = (long long)step;
	max_age = max_age < 10 ? 10 : max_age > 3600 ? 3600 : max_age;
	long long modified = last > meta_time ? last : meta_time;
	modified = events_time > modified ? events_time : modified;
	uint64_t h = 1469598103934665603ULL;
	h = td_cgi_hash(h, rq->query, strlen(rq->query));
	h = td_cgi_hash_ll(h, last);
	h = td_cgi_hash_ll(h, meta_time);
	h = td_cgi_hash_ll(h, events_time);
	h = td_cgi_hash_ll(h, events_size);
	if (q->end >= (long long)rq->now - max_age)
		h = td_cgi_hash_ll(h, (long long)rq->now / max_age);
	char etag[24];
	snprintf(etag, sizeof etag, "\"%016llx\"", (unsigned long long)h);

	td_buf_printf(&rs->headers, "ETag: %s\r\nCache-Control: max-age=%lld\r\n", etag, max_age);
	if (modified > 0) {
		td_buf_puts(&rs->headers, "Last-Modified: ");
		td_cgi_http_date(&rs->headers, modified);
		td_buf_puts(&rs->headers, "\r\n");
	}
	if (td_cgi_etag_match(rq->if_none_match, etag)) {
		rs->status = 304;
		goto out;
	}

	struct td_event_list ev = { 0 };
	struct td_event_filter f = { q->start, q->end, q->host, q->service, q->tags, false };
	if (td_event_read(log, &f, TD_GRAPH_EVENTS_MAX, &ev, err, sizeof err) != TD_OK)
		snprintf(rs->log, sizeof rs->log, "events left out: %.400s", err);
	struct td_graph_request req = {
		.svc = &s,
		.metrics = idx,
		.n_metrics = n,
		.start = q->start,
		.end = q->end,
		.width = q->width,
		.height = q->height,
		.format = q->format,
		.events = &ev,
		.rrdcached = td_graph_daemon(rq->rrdcached),
	};
	struct td_graph_image img;
	rc = td_graph_render(&req, &img, err, sizeof err);
	td_event_list_cleanup(&ev);
	if (rc != TD_OK) {
		td_cgi_error(rs, 500, "the graph could not be drawn");
		snprintf(rs->log, sizeof rs->log, "%.500s", err);
		goto out;
	}
	rs->status = 200;
	td_buf_printf(&rs->headers, "Content-Type: %s\r\nX-Content-Type-Options: nosniff\r\n",
		      q->format == TD_GRAPH_SVG ? "image/svg+xml" : "image/png");
	if (q->format == TD_GRAPH_SVG)
		td_buf_puts(&rs->headers, "Content-Security-Policy: default-src 'none'; "
					  "style-src 'unsafe-inline'\r\n");
	rs->body = img.data;
	rs->body_len = img.len;
	img.data = NULL;
	td_graph_image_cleanup(&img);
out:
	free(log);
	td_graph_service_cleanup(&s);
}

void td_cgi_handle(const struct td_cgi_request *rq, struct td_cgi_response *rs)
{
	struct td_cgi_query q;
	char err[512];
	memset(rs, 0, sizeof *rs);
	td_buf_init(&rs->headers, 64 * 1024);
	const char *method = rq->method ? rq->method : "GET";
	rs->head = !strcmp(method, "HEAD");
	if (strcmp(method, "GET") && !rs->head) {
		td_cgi_error(rs, 405, "only GET and HEAD");
		td_buf_puts(&rs->headers, "Allow: GET, HEAD\r\n");
		return;
	}
	if (td_cgi_query_parse(rq->query, rq->now, &q, err, sizeof err) != TD_OK) {
		td_cgi_error(rs, 400, err);
		return;
	}
	switch (q.view) {
	case TD_CGI_INDEX: td_cgi_index(rq, &q, rs); break;
	case TD_CGI_PAGE: td_cgi_page(rq, &q, rs); break;
	case TD_CGI_IMAGE: td_cgi_image(rq, &q, rs); break;
	}
	td_cgi_query_cleanup(&q);
}

void td_cgi_response_cleanup(struct td_cgi_response *rs)
{
	td_buf_cleanup(&rs->headers);
	free(rs->body);
	memset(rs, 0, sizeof *rs);
}

static const char *td_cgi_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	default: return "Internal Server Error";
	}
}

int td_cgi_main(void)
{
	struct td_store_loc loc;
	struct td_cgi_response rs;
	char err[512];
	const char *dir = getenv("TANDEM_DATA_DIR");
	if (td_store_loc_find(&loc, dir && *dir ? NULL : getenv("TANDEM_CONF"),
			      dir && *dir ? dir : NULL, err, sizeof err) != TD_OK) {
		fprintf(stderr, "tandem-graph.cgi: %s\n", err);
		memset(&rs, 0, sizeof rs);
		td_buf_init(&rs.headers, 0);
		td_cgi_error(&rs, 500, "the configuration cannot be read");
	} else {
		struct td_cgi_request rq = {
			.method = getenv("REQUEST_METHOD"),
			.query = getenv("QUERY_STRING") ? getenv("QUERY_STRING") : "",
			.if_none_match = getenv("HTTP_IF_NONE_MATCH"),
			.data_dir = loc.data_dir,
			.rrdcached = loc.rrdcached,
			.now = time(NULL),
		};
		td_cgi_handle(&rq, &rs);
	}
	if (rs.log[0])
		fprintf(stderr, "tandem-graph.cgi: %s\n", rs.log);
	printf("Status: %d %s\r\n%s", rs.status, td_cgi_reason(rs.status), td_buf_str(&rs.headers));
	if (rs.status != 304)
		printf("Content-Length: %zu\r\n", rs.body_len);
	fputs("\r\n", stdout);
	if (!rs.head && rs.status != 304 && rs.body_len > 0)
		fwrite(rs.body, 1, rs.body_len, stdout);
	int rc = fflush(stdout) == 0 ? 0 : 1;
	td_cgi_response_cleanup(&rs);
	td_store_loc_cleanup(&loc);
	return rc;
}

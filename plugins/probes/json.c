/*
 * json.c - check_json: business values from a JSON document.
 *
 * The document comes from http(s) or a local file (file://, for status files
 * that applications write) through the shared transport (http.h); json-c
 * parses it, and each query picks one value by JSON Pointer (RFC 6901).
 * A query is -q POINTER followed by the options that describe it, so several
 * read naturally on one command line:
 *
 *   check_json -u https://shop.example/api/stats \
 *       -q /orders/last_hour -l orders -w 10: -c 1: \
 *       -q /queue/depth      -l queue  -w 500 -c 2000 \
 *       -q /status           --equals ok
 *
 * Numbers (and strings that hold a plain decimal number) become metrics,
 * booleans 1 or 0; --length measures an array, object or string instead;
 * --equals and --regex match the value as text. What cannot be judged has a
 * defined state: a missing pointer or a value of the wrong type gives the
 * query's --missing state, a failed match its --mismatch state (CRITICAL),
 * and a document that cannot be had (no connection, an HTTP status other than
 * 2xx, a missing file, invalid JSON, more than --max-body) --error-state; all
 * UNKNOWN by default except the mismatch. A timeout is the -t state, as for
 * every network check.
 *
 * The work splits into parse (options into queries), fetch (the transport),
 * and evaluate (a pure function from a parsed document to metrics and a
 * state), which the unit tests drive with fixture documents.
 */
#include "config.h"

#include <limits.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "tandem/http.h"
#include "tandem/probe.h"

/* Default --max-body: documents are usually small; raise it for big ones. */
#define JSON_MAX_BODY_DEFAULT (4 * 1024 * 1024)
#define JSON_MAX_BODY_LIMIT (256.0 * 1024 * 1024)
#define JSON_QUERIES_MAX 64
#define JSON_HEADERS_MAX 64
#define JSON_TEXT_MAX 4096
#define JSON_POST_MAX (1024 * 1024)
/* Nesting json-c accepts: deeper documents are refused, not recursed into. */
#define JSON_DEPTH_MAX 64
/* Redirects followed for an API that moved. */
#define JSON_MAX_REDIRS 5
/* How much of a string value the output quotes. */
#define JSON_QUOTE_MAX 40

enum {
	OPT_URL = 1,
	OPT_QUERY,
	OPT_LABEL,
	OPT_UOM,
	OPT_WARN,
	OPT_CRIT,
	OPT_EQUALS,
	OPT_REGEX,
	OPT_LENGTH,
	OPT_MISSING,
	OPT_MISMATCH,
	OPT_ERROR_STATE,
	OPT_HEADER,
	OPT_AUTH,
	OPT_AUTH_FILE,
	OPT_POST,
	OPT_CONTENT_TYPE,
	OPT_INSECURE,
	OPT_CA_FILE,
	OPT_MAX_BODY,
};

struct json_query {
	char *pointer;
	char *label;
	char uom[TD_UOM_MAX];
	struct td_range warn, crit;
	char *equals;
	char *regex_text;
	regex_t regex;
	bool has_regex;
	bool length;
	enum td_state missing, mismatch;
};

struct json_config {
	char *url;
	struct json_query q[JSON_QUERIES_MAX];
	size_t n_q;
	char *headers[JSON_HEADERS_MAX + 2]; /* -k, then Content-Type and Accept */
	size_t n_headers;
	char *username, *password; /* wiped on free */
	char *post;
	char *content_type;
	bool insecure;
	char *ca_file;
	size_t max_body;
	enum td_state error_state;
	double timeout;
};

static const struct td_option json_options[] = {
	{ 'u', "url", TD_ARG_REQUIRED, "URL",
	  "The document: http://, https://, or file:// (an absolute path works too).", OPT_URL },
	{ 'q', "query", TD_ARG_REQUIRED, "POINTER",
	  "Start a query for the value at this JSON Pointer (RFC 6901: /orders/last_hour, "
	  "/list/0, \"\" for the whole document). The options below, up to the next -q, "
	  "describe it. Repeat for more values.",
	  OPT_QUERY },
	{ 'l', "label", TD_ARG_REQUIRED, "LABEL",
	  "Perfdata label (default: the pointer, / written as _).", OPT_LABEL },
	{ 0, "uom", TD_ARG_REQUIRED, "UNIT",
	  "Unit of the value in perfdata: s, ms, us, %, B, KB, MB, TB or c.", OPT_UOM },
	{ 'w', "warning", TD_ARG_REQUIRED, "RANGE",
	  "WARNING when the value is outside RANGE (in the value's own unit).", OPT_WARN },
	{ 'c', "critical", TD_ARG_REQUIRED, "RANGE", "CRITICAL threshold, as -w.", OPT_CRIT },
	{ 0, "equals", TD_ARG_REQUIRED, "TEXT",
	  "The value, as text (a string's content; true, false, null or a number as written), "
	  "must be TEXT.",
	  OPT_EQUALS },
	{ 'r', "regex", TD_ARG_REQUIRED, "ERE",
	  "The value, as text, must match this POSIX extended regular expression.", OPT_REGEX },
	{ 0, "length", TD_ARG_NONE, NULL,
	  "Measure the number of items of an array or object (or bytes of a string) instead.",
	  OPT_LENGTH },
	{ 0, "missing", TD_ARG_REQUIRED, "STATE",
	  "State when the pointer is missing or its value is not a number (default unknown).",
	  OPT_MISSING },
	{ 0, "mismatch", TD_ARG_REQUIRED, "STATE",
	  "State when --equals or --regex does not match (default critical).", OPT_MISMATCH },
	{ 0, "error-state", TD_ARG_REQUIRED, "STATE",
	  "State when the document cannot be had: no connection, an HTTP status other than 2xx, "
	  "a missing file, invalid JSON, larger than --max-body (default unknown).",
	  OPT_ERROR_STATE },
	{ 'k', "header", TD_ARG_REQUIRED, "\"NAME: VALUE\"",
	  "Send this request header; repeat for more.", OPT_HEADER },
	{ 'a', "authorization", TD_ARG_REQUIRED, "USER:PASSWORD",
	  "Basic authentication. Arguments show in ps: prefer --auth-file or --extra-opts.",
	  OPT_AUTH },
	{ 0, "auth-file", TD_ARG_REQUIRED, "FILE",
	  "Read USER:PASSWORD for basic authentication from the first line of FILE.",
	  OPT_AUTH_FILE },
	{ 'P', "post", TD_ARG_REQUIRED, "DATA",
	  "POST DATA (a query for APIs that need one) instead of a GET.", OPT_POST },
	{ 'T', "content-type", TD_ARG_REQUIRED, "TYPE",
	  "Content-Type of the -P data (default application/json).", OPT_CONTENT_TYPE },
	{ 0, "insecure", TD_ARG_NONE, NULL,
	  "Do not verify the server certificate and its name (verified by default).",
	  OPT_INSECURE },
	{ 0, "ca-file", TD_ARG_REQUIRED, "FILE",
	  "Also trust the CA certificates in FILE (PEM), besides the system's.", OPT_CA_FILE },
	{ 0, "max-body", TD_ARG_REQUIRED, "SIZE",
	  "Largest document read (default 4MiB); a larger one is an --error-state.", OPT_MAX_BODY },
	TD_OPTION_END,
};

static void *json_config_new(void)
{
	struct json_config *c = td_xcalloc(1, sizeof *c);
	c->max_body = JSON_MAX_BODY_DEFAULT;
	c->error_state = TD_STATE_UNKNOWN;
	c->timeout = 10;
	return c;
}

static void json_config_free(void *cfg)
{
	struct json_config *c = cfg;
	if (!c)
		return;
	free(c->url);
	for (size_t i = 0; i < c->n_q; i++) {
		struct json_query *q = &c->q[i];
		free(q->pointer);
		free(q->label);
		free(q->equals);
		free(q->regex_text);
		if (q->has_regex)
			regfree(&q->regex);
	}
	for (size_t i = 0; i < c->n_headers; i++)
		free(c->headers[i]);
	td_free_secret(&c->username);
	td_free_secret(&c->password);
	free(c->post);
	free(c->content_type);
	free(c->ca_file);
	free(c);
}

/* RFC 6901: "" or "/..." where every ~ is followed by 0 or 1. */
static bool json_pointer_ok(const char *p)
{
	if (*p && *p != '/')
		return false;
	for (; *p; p++)
		if (*p == '~' && p[1] != '0' && p[1] != '1')
			return false;
	return true;
}

/* The perfdata units of CONTRACT.md: anything else would not be graphed right. */
static bool json_uom_ok(const char *u)
{
	static const char *const ok[] = { "", "s", "ms", "us", "%", "B", "KB", "MB", "TB", "c" };
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
		if (strcmp(u, ok[i]) == 0)
			return true;
	return false;
}

/* The default label: the pointer without its leading /, other / as _. */
static char *json_default_label(const char *pointer)
{
	if (!*pointer || !strcmp(pointer, "/"))
		return td_xstrdup("value");
	char *l = td_xstrdup(pointer + 1);
	for (char *p = l; *p; p++)
		if (*p == '/')
			*p = '_';
	return l;
}

static enum td_err json_state_opt(const char *opt, const char *arg, enum td_state *out, char *err,
				  size_t errlen)
{
	if (td_state_parse(arg, out) != TD_OK)
		return td_errf(TD_E_USAGE, err, errlen,
			       "%s: \"%s\" is not a state (ok, warning, critical or unknown)", opt,
			       arg);
	return TD_OK;
}

static enum td_err json_text(const char *opt, const char *arg, size_t max, char **slot, char *err,
			     size_t errlen)
{
	if (strlen(arg) > max)
		return td_errf(TD_E_USAGE, err, errlen, "%s: longer than %zu bytes", opt, max);
	free(*slot);
	*slot = td_xstrdup(arg);
	return TD_OK;
}

static enum td_err json_option(void *cfg, int id, const char *arg, char *err, size_t errlen)
{
	struct json_config *c = cfg;
	struct json_query *q = c->n_q ? &c->q[c->n_q - 1] : NULL;
	char why[200];
	double v;
	enum td_unit_kind kind;
	static const char *const per_query[] = {
		[OPT_LABEL] = "-l", [OPT_UOM] = "--uom", [OPT_WARN] = "-w", [OPT_CRIT] = "-c",
		[OPT_EQUALS] = "--equals", [OPT_REGEX] = "-r", [OPT_LENGTH] = "--length",
		[OPT_MISSING] = "--missing", [OPT_MISMATCH] = "--mismatch",
	};

	if (id > 0 && (size_t)id < sizeof per_query / sizeof per_query[0] && per_query[id] && !q)
		return td_errf(TD_E_USAGE, err, errlen,
			       "%s: before any -q POINTER (it describes the query before it)",
			       per_query[id]);
	switch (id) {
	case OPT_URL:
		if (!*arg || strlen(arg) > JSON_TEXT_MAX || strpbrk(arg, " \t\r\n"))
			return td_errf(TD_E_USAGE, err, errlen,
				       "-u: \"%.40s\" is not a URL (spaces are written %%20)", arg);
		free(c->url);
		if (arg[0] == '/')
			c->url = td_xasprintf("file://%s", arg);
		else if (!strncasecmp(arg, "http://", 7) || !strncasecmp(arg, "https://", 8) ||
			 !strncasecmp(arg, "file://", 7))
			c->url = td_xstrdup(arg);
		else
			return td_errf(TD_E_USAGE, err, errlen,
				       "-u: \"%s\" is not an http://, https:// or file:// URL",
				       arg);
		return TD_OK;
	case OPT_QUERY:
		if (c->n_q >= JSON_QUERIES_MAX)
			return td_errf(TD_E_USAGE, err, errlen, "-q: more than %d queries",
				       JSON_QUERIES_MAX);
		if (strlen(arg) > JSON_TEXT_MAX || !json_pointer_ok(arg))
			return td_errf(TD_E_USAGE, err, errlen,
				       "-q: \"%s\" is not a JSON Pointer (\"\" or /key/0/..., ~ "
				       "only as ~0 "
				       "or ~1)",
				       arg);
		q = &c->q[c->n_q++];
		memset(q, 0, sizeof *q);
		q->pointer = td_xstrdup(arg);
		q->missing = TD_STATE_UNKNOWN;
		q->mismatch = TD_STATE_CRITICAL;
		return TD_OK;
	case OPT_LABEL:
		if (!*arg)
			return td_errf(TD_E_USAGE, err, errlen, "-l: the label is empty");
		return json_text("-l", arg, 128, &q->label, err, errlen);
	case OPT_UOM:
		if (!json_uom_ok(arg))
			return td_errf(TD_E_USAGE, err, errlen,
				       "--uom: \"%s\" is not s, ms, us, %%, B, KB, MB, TB or c",
				       arg);
		snprintf(q->uom, sizeof q->uom, "%s", arg);
		return TD_OK;
	case OPT_WARN:
	case OPT_CRIT:
		if (td_range_parse(arg, 0, id == OPT_WARN ? &q->warn : &q->crit, why, sizeof why) !=
		    TD_OK)
			return td_errf(TD_E_USAGE, err, errlen, "%s: %s",
				       id == OPT_WARN ? "-w" : "-c", why);
		return TD_OK;
	case OPT_EQUALS: return json_text("--equals", arg, JSON_TEXT_MAX, &q->equals, err, errlen);
	case OPT_REGEX:
		if (!*arg)
			return td_errf(TD_E_USAGE, err, errlen, "-r: the expression is empty");
		return json_text("-r", arg, JSON_TEXT_MAX, &q->regex_text, err, errlen);
	case OPT_LENGTH: q->length = true; return TD_OK;
	case OPT_MISSING: return json_state_opt("--missing", arg, &q->missing, err, errlen);
	case OPT_MISMATCH: return json_state_opt("--mismatch", arg, &q->mismatch, err, errlen);
	case OPT_ERROR_STATE:
		return json_state_opt("--error-state", arg, &c->error_state, err, errlen);
	case OPT_HEADER:
		if (c->n_headers >= JSON_HEADERS_MAX)
			return td_errf(TD_E_USAGE, err, errlen, "-k: more than %d headers",
				       JSON_HEADERS_MAX);
		if (strlen(arg) > JSON_TEXT_MAX || !td_http_header_ok(arg))
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
	case OPT_POST: return json_text("-P", arg, JSON_POST_MAX, &c->post, err, errlen);
	case OPT_CONTENT_TYPE:
		if (!*arg || strpbrk(arg, "\r\n"))
			return td_errf(TD_E_USAGE, err, errlen, "-T: \"%s\" is not a media type",
				       arg);
		return json_text("-T", arg, 256, &c->content_type, err, errlen);
	case OPT_INSECURE: c->insecure = true; return TD_OK;
	case OPT_CA_FILE: return json_text("--ca-file", arg, 4096, &c->ca_file, err, errlen);
	case OPT_MAX_BODY:
		if (td_parse_quantity(arg, NULL, TD_UNIT_BYTES, &v, &kind, NULL, 0) != TD_OK ||
		    v < 1 || v > JSON_MAX_BODY_LIMIT)
			return td_errf(TD_E_USAGE, err, errlen,
				       "--max-body: \"%s\" is not a size from 1 B to 256 MiB", arg);
		c->max_body = (size_t)v;
		return TD_OK;
	}
	return td_errf(TD_E_USAGE, err, errlen, "unexpected argument \"%s\"", arg ? arg : "");
}

static enum td_err json_finish(void *cfg, const struct td_common *common, char *err, size_t errlen)
{
	struct json_config *c = cfg;
	c->timeout = common->timeout;
	if (!c->url)
		return td_errf(TD_E_USAGE, err, errlen, "-u URL: which document?");
	if (!c->n_q)
		return td_errf(TD_E_USAGE, err, errlen, "-q POINTER: which value of the document?");
	for (size_t i = 0; i < c->n_q; i++) {
		struct json_query *q = &c->q[i];
		if (!q->label)
			q->label = json_default_label(q->pointer);
		for (size_t j = 0; j < i; j++)
			if (strcmp(c->q[j].label, q->label) == 0)
				return td_errf(TD_E_USAGE, err, errlen,
					       "-q %s: the label \"%s\" is taken by -q %s; give -l",
				    q->pointer, q->label, c->q[j].pointer);
		if (q->equals && q->regex_text)
			return td_errf(TD_E_USAGE, err, errlen,
				       "-q %s: give --equals or -r, not both", q->pointer);
		if (q->regex_text) {
			int rc = regcomp(&q->regex, q->regex_text, REG_EXTENDED | REG_NOSUB);
			if (rc != 0) {
				char why[160];
				regerror(rc, &q->regex, why, sizeof why);
				return td_errf(TD_E_USAGE, err, errlen,
					       "-r: \"%s\" is not a regular expression: %s",
					       q->regex_text, why);
			}
			q->has_regex = true;
		}
	}
	bool accept = false;
	for (size_t i = 0; i < c->n_headers; i++)
		accept |= strncasecmp(c->headers[i], "Accept:", 7) == 0;
	if (c->post)
		c->headers[c->n_headers++] = td_xasprintf(
			"Content-Type: %s", c->content_type ? c->content_type : "application/json");
	if (!accept)
		c->headers[c->n_headers++] = td_xstrdup("Accept: application/json");
	return TD_OK;
}

/* --- evaluate --- */

/* What one query found: the state it adds and a piece of the summary. */
struct json_piece {
	enum td_state state;
	char text[256];
};

static const char *json_type_name(struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null: return "null";
	case json_type_boolean: return "a boolean";
	case json_type_double:
	case json_type_int: return "a number";
	case json_type_object: return "an object";
	case json_type_array: return "an array";
	case json_type_string: return "a string";
	}
	return "?";
}

/* The value as text for --equals and -r: a string's content, else its JSON. */
static const char *json_value_text(struct json_object *v)
{
	if (json_object_get_type(v) == json_type_string)
		return json_object_get_string(v);
	return json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
						     JSON_C_TO_STRING_NOSLASHESCAPE);
}

/* The value as a number, when it is one: numbers, booleans, decimal strings. */
static bool json_value_number(struct json_object *v, double *out)
{
	switch (json_object_get_type(v)) {
	case json_type_int:
	case json_type_double: *out = json_object_get_double(v); return isfinite(*out);
	case json_type_boolean: *out = json_object_get_boolean(v) ? 1 : 0; return true;
	case json_type_string:
		return td_parse_number(json_object_get_string(v), NULL, out) == TD_OK;
	default: return false;
	}
}

static bool json_value_length(struct json_object *v, double *out)
{
	switch (json_object_get_type(v)) {
	case json_type_array: *out = (double)json_object_array_length(v); return true;
	case json_type_object: *out = (double)json_object_object_length(v); return true;
	case json_type_string: *out = (double)json_object_get_string_len(v); return true;
	default: return false;
	}
}

static void json_quote(char *out, size_t len, const char *text)
{
	size_t n = strlen(text);
	snprintf(out, len, "\"%.*s%s\"", (int)(n > JSON_QUOTE_MAX ? JSON_QUOTE_MAX : n), text,
		 n > JSON_QUOTE_MAX ? "..." : "");
}

static void json_eval_query(const struct json_query *q, struct json_object *doc,
			    struct td_result *res, struct json_piece *piece)
{
	struct json_object *v = NULL;
	char quoted[JSON_QUOTE_MAX + 8], num[TD_NUMBER_MAX];
	piece->state = TD_STATE_OK;
	if (json_pointer_get(doc, q->pointer, &v) != 0) {
		piece->state = q->missing;
		snprintf(piece->text, sizeof piece->text, "%.100s: %.100s not found", q->label,
			 *q->pointer ? q->pointer : "\"\"");
		return;
	}
	bool matched = true;
	if (q->equals || q->has_regex) {
		const char *text = json_value_text(v);
		json_quote(quoted, sizeof quoted, text ? text : "");
		matched = q->equals ? strcmp(text ? text : "", q->equals) == 0
				    : regexec(&q->regex, text ? text : "", 0, NULL, 0) == 0;
		if (!matched) {
			char want[JSON_QUOTE_MAX + 8];
			json_quote(want, sizeof want, q->equals ? q->equals : q->regex_text);
			piece->state = q->mismatch;
			snprintf(piece->text, sizeof piece->text, "%.100s is %s, expected %s%s",
				 q->label, quoted, q->equals ? "" : "a match for ", want);
		}
	}
	double x;
	bool numeric = q->length ? json_value_length(v, &x) : json_value_number(v, &x);
	if (!numeric) {
		if (q->equals || q->has_regex) {
			if (matched)
				snprintf(piece->text, sizeof piece->text, "%.100s %s", q->label,
					 quoted);
			return;
		}
		piece->state = td_state_worst(piece->state, q->missing);
		snprintf(piece->text, sizeof piece->text, "%.100s: %.60s is %s, not %s", q->label,
			 *q->pointer ? q->pointer : "\"\"", json_type_name(v),
			 q->length ? "an array, object or string" : "a number");
		return;
	}
	struct td_metric *m = td_result_metric(res, q->label, x, q->uom);
	m->warn = q->warn;
	m->crit = q->crit;
	enum td_state ms = td_metric_state(m);
	if (!matched) {
		piece->state = td_state_worst(piece->state, ms);
		return;
	}
	piece->state = ms;
	if (!q->length && json_object_get_type(v) == json_type_boolean)
		snprintf(num, sizeof num, "%s", x != 0 ? "true" : "false");
	else
		td_fmt_number(x, num, sizeof num);
	if (ms == TD_STATE_OK) {
		snprintf(piece->text, sizeof piece->text, "%.100s %.40s%s", q->label, num, q->uom);
	} else {
		char range[TD_RANGE_MAX];
		const struct td_range *r = ms == TD_STATE_CRITICAL ? &q->crit : &q->warn;
		snprintf(piece->text, sizeof piece->text, "%.100s %.40s%s (%s %.40s)", q->label,
			 num, q->uom, ms == TD_STATE_CRITICAL ? "critical" : "warning",
			 td_range_format(r, range, sizeof range));
	}
}

/* Every query on doc: metrics, the pieces (worst first) as summary, long output. */
static void json_evaluate(const struct json_config *c, struct json_object *doc, int verbose,
			  struct td_result *res)
{
	static const enum td_state order[] = { TD_STATE_CRITICAL, TD_STATE_WARNING,
					       TD_STATE_UNKNOWN, TD_STATE_OK };
	struct json_piece *pieces = td_xcalloc(c->n_q, sizeof *pieces);
	struct td_buf summary;
	td_buf_init(&summary, 1000);
	for (size_t i = 0; i < c->n_q; i++) {
		json_eval_query(&c->q[i], doc, res, &pieces[i]);
		td_result_raise(res, pieces[i].state);
	}
	for (size_t o = 0; o < sizeof order / sizeof order[0]; o++)
		for (size_t i = 0; i < c->n_q; i++)
			if (pieces[i].state == order[o] && pieces[i].text[0])
				td_buf_printf(&summary, "%s%s", summary.len ? "; " : "",
					      pieces[i].text);
	td_result_summary(res, "%s", td_buf_str(&summary));
	if (verbose)
		for (size_t i = 0; i < c->n_q; i++) {
			struct json_object *v = NULL;
			const char *text =
			    json_pointer_get(doc, c->q[i].pointer, &v) == 0
				? json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN)
				: "(missing)";
			td_result_line(res, "%s = %.200s (%s)", c->q[i].pointer, text,
				       td_state_name(pieces[i].state));
		}
	td_buf_cleanup(&summary);
	free(pieces);
}

/*
 * Parses text (len bytes, then a NUL) into *doc; NULL and a message when it
 * is not exactly one JSON value. The NUL is handed to json-c too: it is what
 * ends a document that is a bare number ("42" could go on otherwise).
 */
static enum td_err json_parse(const char *text, size_t len, struct json_object **doc, char *err,
			      size_t errlen)
{
	*doc = NULL;
	if (len == 0)
		return td_errf(TD_E_PARSE, err, errlen, "the document is empty");
	if (len >= INT_MAX)
		return td_errf(TD_E_TOOBIG, err, errlen, "the document is too large");
	struct json_tokener *tok = json_tokener_new_ex(JSON_DEPTH_MAX);
	if (!tok)
		td_oom();
	/* RFC 8259 JSON: no trailing commas, comments or single quotes */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	struct json_object *o = json_tokener_parse_ex(tok, text, (int)len + 1);
	enum json_tokener_error je = json_tokener_get_error(tok);
	size_t end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	/* a document that is just null parses to NULL with success: it has no values */
	if (je != json_tokener_success) {
		json_object_put(o);
		if (je == json_tokener_continue)
			return td_errf(TD_E_PARSE, err, errlen,
				       "invalid JSON: the document ends early");
		return td_errf(TD_E_PARSE, err, errlen, "invalid JSON at byte %zu: %s", end,
			       json_tokener_error_desc(je));
	}
	for (size_t i = end; i < len; i++)
		if (!strchr(" \t\r\n", text[i])) {
			json_object_put(o);
			return td_errf(TD_E_PARSE, err, errlen,
				       "invalid JSON at byte %zu: text after the document", i);
		}
	*doc = o;
	return TD_OK;
}

/* --- fetch --- */

/* The document could not be had: the --error-state, and why. */
static void json_unusable(struct td_result *res, enum td_state st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void json_unusable(struct td_result *res, enum td_state st, const char *fmt, ...)
{
	char text[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	td_result_raise(res, st);
	td_result_summary(res, "%s", text);
}

static enum td_err json_run(const void *cfg, const struct td_run_ctx *ctx, struct td_result *res)
{
	const struct json_config *c = cfg;
	struct td_http_request req = {
		.url = c->url,
		.method = c->post ? "POST" : NULL,
		.post_data = c->post,
		.post_len = c->post ? strlen(c->post) : 0,
		.headers = (const char *const *)c->headers,
		.n_headers = c->n_headers,
		.user_agent = "check_json/" PACKAGE_VERSION " (tandem)",
		.username = c->username,
		.password = c->password,
		.ca_file = c->ca_file,
		.insecure = c->insecure,
		.allow_file = true,
		.follow = true,
		.max_redirs = JSON_MAX_REDIRS,
		.trace = ctx->verbose >= 3,
		.max_body = c->max_body,
	};
	struct td_http_response r;
	struct json_object *doc = NULL;
	char why[512], num[TD_NUMBER_MAX], size[32];
	enum td_err rc;

	td_http_response_init(&r);
	rc = td_http_fetch(&req, &ctx->deadline, &r, why, sizeof why);
	if (rc == TD_E_TIMEOUT) {
		td_result_summary(res, "no document from %s within %s s (%s)", c->url,
				  td_fmt_number(c->timeout, num, sizeof num), why);
		goto out;
	}
	if (rc != TD_OK) {
		json_unusable(res, c->error_state, "cannot fetch %s: %s", c->url, why);
		rc = TD_OK;
		goto out;
	}
	/* file:// has no status; http(s) must answer 2xx to count as the document */
	if (strncasecmp(c->url, "file:", 5) != 0 && (r.status < 200 || r.status > 299)) {
		const char *sl = r.status_line ? strchr(r.status_line, ' ') : NULL;
		json_unusable(res, c->error_state, "HTTP %s from %s",
			      sl	 ? sl + 1
			      : r.status ? "status without a line"
					 : "no status",
			      c->url);
		goto out;
	}
	if (r.body_truncated) {
		td_fmt_bytes((double)c->max_body, size, sizeof size);
		json_unusable(res, c->error_state, "%s is larger than --max-body %s", c->url, size);
		goto out;
	}
	if (json_parse(td_buf_str(&r.body), r.body.len, &doc, why, sizeof why) != TD_OK) {
		json_unusable(res, c->error_state, "%s: %s", c->url, why);
		goto out;
	}
	json_evaluate(c, doc, ctx->verbose, res);
	if (ctx->verbose)
		td_result_line(res, "%s: %zu bytes in %.3f s", r.url ? r.url : c->url, r.body_bytes,
			       r.t_total);
out:
	json_object_put(doc);
	td_http_response_cleanup(&r);
	return rc;
}

const struct td_probe td_probe_json = {
	.name = "json",
	.label = "JSON",
	.purpose = "check values in a JSON document from an HTTP API or a file",
	.help_tail =
		"Each -q POINTER starts a query; -l, --uom, -w, -c, --equals, -r, --length,\n"
		"--missing and --mismatch after it describe that query. Numbers (and strings\n"
		"holding a plain decimal number) become metrics, booleans 1 or 0. A document\n"
		"that cannot be had gives --error-state (UNKNOWN); a timeout the -t state.\n"
		"\nExamples:\n"
		"  check_json -u https://shop.example/api/stats \\\n"
		"      -q /orders/last_hour -l orders -w 10: -c 1: \\\n"
		"      -q /queue/depth      -l queue  -w 500 -c 2000 \\\n"
		"      -q /status           --equals ok\n"
		"  check_json -u file:///var/lib/app/status.json -q /workers --length -c 1:\n"
		"  check_json -u http://127.0.0.1:9200/_cluster/health \\\n"
		"      -q /status -r 'green|yellow'\n",
	.options = json_options,
	.config_new = json_config_new,
	.config_free = json_config_free,
	.option = json_option,
	.finish = json_finish,
	.run = json_run,
};

/* test_json.c - check_json's query options, its JSON parser guard, and evaluate on fixtures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../plugins/probes/json.c"

#define MAX_ARGS 40

static enum td_err parse(struct json_config **cfg, char *err, size_t errlen, ...)
{
	char *argv[MAX_ARGS + 2] = { "check_json" };
	int argc = 1;
	va_list ap;
	va_start(ap, errlen);
	for (const char *a; argc <= MAX_ARGS && (a = va_arg(ap, const char *));)
		argv[argc++] = (char *)a;
	va_end(ap);
	struct td_common common;
	void *c = NULL;
	err[0] = '\0';
	enum td_err rc = td_probe_parse(&td_probe_json, argc, argv, "check_json", &common, &c, err,
					errlen);
	*cfg = c;
	return rc;
}

/* The fixture's text: from $top_srcdir (make check), else beside this source. */
static char *fixture_text(const char *name, size_t *len)
{
	const char *top = getenv("top_srcdir");
	char *src = td_xstrdup(top && *top ? top : __FILE__);
	char *cut = top && *top ? NULL : strstr(src, "tests/unit/");
	if (cut)
		*cut = '\0';
	char *path = td_xasprintf("%s/tests/integration/fixtures/http/%s", *src ? src : ".", name);
	FILE *f = fopen(path, "r");
	if (!f)
		fail_msg("cannot open %s", path);
	struct td_buf b;
	td_buf_init(&b, 1 << 20);
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		td_buf_append(&b, chunk, n);
	fclose(f);
	free(path);
	free(src);
	*len = b.len;
	return td_buf_steal(&b);
}

static struct json_object *fixture_doc(const char *name)
{
	size_t len;
	char *text = fixture_text(name, &len), err[256];
	struct json_object *doc;
	if (json_parse(text, len, &doc, err, sizeof err) != TD_OK)
		fail_msg("%s: %s", name, err);
	free(text);
	return doc;
}

static void test_usage(void **state)
{
	(void)state;
	static const struct {
		const char *args[10];
		const char *msg;
	} cases[] = {
		{ { "-q", "/a" }, "-u URL: which document?" },
		{ { "-u", "/tmp/x.json" }, "-q POINTER: which value" },
		{ { "-u", "ftp://x/a.json", "-q", "/a" }, "-u: \"ftp://x/a.json\" is not an http://" },
		{ { "-u", "relative.json", "-q", "/a" }, "is not an http://, https:// or file://" },
		{ { "-u", "http://x/a b", "-q", "/a" }, "is not a URL" },
		{ { "-u", "" }, "is not a URL" },
		{ { "-u", "/x", "-w", "10", "-q", "/a" }, "-w: before any -q POINTER" },
		{ { "-u", "/x", "-l", "a", "-q", "/a" }, "-l: before any -q" },
		{ { "-u", "/x", "--equals", "a" }, "--equals: before any -q" },
		{ { "-u", "/x", "--length" }, "--length: before any -q" },
		{ { "-u", "/x", "-q", "a" }, "-q: \"a\" is not a JSON Pointer" },
		{ { "-u", "/x", "-q", "/a~2" }, "is not a JSON Pointer" },
		{ { "-u", "/x", "-q", "/a~" }, "is not a JSON Pointer" },
		{ { "-u", "/x", "-q", "/a", "-q", "/a" }, "the label \"a\" is taken by -q /a" },
		{ { "-u", "/x", "-q", "/a/b", "-q", "/a_b" }, "the label \"a_b\" is taken" },
		{ { "-u", "/x", "-q", "/a", "-l", "x", "-q", "/b", "-l", "x" }, "the label \"x\" is taken" },
		{ { "-u", "/x", "-q", "/a", "-l", "" }, "-l: the label is empty" },
		{ { "-u", "/x", "-q", "/a", "--uom", "GB" }, "--uom: \"GB\" is not s, ms" },
		{ { "-u", "/x", "-q", "/a", "-w", "abc" }, "-w: \"abc\" is not a range" },
		{ { "-u", "/x", "-q", "/a", "-c", "5s" }, "-c: " },
		{ { "-u", "/x", "-q", "/a", "--equals", "x", "-r", "y" }, "give --equals or -r, not both" },
		{ { "-u", "/x", "-q", "/a", "-r", "(" }, "-r: \"(\" is not a regular expression" },
		{ { "-u", "/x", "-q", "/a", "-r", "" }, "-r: the expression is empty" },
		{ { "-u", "/x", "-q", "/a", "--missing", "maybe" }, "--missing: \"maybe\" is not a state" },
		{ { "-u", "/x", "-q", "/a", "--mismatch", "" }, "--mismatch: \"\" is not a state" },
		{ { "-u", "/x", "-q", "/a", "--error-state", "bad" }, "--error-state: \"bad\"" },
		{ { "-u", "/x", "-q", "/a", "--max-body", "0" }, "--max-body: \"0\" is not a size" },
		{ { "-u", "/x", "-q", "/a", "--max-body", "1GB" }, "from 1 B to 256 MiB" },
		{ { "-u", "/x", "-q", "/a", "-k", "bad header" }, "-k: \"bad header\" is not" },
		{ { "-u", "/x", "-q", "/a", "-a", ":x" }, "-a: expected USER:PASSWORD" },
		{ { "-u", "/x", "-q", "/a", "--auth-file", "/nonexistent" }, "--auth-file: cannot read" },
		{ { "-u", "/x", "-q", "/a", "-T", "" }, "-T: \"\" is not a media type" },
		{ { "-u", "/x", "-q", "/a", "stray" }, "unexpected argument \"stray\"" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct json_config *c;
		char err[256];
		const char *const *a = cases[i].args;
		enum td_err rc = parse(&c, err, sizeof err, a[0], a[1], a[2], a[3], a[4], a[5],
				       a[6], a[7], a[8], a[9], NULL);
		if (rc == TD_OK)
			fail_msg("case %zu: accepted, wanted \"%s\"", i, cases[i].msg);
		assert_null(c);
		if (!strstr(err, cases[i].msg))
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err, cases[i].msg);
	}
}

static void test_queries(void **state)
{
	(void)state;
	struct json_config *c;
	char err[256];
	assert_int_equal(parse(&c, err, sizeof err, "-u", "/var/lib/app/status.json", "-q",
			       "/orders/last_hour", "-l", "orders", "-w", "10:", "-c", "1:", "-q",
			       "/queue/depth", "--uom", "c", "-w", "500", "-q", "/status",
			       "--equals", "ok", "--mismatch", "warning", "-q", "", "--length",
			       "--missing", "ok", NULL),
			 TD_OK);
	assert_string_equal(c->url, "file:///var/lib/app/status.json");
	assert_int_equal(c->n_q, 4);
	assert_string_equal(c->q[0].label, "orders");
	assert_float_equal(c->q[0].warn.start, 10, 0);
	assert_true(isinf(c->q[0].warn.end));
	assert_float_equal(c->q[0].crit.start, 1, 0);
	assert_string_equal(c->q[1].label, "queue_depth");
	assert_string_equal(c->q[1].uom, "c");
	assert_false(c->q[1].crit.set);
	assert_string_equal(c->q[2].equals, "ok");
	assert_int_equal(c->q[2].mismatch, TD_STATE_WARNING);
	assert_int_equal(c->q[2].missing, TD_STATE_UNKNOWN);
	assert_string_equal(c->q[3].label, "value");
	assert_true(c->q[3].length);
	assert_int_equal(c->q[3].missing, TD_STATE_OK);
	/* the headers sent: Accept, since none was given */
	assert_int_equal(c->n_headers, 1);
	assert_string_equal(c->headers[0], "Accept: application/json");
	json_config_free(c);

	assert_int_equal(parse(&c, err, sizeof err, "-u", "https://api.example/x", "-q", "/a", "-k",
			       "Accept: text/json", "-P", "{}", "--error-state", "critical", NULL),
			 TD_OK);
	assert_int_equal(c->error_state, TD_STATE_CRITICAL);
	assert_int_equal(c->n_headers, 2);
	assert_string_equal(c->headers[1], "Content-Type: application/json");
	json_config_free(c);
}

static void test_pointer_and_label(void **state)
{
	(void)state;
	static const struct {
		const char *p;
		bool ok;
		const char *label;
	} cases[] = {
		{ "", true, "value" },           { "/", true, "value" },
		{ "/a", true, "a" },             { "/a/b/0", true, "a_b_0" },
		{ "/a~0b~1c", true, "a~0b~1c" }, { "/a b", true, "a b" },
		{ "a", false, NULL },            { "#/a", false, NULL },
		{ "/~", false, NULL },           { "/~2", false, NULL },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (json_pointer_ok(cases[i].p) != cases[i].ok)
			fail_msg("case %zu: \"%s\"", i, cases[i].p);
		if (cases[i].ok) {
			char *l = json_default_label(cases[i].p);
			assert_string_equal(l, cases[i].label);
			free(l);
		}
	}
}

static void test_parse(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		bool ok;
		const char *msg;
	} cases[] = {
		{ "{}", true, NULL },
		{ " [1, 2]\n\n", true, NULL },
		{ "42", true, NULL },
		{ "\"text\"", true, NULL },
		{ "null", true, NULL },
		{ "", false, "the document is empty" },
		{ "   ", false, "unexpected end of data" },
		{ "{", false, "invalid JSON at byte 1" },
		{ "{\"a\": 1,}", false, "invalid JSON at byte" },
		{ "{\"a\": 1} {", false, "invalid JSON at byte 9" },
		{ "{\"a\": 1} x", false, "invalid JSON at byte 9" },
		{ "nul", false, "invalid JSON at byte" },
		{ "<html>", false, "invalid JSON at byte 0" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct json_object *doc;
		char err[256] = "";
		enum td_err rc =
		    json_parse(cases[i].text, strlen(cases[i].text), &doc, err, sizeof err);
		if ((rc == TD_OK) != cases[i].ok || (cases[i].msg && !strstr(err, cases[i].msg)))
			fail_msg("case %zu: rc %d \"%s\"", i, rc, err);
		json_object_put(doc);
	}
	/* deeper nesting than JSON_DEPTH_MAX is refused, not recursed into */
	char deep[2 * (JSON_DEPTH_MAX + 10) + 1];
	memset(deep, '[', JSON_DEPTH_MAX + 10);
	memset(deep + JSON_DEPTH_MAX + 10, ']', JSON_DEPTH_MAX + 10);
	deep[sizeof deep - 1] = '\0';
	struct json_object *doc;
	char err[256];
	assert_int_equal(json_parse(deep, strlen(deep), &doc, err, sizeof err), TD_E_PARSE);
	assert_null(doc);
	/* the length is what counts: a NUL inside ends nothing early */
	assert_int_equal(json_parse("{}\0junk", 7, &doc, err, sizeof err), TD_E_PARSE);
}

/* One query's result on stats.json: piece state and text, and the metric if any. */
static void test_eval_query(void **state)
{
	(void)state;
	struct json_object *doc = fixture_doc("stats.json");
	static const struct {
		const char *args[6];
		enum td_state st;
		const char *text;
		const char *perf; /* NULL: no metric */
	} cases[] = {
		{ { "/orders/last_hour" }, TD_STATE_OK, "orders_last_hour 42", "orders_last_hour=42" },
		{ { "/orders/last_hour", "-w", "50:" }, TD_STATE_WARNING,
		  "orders_last_hour 42 (warning 50:)", "orders_last_hour=42;50:" },
		{ { "/orders/last_hour", "-w", "50:", "-c", "45:" }, TD_STATE_CRITICAL,
		  "orders_last_hour 42 (critical 45:)", "orders_last_hour=42;50:;45:" },
		{ { "/ratio", "--uom", "%" }, TD_STATE_OK, "ratio 0.75%", "ratio=0.75%" },
		{ { "/negative", "-c", "0:" }, TD_STATE_CRITICAL, "negative -5 (critical 0:)",
		  "negative=-5;;0:" },
		{ { "/maintenance" }, TD_STATE_OK, "maintenance false", "maintenance=0" },
		{ { "/queue/workers/0/busy" }, TD_STATE_OK, "queue_workers_0_busy true",
		  "queue_workers_0_busy=1" },
		{ { "/count_as_string" }, TD_STATE_OK, "count_as_string 1500", "count_as_string=1500" },
		{ { "/version" }, TD_STATE_UNKNOWN, "version: /version is a string, not a number", NULL },
		{ { "/version", "--missing", "warning" }, TD_STATE_WARNING, "is a string, not a number",
		  NULL },
		{ { "/nothing" }, TD_STATE_UNKNOWN, "/nothing is null, not a number", NULL },
		{ { "/orders" }, TD_STATE_UNKNOWN, "/orders is an object, not a number", NULL },
		{ { "/nope" }, TD_STATE_UNKNOWN, "nope: /nope not found", NULL },
		{ { "/nope", "--missing", "critical" }, TD_STATE_CRITICAL, "not found", NULL },
		{ { "/nope", "--missing", "ok" }, TD_STATE_OK, "not found", NULL },
		{ { "/list/3" }, TD_STATE_UNKNOWN, "not found", NULL },
		{ { "/list/-" }, TD_STATE_UNKNOWN, "not found", NULL },
		{ { "/list/01" }, TD_STATE_UNKNOWN, "not found", NULL },
		{ { "/list/1" }, TD_STATE_OK, "list_1 20", "list_1=20" },
		{ { "/list", "--length", "-c", "5:" }, TD_STATE_CRITICAL, "list 3 (critical 5:)",
		  "list=3;;5:" },
		{ { "/queue/workers", "--length" }, TD_STATE_OK, "queue_workers 2", "queue_workers=2" },
		{ { "/orders", "--length" }, TD_STATE_OK, "orders 2", "orders=2" },
		{ { "/empty", "--length" }, TD_STATE_OK, "empty 0", "empty=0" },
		{ { "/version", "--length" }, TD_STATE_OK, "version 5", "version=5" },
		{ { "/ratio", "--length" }, TD_STATE_UNKNOWN,
		  "/ratio is a number, not an array, object or string", NULL },
		{ { "", "--length" }, TD_STATE_OK, "value 13", "value=13" },
		{ { "/weird keys/a~1b" }, TD_STATE_OK, "1", "'weird keys_a~1b'=1" },
		{ { "/weird keys/m~0n" }, TD_STATE_OK, "2", "'weird keys_m~0n'=2" },
		{ { "/weird keys/" }, TD_STATE_OK, "3", "'weird keys_'=3" },
		{ { "/status", "--equals", "ok" }, TD_STATE_OK, "status \"ok\"", NULL },
		{ { "/status", "--equals", "OK" }, TD_STATE_CRITICAL, "status is \"ok\", expected \"OK\"",
		  NULL },
		{ { "/status", "--equals", "degraded", "--mismatch", "warning" }, TD_STATE_WARNING,
		  "expected \"degraded\"", NULL },
		{ { "/status", "-r", "^(ok|fine)$" }, TD_STATE_OK, "status \"ok\"", NULL },
		{ { "/status", "-r", "^o$" }, TD_STATE_CRITICAL, "expected a match for \"^o$\"", NULL },
		{ { "/maintenance", "--equals", "false" }, TD_STATE_OK, "maintenance false",
		  "maintenance=0" },
		{ { "/maintenance", "--equals", "true" }, TD_STATE_CRITICAL,
		  "maintenance is \"false\", expected \"true\"", "maintenance=0" },
		{ { "/ratio", "--equals", "0.75" }, TD_STATE_OK, "ratio 0.75", "ratio=0.75" },
		{ { "/nothing", "--equals", "null" }, TD_STATE_OK, "nothing \"null\"", NULL },
		{ { "/nope", "--equals", "x" }, TD_STATE_UNKNOWN, "not found", NULL },
		{ { "/version", "-r", "^2\\." }, TD_STATE_OK, "version \"2.4.1\"", NULL },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct json_config *c;
		char err[256];
		const char *const *a = cases[i].args;
		if (parse(&c, err, sizeof err, "-u", "/x", "-q", a[0], a[1], a[2], a[3], a[4], a[5],
			  NULL) != TD_OK)
			fail_msg("case %zu: %s", i, err);
		struct td_result res;
		struct json_piece piece;
		td_result_init(&res);
		json_eval_query(&c->q[0], doc, &res, &piece);
		struct td_buf perf;
		td_buf_init(&perf, 0);
		if (res.n_metrics)
			td_perfdata_append(&perf, &res.metrics[0]);
		if (piece.state != cases[i].st || !strstr(piece.text, cases[i].text) ||
		    (cases[i].perf ? strcmp(td_buf_str(&perf), cases[i].perf) != 0
				   : res.n_metrics != 0))
			fail_msg("case %zu: %s \"%s\" perf \"%s\", wanted %s \"%s\" \"%s\"", i,
				 td_state_name(piece.state), piece.text, td_buf_str(&perf),
				 td_state_name(cases[i].st), cases[i].text,
				 cases[i].perf ? cases[i].perf : "(none)");
		td_buf_cleanup(&perf);
		td_result_cleanup(&res);
		json_config_free(c);
	}
	json_object_put(doc);
}

/* The whole document: the worst pieces come first in the summary. */
static void test_evaluate(void **state)
{
	(void)state;
	struct json_object *doc = fixture_doc("degraded.json");
	struct json_config *c;
	char err[256];
	assert_int_equal(parse(&c, err, sizeof err, "-u", "/x", "-q", "/users/active", "-l",
			       "users", "-q", "/orders/last_hour", "-l", "orders", "-w",
			       "10:", "-c", "1:", "-q", "/queue/depth", "-l", "queue", "-w", "2000",
			       "-q", "/status", "--equals", "ok", "-q", "/gone", NULL),
			 TD_OK);
	struct td_result res;
	struct td_buf out;
	td_result_init(&res);
	td_buf_init(&out, 0);
	json_evaluate(c, doc, 1, &res);
	assert_int_equal(td_result_finish(&res, TD_OK, TD_STATE_CRITICAL), TD_STATE_CRITICAL);
	td_result_format(&res, "JSON", &out);
	assert_string_equal(
	    td_buf_str(&out),
	    "JSON CRITICAL - orders 0 (critical 1:); status is \"degraded\", expected "
	    "\"ok\"; queue 2500 (warning 2000); gone: /gone not found; users 3 | "
	    "users=3 orders=0;10:;1: queue=2500;2000\n"
	    "/users/active = 3 (OK)\n"
	    "/orders/last_hour = 0 (CRITICAL)\n"
	    "/queue/depth = 2500 (WARNING)\n"
	    "/status = \"degraded\" (CRITICAL)\n"
	    "/gone = (missing) (UNKNOWN)\n");
	td_buf_cleanup(&out);
	td_result_cleanup(&res);
	json_config_free(c);
	json_object_put(doc);

	/* a top-level array */
	doc = fixture_doc("array.json");
	assert_int_equal(parse(&c, err, sizeof err, "-u", "/x", "-q", "", "--length", "-q", "/2",
			       NULL),
			 TD_OK);
	td_result_init(&res);
	json_evaluate(c, doc, 0, &res);
	assert_int_equal(td_result_finish(&res, TD_OK, TD_STATE_CRITICAL), TD_STATE_OK);
	assert_string_equal(td_buf_str(&res.summary), "value 3; 2 3");
	td_result_cleanup(&res);
	json_config_free(c);
	json_object_put(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_usage),
		cmocka_unit_test(test_queries),
		cmocka_unit_test(test_pointer_and_label),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_eval_query),
		cmocka_unit_test(test_evaluate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

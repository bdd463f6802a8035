/* test_graph.c - graph.c: threshold history to step lines, metric selection, rrd_graph arguments,
 * rendering. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <rrd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tandem/graph.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static struct td_meta_change ch(long t, const char *label, const char *warn, const char *crit)
{
	return (struct td_meta_change){ t, (char *)label, (char *)warn, (char *)crit };
}

/* "w+ 100-200:5 200-300:8" : one line's kind and segments, for comparing. */
static void describe(const struct td_graph_line *l, struct td_buf *b)
{
	td_buf_printf(b, "%c%c", l->crit ? 'c' : 'w', l->upper ? '+' : '-');
	for (size_t i = 0; i < l->n; i++)
		td_buf_printf(b, " %lld-%lld:%g", l->seg[i].from, l->seg[i].to, l->seg[i].value);
}

static void check_lines(const struct td_meta_change *h, size_t n, const char *label,
			long long start, long long end, const char *want)
{
	struct td_graph_line lines[4];
	size_t nl = td_graph_thresholds(h, n, label, start, end, lines);
	struct td_buf b;
	td_buf_init(&b, 0);
	for (size_t i = 0; i < nl; i++) {
		if (i)
			td_buf_puts(&b, " | ");
		describe(&lines[i], &b);
	}
	if (strcmp(td_buf_str(&b), want))
		fail_msg("%s [%lld,%lld):\n got  \"%s\"\n want \"%s\"", label, start, end,
			 td_buf_str(&b), want);
	td_buf_cleanup(&b);
}

static void test_thresholds(void **state)
{
	(void)state;
	const struct td_meta_change h[] = {
		ch(100, "load1", "5", "10"),	 ch(100, "load5", "4", "8"),
		ch(200, "load1", "6", "10"), /* warn up; crit unchanged: crit stays one segment */
		ch(300, "load1", "", "10"),  /* warn removed: a gap */
		ch(400, "load1", "10:", "@2:3"), ch(500, "load1", "~:7", "1:20"),
	};
	/* the whole history */
	check_lines(h, N(h), "load1", 0, 1000,
		    "w- 400-500:10 | w+ 100-200:5 200-300:6 500-1000:7 | c- 400-500:2 500-1000:1 | "
		    "c+ 100-400:10 400-500:3 500-1000:20");
	/* clipped to a window: before the first change nothing holds */
	check_lines(h, N(h), "load1", 150, 250, "w+ 150-200:5 200-250:6 | c+ 150-250:10");
	check_lines(h, N(h), "load1", 0, 100, "");
	check_lines(h, N(h), "load1", 0, 101, "w+ 100-101:5 | c+ 100-101:10");
	/* the last change holds to the end of the window */
	check_lines(h, N(h), "load5", 5000, 6000, "w+ 5000-6000:4 | c+ 5000-6000:8");
	check_lines(h, N(h), "nope", 0, 1000, "");
	/* the order in the file does not matter, except among equal times */
	const struct td_meta_change shuffled[] = {
		ch(300, "x", "3", ""),
		ch(100, "x", "1", ""),
		ch(200, "x", "2", ""),
		ch(200, "x", "2.5", ""),
	};
	check_lines(shuffled, N(shuffled), "x", 0, 400, "w+ 100-200:1 200-300:2.5 300-400:3");
	/* garbage in the file is skipped, not drawn as 0 */
	const struct td_meta_change junk[] = {
		ch(100, "x", "abc", "1..2"),
		ch(200, "x", "-5:-1", "~:"),
		ch(300, "x", "@~:0", ""),
	};
	check_lines(junk, N(junk), "x", 0, 400, "w- 200-300:-5 | w+ 200-300:-1 300-400:0");
	/* more changes than a line holds: the latest are kept */
	struct td_meta_change *many = calloc(3 * TD_GRAPH_SEGMENTS_MAX, sizeof *many);
	char(*vals)[16] = calloc(3 * TD_GRAPH_SEGMENTS_MAX, 16);
	for (size_t i = 0; i < 3 * TD_GRAPH_SEGMENTS_MAX; i++) {
		snprintf(vals[i], 16, "%zu", i + 1);
		many[i] = ch((long)(10 * i), "m", vals[i], "");
	}
	struct td_graph_line lines[4];
	size_t nl = td_graph_thresholds(many, 3 * TD_GRAPH_SEGMENTS_MAX, "m", 0, 100000, lines);
	assert_int_equal(nl, 1);
	assert_int_equal(lines[0].n, TD_GRAPH_SEGMENTS_MAX);
	assert_true(lines[0].seg[TD_GRAPH_SEGMENTS_MAX - 1].value == 3 * TD_GRAPH_SEGMENTS_MAX);
	assert_int_equal(lines[0].seg[TD_GRAPH_SEGMENTS_MAX - 1].to, 100000);
	free(many);
	free(vals);
}

static void test_text(void **state)
{
	(void)state;
	struct td_buf b;
	char v[64];
	td_buf_init(&b, 0);
	td_graph_legend_text(&b, "deploy 12:00 a\\b\tc\x01", 100);
	assert_string_equal(td_buf_str(&b), "deploy 12\\:00 a/b c?");
	td_buf_reset(&b);
	td_graph_legend_text(&b, "0123456789", 4);
	assert_string_equal(td_buf_str(&b), "0123...");
	td_buf_cleanup(&b);
	assert_string_equal(td_graph_value_text(5, "", v, sizeof v), "5");
	assert_string_equal(td_graph_value_text(0.5, "s", v, sizeof v), "0.5 s");
	assert_string_equal(td_graph_value_text(80, "%", v, sizeof v), "80%");
	assert_string_equal(td_graph_value_text(3, "c", v, sizeof v), "3/s");
	assert_string_equal(td_graph_value_text(1073741824, "B", v, sizeof v), "1 GiB");
	assert_null(td_graph_daemon(NULL));
	assert_null(td_graph_daemon("127.0.0.1:42217"));
	assert_string_equal(td_graph_daemon("unix:/run/r.sock"), "unix:/run/r.sock");
	assert_string_equal(td_graph_daemon("/run/r.sock"), "/run/r.sock");
}

/* A data directory with web1/load (load1, load5: no unit) and web1/disk (/ and /var: B, pct: %). */
static char *make_store(void)
{
	char tmpl[] = "/tmp/test_graph.XXXXXX";
	char *dir = td_xstrdup(mkdtemp(tmpl));
	static const struct {
		const char *service, *label;
	} files[] = {
		{ "load", "load1" }, { "load", "load5" }, { "disk", "/" }, { "disk", "/var" },
		{ "disk", "pct" },   { "bare", "b" },	  { "bare", "a" },
	};
	long now = (long)time(NULL);
	for (size_t i = 0; i < N(files); i++) {
		char *rel = td_layout_metric_file("web1", files[i].service, files[i].label);
		char *path = td_xasprintf("%s/%s", dir, rel);
		char *d1 = td_xasprintf("%s/web1", dir);
		char *d2 = td_xasprintf("%s/web1/%s", dir, files[i].service);
		mkdir(d1, 0755);
		mkdir(d2, 0755);
		const char *args[] = { "DS:value:GAUGE:120:U:U", "RRA:AVERAGE:0.5:1:1500",
				       "RRA:MIN:0.5:1:1500", "RRA:MAX:0.5:1:1500" };
		rrd_clear_error();
		if (rrd_create_r(path, 60, now - 90000, 4, args) != 0)
			fail_msg("rrd_create %s: %s", path, rrd_get_error());
		for (long t = now / 60 * 60 - 86400; t <= now; t += 60) {
			char val[64];
			const char *u[1] = { val };
			snprintf(val, sizeof val, "%ld:%ld", t, 1 + (t / 60) % 5 + (long)i * 10);
			if (rrd_update_r(path, NULL, 1, u) != 0)
				fail_msg("rrd_update: %s", rrd_get_error());
		}
		free(rel);
		free(path);
		free(d1);
		free(d2);
	}
	char *meta = td_xasprintf("%s/web1/load/meta.json", dir);
	FILE *f = fopen(meta, "w");
	fprintf(
	    f,
	    "{\"format\":1,\"metrics\":{\"load1\":{\"uom\":\"\",\"warn\":\"5\",\"crit\":\"10\"},"
	    "\"load5\":{\"uom\":\"\",\"warn\":\"4\",\"crit\":\"8\"},"
	    "\"gone\":{\"uom\":\"\"}},"
	    "\"thresholds\":[{\"time\":%ld,\"label\":\"load1\",\"warn\":\"6\",\"crit\":\"12\"},"
	    "{\"time\":%ld,\"label\":\"load1\",\"warn\":\"5\",\"crit\":\"10\"},"
	    "{\"time\":%ld,\"label\":\"load5\",\"warn\":\"4\",\"crit\":\"8\"}]}\n",
	    now - 90000, now - 3600, now - 90000);
	fclose(f);
	free(meta);
	meta = td_xasprintf("%s/web1/disk/meta.json", dir);
	f = fopen(meta, "w");
	fputs(
	    "{\"metrics\":{\"/\":{\"uom\":\"B\"},\"pct\":{\"uom\":\"%\"},\"/var\":{\"uom\":\"B\"}},"
	    "\"thresholds\":[]}\n",
	    f);
	fclose(f);
	free(meta);
	return dir;
}

static void rm_store(char *dir)
{
	char *cmd = td_xasprintf("rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(dir);
}

static void test_service_and_select(void **state)
{
	(void)state;
	char *dir = make_store(), err[512];
	struct td_graph_service s;
	size_t idx[TD_GRAPH_METRICS_MAX], n;

	assert_int_equal(td_graph_service_open(dir, "web1", "load", &s, err, sizeof err), TD_OK);
	/* "gone" is in meta.json without a file: not offered */
	assert_int_equal(s.n_metrics, 2);
	assert_string_equal(s.metrics[0].label, "load1");
	assert_int_equal(s.meta.n_history, 3);
	assert_int_equal(td_graph_select(&s, NULL, 0, idx, &n, err, sizeof err), TD_OK);
	assert_int_equal(n, 2);
	const char *one[] = { "load5" }, *unknown[] = { "load15" }, *twice[] = { "load1", "load1" };
	assert_int_equal(td_graph_select(&s, one, 1, idx, &n, err, sizeof err), TD_OK);
	assert_int_equal(n, 1);
	assert_int_equal(idx[0], 1);
	assert_int_equal(td_graph_select(&s, unknown, 1, idx, &n, err, sizeof err), TD_E_NOTFOUND);
	assert_int_equal(td_graph_select(&s, twice, 2, idx, &n, err, sizeof err), TD_E_USAGE);
	td_graph_service_cleanup(&s);

	/* units group: the first metric's unit by default, mixing refused */
	assert_int_equal(td_graph_service_open(dir, "web1", "disk", &s, err, sizeof err), TD_OK);
	assert_int_equal(s.n_metrics, 3);
	assert_int_equal(td_graph_select(&s, NULL, 0, idx, &n, err, sizeof err), TD_OK);
	assert_int_equal(n, 2);
	assert_string_equal(s.metrics[idx[1]].label, "/var");
	const char *mixed[] = { "/", "pct" };
	assert_int_equal(td_graph_select(&s, mixed, 2, idx, &n, err, sizeof err), TD_E_USAGE);
	assert_non_null(strstr(err, "different units"));
	td_graph_service_cleanup(&s);

	/* without meta.json: every RRD, sorted */
	assert_int_equal(td_graph_service_open(dir, "web1", "bare", &s, err, sizeof err), TD_OK);
	assert_int_equal(s.n_metrics, 2);
	assert_string_equal(s.metrics[0].label, "a");
	td_graph_service_cleanup(&s);

	/* names that are not there, or that would climb out, are not found */
	static const struct {
		const char *host, *service;
	} bad[] = { { "web1", "nope" }, { "..", "web1" }, { "web1/..", "load" },
		    { ".", "." },	{ "", "" },	  { "web1", "../../etc" },
		    { "web1/load", "" } };
	for (size_t i = 0; i < N(bad); i++)
		if (td_graph_service_open(dir, bad[i].host, bad[i].service, &s, err, sizeof err) !=
		    TD_E_NOTFOUND)
			fail_msg("%s/%s was found", bad[i].host, bad[i].service);
	/* a link that leads out of the data directory is refused */
	char *link = td_xasprintf("%s/web1/out", dir);
	assert_int_equal(symlink("/tmp", link), 0);
	assert_int_equal(td_graph_service_open(dir, "web1", "out", &s, err, sizeof err),
			 TD_E_NOTFOUND);
	free(link);

	struct td_graph_entry *list;
	assert_int_equal(td_graph_list(dir, &list, &n, err, sizeof err), TD_OK);
	assert_int_equal(n, 3); /* the link is no service */
	assert_string_equal(list[0].service, "bare");
	assert_string_equal(list[1].service, "disk");
	assert_string_equal(list[2].service, "load");
	td_graph_list_free(list, n);
	rm_store(dir);
}

static bool has_arg(const struct td_graph_argv *a, const char *prefix)
{
	for (int i = 0; i < a->n; i++)
		if (!strncmp(a->v[i], prefix, strlen(prefix)))
			return true;
	return false;
}

static const char *find_arg(const struct td_graph_argv *a, const char *prefix)
{
	for (int i = 0; i < a->n; i++)
		if (!strncmp(a->v[i], prefix, strlen(prefix)))
			return a->v[i];
	return "";
}

static void test_args(void **state)
{
	(void)state;
	struct td_graph_metric m[2] = { { "load:1", "", "/data/a:b/load%3A1.rrd" },
					{ "pct", "%", "/data/p.rrd" } };
	struct td_meta_change h[] = { ch(1000, "load:1", "5", "10"),
				      ch(2000, "load:1", "6", "10") };
	struct td_graph_service s = { "web1", "load", "/data", m, 2, { NULL, 0, h, 2 } };
	struct td_event ev[2] = { { 1500, "deploy", "", "", "v1: done\\now" },
				  { 1600, "flag", "", "", "x" } };
	struct td_event_list el = { ev, 2, 0, 3 };
	size_t idx[1] = { 0 };
	struct td_graph_request r = { &s, idx, 1, 0, 3000, 600, 150, TD_GRAPH_SVG, &el, NULL };
	struct td_graph_argv a;
	td_graph_args(&r, &a);
	assert_string_equal(a.v[0], "graph");
	assert_string_equal(a.v[1], "-");
	assert_null(a.v[a.n]);
	assert_true(has_arg(&a, "SVG"));
	assert_true(has_arg(&a, "--start=0"));
	assert_true(has_arg(&a, "--end=3000"));
	assert_true(has_arg(&a, "--title=web1 / load / load:1"));
	assert_false(has_arg(&a, "--daemon"));
	assert_false(has_arg(&a, "--base=1024"));
	/* ':' in a file name is escaped inside a DEF */
	assert_string_equal(find_arg(&a, "DEF:v0="),
			    "DEF:v0=/data/a\\:b/load%3A1.rrd:value:AVERAGE");
	assert_true(has_arg(&a, "DEF:lo0="));
	assert_true(has_arg(&a, "AREA:band0#"));
	/* the legend escapes ':' too */
	assert_true(has_arg(&a, "LINE1.5:v0#1F77B4:load\\:1 "));
	/* thresholds: warn steps from 5 to 6 at 2000, crit 10 from 1000 on */
	assert_string_equal(
	    find_arg(&a, "CDEF:th0="),
	    "CDEF:th0=v0,POP,TIME,1000,LT,UNKN,TIME,2000,LT,5,TIME,2000,LT,UNKN,TIME,3000,"
	    "LT,6,UNKN,IF,IF,IF,IF");
	assert_string_equal(find_arg(&a, "CDEF:th1="),
			    "CDEF:th1=v0,POP,TIME,1000,LT,UNKN,TIME,3000,LT,10,UNKN,IF,IF");
	assert_string_equal(find_arg(&a, "LINE1:th0#"),
			    "LINE1:th0#E69F00:warn 5 -> 6\\l:dashes=6,3");
	assert_string_equal(find_arg(&a, "LINE1:th1#"), "LINE1:th1#D62728:crit 10\\l:dashes=6,3");
	/* events: their text with ':' escaped and no backslash left to start a directive */
	const char *vr = find_arg(&a, "VRULE:1500#");
	assert_non_null(strstr(vr, "deploy "));
	assert_non_null(strstr(vr, "v1\\: done/now\\l:dashes"));
	assert_true(has_arg(&a, "VRULE:1600#"));
	assert_string_equal(find_arg(&a, "COMMENT:"), "COMMENT:and 3 earlier events\\l");
	td_graph_argv_cleanup(&a);

	/* percent: from 0, no SI prefix; bytes: powers of 1024; rrdcached over a socket */
	idx[0] = 1;
	r.format = TD_GRAPH_PNG;
	r.events = NULL;
	r.rrdcached = "unix:/run/rrdcached.sock";
	td_graph_args(&r, &a);
	assert_true(has_arg(&a, "PNG"));
	assert_true(has_arg(&a, "--lower-limit=0"));
	assert_true(has_arg(&a, "--units-exponent=0"));
	assert_true(has_arg(&a, "--daemon=unix:/run/rrdcached.sock"));
	assert_false(has_arg(&a, "VRULE"));
	assert_false(has_arg(&a, "CDEF:th"));
	td_graph_argv_cleanup(&a);
	snprintf(m[1].uom, sizeof m[1].uom, "B");
	td_graph_args(&r, &a);
	assert_true(has_arg(&a, "--base=1024"));
	td_graph_argv_cleanup(&a);
}

static void test_render(void **state)
{
	(void)state;
	char *dir = make_store(), err[512];
	struct td_graph_service s;
	size_t idx[TD_GRAPH_METRICS_MAX], n;
	assert_int_equal(td_graph_service_open(dir, "web1", "load", &s, err, sizeof err), TD_OK);
	assert_int_equal(td_graph_select(&s, NULL, 0, idx, &n, err, sizeof err), TD_OK);
	long long now = (long long)time(NULL);
	struct td_event ev = { now - 1800, "deploy", "web1", "", "shop <1.4.2> & more" };
	struct td_event_list el = { &ev, 1, 0, 0 };
	struct td_graph_request r = {
		&s, idx, n, now - 7200, now, 400, 100, TD_GRAPH_SVG, &el, NULL
	};
	struct td_graph_image img;
	assert_int_equal(td_graph_render(&r, &img, err, sizeof err), TD_OK);
	assert_true(img.len > 10000);
	char *svg = td_xstrndup((const char *)img.data, img.len);
	assert_non_null(strstr(svg, "<svg"));
	assert_non_null(strstr(svg, "<title>web1 / load</title>"));
	/* the summary: values (1..5 for load1, 11..15 for load5), thresholds, the event, escaped */
	assert_non_null(strstr(svg, "warn load1 6 -&gt; 5"));
	assert_non_null(strstr(svg, "crit load1 12 -&gt; 10"));
	assert_non_null(strstr(svg, "warn load5 4"));
	assert_non_null(strstr(svg, "load5 last 1"));
	if (!strstr(svg, "max 15"))
		fail_msg("%s", strstr(svg, "<desc>"));
	assert_non_null(strstr(svg, "shop &lt;1.4.2&gt; &amp; more"));
	free(svg);
	td_graph_image_cleanup(&img);

	r.format = TD_GRAPH_PNG;
	assert_int_equal(td_graph_render(&r, &img, err, sizeof err), TD_OK);
	assert_true(img.len > 1000);
	assert_memory_equal(img.data, "\x89PNG\r\n\x1a\n", 8);
	td_graph_image_cleanup(&img);

	long long last;
	unsigned long step;
	assert_int_equal(td_graph_rrd_stat(s.metrics[0].path, &last, &step), TD_OK);
	assert_int_equal(step, 60);
	assert_true(last > now - 120 && last <= now);
	assert_int_equal(td_graph_rrd_stat("/nonexistent.rrd", &last, &step), TD_E_NOTFOUND);

	/* a file that is no RRD: an error, not a crash */
	FILE *f = fopen(s.metrics[0].path, "w");
	fputs("not an rrd", f);
	fclose(f);
	assert_int_equal(td_graph_render(&r, &img, err, sizeof err), TD_E_IO);
	assert_non_null(strstr(err, "rrd_graph"));
	td_graph_service_cleanup(&s);
	rm_store(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_thresholds),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_service_and_select),
		cmocka_unit_test(test_args),
		cmocka_unit_test(test_render),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

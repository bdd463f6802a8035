/* test_meta.c - meta.c: a service's meta.json, its threshold history, write and load. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <ftw.h>
#include <json-c/json.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tandem/meta.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct fixture {
	char dir[PATH_MAX];
};

static int setup(void **state)
{
	struct fixture *fx = td_xcalloc(1, sizeof *fx);
	const char *tmp = getenv("TMPDIR");
	snprintf(fx->dir, sizeof fx->dir, "%s/td-meta-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(fx->dir))
		return -1;
	*state = fx;
	return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	nftw(fx->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return 0;
}

/* Adds a metric with thresholds given as range text ("" or NULL: none). */
static struct td_metric *metric(struct td_result *r, const char *label, double value,
				const char *uom, const char *warn, const char *crit)
{
	struct td_metric *m = td_result_metric(r, label, value, uom);
	char err[256];
	if (warn && *warn && td_range_parse(warn, 0, &m->warn, err, sizeof err) != TD_OK)
		fail_msg("warn \"%s\": %s", warn, err);
	if (crit && *crit && td_range_parse(crit, 0, &m->crit, err, sizeof err) != TD_OK)
		fail_msg("crit \"%s\": %s", crit, err);
	return m;
}

static void assert_change(const struct td_meta *m, size_t i, long time, const char *label,
			  const char *warn, const char *crit)
{
	if (i >= m->n_history)
		fail_msg("history has %zu entries, wanted entry %zu", m->n_history, i);
	const struct td_meta_change *h = &m->history[i];
	if (h->time != time || strcmp(h->label, label) || strcmp(h->warn, warn) ||
	    strcmp(h->crit, crit))
		fail_msg("history %zu: %ld %s \"%s\" \"%s\", wanted %ld %s \"%s\" \"%s\"", i,
			 h->time, h->label, h->warn, h->crit, time, label, warn, crit);
}

static const struct td_meta_metric *find(const struct td_meta *m, const char *label)
{
	for (size_t i = 0; i < m->n_metrics; i++)
		if (!strcmp(m->metrics[i].label, label))
			return &m->metrics[i];
	fail_msg("no metric \"%s\"", label);
	return NULL;
}

/* New labels and threshold changes are recorded, once each; the rest only updates. */
static void test_meta_update(void **state)
{
	(void)state;
	struct td_meta m;
	td_meta_init(&m);
	static const struct {
		long when;
		const char *warn, *crit; /* of load1; NULL: load1 not in this run */
		bool extra;              /* load15 in this run too */
		bool changed;
		size_t n_metrics, n_history;
	} runs[] = {
		{ 1000, "5", "10", false, true, 3, 3 },     /* three new labels */
		{ 1060, "5", "10", false, false, 3, 3 },    /* nothing new */
		{ 1120, "0:5", "10", false, false, 3, 3 },  /* the same range, written otherwise */
		{ 1180, "6", "10", false, true, 3, 4 },     /* warn changed */
		{ 1240, "6", "@10:20", false, true, 3, 5 }, /* crit changed */
		{ 1300, "6", "@10:20", true, true, 4, 6 },  /* a new label */
		{ 1360, NULL, NULL, true, false, 4, 6 },    /* load1 missing: stays listed */
		{ 1420, "", "", false, true, 4, 7 },        /* thresholds removed */
		{ 1480, "", "", false, false, 4, 7 },
	};
	for (size_t i = 0; i < N(runs); i++) {
		struct td_result r;
		td_result_init(&r);
		if (runs[i].warn)
			metric(&r, "load1", 0.5 + (double)i, NULL, runs[i].warn, runs[i].crit);
		metric(&r, "load5", 0.25, NULL, NULL, NULL);
		struct td_metric *used = metric(&r, "used", 100.0 * (double)i, "B", NULL, NULL);
		used->has_min = true;
		used->min = 0;
		used->has_max = i > 2;
		used->max = 1e9;
		if (runs[i].extra)
			metric(&r, "load15", 0.125, NULL, "1:", "~:2");
		bool changed = td_meta_update(&m, runs[i].when, &r);
		if (changed != runs[i].changed || m.n_metrics != runs[i].n_metrics ||
		    m.n_history != runs[i].n_history)
			fail_msg("run %zu: changed %d, %zu metrics, %zu changes", i, changed,
				 m.n_metrics, m.n_history);
		/* every run's values, units, min and max are taken */
		const struct td_meta_metric *u = find(&m, "used");
		assert_string_equal(u->uom, "B");
		assert_true(u->known && u->value == 100.0 * (double)i);
		assert_true(u->has_min && u->min == 0);
		assert_int_equal(u->has_max, i > 2);
		td_result_cleanup(&r);
	}
	assert_change(&m, 0, 1000, "load1", "5", "10");
	assert_change(&m, 1, 1000, "load5", "", "");
	assert_change(&m, 2, 1000, "used", "", "");
	assert_change(&m, 3, 1180, "load1", "6", "10");
	assert_change(&m, 4, 1240, "load1", "6", "@10:20");
	assert_change(&m, 5, 1300, "load15", "1:", "~:2");
	assert_change(&m, 6, 1420, "load1", "", "");
	const struct td_meta_metric *l1 = find(&m, "load1");
	assert_string_equal(l1->warn, "");
	assert_string_equal(l1->crit, "");
	assert_true(l1->value == 8.5);
	/* labels in the order they first appeared */
	static const char *const order[] = { "load1", "load5", "used", "load15" };
	for (size_t i = 0; i < N(order); i++)
		assert_string_equal(m.metrics[i].label, order[i]);

	/* an empty run changes nothing */
	struct td_result r;
	td_result_init(&r);
	assert_false(td_meta_update(&m, 2000, &r));
	td_result_cleanup(&r);
	td_meta_cleanup(&m);
	assert_int_equal(m.n_metrics, 0);
	td_meta_cleanup(&m); /* twice is harmless */
}

static json_object *get(json_object *o, const char *key)
{
	json_object *v = NULL;
	if (!json_object_object_get_ex(o, key, &v))
		fail_msg("no \"%s\" in %s", key, json_object_to_json_string(o));
	return v;
}

static const char *get_str(json_object *o, const char *key)
{
	json_object *v = get(o, key);
	if (!json_object_is_type(v, json_type_string))
		fail_msg("\"%s\" is no string", key);
	return json_object_get_string(v);
}

static bool has(json_object *o, const char *key)
{
	return json_object_object_get_ex(o, key, NULL);
}

/* Builds the meta of a typical run (the caller cleans up). */
static void sample_meta(struct td_meta *m)
{
	struct td_result r;
	td_meta_init(m);
	td_result_init(&r);
	metric(&r, "load1", 0.5, NULL, "5", "10");
	struct td_metric *x = metric(&r, "/var used", 1073741824, "B", "@0:10", "~:20");
	x->has_min = true;
	x->min = 0;
	x->has_max = true;
	x->max = 2147483648.0;
	metric(&r, "packets", 12345, "c", NULL, NULL);
	x = metric(&r, "missing", 0, "s", NULL, "1");
	x->known = false;
	td_meta_update(m, 1700000000, &r);
	td_result_cleanup(&r);
	td_result_init(&r);
	metric(&r, "load1", 0.75, NULL, "6", "10");
	td_meta_update(m, 1700000060, &r);
	td_result_cleanup(&r);
}

static const struct td_meta_run sample_run = {
	.host = "web1",
	.service = "load",
	.command = "check_load -w 6 -c 10",
	.source = "tandemd",
	.interval = 60,
	.time = 1700000060,
	.state = TD_STATE_WARNING,
	.output = "load average: 0.75",
	.long_output = "top: 1 process\nsecond line",
};

/* The text is JSON with every field of meta.h. */
static void test_meta_json(void **state)
{
	(void)state;
	struct td_meta m;
	sample_meta(&m);
	char *text = td_meta_json(&m, &sample_run);
	json_object *root = json_tokener_parse(text);
	if (!root)
		fail_msg("not JSON:\n%s", text);
	assert_int_equal(json_object_get_int(get(root, "format")), 1);
	assert_string_equal(get_str(root, "host"), "web1");
	assert_string_equal(get_str(root, "service"), "load");
	assert_string_equal(get_str(root, "command"), "check_load -w 6 -c 10");
	assert_true(json_object_get_double(get(root, "interval")) == 60);
	assert_string_equal(get_str(root, "source"), "tandemd");
	json_object *last = get(root, "last");
	assert_int_equal(json_object_get_int64(get(last, "time")), 1700000060);
	assert_int_equal(json_object_get_int(get(last, "state")), 1);
	assert_string_equal(get_str(last, "state_name"), "WARNING");
	assert_string_equal(get_str(last, "output"), "load average: 0.75");
	assert_string_equal(get_str(last, "long_output"), "top: 1 process\nsecond line");

	json_object *metrics = get(root, "metrics");
	assert_true(json_object_is_type(metrics, json_type_object));
	assert_int_equal(json_object_object_length(metrics), 4);
	json_object *l1 = get(metrics, "load1");
	assert_string_equal(get_str(l1, "file"), "load1.rrd");
	assert_string_equal(get_str(l1, "uom"), "");
	assert_string_equal(get_str(l1, "type"), "GAUGE");
	assert_string_equal(get_str(l1, "warn"), "6");
	assert_string_equal(get_str(l1, "crit"), "10");
	assert_true(json_object_get_double(get(l1, "value")) == 0.75);
	assert_false(has(l1, "min"));
	assert_false(has(l1, "max"));
	json_object *v = get(metrics, "/var used");
	char *rel = td_layout_metric_file("web1", "load", "/var used");
	assert_string_equal(get_str(v, "file"), strrchr(rel, '/') + 1);
	free(rel);
	assert_string_equal(get_str(v, "file"), "%2Fvar%20used.rrd");
	assert_string_equal(get_str(v, "uom"), "B");
	assert_true(json_object_get_double(get(v, "min")) == 0);
	assert_true(json_object_get_double(get(v, "max")) == 2147483648.0);
	assert_true(json_object_get_double(get(v, "value")) == 1073741824.0);
	assert_string_equal(get_str(v, "warn"), "@0:10");
	assert_string_equal(get_str(v, "crit"), "~:20");
	assert_string_equal(get_str(get(metrics, "packets"), "type"), "DERIVE");
	assert_false(has(get(metrics, "missing"), "value")); /* unknown: no value */

	json_object *th = get(root, "thresholds");
	assert_true(json_object_is_type(th, json_type_array));
	assert_int_equal(json_object_array_length(th), 5);
	json_object *h = json_object_array_get_idx(th, 4);
	assert_int_equal(json_object_get_int64(get(h, "time")), 1700000060);
	assert_string_equal(get_str(h, "label"), "load1");
	assert_string_equal(get_str(h, "warn"), "6");
	assert_string_equal(get_str(h, "crit"), "10");
	json_object_put(root);
	free(text);
	td_meta_cleanup(&m);

	/* nothing measured yet, no output */
	td_meta_init(&m);
	struct td_meta_run bare = { .host = "h", .service = "s", .command = "c",
				    .source = "process", .interval = 0.5,
				    .state = TD_STATE_UNKNOWN };
	text = td_meta_json(&m, &bare);
	root = json_tokener_parse(text);
	if (!root)
		fail_msg("not JSON:\n%s", text);
	assert_int_equal(json_object_object_length(get(root, "metrics")), 0);
	assert_int_equal(json_object_array_length(get(root, "thresholds")), 0);
	assert_string_equal(get_str(get(root, "last"), "output"), "");
	assert_string_equal(get_str(get(root, "last"), "long_output"), "");
	assert_string_equal(get_str(get(root, "last"), "state_name"), "UNKNOWN");
	assert_true(json_object_get_double(get(root, "interval")) == 0.5);
	json_object_put(root);
	free(text);
}

/* Whatever a plugin prints, and whatever a label holds, the file stays JSON and says it exactly. */
static void test_meta_json_escaping(void **state)
{
	(void)state;
	static const char *const texts[] = {
		"say \"hi\"",
		"back\\slash \\\" \\n",
		"line 1\nline 2\r\nline 3",
		"tab\there",
		"\x01\x02\x1f control \x7f",
		"\x1b[31mred\x1b[0m",
		"caf\xc3\xa9 \xe2\x82\xac",
		"</script><script>",
		"{\"json\": [1, 2]}",
		"'single'",
		"",
	};
	for (size_t i = 0; i < N(texts); i++) {
		struct td_meta m;
		td_meta_init(&m);
		struct td_result r;
		td_result_init(&r);
		metric(&r, texts[i], 1, NULL, "1", NULL);
		td_meta_update(&m, 5, &r);
		td_result_cleanup(&r);
		struct td_meta_run run = sample_run;
		run.host = run.service = run.command = run.output = run.long_output = texts[i];
		char *text = td_meta_json(&m, &run);
		json_object *root = json_tokener_parse(text);
		if (!root)
			fail_msg("case %zu: not JSON:\n%s", i, text);
		assert_string_equal(get_str(root, "host"), texts[i]);
		assert_string_equal(get_str(root, "service"), texts[i]);
		assert_string_equal(get_str(root, "command"), texts[i]);
		assert_string_equal(get_str(get(root, "last"), "output"), texts[i]);
		assert_string_equal(get_str(get(root, "last"), "long_output"), texts[i]);
		json_object *mm = get(get(root, "metrics"), texts[i]);
		struct td_buf enc;
		td_buf_init(&enc, 0);
		td_layout_component(&enc, texts[i]);
		td_buf_puts(&enc, ".rrd");
		assert_string_equal(get_str(mm, "file"), td_buf_str(&enc));
		td_buf_cleanup(&enc);
		json_object *h = json_object_array_get_idx(get(root, "thresholds"), 0);
		assert_string_equal(get_str(h, "label"), texts[i]);
		/* raw control characters never reach the file */
		for (const char *p = text; *p; p++)
			if ((unsigned char)*p < 0x20 && *p != '\n')
				fail_msg("case %zu: raw byte 0x%02x in the text", i, *p);
		json_object_put(root);
		free(text);
		td_meta_cleanup(&m);
	}
}

/* Numbers a probe may produce that JSON has no words for: the file stays JSON. */
static void test_meta_json_nonfinite(void **state)
{
	(void)state;
	static const double values[] = { NAN, INFINITY, -INFINITY, 1e15, -0.0, 1e-7 };
	for (size_t i = 0; i < N(values); i++) {
		struct td_meta m;
		td_meta_init(&m);
		struct td_result r;
		td_result_init(&r);
		struct td_metric *x = metric(&r, "rate", values[i], NULL, NULL, NULL);
		x->has_min = x->has_max = true;
		x->min = values[i];
		x->max = values[i];
		td_meta_update(&m, 5, &r);
		td_result_cleanup(&r);
		struct td_meta_run run = sample_run;
		run.interval = 60;
		char *text = td_meta_json(&m, &run);
		json_object *root = json_tokener_parse(text);
		if (!root)
			fail_msg("value %g: not JSON:\n%s", values[i], text);
		json_object *rate = get(get(root, "metrics"), "rate");
		if (isfinite(values[i])) {
			assert_true(fabs(json_object_get_double(get(rate, "value")) - values[i]) <=
				    fabs(values[i]) * 1e-9);
		} else {
			assert_false(has(rate, "value") &&
				     !json_object_is_type(get(rate, "value"), json_type_null));
		}
		json_object_put(root);
		free(text);
		td_meta_cleanup(&m);
	}
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return NULL;
	struct td_buf b;
	td_buf_init(&b, 0);
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		td_buf_append(&b, chunk, n);
	fclose(f);
	char *s = td_buf_steal(&b);
	return s ? s : td_xstrdup("");
}

/* The names in dir, sorted and joined by spaces. */
static char *listing(const char *dir)
{
	char *names[64];
	size_t n = 0;
	DIR *d = opendir(dir);
	assert_non_null(d);
	struct dirent *de;
	while ((de = readdir(d)) && n < 64)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			names[n++] = td_xstrdup(de->d_name);
	closedir(d);
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			char *t = names[j];
			names[j] = names[j - 1];
			names[j - 1] = t;
		}
	struct td_buf b;
	td_buf_init(&b, 0);
	for (size_t i = 0; i < n; i++) {
		td_buf_printf(&b, "%s%s", i ? " " : "", names[i]);
		free(names[i]);
	}
	char *s = td_buf_steal(&b);
	return s ? s : td_xstrdup("");
}

/* Written whole through a temporary file and rename: nothing else is left. */
static void test_meta_write(void **state)
{
	struct fixture *fx = *state;
	char *path = td_xasprintf("%s/meta.json", fx->dir);
	char err[512] = "";
	assert_int_equal(td_meta_write(path, "{\"a\": 1}\n", err, sizeof err), TD_OK);
	char *text = slurp(path);
	assert_string_equal(text, "{\"a\": 1}\n");
	free(text);
	char *names = listing(fx->dir);
	assert_string_equal(names, "meta.json");
	free(names);

	/* replaced, not appended to */
	assert_int_equal(td_meta_write(path, "{}\n", err, sizeof err), TD_OK);
	text = slurp(path);
	assert_string_equal(text, "{}\n");
	free(text);
	names = listing(fx->dir);
	assert_string_equal(names, "meta.json");
	free(names);

	/* a directory that does not exist */
	char *bad = td_xasprintf("%s/no/meta.json", fx->dir);
	assert_int_equal(td_meta_write(bad, "{}", err, sizeof err), TD_E_IO);
	assert_non_null(strstr(err, bad));
	free(bad);
	/* a target that cannot be replaced: the temporary file goes again */
	char *sub = td_xasprintf("%s/sub", fx->dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	char *blocker = td_xasprintf("%s/meta.json", sub);
	assert_int_equal(mkdir(blocker, 0755), 0);
	char *inner = td_xasprintf("%s/x", blocker);
	FILE *f = fopen(inner, "we");
	fclose(f);
	assert_int_equal(td_meta_write(blocker, "{}", err, sizeof err), TD_E_IO);
	names = listing(sub);
	assert_string_equal(names, "meta.json");
	free(names);
	free(inner);
	free(blocker);
	free(sub);
	free(path);
}

/* What is written is what is loaded: metrics with their details, and the history. */
static void test_meta_load_roundtrip(void **state)
{
	struct fixture *fx = *state;
	struct td_meta m;
	sample_meta(&m);
	struct td_result r;
	td_result_init(&r);
	metric(&r, "q\"uote\n", 3, "%", "80", "90");
	td_meta_update(&m, 1700000120, &r);
	td_result_cleanup(&r);

	char *text = td_meta_json(&m, &sample_run);
	char *path = td_xasprintf("%s/meta.json", fx->dir);
	char err[512];
	assert_int_equal(td_meta_write(path, text, err, sizeof err), TD_OK);

	struct td_meta back;
	td_meta_init(&back);
	assert_int_equal(td_meta_load(&back, path), TD_OK);
	assert_int_equal(back.n_metrics, m.n_metrics);
	for (size_t i = 0; i < m.n_metrics; i++) {
		const struct td_meta_metric *a = &m.metrics[i], *b = &back.metrics[i];
		if (strcmp(a->label, b->label) || strcmp(a->uom, b->uom) ||
		    strcmp(a->warn, b->warn) || strcmp(a->crit, b->crit) ||
		    a->has_min != b->has_min || (a->has_min && a->min != b->min) ||
		    a->has_max != b->has_max || (a->has_max && a->max != b->max) || a->known != b->known ||
		    (a->known && a->value != b->value))
			fail_msg("metric %zu \"%s\" does not come back the same", i, a->label);
	}
	assert_int_equal(back.n_history, m.n_history);
	for (size_t i = 0; i < m.n_history; i++)
		assert_change(&back, i, m.history[i].time, m.history[i].label, m.history[i].warn,
			      m.history[i].crit);
	/* and the file written from it is the same file */
	char *again = td_meta_json(&back, &sample_run);
	assert_string_equal(again, text);
	free(again);

	/* after a restart, the same thresholds are no change */
	td_result_init(&r);
	metric(&r, "load1", 0.75, NULL, "6", "10");
	metric(&r, "q\"uote\n", 3, "%", "80", "90");
	assert_false(td_meta_update(&back, 1700000180, &r));
	assert_int_equal(back.n_history, m.n_history);
	td_result_cleanup(&r);

	td_meta_cleanup(&back);
	td_meta_cleanup(&m);
	free(path);
	free(text);
}

/* Nothing usable: TD_E_NOTFOUND and an empty meta. */
static void test_meta_load_bad(void **state)
{
	struct fixture *fx = *state;
	static const char *const bad[] = {
		NULL, /* no file */
		"",
		"garbage",
		"{\"metrics\": {\"load1\": {\"uom\": \"\"",
		"{\"metrics\": }",
		"[]",
		"42",
		"null",
		"\"meta\"",
	};
	char *path = td_xasprintf("%s/meta.json", fx->dir);
	for (size_t i = 0; i < N(bad); i++) {
		unlink(path);
		if (bad[i]) {
			FILE *f = fopen(path, "we");
			fputs(bad[i], f);
			fclose(f);
		}
		struct td_meta m;
		td_meta_init(&m);
		enum td_err rc = td_meta_load(&m, path);
		if (rc != TD_E_NOTFOUND || m.n_metrics || m.n_history || m.metrics || m.history)
			fail_msg("case %zu: rc %d, %zu metrics, %zu changes", i, rc, m.n_metrics,
				 m.n_history);
		td_meta_cleanup(&m);
	}

	/* odd parts are skipped, the good ones kept */
	FILE *f = fopen(path, "we");
	fputs("{\"metrics\": [], \"thresholds\": [{\"time\": 5}, {\"label\": \"x\"}, null, 7, "
	      "{\"time\": 9, \"label\": \"y\", \"warn\": \"1\"}]}",
	      f);
	fclose(f);
	struct td_meta m;
	td_meta_init(&m);
	assert_int_equal(td_meta_load(&m, path), TD_OK);
	assert_int_equal(m.n_metrics, 0);
	assert_int_equal(m.n_history, 1);
	assert_change(&m, 0, 9, "y", "1", "");
	td_meta_cleanup(&m);
	free(path);
}

/* The history keeps the newest 500 changes, from updates and from a file alike. */
static void test_meta_history_cap(void **state)
{
	struct fixture *fx = *state;
	struct td_meta m;
	td_meta_init(&m);
	for (int i = 0; i < 600; i++) {
		struct td_result r;
		td_result_init(&r);
		char warn[16];
		snprintf(warn, sizeof warn, "%d", i + 1);
		metric(&r, "x", 1, NULL, warn, NULL);
		assert_true(td_meta_update(&m, 1000 + i, &r));
		td_result_cleanup(&r);
	}
	assert_int_equal(m.n_metrics, 1);
	assert_int_equal(m.n_history, 500);
	assert_change(&m, 0, 1100, "x", "101", "");
	assert_change(&m, 499, 1599, "x", "600", "");
	td_meta_cleanup(&m);

	struct td_buf b;
	td_buf_init(&b, 0);
	td_buf_puts(&b, "{\"thresholds\": [");
	for (int i = 0; i < 600; i++) {
		td_buf_printf(&b, "%s{\"time\": %d, \"label\": \"x\", ", i ? "," : "", i);
		td_buf_printf(&b, "\"warn\": \"%d\", \"crit\": \"\"}", i);
	}
	td_buf_puts(&b, "]}");
	char *path = td_xasprintf("%s/meta.json", fx->dir);
	char err[256];
	assert_int_equal(td_meta_write(path, td_buf_str(&b), err, sizeof err), TD_OK);
	td_meta_init(&m);
	assert_int_equal(td_meta_load(&m, path), TD_OK);
	assert_int_equal(m.n_history, 500);
	assert_change(&m, 0, 100, "x", "100", "");
	assert_change(&m, 499, 599, "x", "599", "");
	td_meta_cleanup(&m);
	td_buf_cleanup(&b);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_meta_update),
		cmocka_unit_test(test_meta_json),
		cmocka_unit_test(test_meta_json_escaping),
		cmocka_unit_test(test_meta_json_nonfinite),
		cmocka_unit_test_setup_teardown(test_meta_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_meta_load_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_meta_load_bad, setup, teardown),
		cmocka_unit_test_setup_teardown(test_meta_history_cap, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

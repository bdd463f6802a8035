/*
 * meta.c - the metadata file of a service: DATA_DIR/<host>/<service>/meta.json.
 *
 * It tells a grapher what the RRD files are (labels, units, data source
 * types), what ran (the command) and with what result (last state and
 * output), and which warn/crit thresholds held from when, so a graph can draw
 * the thresholds of each moment. Written atomically (temporary file, rename)
 * after every run; read back at start so the threshold history survives
 * restarts. Written by hand (it is small and flat), read with json-c.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tandem/meta.h"
#include "tandem/unit.h"

/* The history keeps this many changes; the oldest go first. */
#define TD_META_MAX_HISTORY 500

static void td_json_str(struct td_buf *b, const char *s)
{
	td_buf_putc(b, '"');
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		switch (*p) {
		case '"': td_buf_puts(b, "\\\""); break;
		case '\\': td_buf_puts(b, "\\\\"); break;
		case '\n': td_buf_puts(b, "\\n"); break;
		case '\r': td_buf_puts(b, "\\r"); break;
		case '\t': td_buf_puts(b, "\\t"); break;
		default:
			if (*p < 0x20)
				td_buf_printf(b, "\\u%04x", *p);
			else
				td_buf_putc(b, (char)*p);
		}
	}
	td_buf_putc(b, '"');
}

void td_meta_init(struct td_meta *m)
{
	memset(m, 0, sizeof *m);
}

void td_meta_cleanup(struct td_meta *m)
{
	for (size_t i = 0; i < m->n_metrics; i++) {
		free(m->metrics[i].label);
		free(m->metrics[i].warn);
		free(m->metrics[i].crit);
	}
	free(m->metrics);
	for (size_t i = 0; i < m->n_history; i++) {
		free(m->history[i].label);
		free(m->history[i].warn);
		free(m->history[i].crit);
	}
	free(m->history);
	memset(m, 0, sizeof *m);
}

static struct td_meta_metric *td_meta_find(struct td_meta *m, const char *label)
{
	for (size_t i = 0; i < m->n_metrics; i++)
		if (!strcmp(m->metrics[i].label, label))
			return &m->metrics[i];
	return NULL;
}

static void td_meta_history_add(struct td_meta *m, long when, const char *label, const char *warn,
				const char *crit)
{
	if (m->n_history == TD_META_MAX_HISTORY) {
		free(m->history[0].label);
		free(m->history[0].warn);
		free(m->history[0].crit);
		memmove(m->history, m->history + 1, (m->n_history - 1) * sizeof *m->history);
		m->n_history--;
	}
	m->history = td_xrealloc(m->history, (m->n_history + 1) * sizeof *m->history);
	struct td_meta_change *h = &m->history[m->n_history++];
	h->time = when;
	h->label = td_xstrdup(label);
	h->warn = td_xstrdup(warn);
	h->crit = td_xstrdup(crit);
}

bool td_meta_update(struct td_meta *m, long when, const struct td_result *res)
{
	bool changed = false;
	for (size_t i = 0; i < res->n_metrics; i++) {
		const struct td_metric *x = &res->metrics[i];
		struct td_meta_metric *mm = td_meta_find(m, x->label);
		if (!mm) {
			m->metrics = td_xrealloc(m->metrics, (m->n_metrics + 1) * sizeof *m->metrics);
			mm = &m->metrics[m->n_metrics++];
			memset(mm, 0, sizeof *mm);
			mm->label = td_xstrdup(x->label);
			changed = true;
		}
		if (strcmp(mm->uom, x->uom))
			snprintf(mm->uom, sizeof mm->uom, "%s", x->uom);
		mm->has_min = x->has_min;
		mm->min = x->min;
		mm->has_max = x->has_max;
		mm->max = x->max;
		mm->known = x->known;
		mm->value = x->value;
		/* the same ranges as last time: nothing to format or compare (every run) */
		if (mm->have_ranges && td_range_equal(&mm->rwarn, &x->warn) &&
		    td_range_equal(&mm->rcrit, &x->crit))
			continue;
		char w[TD_RANGE_MAX], c[TD_RANGE_MAX];
		td_range_format(&x->warn, w, sizeof w);
		td_range_format(&x->crit, c, sizeof c);
		mm->rwarn = x->warn;
		mm->rcrit = x->crit;
		mm->have_ranges = true;
		if (!mm->warn || strcmp(mm->warn, w) || strcmp(mm->crit, c)) {
			free(mm->warn);
			free(mm->crit);
			mm->warn = td_xstrdup(w);
			mm->crit = td_xstrdup(c);
			td_meta_history_add(m, when, x->label, w, c);
			changed = true;
		}
	}
	return changed;
}

char *td_meta_json(const struct td_meta *m, const struct td_meta_run *run)
{
	struct td_buf b;
	char num[TD_NUMBER_MAX];
	td_buf_init(&b, 16 * 1024 * 1024);
	td_buf_puts(&b, "{\n  \"format\": 1,\n  \"host\": ");
	td_json_str(&b, run->host);
	td_buf_puts(&b, ",\n  \"service\": ");
	td_json_str(&b, run->service);
	td_buf_puts(&b, ",\n  \"command\": ");
	td_json_str(&b, run->command);
	td_buf_printf(&b, ",\n  \"interval\": %s", td_fmt_number(run->interval, num, sizeof num));
	td_buf_puts(&b, ",\n  \"source\": ");
	td_json_str(&b, run->source);
	td_buf_printf(&b, ",\n  \"last\": {\"time\": %ld, \"state\": %d, \"state_name\": ", run->time,
		      (int)run->state);
	td_json_str(&b, td_state_name(run->state));
	td_buf_puts(&b, ", \"output\": ");
	td_json_str(&b, run->output);
	td_buf_puts(&b, ", \"long_output\": ");
	td_json_str(&b, run->long_output);
	td_buf_puts(&b, "},\n  \"metrics\": {");
	for (size_t i = 0; i < m->n_metrics; i++) {
		const struct td_meta_metric *mm = &m->metrics[i];
		char *file = NULL;
		struct td_buf fb;
		td_buf_init(&fb, 0);
		td_layout_component(&fb, mm->label);
		td_buf_puts(&fb, ".rrd");
		file = td_buf_steal(&fb);
		td_buf_puts(&b, i ? ",\n    " : "\n    ");
		td_json_str(&b, mm->label);
		td_buf_puts(&b, ": {\"file\": ");
		td_json_str(&b, file);
		td_buf_puts(&b, ", \"uom\": ");
		td_json_str(&b, mm->uom);
		td_buf_printf(&b, ", \"type\": \"%s\"", strcmp(mm->uom, "c") ? "GAUGE" : "DERIVE");
		/* JSON has no NaN or infinity (td_fmt_number prints them as U): leave them out */
		if (mm->has_min && isfinite(mm->min))
			td_buf_printf(&b, ", \"min\": %s", td_fmt_number(mm->min, num, sizeof num));
		if (mm->has_max && isfinite(mm->max))
			td_buf_printf(&b, ", \"max\": %s", td_fmt_number(mm->max, num, sizeof num));
		td_buf_puts(&b, ", \"warn\": ");
		td_json_str(&b, mm->warn);
		td_buf_puts(&b, ", \"crit\": ");
		td_json_str(&b, mm->crit);
		if (mm->known && isfinite(mm->value))
			td_buf_printf(&b, ", \"value\": %s", td_fmt_number(mm->value, num, sizeof num));
		td_buf_puts(&b, "}");
		free(file);
	}
	td_buf_puts(&b, m->n_metrics ? "\n  },\n  \"thresholds\": [" : "},\n  \"thresholds\": [");
	for (size_t i = 0; i < m->n_history; i++) {
		const struct td_meta_change *h = &m->history[i];
		td_buf_printf(&b, "%s{\"time\": %ld, \"label\": ", i ? ",\n    " : "\n    ", h->time);
		td_json_str(&b, h->label);
		td_buf_puts(&b, ", \"warn\": ");
		td_json_str(&b, h->warn);
		td_buf_puts(&b, ", \"crit\": ");
		td_json_str(&b, h->crit);
		td_buf_puts(&b, "}");
	}
	td_buf_puts(&b, m->n_history ? "\n  ]\n}\n" : "]\n}\n");
	return td_buf_steal(&b);
}

enum td_err td_meta_write(const char *path, const char *json, char *err, size_t errlen)
{
	char *tmp = td_xasprintf("%s.tmp", path);
	enum td_err rc = TD_OK;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t len = strlen(json);
	if (fd < 0 || write(fd, json, len) != (ssize_t)len)
		rc = td_errf(TD_E_IO, err, errlen, "%s: %s", tmp, strerror(errno));
	if (fd >= 0 && close(fd) != 0 && rc == TD_OK)
		rc = td_errf(TD_E_IO, err, errlen, "%s: %s", tmp, strerror(errno));
	if (rc == TD_OK && rename(tmp, path) != 0)
		rc = td_errf(TD_E_IO, err, errlen, "%s: %s", path, strerror(errno));
	if (rc != TD_OK)
		unlink(tmp);
	free(tmp);
	return rc;
}

static const char *td_jstr(json_object *o, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v)
		       : NULL;
}

/* A number under key into *out: false when there is none. */
static bool td_jnum(json_object *o, const char *key, double *out)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v) ||
	    !(json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)))
		return false;
	*out = json_object_get_double(v);
	return true;
}

enum td_err td_meta_load(struct td_meta *m, const char *path)
{
	json_object *root = json_object_from_file(path);
	if (!root || !json_object_is_type(root, json_type_object)) {
		json_object_put(root);
		return TD_E_NOTFOUND;
	}
	json_object *metrics, *hist;
	if (json_object_object_get_ex(root, "metrics", &metrics) &&
	    json_object_is_type(metrics, json_type_object)) {
		json_object_object_foreach(metrics, label, val)
		{
			m->metrics = td_xrealloc(m->metrics, (m->n_metrics + 1) * sizeof *m->metrics);
			struct td_meta_metric *mm = &m->metrics[m->n_metrics++];
			memset(mm, 0, sizeof *mm);
			mm->label = td_xstrdup(label);
			const char *u = td_jstr(val, "uom"), *w = td_jstr(val, "warn"),
				   *c = td_jstr(val, "crit");
			snprintf(mm->uom, sizeof mm->uom, "%s", u ? u : "");
			mm->warn = td_xstrdup(w ? w : "");
			mm->crit = td_xstrdup(c ? c : "");
			mm->has_min = td_jnum(val, "min", &mm->min);
			mm->has_max = td_jnum(val, "max", &mm->max);
			mm->known = td_jnum(val, "value", &mm->value);
		}
	}
	if (json_object_object_get_ex(root, "thresholds", &hist) &&
	    json_object_is_type(hist, json_type_array)) {
		size_t n = json_object_array_length(hist);
		for (size_t i = 0; i < n; i++) {
			json_object *h = json_object_array_get_idx(hist, i), *t;
			const char *l = td_jstr(h, "label"), *w = td_jstr(h, "warn"), *c = td_jstr(h, "crit");
			if (!l || !json_object_object_get_ex(h, "time", &t))
				continue;
			td_meta_history_add(m, (long)json_object_get_int64(t), l, w ? w : "", c ? c : "");
		}
	}
	json_object_put(root);
	return TD_OK;
}

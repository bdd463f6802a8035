/*
 * graph.c - drawing a service's metrics with librrd's graph API (see graph.h).
 *
 * Thresholds over time: rrdtool has no element for "this value until that
 * time", so each threshold bound becomes a CDEF that picks a value by the
 * row's TIME:
 *
 *   CDEF:t0=v0,POP,TIME,from0,LT,UNKN,TIME,to0,LT,val0,...,UNKN,IF,IF,...
 *
 * reads "before from0: unknown; else before to0: val0; else ...; else
 * unknown", evaluated on v0's rows (v0,POP only lends the time base), and
 * is drawn as a dashed LINE: unknown rows leave gaps, a change is a step.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <rrd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tandem/graph.h"
#include "tandem/range.h"
#include "tandem/tools.h"
#include "tandem/unit.h"

static const char *const td_graph_colors[TD_GRAPH_METRICS_MAX] = {
	"1F77B4", "2CA02C", "9467BD", "8C564B", "17BECF", "E377C2", "7F7F7F", "BCBD22",
};
#define TD_GRAPH_WARN_COLOR  "E69F00"
#define TD_GRAPH_CRIT_COLOR  "D62728"
#define TD_GRAPH_EVENT_COLOR "3355CC"
/* Legend text of one event, before escaping; the page lists events whole. */
#define TD_GRAPH_EVENT_TEXT 70

/*
 * In the sanitizer build: librrd's graph code keeps pango's and fontconfig's
 * caches (and some strings of its own) for the life of the process. Those
 * leaks are inside rrd_graph_v, not in anything tandem allocates, and would
 * fail every run of tandem-graph; LeakSanitizer reads these hooks. Our own
 * allocations never have rrd_graph_v on their stack, so they are still seen.
 * The libraries have no frame pointers: only the slow unwinder finds
 * rrd_graph_v on a stack that passes through them.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:rrd_graph_v\nleak:libfontconfig.so\nleak:libpango\n";
}

const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "fast_unwind_on_malloc=0";
}

/* ---- the service on disk ---- */

static bool td_graph_is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static void td_graph_add_metric(struct td_graph_service *s, const char *label, const char *uom)
{
	struct td_buf p;
	td_buf_init(&p, 0);
	td_buf_printf(&p, "%s/", s->dir);
	td_layout_component(&p, label);
	td_buf_puts(&p, ".rrd");
	if (!td_graph_is_file(td_buf_str(&p))) {
		td_buf_cleanup(&p);
		return;
	}
	s->metrics = td_xrealloc(s->metrics, (s->n_metrics + 1) * sizeof *s->metrics);
	struct td_graph_metric *m = &s->metrics[s->n_metrics++];
	m->label = td_xstrdup(label);
	snprintf(m->uom, sizeof m->uom, "%s", uom);
	m->path = td_buf_steal(&p);
}

static int td_graph_metric_cmp(const void *a, const void *b)
{
	return strcmp(((const struct td_graph_metric *)a)->label,
		      ((const struct td_graph_metric *)b)->label);
}

/* Without meta.json (a store written by something else): every RRD, unitless. */
static void td_graph_scan(struct td_graph_service *s)
{
	DIR *d = opendir(s->dir);
	struct dirent *de;
	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);
		if (n <= 4 || strcmp(de->d_name + n - 4, ".rrd") || de->d_name[0] == '.')
			continue;
		char *comp = td_xstrndup(de->d_name, n - 4);
		struct td_buf label;
		td_buf_init(&label, 0);
		if (td_layout_decode(&label, comp) == 0 && !memchr(label.data, '\0', label.len))
			td_graph_add_metric(s, td_buf_str(&label), "");
		td_buf_cleanup(&label);
		free(comp);
	}
	closedir(d);
	if (s->n_metrics > 1)
		qsort(s->metrics, s->n_metrics, sizeof *s->metrics, td_graph_metric_cmp);
}

enum td_err td_graph_service_open(const char *data_dir, const char *host, const char *service,
				  struct td_graph_service *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	td_meta_init(&out->meta);
	char *rel = td_layout_service_dir(host, service);
	out->dir = td_xasprintf("%s/%s", data_dir, rel);
	out->host = td_xstrdup(host);
	out->service = td_xstrdup(service);
	free(rel);

	/* the encoding keeps names inside; this also refuses links that lead out */
	char root[PATH_MAX], real[PATH_MAX];
	struct stat st;
	if (!realpath(data_dir, root) || !realpath(out->dir, real) || stat(real, &st) != 0 ||
	    !S_ISDIR(st.st_mode) || strncmp(real, root, strlen(root)) ||
	    (strcmp(root, "/") && real[strlen(root)] != '/')) {
		td_graph_service_cleanup(out);
		return td_errf(TD_E_NOTFOUND, err, errlen, "no service \"%s\" on host \"%s\"",
			       service, host);
	}
	char *meta = td_xasprintf("%s/meta.json", out->dir);
	if (td_meta_load(&out->meta, meta) == TD_OK) {
		for (size_t i = 0; i < out->meta.n_metrics; i++)
			td_graph_add_metric(out, out->meta.metrics[i].label,
					    out->meta.metrics[i].uom);
	}
	free(meta);
	if (out->n_metrics == 0)
		td_graph_scan(out);
	return TD_OK;
}

void td_graph_service_cleanup(struct td_graph_service *s)
{
	for (size_t i = 0; i < s->n_metrics; i++) {
		free(s->metrics[i].label);
		free(s->metrics[i].path);
	}
	free(s->metrics);
	free(s->host);
	free(s->service);
	free(s->dir);
	td_meta_cleanup(&s->meta);
	memset(s, 0, sizeof *s);
}

/* Decodes a directory entry's name; false for ours-not names and dot files. */
static bool td_graph_name(const char *component, struct td_buf *name)
{
	if (component[0] == '.' || td_layout_decode(name, component) != 0)
		return false;
	for (size_t i = 0; i < name->len; i++)
		if ((unsigned char)name->data[i] < 0x20 || name->data[i] == 0x7F)
			return false;
	return true;
}

static int td_graph_entry_cmp(const void *a, const void *b)
{
	const struct td_graph_entry *x = a, *y = b;
	int c = strcmp(x->host, y->host);
	return c ? c : strcmp(x->service, y->service);
}

enum td_err td_graph_list(const char *data_dir, struct td_graph_entry **out, size_t *n, char *err,
			  size_t errlen)
{
	size_t cap = 0;
	*out = NULL;
	*n = 0;
	DIR *top = opendir(data_dir);
	if (!top)
		return td_errf(TD_E_NOTFOUND, err, errlen, "data directory %s: %s", data_dir,
			       strerror(errno));
	struct dirent *h;
	while ((h = readdir(top)) != NULL && *n < TD_GRAPH_LIST_MAX) {
		struct td_buf host;
		struct stat st;
		td_buf_init(&host, 0);
		char *hdir = td_xasprintf("%s/%s", data_dir, h->d_name);
		DIR *sd = NULL;
		if (td_graph_name(h->d_name, &host) && lstat(hdir, &st) == 0 && S_ISDIR(st.st_mode))
			sd = opendir(hdir);
		struct dirent *sv;
		while (sd && (sv = readdir(sd)) != NULL && *n < TD_GRAPH_LIST_MAX) {
			struct td_buf service;
			td_buf_init(&service, 0);
			char *sdir = td_xasprintf("%s/%s", hdir, sv->d_name);
			if (td_graph_name(sv->d_name, &service) && lstat(sdir, &st) == 0 &&
			    S_ISDIR(st.st_mode)) {
				if (*n == cap) {
					cap = cap ? 2 * cap : 64;
					*out = td_xrealloc(*out, cap * sizeof **out);
				}
				(*out)[*n].host = td_xstrdup(td_buf_str(&host));
				(*out)[*n].service = td_buf_steal(&service);
				(*n)++;
			}
			free(sdir);
			td_buf_cleanup(&service);
		}
		if (sd)
			closedir(sd);
		free(hdir);
		td_buf_cleanup(&host);
	}
	closedir(top);
	if (*n > 1)
		qsort(*out, *n, sizeof **out, td_graph_entry_cmp);
	return TD_OK;
}

void td_graph_list_free(struct td_graph_entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].host);
		free(v[i].service);
	}
	free(v);
}

static ssize_t td_graph_find(const struct td_graph_service *s, const char *label)
{
	for (size_t i = 0; i < s->n_metrics; i++)
		if (!strcmp(s->metrics[i].label, label))
			return (ssize_t)i;
	return -1;
}

enum td_err td_graph_select(const struct td_graph_service *s, const char *const *labels, size_t n,
			    size_t *idx, size_t *n_idx, char *err, size_t errlen)
{
	*n_idx = 0;
	if (s->n_metrics == 0)
		return td_errf(TD_E_NOTFOUND, err, errlen, "%s/%s has no metrics yet", s->host,
			       s->service);
	if (n == 0) {
		const char *uom = s->metrics[0].uom;
		for (size_t i = 0; i < s->n_metrics && *n_idx < TD_GRAPH_METRICS_MAX; i++)
			if (!strcmp(s->metrics[i].uom, uom))
				idx[(*n_idx)++] = i;
		return TD_OK;
	}
	if (n > TD_GRAPH_METRICS_MAX)
		return td_errf(TD_E_USAGE, err, errlen, "at most %d metrics in one graph",
			       TD_GRAPH_METRICS_MAX);
	for (size_t i = 0; i < n; i++) {
		ssize_t k = td_graph_find(s, labels[i]);
		if (k < 0)
			return td_errf(TD_E_NOTFOUND, err, errlen, "%s/%s has no metric \"%s\"",
				       s->host, s->service, labels[i]);
		for (size_t j = 0; j < *n_idx; j++)
			if (idx[j] == (size_t)k)
				return td_errf(TD_E_USAGE, err, errlen, "metric \"%s\" given twice",
					       labels[i]);
		if (*n_idx && strcmp(s->metrics[k].uom, s->metrics[idx[0]].uom))
			return td_errf(TD_E_USAGE, err, errlen,
				       "metrics \"%s\" (%s) and \"%s\" (%s) have different units: "
				       "draw them in separate graphs",
				       s->metrics[idx[0]].label, s->metrics[idx[0]].uom, labels[i],
				       s->metrics[k].uom);
		idx[(*n_idx)++] = (size_t)k;
	}
	return TD_OK;
}

/* ---- thresholds over time ---- */

struct td_graph_change {
	long long time;
	size_t order; /* position in the file: keeps equal times in their order */
	const char *warn, *crit;
};

static int td_graph_change_cmp(const void *a, const void *b)
{
	const struct td_graph_change *x = a, *y = b;
	if (x->time != y->time)
		return (x->time > y->time) - (x->time < y->time);
	return (x->order > y->order) - (x->order < y->order);
}

static void td_graph_line_add(struct td_graph_line *l, long long from, long long to, double v)
{
	if (l->n > 0 && l->seg[l->n - 1].to == from && l->seg[l->n - 1].value == v) {
		l->seg[l->n - 1].to = to;
		return;
	}
	/* past the cap the latest changes matter most: drop the oldest */
	if (l->n == TD_GRAPH_SEGMENTS_MAX) {
		memmove(l->seg, l->seg + 1, (l->n - 1) * sizeof *l->seg);
		l->n--;
	}
	l->seg[l->n++] = (struct td_graph_segment){ from, to, v };
}

size_t td_graph_thresholds(const struct td_meta_change *h, size_t n_h, const char *label,
			   long long start, long long end, struct td_graph_line out[4])
{
	/* [0] warn start, [1] warn end, [2] crit start, [3] crit end */
	struct td_graph_line *lines = td_xcalloc(4, sizeof *lines);
	struct td_graph_change *ch = td_xcalloc(n_h ? n_h : 1, sizeof *ch);
	size_t n = 0;
	for (size_t i = 0; i < n_h; i++)
		if (!strcmp(h[i].label, label))
			ch[n++] = (struct td_graph_change){ h[i].time, i, h[i].warn, h[i].crit };
	if (n > 1)
		qsort(ch, n, sizeof *ch, td_graph_change_cmp);
	for (size_t i = 0; i < n; i++) {
		long long from = ch[i].time, to = i + 1 < n ? ch[i + 1].time : LLONG_MAX;
		if (from < start)
			from = start;
		if (to > end)
			to = end;
		if (from >= to)
			continue;
		for (int k = 0; k < 2; k++) {
			struct td_range r;
			char why[64];
			if (td_range_parse(k ? ch[i].crit : ch[i].warn, 0, &r, why, sizeof why) !=
				TD_OK ||
			    !r.set)
				continue;
			if (isfinite(r.start) && (r.start != 0 || r.inside))
				td_graph_line_add(&lines[2 * k], from, to, r.start);
			if (isfinite(r.end))
				td_graph_line_add(&lines[2 * k + 1], from, to, r.end);
		}
	}
	size_t filled = 0;
	for (int k = 0; k < 4; k++) {
		if (lines[k].n == 0)
			continue;
		lines[k].crit = k >= 2;
		lines[k].upper = k % 2 == 1;
		out[filled++] = lines[k];
	}
	free(lines);
	free(ch);
	return filled;
}

/* ---- text ---- */

void td_graph_legend_text(struct td_buf *out, const char *text, size_t max)
{
	struct td_buf clean;
	td_buf_init(&clean, 0);
	td_event_display(&clean, text, max);
	for (const char *p = td_buf_str(&clean); *p; p++) {
		if (*p == ':')
			td_buf_puts(out, "\\:");
		else if (*p == '\\')
			td_buf_putc(out, '/'); /* a backslash would start a legend directive */
		else
			td_buf_putc(out, *p);
	}
	td_buf_cleanup(&clean);
}

char *td_graph_value_text(double v, const char *uom, char *buf, size_t len)
{
	char num[TD_NUMBER_MAX];
	if (!strcmp(uom, "B")) {
		td_fmt_bytes(v, buf, len);
	} else if (!strcmp(uom, "c")) {
		snprintf(buf, len, "%s/s", td_fmt_number(v, num, sizeof num));
	} else if (!strcmp(uom, "%")) {
		snprintf(buf, len, "%s%%", td_fmt_number(v, num, sizeof num));
	} else {
		snprintf(buf, len, "%s%s%s", td_fmt_number(v, num, sizeof num), *uom ? " " : "",
			 uom);
	}
	return buf;
}

/* ---- arguments ---- */

static void td_graph_push(struct td_graph_argv *a, char *s)
{
	if (a->n + 1 >= a->cap) {
		a->cap = a->cap ? 2 * a->cap : 64;
		a->v = td_xrealloc(a->v, (size_t)a->cap * sizeof *a->v);
	}
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

void td_graph_argv_cleanup(struct td_graph_argv *a)
{
	for (int i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	memset(a, 0, sizeof *a);
}

/* A file name inside a DEF: ':' separates the DEF's fields. */
static char *td_graph_def_path(const char *path)
{
	struct td_buf b;
	td_buf_init(&b, 0);
	for (const char *p = path; *p; p++) {
		if (*p == ':' || *p == '\\')
			td_buf_putc(&b, '\\');
		td_buf_putc(&b, *p);
	}
	return td_buf_steal(&b);
}

static const char *td_graph_axis_label(const char *uom)
{
	if (!strcmp(uom, "c"))
		return "per second";
	if (!strcmp(uom, "B"))
		return "bytes";
	if (!strcmp(uom, "s"))
		return "seconds";
	return uom;
}

/* The legend's text for a threshold line: "warn load1 5 -> 8". */
static void td_graph_threshold_legend(struct td_buf *out, const struct td_graph_line *l,
				      const char *label, bool name_it, const char *uom)
{
	struct td_buf t;
	char v[64];
	td_buf_init(&t, 0);
	td_buf_printf(&t, "%s%s%s%s", l->crit ? "crit" : "warn", l->upper ? "" : " low",
		      name_it ? " " : "", name_it ? label : "");
	/* the values in the order they held; the last is the current one */
	size_t from = l->n > 4 ? l->n - 4 : 0;
	if (from > 0)
		td_buf_puts(&t, " ...");
	for (size_t i = from; i < l->n; i++)
		td_buf_printf(&t, "%s%s", i > from ? " -> " : " ",
			      td_graph_value_text(l->seg[i].value, uom, v, sizeof v));
	td_buf_append(out, t.data, t.len);
	td_buf_cleanup(&t);
}

void td_graph_args(const struct td_graph_request *r, struct td_graph_argv *a)
{
	const struct td_graph_service *s = r->svc;
	const char *uom = r->n_metrics ? s->metrics[r->metrics[0]].uom : "";
	struct td_buf b;
	char num[TD_NUMBER_MAX];
	memset(a, 0, sizeof *a);
	td_buf_init(&b, 0);

	td_graph_push(a, td_xstrdup("graph"));
	td_graph_push(a, td_xstrdup("-"));
	td_graph_push(a, td_xstrdup("--imgformat"));
	td_graph_push(a, td_xstrdup(r->format == TD_GRAPH_SVG ? "SVG" : "PNG"));
	td_graph_push(a, td_xasprintf("--start=%lld", r->start));
	td_graph_push(a, td_xasprintf("--end=%lld", r->end));
	td_graph_push(a, td_xasprintf("--width=%u", r->width));
	td_graph_push(a, td_xasprintf("--height=%u", r->height));
	if (r->rrdcached)
		td_graph_push(a, td_xasprintf("--daemon=%s", r->rrdcached));
	td_buf_printf(&b, "--title=%s / %s", s->host, s->service);
	if (r->n_metrics == 1 && s->n_metrics > 1)
		td_buf_printf(&b, " / %s", s->metrics[r->metrics[0]].label);
	td_graph_push(a, td_buf_steal(&b));
	if (*td_graph_axis_label(uom))
		td_graph_push(a, td_xasprintf("--vertical-label=%s", td_graph_axis_label(uom)));
	if (!strcmp(uom, "B"))
		td_graph_push(a, td_xstrdup("--base=1024"));
	if (!strcmp(uom, "%")) {
		/* percentages read best from 0 and without SI prefixes ("50 m%") */
		td_graph_push(a, td_xstrdup("--lower-limit=0"));
		td_graph_push(a, td_xstrdup("--units-exponent=0"));
	}
	td_graph_push(a, td_xstrdup("--color=BACK#FFFFFF"));
	td_graph_push(a, td_xstrdup("--color=SHADEA#FFFFFF"));
	td_graph_push(a, td_xstrdup("--color=SHADEB#FFFFFF"));
	td_graph_push(a, td_xstrdup("--color=CANVAS#FBFBFD"));
	td_graph_push(a, td_xstrdup("--color=GRID#E4E6EB"));
	td_graph_push(a, td_xstrdup("--color=MGRID#C9CDD4"));
	td_graph_push(a, td_xstrdup("--color=FRAME#C9CDD4"));
	td_graph_push(a, td_xstrdup("--border=0"));

	/* the value scaled like the axis: %s is the SI (or 1024) prefix */
	const char *fmt = !strcmp(uom, "%") ? "%6.2lf%%" : "%7.2lf%s";
	for (size_t i = 0; i < r->n_metrics; i++) {
		const struct td_graph_metric *m = &s->metrics[r->metrics[i]];
		char *path = td_graph_def_path(m->path);
		const char *col = td_graph_colors[i];
		td_graph_push(a, td_xasprintf("DEF:v%zu=%s:value:AVERAGE", i, path));
		td_graph_push(a, td_xasprintf("DEF:lo%zu=%s:value:MIN", i, path));
		td_graph_push(a, td_xasprintf("DEF:hi%zu=%s:value:MAX", i, path));
		free(path);
		td_graph_push(a, td_xasprintf("CDEF:band%zu=hi%zu,lo%zu,-", i, i, i));
		td_graph_push(a, td_xasprintf("VDEF:last%zu=v%zu,LAST", i, i));
		td_graph_push(a, td_xasprintf("VDEF:avg%zu=v%zu,AVERAGE", i, i));
		td_graph_push(a, td_xasprintf("VDEF:max%zu=hi%zu,MAXIMUM", i, i));
		/* the band: an invisible base at MIN, MAX-MIN stacked on it */
		td_graph_push(a, td_xasprintf("AREA:lo%zu", i));
		td_graph_push(a, td_xasprintf("AREA:band%zu#%s30::STACK", i, col));
		td_buf_reset(&b);
		td_buf_printf(&b, "LINE1.5:v%zu#%s:", i, col);
		size_t at = b.len;
		td_graph_legend_text(&b, m->label, 24);
		for (size_t pad = b.len - at; pad < 16; pad++)
			td_buf_putc(&b, ' ');
		td_graph_push(a, td_buf_steal(&b));
		td_graph_push(a, td_xasprintf("GPRINT:last%zu:last %s", i, fmt));
		td_graph_push(a, td_xasprintf("GPRINT:avg%zu:avg %s", i, fmt));
		td_graph_push(a, td_xasprintf("GPRINT:max%zu:max %s\\l", i, fmt));
		/* the same numbers unscaled, for the image's text summary */
		td_graph_push(a, td_xasprintf("PRINT:last%zu:%%.6lf", i));
		td_graph_push(a, td_xasprintf("PRINT:avg%zu:%%.6lf", i));
		td_graph_push(a, td_xasprintf("PRINT:max%zu:%%.6lf", i));
	}

	size_t t = 0;
	for (size_t i = 0; i < r->n_metrics; i++) {
		const struct td_graph_metric *m = &s->metrics[r->metrics[i]];
		struct td_graph_line lines[4];
		size_t nl = td_graph_thresholds(s->meta.history, s->meta.n_history, m->label,
						r->start, r->end, lines);
		for (size_t k = 0; k < nl; k++, t++) {
			const struct td_graph_line *l = &lines[k];
			td_buf_reset(&b);
			td_buf_printf(&b, "CDEF:th%zu=v%zu,POP", t, i);
			for (size_t j = 0; j < l->n; j++)
				td_buf_printf(&b, ",TIME,%lld,LT,UNKN,TIME,%lld,LT,%s",
					      l->seg[j].from, l->seg[j].to,
					      td_fmt_number(l->seg[j].value, num, sizeof num));
			td_buf_puts(&b, ",UNKN");
			for (size_t j = 0; j < 2 * l->n; j++)
				td_buf_puts(&b, ",IF");
			td_graph_push(a, td_buf_steal(&b));
			td_buf_printf(&b, "LINE1:th%zu#%s:", t,
				      l->crit ? TD_GRAPH_CRIT_COLOR : TD_GRAPH_WARN_COLOR);
			struct td_buf legend;
			td_buf_init(&legend, 0);
			td_graph_threshold_legend(&legend, l, m->label, r->n_metrics > 1, m->uom);
			td_graph_legend_text(&b, td_buf_str(&legend), 120);
			td_buf_cleanup(&legend);
			td_buf_puts(&b, "\\l:dashes=6,3");
			td_graph_push(a, td_buf_steal(&b));
		}
	}

	size_t n_ev = r->events ? r->events->n : 0;
	size_t first = n_ev > TD_GRAPH_EVENTS_MAX ? n_ev - TD_GRAPH_EVENTS_MAX : 0;
	for (size_t i = first; i < n_ev; i++) {
		const struct td_event *e = &r->events->v[i];
		char when[32];
		td_buf_reset(&b);
		td_buf_printf(&b, "VRULE:%lld#%s:", e->time, TD_GRAPH_EVENT_COLOR);
		struct td_buf legend;
		td_buf_init(&legend, 0);
		td_buf_printf(&legend, "%s %s %s", e->tag,
			      td_time_format((time_t)e->time, when, sizeof when), e->text);
		td_graph_legend_text(&b, td_buf_str(&legend), TD_GRAPH_EVENT_TEXT);
		td_buf_cleanup(&legend);
		td_buf_puts(&b, "\\l:dashes=2,2");
		td_graph_push(a, td_buf_steal(&b));
	}
	if (first > 0 || (r->events && r->events->dropped > 0))
		td_graph_push(a, td_xasprintf("COMMENT:and %zu earlier events\\l",
					      first + (r->events ? r->events->dropped : 0)));
	td_buf_cleanup(&b);
}

/* ---- rendering ---- */

static void td_xml_escape(struct td_buf *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': td_buf_puts(out, "&lt;"); break;
		case '>': td_buf_puts(out, "&gt;"); break;
		case '&': td_buf_puts(out, "&amp;"); break;
		case '"': td_buf_puts(out, "&quot;"); break;
		default: td_buf_putc(out, *s);
		}
	}
}

/* The legend again as plain text: the numbers come back from the PRINT elements. */
static char *td_graph_summary(const struct td_graph_request *r, rrd_info_t *info)
{
	const struct td_graph_service *s = r->svc;
	struct td_buf b;
	char when[32], v[64];
	td_buf_init(&b, 64 * 1024);
	td_buf_printf(&b, "%s / %s\n", s->host, s->service);
	for (size_t i = 0; i < r->n_metrics; i++) {
		const struct td_graph_metric *m = &s->metrics[r->metrics[i]];
		const char *vals[3] = { NULL, NULL, NULL };
		for (rrd_info_t *p = info; p; p = p->next) {
			for (int k = 0; k < 3; k++) {
				char key[32];
				snprintf(key, sizeof key, "print[%zu]", 3 * i + (size_t)k);
				if (!strcmp(p->key, key) && p->type == RD_I_STR)
					vals[k] = p->value.u_str;
			}
		}
		td_event_display(&b, m->label, 200);
		static const char *const names[3] = { "last", "avg", "max" };
		for (int k = 0; k < 3; k++) {
			double d;
			if (vals[k] && td_parse_number(vals[k], NULL, &d) == TD_OK)
				td_buf_printf(&b, " %s %s", names[k],
					      td_graph_value_text(d, m->uom, v, sizeof v));
			else
				td_buf_printf(&b, " %s -", names[k]);
		}
		td_buf_putc(&b, '\n');
		struct td_graph_line lines[4];
		size_t nl = td_graph_thresholds(s->meta.history, s->meta.n_history, m->label,
						r->start, r->end, lines);
		for (size_t k = 0; k < nl; k++) {
			struct td_buf legend;
			td_buf_init(&legend, 0);
			td_graph_threshold_legend(&legend, &lines[k], m->label, true, m->uom);
			td_event_display(&b, td_buf_str(&legend), 400);
			td_buf_cleanup(&legend);
			td_buf_putc(&b, '\n');
		}
	}
	size_t n_ev = r->events ? r->events->n : 0;
	size_t first = n_ev > TD_GRAPH_EVENTS_MAX ? n_ev - TD_GRAPH_EVENTS_MAX : 0;
	for (size_t i = first; i < n_ev; i++) {
		const struct td_event *e = &r->events->v[i];
		td_buf_printf(&b, "event %s %s ", e->tag,
			      td_time_format((time_t)e->time, when, sizeof when));
		td_event_display(&b, e->text, 400);
		td_buf_putc(&b, '\n');
	}
	return td_buf_steal(&b);
}

/* Puts <title> and <desc> right after the <svg ...> start tag. */
static void td_graph_svg_annotate(struct td_graph_image *img)
{
	const char *svg = memmem(img->data, img->len, "<svg", 4);
	const char *gt =
	    svg ? memchr(svg, '>', img->len - (size_t)(svg - (char *)img->data)) : NULL;
	if (!gt)
		return;
	size_t head = (size_t)(gt + 1 - (char *)img->data);
	struct td_buf b;
	td_buf_init(&b, img->len + 128 * 1024);
	td_buf_append(&b, (const char *)img->data, head);
	const char *nl = strchr(img->summary, '\n');
	char *title =
	    td_xstrndup(img->summary, nl ? (size_t)(nl - img->summary) : strlen(img->summary));
	td_buf_puts(&b, "\n<title>");
	td_xml_escape(&b, title);
	td_buf_puts(&b, "</title>\n<desc>");
	td_xml_escape(&b, img->summary);
	td_buf_puts(&b, "</desc>");
	td_buf_append(&b, (const char *)img->data + head, img->len - head);
	free(title);
	if (b.truncated) {
		td_buf_cleanup(&b);
		return;
	}
	free(img->data);
	img->len = b.len;
	img->data = (unsigned char *)td_buf_steal(&b);
}

enum td_err td_graph_render(const struct td_graph_request *r, struct td_graph_image *out, char *err,
			    size_t errlen)
{
	struct td_graph_argv a;
	enum td_err rc = TD_OK;
	memset(out, 0, sizeof *out);
	if (r->n_metrics == 0)
		return td_errf(TD_E_USAGE, err, errlen, "no metric to draw");
	td_graph_args(r, &a);
	rrd_clear_error();
	rrd_info_t *info = rrd_graph_v(a.n, a.v);
	rrd_info_t *blob = NULL;
	for (rrd_info_t *p = info; p; p = p->next)
		if (!strcmp(p->key, "image") && p->type == RD_I_BLO)
			blob = p;
	if (!info || !blob || blob->value.u_blo.size == 0) {
		const char *why = rrd_test_error() ? rrd_get_error() : "no image";
		rc = td_errf(TD_E_IO, err, errlen, "rrd_graph: %s", why);
		goto out;
	}
	out->len = blob->value.u_blo.size;
	out->data = td_xmalloc(out->len);
	memcpy(out->data, blob->value.u_blo.ptr, out->len);
	out->summary = td_graph_summary(r, info);
	if (r->format == TD_GRAPH_SVG)
		td_graph_svg_annotate(out);
out:
	rrd_clear_error();
	if (info)
		rrd_info_free(info);
	td_graph_argv_cleanup(&a);
	return rc;
}

void td_graph_image_cleanup(struct td_graph_image *img)
{
	free(img->data);
	free(img->summary);
	memset(img, 0, sizeof *img);
}

const char *td_graph_daemon(const char *rrdcached)
{
	if (!rrdcached || (strncmp(rrdcached, "unix:/", 6) && rrdcached[0] != '/'))
		return NULL;
	return rrdcached;
}

enum td_err td_graph_rrd_stat(const char *path, long long *last_update, unsigned long *step)
{
	rrd_clear_error();
	rrd_info_t *info = rrd_info_r(path);
	*last_update = 0;
	*step = 0;
	if (!info) {
		rrd_clear_error();
		return TD_E_NOTFOUND;
	}
	for (rrd_info_t *p = info; p; p = p->next) {
		if (!strcmp(p->key, "last_update") && p->type == RD_I_CNT)
			*last_update = (long long)p->value.u_cnt;
		else if (!strcmp(p->key, "step") && p->type == RD_I_CNT)
			*step = p->value.u_cnt;
	}
	rrd_info_free(info);
	return TD_OK;
}

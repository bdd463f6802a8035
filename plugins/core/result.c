/* result.c - a probe's result, its final state, and the plugin output. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tandem/result.h"

void td_result_init(struct td_result *r)
{
	memset(r, 0, sizeof *r);
	r->state = TD_STATE_OK;
	td_buf_init(&r->summary, 1024);
	td_buf_init(&r->long_output, TD_OUTPUT_MAX);
}

void td_result_cleanup(struct td_result *r)
{
	td_buf_cleanup(&r->summary);
	td_buf_cleanup(&r->long_output);
	for (size_t i = 0; i < r->n_metrics; i++)
		td_metric_cleanup(&r->metrics[i]);
	free(r->metrics);
	r->metrics = NULL;
	r->n_metrics = r->metrics_cap = 0;
}

void td_result_summary(struct td_result *r, const char *fmt, ...)
{
	char small[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	td_buf_reset(&r->summary);
	td_buf_puts(&r->summary, small);
}

void td_result_line(struct td_result *r, const char *fmt, ...)
{
	char small[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	td_buf_puts(&r->long_output, small);
	td_buf_putc(&r->long_output, '\n');
}

void td_result_raise(struct td_result *r, enum td_state s)
{
	r->state = td_state_worst(r->state, s);
}

struct td_metric *td_result_metric(struct td_result *r, const char *label, double value,
				   const char *uom)
{
	if (r->n_metrics == r->metrics_cap) {
		r->metrics_cap = r->metrics_cap ? r->metrics_cap * 2 : 8;
		r->metrics = td_xrealloc(r->metrics, r->metrics_cap * sizeof *r->metrics);
	}
	struct td_metric *m = &r->metrics[r->n_metrics++];
	memset(m, 0, sizeof *m);
	m->label = td_xstrdup(label);
	m->value = value;
	m->known = true;
	if (uom)
		snprintf(m->uom, sizeof m->uom, "%s", uom);
	return m;
}

struct td_metric *td_result_copy_metric(struct td_result *r, const struct td_metric *m)
{
	struct td_metric *t = td_result_metric(r, m->label, m->value, m->uom);
	t->known = m->known;
	t->warn = m->warn;
	t->crit = m->crit;
	t->has_min = m->has_min;
	t->min = m->min;
	t->has_max = m->has_max;
	t->max = m->max;
	return t;
}

enum td_state td_result_finish(struct td_result *r, enum td_err err, enum td_state timeout_state)
{
	if (err != TD_OK) {
		r->state = err == TD_E_TIMEOUT ? timeout_state : TD_STATE_UNKNOWN;
		if (r->summary.len == 0)
			td_buf_puts(&r->summary, td_err_str(err));
		return r->state;
	}
	for (size_t i = 0; i < r->n_metrics; i++)
		r->state = td_state_worst(r->state, td_metric_state(&r->metrics[i]));
	return r->state;
}

/* Appends text with newlines and '|' made harmless for the status line. */
static void td_put_clean(struct td_buf *out, const char *s, bool one_line)
{
	for (; *s; s++) {
		char c = *s;
		if (c == '|')
			c = '/';
		else if (one_line && (c == '\n' || c == '\r'))
			c = ' ';
		td_buf_putc(out, c);
	}
}

void td_result_format(const struct td_result *r, const char *name, struct td_buf *out)
{
	struct td_buf perf, text;
	td_buf_init(&perf, TD_OUTPUT_MAX);
	td_buf_init(&text, TD_OUTPUT_MAX);
	for (size_t i = 0; i < r->n_metrics; i++) {
		size_t before = perf.len;
		if (i)
			td_buf_putc(&perf, ' ');
		td_perfdata_append(&perf, &r->metrics[i]);
		if (perf.len > TD_OUTPUT_MAX / 2) { /* keep whole metrics only */
			perf.len = before;
			perf.data[before] = '\0';
			break;
		}
	}
	td_buf_printf(&text, "%s %s - ", name, td_state_name(r->state));
	td_put_clean(&text, td_buf_str(&r->summary), true);
	if (perf.len) {
		td_buf_puts(&text, " | ");
		td_buf_puts(&text, td_buf_str(&perf));
	}
	td_buf_putc(&text, '\n');
	if (r->long_output.len) {
		size_t room = TD_OUTPUT_MAX > text.len ? TD_OUTPUT_MAX - text.len : 0;
		struct td_buf lo;
		td_buf_init(&lo, room);
		td_put_clean(&lo, td_buf_str(&r->long_output), false);
		if (lo.len && lo.data[lo.len - 1] != '\n') {
			/* cut at the last whole line */
			char *nl = strrchr(lo.data, '\n');
			lo.len = nl ? (size_t)(nl - lo.data) + 1 : 0;
			if (lo.data)
				lo.data[lo.len] = '\0';
		}
		td_buf_puts(&text, td_buf_str(&lo));
		td_buf_cleanup(&lo);
	}
	td_buf_puts(out, td_buf_str(&text));
	td_buf_cleanup(&perf);
	td_buf_cleanup(&text);
}

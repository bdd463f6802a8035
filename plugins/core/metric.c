/* metric.c - one metric: its state, and perfdata out and back in. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tandem/metric.h"

void td_metric_cleanup(struct td_metric *m)
{
	free(m->label);
	m->label = NULL;
}

enum td_state td_metric_state(const struct td_metric *m)
{
	if (!m->known)
		return TD_STATE_OK;
	if (td_range_alert(&m->crit, m->value))
		return TD_STATE_CRITICAL;
	if (td_range_alert(&m->warn, m->value))
		return TD_STATE_WARNING;
	return TD_STATE_OK;
}

void td_perfdata_label(struct td_buf *out, const char *label)
{
	bool quote = false;
	if (!label || !*label) {
		td_buf_putc(out, '_');
		return;
	}
	for (const char *p = label; *p; p++)
		if (*p == ' ' || *p == '\'')
			quote = true;
	if (quote)
		td_buf_putc(out, '\'');
	for (const unsigned char *p = (const unsigned char *)label; *p; p++) {
		if (*p == '\'')
			td_buf_puts(out, "''");
		else if (*p == '=' || *p == '|' || *p < 0x20 || *p == 0x7f)
			td_buf_putc(out, '_');
		else
			td_buf_putc(out, (char)*p);
	}
	if (quote)
		td_buf_putc(out, '\'');
}

void td_perfdata_append(struct td_buf *out, const struct td_metric *m)
{
	char num[TD_NUMBER_MAX], w[TD_RANGE_MAX], c[TD_RANGE_MAX], mn[TD_NUMBER_MAX],
		mx[TD_NUMBER_MAX];
	td_perfdata_label(out, m->label);
	td_buf_putc(out, '=');
	td_buf_puts(out, m->known ? td_fmt_number(m->value, num, sizeof num) : "U");
	/* a UOM never holds separators; `U` stands alone (graphers read "UB" as garbage) */
	for (const char *u = m->known ? m->uom : ""; *u; u++)
		if (*u != ' ' && *u != ';' && *u != '|' && *u != '\'' && *u != '=')
			td_buf_putc(out, *u);
	const char *fields[4] = {
		td_range_format(&m->warn, w, sizeof w),
		td_range_format(&m->crit, c, sizeof c),
		m->has_min ? td_fmt_number(m->min, mn, sizeof mn) : "",
		m->has_max ? td_fmt_number(m->max, mx, sizeof mx) : "",
	};
	int last = 3;
	while (last >= 0 && !fields[last][0])
		last--;
	for (int i = 0; i <= last; i++) {
		td_buf_putc(out, ';');
		td_buf_puts(out, fields[i]);
	}
}

/* A number as other plugins write it: td_parse_number plus an optional exponent. */
static enum td_err td_perf_number(const char *s, const char *e, double *out)
{
	const char *x = s;
	while (x < e && *x != 'e' && *x != 'E')
		x++;
	double v;
	if (td_parse_number(s, x, &v) != TD_OK)
		return TD_E_PARSE;
	if (x < e) {
		const char *p = x + 1;
		bool neg = false;
		if (p < e && (*p == '-' || *p == '+'))
			neg = *p++ == '-';
		if (p == e || e - p > 3)
			return TD_E_PARSE;
		int ex = 0;
		for (; p < e; p++) {
			if (*p < '0' || *p > '9')
				return TD_E_PARSE;
			ex = ex * 10 + (*p - '0');
		}
		for (int i = 0; i < ex && isfinite(v); i++) /* no libm in the plugins */
			v = neg ? v / 10 : v * 10;
		if (!isfinite(v))
			return TD_E_PARSE;
	}
	*out = v;
	return TD_OK;
}

/* Items are separated by blanks; td_perfdata_parse skips the same set. */
static bool td_perf_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Parses one `label=value...` item at *pp; advances *pp past it. */
static enum td_err td_perf_item(const char **pp, struct td_metric *m, char *err, size_t errlen)
{
	const char *p = *pp, *start = p;
	struct td_buf label;
	td_buf_init(&label, 1024);
	if (*p == '\'') {
		for (p++;; p++) {
			if (!*p) {
				td_buf_cleanup(&label);
				return td_errf(TD_E_PARSE, err, errlen, "unterminated quote in \"%.40s\"", start);
			}
			if (*p == '\'' && p[1] == '\'') {
				td_buf_putc(&label, '\'');
				p++;
			} else if (*p == '\'') {
				p++;
				break;
			} else {
				td_buf_putc(&label, *p);
			}
		}
	} else {
		while (*p && *p != '=' && !td_perf_blank(*p))
			td_buf_putc(&label, *p++);
	}
	if (label.truncated) {
		td_buf_cleanup(&label);
		return td_errf(TD_E_PARSE, err, errlen, "\"%.40s...\": label longer than %zu bytes", start,
			       label.cap);
	}
	if (*p != '=' || label.len == 0) {
		td_buf_cleanup(&label);
		return td_errf(TD_E_PARSE, err, errlen, "\"%.40s\" is not label=value", start);
	}
	p++;
	const char *item_end = p;
	while (*item_end && !td_perf_blank(*item_end))
		item_end++;
	const char *fields[5];
	size_t lens[5];
	int n = 0;
	for (const char *f = p; n < 5;) {
		const char *semi = memchr(f, ';', (size_t)(item_end - f));
		const char *fe = semi ? semi : item_end;
		fields[n] = f;
		lens[n++] = (size_t)(fe - f);
		if (!semi)
			break;
		f = semi + 1;
	}
	memset(m, 0, sizeof *m);
	/* value and UOM */
	const char *v = fields[0], *ve = v + lens[0], *u = v;
	if (lens[0] >= 1 && *v == 'U' && (lens[0] == 1 || !(v[1] >= '0' && v[1] <= '9'))) {
		m->known = false;
		u = v + 1;
	} else {
		while (u < ve && (strchr("+-.0123456789", *u) ||
				  ((*u == 'e' || *u == 'E') && u + 1 < ve && strchr("+-0123456789", u[1]))))
			u++;
		if (td_perf_number(v, u, &m->value) != TD_OK) {
			td_buf_cleanup(&label);
			return td_errf(TD_E_PARSE, err, errlen, "\"%.40s\": \"%.*s\" is not a number",
				       td_buf_str(&label), (int)lens[0], v);
		}
		m->known = true;
	}
	if ((size_t)(ve - u) >= sizeof m->uom) {
		td_buf_cleanup(&label);
		return td_errf(TD_E_PARSE, err, errlen, "\"%.40s\": unit \"%.*s\" is too long",
			       td_buf_str(&label), (int)(ve - u), u);
	}
	memcpy(m->uom, u, (size_t)(ve - u));
	m->uom[ve - u] = '\0';
	/* Thresholds other plugins print are taken when they parse, else ignored. */
	char tmp[80];
	for (int i = 1; i < n && i < 3; i++) {
		if (lens[i] == 0 || lens[i] >= sizeof tmp)
			continue;
		memcpy(tmp, fields[i], lens[i]);
		tmp[lens[i]] = '\0';
		td_range_parse(tmp, 0, i == 1 ? &m->warn : &m->crit, NULL, 0);
	}
	if (n > 3 && lens[3] && td_perf_number(fields[3], fields[3] + lens[3], &m->min) == TD_OK)
		m->has_min = true;
	if (n > 4 && lens[4] && td_perf_number(fields[4], fields[4] + lens[4], &m->max) == TD_OK)
		m->has_max = true;
	m->label = td_buf_steal(&label);
	*pp = item_end;
	return TD_OK;
}

enum td_err td_perfdata_parse(const char *text, void (*fn)(void *ctx, const struct td_metric *m),
			      void *ctx, char *err, size_t errlen)
{
	const char *p = text;
	for (;;) {
		while (td_perf_blank(*p))
			p++;
		if (!*p)
			return TD_OK;
		struct td_metric m;
		enum td_err e = td_perf_item(&p, &m, err, errlen);
		if (e != TD_OK)
			return e;
		fn(ctx, &m);
		td_metric_cleanup(&m);
	}
}

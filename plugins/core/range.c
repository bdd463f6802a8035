/* range.c - Nagios threshold ranges (see range.h and CONTRACT.md). */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tandem/range.h"

static enum td_err td_range_end(const char *text, const char *s, const char *e, unsigned accept,
				double *v, enum td_unit_kind *kind, char *err, size_t errlen)
{
	char why[128];
	if (td_parse_quantity(s, e, accept, v, kind, why, sizeof why) != TD_OK)
		return td_errf(TD_E_PARSE, err, errlen, "\"%s\" is not a range: %s", text, why);
	return TD_OK;
}

enum td_err td_range_parse(const char *text, unsigned accept, struct td_range *out, char *err,
			   size_t errlen)
{
	struct td_range r = { .set = true, .start = 0, .end = INFINITY, .kind = TD_UNIT_NONE };
	enum td_unit_kind ks = TD_UNIT_NONE, ke = TD_UNIT_NONE;
	const char *p = text;
	if (!text || !*text)
		return td_errf(TD_E_PARSE, err, errlen, "an empty string is not a range");
	if (strlen(text) > 64)
		return td_errf(TD_E_PARSE, err, errlen, "\"%.32s...\" is not a range: too long", text);
	if (*p == '@') {
		r.inside = true;
		p++;
	}
	const char *colon = strchr(p, ':');
	if (colon) {
		if (strchr(colon + 1, ':'))
			return td_errf(TD_E_PARSE, err, errlen, "\"%s\" is not a range: more than one ':'", text);
		if (colon - p == 1 && *p == '~')
			r.start = -INFINITY;
		else if (colon > p && td_range_end(text, p, colon, accept, &r.start, &ks, err, errlen))
			return TD_E_PARSE;
		p = colon + 1;
		if (*p && td_range_end(text, p, NULL, accept, &r.end, &ke, err, errlen))
			return TD_E_PARSE;
	} else {
		if (!*p)
			return td_errf(TD_E_PARSE, err, errlen, "\"%s\" is not a range: no end", text);
		if (td_range_end(text, p, NULL, accept, &r.end, &ke, err, errlen))
			return TD_E_PARSE;
	}
	if (ks != TD_UNIT_NONE && ke != TD_UNIT_NONE && ks != ke)
		return td_errf(TD_E_PARSE, err, errlen, "\"%s\" is not a range: its ends have different units",
			       text);
	r.kind = ks != TD_UNIT_NONE ? ks : ke;
	if (r.start > r.end)
		return td_errf(TD_E_PARSE, err, errlen, "\"%s\" is not a range: start is greater than end",
			       text);
	*out = r;
	return TD_OK;
}

bool td_range_equal(const struct td_range *a, const struct td_range *b)
{
	if (a->set != b->set)
		return false;
	return !a->set || (a->inside == b->inside && a->start == b->start && a->end == b->end);
}

bool td_range_alert(const struct td_range *r, double v)
{
	if (!r->set || isnan(v))
		return false;
	bool within = v >= r->start && v <= r->end;
	return r->inside ? within : !within;
}

void td_range_scale(struct td_range *r, double factor)
{
	if (isfinite(r->start))
		r->start *= factor;
	if (isfinite(r->end))
		r->end *= factor;
}

char *td_range_format(const struct td_range *r, char *buf, size_t len)
{
	char s[TD_NUMBER_MAX], e[TD_NUMBER_MAX];
	if (!r->set) {
		snprintf(buf, len, "%s", "");
		return buf;
	}
	if (isinf(r->start))
		snprintf(s, sizeof s, "~");
	else
		td_fmt_number(r->start, s, sizeof s);
	if (isinf(r->end))
		e[0] = '\0';
	else
		td_fmt_number(r->end, e, sizeof e);
	if (!r->inside && r->start == 0 && e[0])
		snprintf(buf, len, "%s", e);
	else
		snprintf(buf, len, "%s%s:%s", r->inside ? "@" : "", s, e);
	return buf;
}

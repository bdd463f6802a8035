/*
 * unit.c - strict number parsing, unit conversion, and locale-independent
 * number printing. Nothing here calls strtod or printf("%f") on a value that
 * reaches perfdata: both follow the locale's decimal point.
 */
#include "config.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "tandem/unit.h"

static const double td_pow10[] = {
	1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

enum td_err td_parse_number(const char *s, const char *end, double *out)
{
	if (!end)
		end = s + strlen(s);
	const char *p = s;
	bool neg = false;
	if (p < end && (*p == '-' || *p == '+')) {
		neg = *p == '-';
		p++;
	}
	uint64_t mant = 0;
	int digits = 0, exp10 = 0, sig = 0;
	bool dot = false;
	for (; p < end; p++) {
		if (*p == '.' && !dot) {
			dot = true;
			continue;
		}
		if (*p < '0' || *p > '9')
			return TD_E_PARSE;
		digits++;
		/* Keep 18 significant digits exactly; later ones only scale. */
		if (sig < 18) {
			if (mant || *p != '0')
				sig++;
			mant = mant * 10 + (uint64_t)(*p - '0');
			if (dot)
				exp10--;
		} else if (!dot) {
			exp10++;
		}
		if (exp10 > 300)
			return TD_E_PARSE;
	}
	if (digits == 0)
		return TD_E_PARSE;
	double v = (double)mant;
	while (exp10 > 22) {
		v *= 1e22;
		exp10 -= 22;
	}
	while (exp10 < -22) {
		v /= 1e22;
		exp10 += 22;
	}
	v = exp10 >= 0 ? v * td_pow10[exp10] : v / td_pow10[-exp10];
	if (!isfinite(v))
		return TD_E_PARSE;
	*out = neg ? -v : v;
	return TD_OK;
}

struct td_unit_def {
	const char *name;
	enum td_unit_kind kind;
	double factor;
	bool fold; /* case-insensitive */
};

#define KI 1024.0
static const struct td_unit_def td_units[] = {
	{ "us", TD_UNIT_TIME, 1e-6, false },   { "ms", TD_UNIT_TIME, 1e-3, false },
	{ "s", TD_UNIT_TIME, 1, false },       { "m", TD_UNIT_TIME, 60, false },
	{ "h", TD_UNIT_TIME, 3600, false },    { "d", TD_UNIT_TIME, 86400, false },
	{ "%", TD_UNIT_PERCENT, 1, false },
	{ "B", TD_UNIT_BYTES, 1, true },
	{ "K", TD_UNIT_BYTES, KI, true },      { "KB", TD_UNIT_BYTES, KI, true },
	{ "KiB", TD_UNIT_BYTES, KI, true },    { "M", TD_UNIT_BYTES, KI * KI, true },
	{ "MB", TD_UNIT_BYTES, KI * KI, true },{ "MiB", TD_UNIT_BYTES, KI * KI, true },
	{ "G", TD_UNIT_BYTES, KI * KI * KI, true },
	{ "GB", TD_UNIT_BYTES, KI * KI * KI, true },
	{ "GiB", TD_UNIT_BYTES, KI * KI * KI, true },
	{ "T", TD_UNIT_BYTES, KI * KI * KI * KI, true },
	{ "TB", TD_UNIT_BYTES, KI * KI * KI * KI, true },
	{ "TiB", TD_UNIT_BYTES, KI * KI * KI * KI, true },
	{ "P", TD_UNIT_BYTES, KI * KI * KI * KI * KI, true },
	{ "PB", TD_UNIT_BYTES, KI * KI * KI * KI * KI, true },
	{ "PiB", TD_UNIT_BYTES, KI * KI * KI * KI * KI, true },
};

static const char *td_kind_name(enum td_unit_kind k)
{
	switch (k) {
	case TD_UNIT_TIME: return "a time";
	case TD_UNIT_BYTES: return "a size";
	case TD_UNIT_PERCENT: return "a percentage";
	default: return "a number";
	}
}

enum td_err td_parse_quantity(const char *s, const char *end, unsigned accept, double *value,
			      enum td_unit_kind *kind, char *err, size_t errlen)
{
	if (!end)
		end = s + strlen(s);
	int len = (int)(end - s);
	const char *u = end;
	while (u > s && !((u[-1] >= '0' && u[-1] <= '9') || u[-1] == '.'))
		u--;
	double v;
	if (u == s || td_parse_number(s, u, &v) != TD_OK)
		return td_errf(TD_E_PARSE, err, errlen, "\"%.*s\" is not a number", len, s);
	size_t ulen = (size_t)(end - u);
	if (ulen == 0) {
		*value = v;
		*kind = TD_UNIT_NONE;
		return TD_OK;
	}
	/*
	 * A unit can name two families ("m" is minutes, and megabytes when
	 * folded): the first accepted one wins, so `10m` is 10 MiB where only
	 * sizes are accepted.
	 */
	const struct td_unit_def *refused = NULL;
	for (size_t i = 0; i < sizeof td_units / sizeof td_units[0]; i++) {
		const struct td_unit_def *d = &td_units[i];
		if (strlen(d->name) != ulen)
			continue;
		if (d->fold ? strncasecmp(d->name, u, ulen) : strncmp(d->name, u, ulen))
			continue;
		if (!(accept & d->kind)) {
			if (!refused)
				refused = d;
			continue;
		}
		*value = v * d->factor;
		*kind = d->kind;
		return TD_OK;
	}
	if (refused)
		return td_errf(TD_E_PARSE, err, errlen, "\"%.*s\": %s is not accepted here", len, s,
			       td_kind_name(refused->kind));
	return td_errf(TD_E_PARSE, err, errlen, "\"%.*s\": unknown unit \"%.*s\"", len, s, (int)ulen, u);
}

enum td_err td_parse_uint(const char *s, unsigned long long min, unsigned long long max,
			  unsigned long long *out)
{
	unsigned long long v = 0;
	if (!s || !*s)
		return TD_E_PARSE;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return TD_E_PARSE;
		unsigned d = (unsigned)(*p - '0');
		if (d > max || v > (max - d) / 10)
			return TD_E_PARSE;
		v = v * 10 + d;
	}
	if (v < min)
		return TD_E_PARSE;
	*out = v;
	return TD_OK;
}

enum td_err td_parse_seconds(const char *s, double *out, char *err, size_t errlen)
{
	double v;
	enum td_unit_kind kind;
	if (td_parse_quantity(s, NULL, TD_UNIT_TIME, &v, &kind, NULL, 0) != TD_OK || !(v > 0) ||
	    v > 1e9)
		return td_errf(TD_E_PARSE, err, errlen,
			       "\"%s\" is not a duration (expected seconds like 10, 1.5 or 500ms)", s);
	*out = v;
	return TD_OK;
}

char *td_fmt_number(double v, char *buf, size_t len)
{
	if (!isfinite(v)) {
		snprintf(buf, len, "U");
		return buf;
	}
	double a = fabs(v);
	/* Integers, and anything too large for 10 significant fraction digits. */
	if (a >= 1e15 || (a == floor(a) && a < 9.007199254740992e15)) {
		if (a < 9.2e18)
			snprintf(buf, len, "%s%lld", v < 0 && a != 0 ? "-" : "", (long long)a);
		else
			snprintf(buf, len, "%.0f", v); /* %.0f never prints a decimal point */
		return buf;
	}
	/* decimal magnitude, floor(log10(a)), without libm: the plugins need
	 * nothing else from it, and loading it costs 300 KB of memory per run */
	int mag = 0;
	if (a >= 1) {
		for (double t = a; t >= 10; t /= 10)
			mag++;
	} else {
		for (double t = a; t < 1; t *= 10) /* a > 0: integers returned above */
			mag--;
	}
	int dec = 9 - mag;
	if (dec < 0)
		dec = 0;
	if (dec > 15)
		dec = 15;
	double scale = td_pow10[dec];
	long long scaled = (long long)(a * scale + 0.5); /* positive, below 2^63 */
	long long p10 = (long long)scale;
	long long ip = scaled / p10, fp = scaled % p10;
	if (fp == 0) {
		snprintf(buf, len, "%s%lld", v < 0 && ip != 0 ? "-" : "", ip);
		return buf;
	}
	char frac[24];
	snprintf(frac, sizeof frac, "%0*lld", dec, fp);
	size_t n = strlen(frac);
	while (n > 0 && frac[n - 1] == '0')
		frac[--n] = '\0';
	snprintf(buf, len, "%s%lld.%s", v < 0 ? "-" : "", ip, frac);
	return buf;
}

char *td_fmt_bytes(double bytes, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	size_t i = 0;
	double v = bytes;
	while (fabs(v) >= 1024 && i + 1 < sizeof units / sizeof units[0]) {
		v /= 1024;
		i++;
	}
	char num[TD_NUMBER_MAX];
	/* round half away from zero, as round() does, without libm */
	double scaled = i == 0 ? v : v * 10;
	double r = (double)(long long)(scaled + (scaled < 0 ? -0.5 : 0.5));
	double rounded = i == 0 ? r : r / 10;
	snprintf(buf, len, "%s %s", td_fmt_number(rounded, num, sizeof num), units[i]);
	return buf;
}

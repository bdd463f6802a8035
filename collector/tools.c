/* tools.c - data directory and time syntax of tandem-graph and tandem-event (see tools.h). */
#include "config.h"

#include <errno.h>
#include <ini.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tandem/buf.h"
#include "tandem/tools.h"
#include "tandem/unit.h"

/* Offsets beyond a century are typos, not intentions. */
#define TD_OFFSET_MAX (100LL * 365 * 86400)
/* 9999-12-31T23:59:59Z: the largest epoch a four-digit year can write. */
#define TD_EPOCH_MAX 253402300799ULL

static int td_store_ini(void *user, const char *section, const char *name, const char *value)
{
	struct td_store_loc *loc = user;
	if (!name || strcmp(section, "tandemd"))
		return 1;
	if (!strcmp(name, "data_dir")) {
		free(loc->data_dir);
		loc->data_dir = td_xstrdup(value);
	} else if (!strcmp(name, "rrdcached")) {
		free(loc->rrdcached);
		loc->rrdcached = *value ? td_xstrdup(value) : NULL;
	}
	return 1;
}

enum td_err td_store_loc_find(struct td_store_loc *loc, const char *conf_path, const char *data_dir,
			      char *err, size_t errlen)
{
	memset(loc, 0, sizeof *loc);
	if (conf_path) {
		FILE *f = fopen(conf_path, "r");
		if (!f)
			return td_errf(TD_E_IO, err, errlen, "%s: %s", conf_path, strerror(errno));
		/* other lines' errors are tandemd -t's business: we only need two keys */
		ini_parse_file(f, td_store_ini, loc);
		fclose(f);
	}
	if (data_dir) {
		free(loc->data_dir);
		loc->data_dir = td_xstrdup(data_dir);
	}
	if (!loc->data_dir || !*loc->data_dir) {
		free(loc->data_dir);
		loc->data_dir = td_xstrdup(TD_DEFAULT_DATA_DIR);
	}
	return TD_OK;
}

void td_store_loc_cleanup(struct td_store_loc *loc)
{
	free(loc->data_dir);
	free(loc->rrdcached);
	memset(loc, 0, sizeof *loc);
}

/* Reads exactly n digits at s into *out. */
static bool td_digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

static int td_days_in_month(int year, int month)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	return month == 2 && leap ? 29 : days[month - 1];
}

/* YYYY-MM-DD[THH:MM[:SS]][Z] */
static bool td_time_iso(const char *s, time_t *out)
{
	struct tm tm;
	int y, mo, d, h = 0, mi = 0, sec = 0;
	size_t n = strlen(s);
	bool utc = n > 0 && s[n - 1] == 'Z';
	if (utc)
		n--;
	if (n != 10 && n != 16 && n != 19)
		return false;
	if (!td_digits(s, 4, &y) || s[4] != '-' || !td_digits(s + 5, 2, &mo) || s[7] != '-' ||
	    !td_digits(s + 8, 2, &d))
		return false;
	if (n >= 16 && (s[10] != 'T' || !td_digits(s + 11, 2, &h) || s[13] != ':' ||
			!td_digits(s + 14, 2, &mi)))
		return false;
	if (n == 19 && (s[16] != ':' || !td_digits(s + 17, 2, &sec)))
		return false;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > td_days_in_month(y, mo) || h > 23 ||
	    mi > 59 || sec > 59)
		return false;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	tm.tm_isdst = -1;
	time_t t = utc ? timegm(&tm) : mktime(&tm);
	if (t == (time_t)-1 || t < 0)
		return false;
	*out = t;
	return true;
}

/* [now]{+|-}N[smhdwy] */
static bool td_time_offset(const char *s, time_t now, time_t *out)
{
	if (!strncmp(s, "now", 3))
		s += 3;
	if (*s != '-' && *s != '+')
		return false;
	long long sign = *s == '-' ? -1 : 1, mult = 1;
	const char *num = s + 1, *end = num;
	while (*end >= '0' && *end <= '9')
		end++;
	if (end == num || end - num > 12)
		return false;
	switch (*end) {
	case '\0': mult = 1; break;
	case 's': mult = 1; break;
	case 'm': mult = 60; break;
	case 'h': mult = 3600; break;
	case 'd': mult = 86400; break;
	case 'w': mult = 7 * 86400; break;
	case 'y': mult = 365 * 86400; break;
	default: return false;
	}
	if (*end && end[1])
		return false;
	char digits[16];
	memcpy(digits, num, (size_t)(end - num));
	digits[end - num] = '\0';
	unsigned long long v;
	if (td_parse_uint(digits, 0, (unsigned long long)(TD_OFFSET_MAX / mult), &v) != TD_OK)
		return false;
	long long t = (long long)now + sign * (long long)v * mult;
	if (t < 0)
		return false;
	*out = (time_t)t;
	return true;
}

enum td_err td_time_parse(const char *text, time_t now, time_t *out, char *err, size_t errlen)
{
	unsigned long long v;
	size_t n = strlen(text);
	if (n == 0 || n > TD_TIME_TEXT_MAX)
		goto bad;
	if (!strcmp(text, "now")) {
		*out = now;
		return TD_OK;
	}
	if (text[0] >= '0' && text[0] <= '9' && td_parse_uint(text, 0, TD_EPOCH_MAX, &v) == TD_OK) {
		*out = (time_t)v;
		return TD_OK;
	}
	if (td_time_offset(text, now, out) || td_time_iso(text, out))
		return TD_OK;
bad:
	return td_errf(
	    TD_E_USAGE, err, errlen,
	    "\"%.*s\" is not a time: expected epoch seconds, now, an offset like -1h or -2d, "
	    "or YYYY-MM-DDTHH:MM[:SS]",
	    TD_TIME_TEXT_MAX, text);
}

char *td_time_format(time_t t, char *buf, size_t len)
{
	struct tm tm;
	if (!localtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M", &tm))
		snprintf(buf, len, "%lld", (long long)t);
	return buf;
}

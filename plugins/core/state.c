/* state.c - service states, and the key/value store kept between runs. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "tandem/buf.h"
#include "tandem/state.h"
#include "tandem/unit.h"

const char *td_state_name(enum td_state s)
{
	switch (s) {
	case TD_STATE_OK: return "OK";
	case TD_STATE_WARNING: return "WARNING";
	case TD_STATE_CRITICAL: return "CRITICAL";
	case TD_STATE_UNKNOWN: return "UNKNOWN";
	}
	return "UNKNOWN";
}

enum td_err td_state_parse(const char *text, enum td_state *out)
{
	static const struct { const char *name; enum td_state s; } names[] = {
		{ "ok", TD_STATE_OK },		 { "warning", TD_STATE_WARNING },
		{ "critical", TD_STATE_CRITICAL }, { "unknown", TD_STATE_UNKNOWN },
		{ "o", TD_STATE_OK },		 { "w", TD_STATE_WARNING },
		{ "c", TD_STATE_CRITICAL },	 { "u", TD_STATE_UNKNOWN },
		{ "warn", TD_STATE_WARNING },	 { "crit", TD_STATE_CRITICAL },
		{ "0", TD_STATE_OK },		 { "1", TD_STATE_WARNING },
		{ "2", TD_STATE_CRITICAL },	 { "3", TD_STATE_UNKNOWN },
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (!strcasecmp(text, names[i].name)) {
			*out = names[i].s;
			return TD_OK;
		}
	return TD_E_PARSE;
}

enum td_state td_state_worst(enum td_state a, enum td_state b)
{
	/* rank: OK 0 < UNKNOWN 1 < WARNING 2 < CRITICAL 3 */
	static const int rank[] = { 0, 2, 3, 1 };
	return rank[a & 3] >= rank[b & 3] ? a : b;
}

struct td_record {
	char *key, *value;
	double when;
	struct td_record *next;
};

struct td_store {
	struct td_record *head;
	bool dirty; /* changed since loaded: only then is it saved */
};

struct td_store *td_store_new(void)
{
	return td_xcalloc(1, sizeof(struct td_store));
}

void td_store_free(struct td_store *st)
{
	if (!st)
		return;
	for (struct td_record *r = st->head, *n; r; r = n) {
		n = r->next;
		free(r->key);
		free(r->value);
		free(r);
	}
	free(st);
}

enum td_err td_store_get(const struct td_store *st, const char *key, char **value, double *when)
{
	for (const struct td_record *r = st->head; r; r = r->next)
		if (!strcmp(r->key, key)) {
			*value = td_xstrdup(r->value);
			if (when)
				*when = r->when;
			return TD_OK;
		}
	return TD_E_NOTFOUND;
}

static bool td_store_clean(const char *s)
{
	return strcspn(s, "\t\n\r") == strlen(s);
}

enum td_err td_store_set(struct td_store *st, const char *key, const char *value, double when)
{
	/* A key starting with '#' would read back as a comment. */
	if (!*key || *key == '#' || !td_store_clean(key) || !td_store_clean(value) || !isfinite(when))
		return TD_E_PARSE;
	for (struct td_record *r = st->head; r; r = r->next)
		if (!strcmp(r->key, key)) {
			if (strcmp(r->value, value) || r->when != when)
				st->dirty = true;
			free(r->value);
			r->value = td_xstrdup(value);
			r->when = when;
			return TD_OK;
		}
	st->dirty = true;
	struct td_record *r = td_xcalloc(1, sizeof *r);
	r->key = td_xstrdup(key);
	r->value = td_xstrdup(value);
	r->when = when;
	r->next = st->head;
	st->head = r;
	return TD_OK;
}

/* File format: one record a line, `key TAB when TAB value`, first line a tag. */
#define TD_STORE_TAG "# tandem state 1\n"
#define TD_STORE_MAX_BYTES (1024 * 1024)

bool td_store_dirty(const struct td_store *st)
{
	return st->dirty;
}

enum td_err td_store_load(struct td_store *st, const char *path, char *err, size_t errlen)
{
	bool was_dirty = st->dirty; /* what is read from the file is not a change */
	FILE *f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT)
			return TD_OK;
		return td_errf(TD_E_IO, err, errlen, "%s: %s", path, strerror(errno));
	}
	enum td_err rc = TD_OK;
	char *line = NULL;
	size_t cap = 0, total = 0;
	ssize_t n;
	unsigned lineno = 0;
	while ((n = getline(&line, &cap, f)) > 0) {
		lineno++;
		total += (size_t)n;
		if (total > TD_STORE_MAX_BYTES) {
			rc = td_errf(TD_E_TOOBIG, err, errlen, "%s: larger than %d bytes", path,
				     TD_STORE_MAX_BYTES);
			break;
		}
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		if (line[0] == '#' || !line[0])
			continue;
		char *t1 = strchr(line, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
		double when;
		if (!t2 || td_parse_number(t1 + 1, t2, &when) != TD_OK) {
			rc = td_errf(TD_E_PARSE, err, errlen, "%s:%u: not `key<TAB>time<TAB>value`", path,
				     lineno);
			break;
		}
		*t1 = '\0';
		if (td_store_set(st, line, t2 + 1, when) != TD_OK) {
			rc = td_errf(TD_E_PARSE, err, errlen, "%s:%u: bad key or value", path, lineno);
			break;
		}
	}
	/* getline also ends on a read error (a directory reads as EISDIR) */
	if (rc == TD_OK && ferror(f))
		rc = td_errf(TD_E_IO, err, errlen, "%s: %s", path, strerror(errno));
	free(line);
	fclose(f);
	st->dirty = was_dirty;
	return rc;
}

/*
 * Prints a time with microseconds, which td_fmt_number's 10 significant
 * digits would round away from an epoch time: rates divide by differences
 * of these. buf holds TD_NUMBER_MAX bytes.
 */
static void td_store_fmt_when(double when, char *buf, size_t len)
{
	if (!(fabs(when) < 9e12)) { /* beyond any epoch time: whole seconds are exact enough */
		td_fmt_number(when, buf, len);
		return;
	}
	double a = fabs(when);
	long long us = (long long)(a * 1e6 + 0.5); /* a >= 0: rounds like llround, without libm */
	long long whole = us / 1000000, frac = us % 1000000;
	const char *sign = when < 0 && us != 0 ? "-" : "";
	if (frac == 0) {
		snprintf(buf, len, "%s%lld", sign, whole);
		return;
	}
	char digits[8];
	snprintf(digits, sizeof digits, "%06lld", frac);
	size_t n = strlen(digits);
	while (n > 0 && digits[n - 1] == '0')
		digits[--n] = '\0';
	snprintf(buf, len, "%s%lld.%s", sign, whole, digits);
}

enum td_err td_store_save(const struct td_store *st, const char *path, char *err, size_t errlen)
{
	char *tmp = td_xasprintf("%s.tmp.%ld", path, (long)getpid());
	enum td_err rc = TD_OK;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = td_errf(TD_E_IO, err, errlen, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	struct td_buf b;
	td_buf_init(&b, TD_STORE_MAX_BYTES);
	td_buf_puts(&b, TD_STORE_TAG);
	char num[TD_NUMBER_MAX];
	for (const struct td_record *r = st->head; r; r = r->next) {
		td_store_fmt_when(r->when, num, sizeof num);
		td_buf_printf(&b, "%s\t%s\t%s\n", r->key, num, r->value);
	}
	const char *p = td_buf_str(&b);
	size_t left = b.len;
	bool truncated = b.truncated;
	while (left > 0) {
		ssize_t w = write(fd, p, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rc = td_errf(TD_E_IO, err, errlen, "%s: %s", tmp, strerror(errno));
			break;
		}
		p += w;
		left -= (size_t)w;
	}
	td_buf_cleanup(&b);
	if (rc == TD_OK && truncated)
		rc = td_errf(TD_E_TOOBIG, err, errlen, "%s: state larger than %d bytes", path,
			     TD_STORE_MAX_BYTES);
	if (rc == TD_OK && fsync(fd) != 0)
		rc = td_errf(TD_E_IO, err, errlen, "%s: %s", tmp, strerror(errno));
	if (close(fd) != 0 && rc == TD_OK)
		rc = td_errf(TD_E_IO, err, errlen, "%s: %s", tmp, strerror(errno));
	if (rc == TD_OK && rename(tmp, path) != 0)
		rc = td_errf(TD_E_IO, err, errlen, "%s: %s", path, strerror(errno));
	if (rc != TD_OK)
		unlink(tmp);
out:
	free(tmp);
	return rc;
}

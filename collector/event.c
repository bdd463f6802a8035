/* event.c - the events log: one escaped line per event, appended atomically (see event.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tandem/event.h"
#include "tandem/unit.h"

/* 9999-12-31T23:59:59Z, as in tools.c: later times are typos. */
#define TD_EVENT_TIME_MAX 253402300799ULL
/* A reader gives up on a line this long: no writer of ours makes one. */
#define TD_EVENT_READ_MAX (4 * TD_EVENT_LINE_MAX)

void td_event_cleanup(struct td_event *e)
{
	free(e->tag);
	free(e->host);
	free(e->service);
	free(e->text);
	memset(e, 0, sizeof *e);
}

bool td_event_tag_valid(const char *tag)
{
	size_t n = 0;
	for (const char *p = tag; *p; p++, n++) {
		char c = *p;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return false;
	}
	return n >= 1 && n <= TD_EVENT_TAG_MAX;
}

/* Length of the valid UTF-8 sequence at p (at most avail bytes), 0 when there is none. */
static size_t td_utf8_seq(const unsigned char *p, size_t avail)
{
	size_t n;
	unsigned cp;
	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xC2 && p[0] <= 0xDF) {
		n = 2;
		cp = p[0] & 0x1F;
	} else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
		n = 3;
		cp = p[0] & 0x0F;
	} else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
		n = 4;
		cp = p[0] & 0x07;
	} else {
		return 0;
	}
	if (avail < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3F);
	}
	/* overlong forms, surrogates and code points past U+10FFFF are not text */
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return n;
}

/*
 * The escaped form of the unit at p (one byte or one UTF-8 sequence) into
 * piece; returns how many input bytes it took.
 */
static size_t td_event_escape_unit(const unsigned char *p, size_t avail, char piece[8],
				   size_t *piece_len)
{
	static const char hex[] = "0123456789abcdef";
	size_t seq = td_utf8_seq(p, avail);
	if (p[0] == '\\' || p[0] == '\t' || p[0] == '\n' || p[0] == '\r') {
		piece[0] = '\\';
		piece[1] = p[0] == '\\' ? '\\' : p[0] == '\t' ? 't' : p[0] == '\n' ? 'n' : 'r';
		*piece_len = 2;
		return 1;
	}
	if (seq == 0 || p[0] < 0x20 || p[0] == 0x7F) {
		piece[0] = '\\';
		piece[1] = 'x';
		piece[2] = hex[p[0] >> 4];
		piece[3] = hex[p[0] & 15];
		*piece_len = 4;
		return 1;
	}
	memcpy(piece, p, seq);
	*piece_len = seq;
	return seq;
}

/*
 * Appends s escaped, within budget bytes. When all of it does not fit, cuts
 * at a unit boundary that leaves room for TD_EVENT_CUT and appends that.
 * Returns false when it had to cut.
 */
static bool td_event_escape(struct td_buf *out, const char *s, size_t budget)
{
	const size_t cut_len = strlen(TD_EVENT_CUT);
	size_t used = 0, safe = 0, base = out->len, n = strlen(s);
	const unsigned char *p = (const unsigned char *)s;
	while (n > 0) {
		char piece[8];
		size_t plen, took = td_event_escape_unit(p, n, piece, &plen);
		if (used + plen > budget) {
			out->len = base + safe;
			out->data[out->len] = '\0';
			td_buf_puts(out, TD_EVENT_CUT);
			return false;
		}
		td_buf_append(out, piece, plen);
		used += plen;
		if (used + cut_len <= budget)
			safe = used;
		p += took;
		n -= took;
	}
	return true;
}

enum td_err td_event_format(const struct td_event *e, struct td_buf *out, char *err, size_t errlen)
{
	const char *host = e->host ? e->host : "", *service = e->service ? e->service : "";
	if (!e->tag || !td_event_tag_valid(e->tag))
		return td_errf(TD_E_USAGE, err, errlen,
			       "a tag is 1 to %d letters, digits, '_', '.' or '-'",
			       TD_EVENT_TAG_MAX);
	if (e->time < 0 || (unsigned long long)e->time > TD_EVENT_TIME_MAX)
		return td_errf(TD_E_USAGE, err, errlen, "time %lld is out of range", e->time);
	if (*service && !*host)
		return td_errf(TD_E_USAGE, err, errlen, "an event for a service needs its host");
	if (strlen(host) > TD_EVENT_NAME_MAX || strlen(service) > TD_EVENT_NAME_MAX)
		return td_errf(TD_E_USAGE, err, errlen,
			       "host and service names are at most %d bytes", TD_EVENT_NAME_MAX);
	size_t base = out->len;
	td_buf_printf(out, "%lld\t%s\t", e->time, e->tag);
	/* names fit whole: 4 x 255 escaped bytes each leave room for text below PIPE_BUF */
	td_event_escape(out, host, 4 * TD_EVENT_NAME_MAX);
	td_buf_putc(out, '\t');
	td_event_escape(out, service, 4 * TD_EVENT_NAME_MAX);
	td_buf_putc(out, '\t');
	td_event_escape(out, e->text ? e->text : "", TD_EVENT_LINE_MAX - 1 - (out->len - base));
	td_buf_putc(out, '\n');
	return TD_OK;
}

static int td_event_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Unescapes s[0..n) into a new string; NULL when it holds a raw control byte or a bad escape. */
static char *td_event_unescape(const char *s, size_t n)
{
	struct td_buf b;
	td_buf_init(&b, TD_EVENT_READ_MAX);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7F)
			goto bad;
		if (c != '\\') {
			td_buf_putc(&b, (char)c);
			continue;
		}
		if (++i >= n)
			goto bad;
		switch (s[i]) {
		case '\\': td_buf_putc(&b, '\\'); break;
		case 't': td_buf_putc(&b, '\t'); break;
		case 'n': td_buf_putc(&b, '\n'); break;
		case 'r': td_buf_putc(&b, '\r'); break;
		case 'x': {
			int hi = i + 2 < n ? td_event_hexval(s[i + 1]) : -1;
			int lo = hi < 0 ? -1 : td_event_hexval(s[i + 2]);
			if (lo < 0 || (hi == 0 && lo == 0))
				goto bad;
			td_buf_putc(&b, (char)(hi * 16 + lo));
			i += 2;
			break;
		}
		default: goto bad;
		}
	}
	return td_buf_steal(&b);
bad:
	td_buf_cleanup(&b);
	return NULL;
}

enum td_err td_event_parse(const char *line, size_t len, struct td_event *e)
{
	const char *f[5];
	size_t flen[5], nf = 0;
	const char *p = line, *end = line + len;
	memset(e, 0, sizeof *e);
	if (memchr(line, '\0', len))
		return TD_E_PARSE;
	while (nf < 5) {
		/* the text is the rest of the line: a tab in it makes the line malformed */
		const char *tab = nf < 4 ? memchr(p, '\t', (size_t)(end - p)) : NULL;
		f[nf] = p;
		flen[nf] = (size_t)((tab ? tab : end) - p);
		nf++;
		if (!tab)
			break;
		p = tab + 1;
	}
	if (nf != 5 || memchr(f[4], '\t', flen[4]))
		return TD_E_PARSE;
	char num[24], tag[TD_EVENT_TAG_MAX + 1];
	unsigned long long t;
	if (flen[0] == 0 || flen[0] >= sizeof num || flen[1] == 0 || flen[1] > TD_EVENT_TAG_MAX)
		return TD_E_PARSE;
	memcpy(num, f[0], flen[0]);
	num[flen[0]] = '\0';
	memcpy(tag, f[1], flen[1]);
	tag[flen[1]] = '\0';
	if (td_parse_uint(num, 0, TD_EVENT_TIME_MAX, &t) != TD_OK || !td_event_tag_valid(tag))
		return TD_E_PARSE;
	e->time = (long long)t;
	e->tag = td_xstrdup(tag);
	e->host = td_event_unescape(f[2], flen[2]);
	e->service = td_event_unescape(f[3], flen[3]);
	e->text = td_event_unescape(f[4], flen[4]);
	if (!e->host || !e->service || !e->text || (*e->service && !*e->host) ||
	    strlen(e->host) > TD_EVENT_NAME_MAX || strlen(e->service) > TD_EVENT_NAME_MAX) {
		td_event_cleanup(e);
		return TD_E_PARSE;
	}
	return TD_OK;
}

char *td_event_log_path(const char *data_dir)
{
	return td_xasprintf("%s/.tandemd/events.log", data_dir);
}

enum td_err td_event_append(const char *path, const struct td_event *e, char *err, size_t errlen)
{
	struct td_buf line, out;
	enum td_err rc;
	int fd = -1;
	td_buf_init(&line, TD_EVENT_LINE_MAX);
	td_buf_init(&out, 2 * TD_EVENT_LINE_MAX);
	if ((rc = td_event_format(e, &line, err, errlen)) != TD_OK)
		goto out;

	/* the log's directory is tandemd's own; the data directory itself must exist */
	char *dir = td_xstrdup(path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0775) != 0 && errno != EEXIST)
			rc = td_errf(TD_E_IO, err, errlen, "%s: %s", dir, strerror(errno));
	}
	free(dir);
	if (rc != TD_OK)
		goto out;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0664);
	if (fd < 0) {
		rc = td_errf(TD_E_IO, err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	/*
	 * One write on O_APPEND already keeps lines whole; the lock also covers
	 * the look at the file's last byte and the rest of a short write.
	 */
	if (flock(fd, LOCK_EX) != 0) {
		rc = td_errf(TD_E_IO, err, errlen, "%s: lock: %s", path, strerror(errno));
		goto out;
	}
	struct stat st;
	char last = '\n';
	if (fstat(fd, &st) != 0) {
		rc = td_errf(TD_E_IO, err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = td_errf(TD_E_IO, err, errlen, "%s: not a regular file", path);
		goto out;
	}
	if (st.st_size == 0) {
		td_buf_puts(&out, TD_EVENT_HEADER);
	} else {
		int rfd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (rfd >= 0 && pread(rfd, &last, 1, st.st_size - 1) == 1 && last != '\n')
			td_buf_putc(&out, '\n');
		if (rfd >= 0)
			close(rfd);
	}
	td_buf_append(&out, line.data, line.len);
	for (size_t done = 0; done < out.len;) {
		ssize_t w = write(fd, out.data + done, out.len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rc = td_errf(TD_E_IO, err, errlen, "%s: %s", path,
				     w < 0 ? strerror(errno) : "short write");
			goto out;
		}
		done += (size_t)w;
	}
out:
	if (fd >= 0 && close(fd) != 0 && rc == TD_OK)
		rc = td_errf(TD_E_IO, err, errlen, "%s: %s", path, strerror(errno));
	td_buf_cleanup(&line);
	td_buf_cleanup(&out);
	return rc;
}

static bool td_event_tag_listed(const char *tags, const char *tag)
{
	size_t n = strlen(tag);
	for (const char *p = tags; *p;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (len == n && !strncmp(p, tag, n))
			return true;
		if (!comma)
			break;
		p = comma + 1;
	}
	return false;
}

bool td_event_match(const struct td_event *e, const struct td_event_filter *f)
{
	if (e->time < f->start || e->time > f->end)
		return false;
	if (f->tags && !td_event_tag_listed(f->tags, e->tag))
		return false;
	if (!*e->host || f->any_scope)
		return true;
	if (!f->host || strcmp(e->host, f->host))
		return false;
	return !*e->service || (f->service && !strcmp(e->service, f->service));
}

static int td_event_cmp(const void *a, const void *b)
{
	const struct td_event *x = a, *y = b;
	return (x->time > y->time) - (x->time < y->time);
}

/* Sorts l by time and keeps its latest max events. */
static void td_event_keep_latest(struct td_event_list *l, size_t max)
{
	if (l->n > 1)
		qsort(l->v, l->n, sizeof *l->v, td_event_cmp);
	if (l->n <= max)
		return;
	size_t drop = l->n - max;
	for (size_t i = 0; i < drop; i++)
		td_event_cleanup(&l->v[i]);
	memmove(l->v, l->v + drop, max * sizeof *l->v);
	l->n = max;
	l->dropped += drop;
}

enum td_err td_event_read(const char *path, const struct td_event_filter *f, size_t max,
			  struct td_event_list *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	FILE *fp = fopen(path, "re");
	if (!fp) {
		if (errno == ENOENT)
			return TD_OK;
		return td_errf(TD_E_IO, err, errlen, "%s: %s", path, strerror(errno));
	}
	size_t cap = 0;
	char *line = td_xmalloc(TD_EVENT_READ_MAX + 1);
	size_t len = 0;
	bool too_long = false;
	int c;
	do {
		c = getc(fp);
		if (c != '\n' && c != EOF) {
			if (len < TD_EVENT_READ_MAX)
				line[len++] = (char)c;
			else
				too_long = true;
			continue;
		}
		if (too_long) {
			out->malformed++;
		} else if (len > 0 && line[0] != '#') {
			struct td_event e;
			if (td_event_parse(line, len, &e) != TD_OK) {
				out->malformed++;
			} else if (!td_event_match(&e, f) || max == 0) {
				out->dropped += max == 0 && td_event_match(&e, f);
				td_event_cleanup(&e);
			} else {
				if (out->n == cap) {
					cap = cap ? 2 * cap : 64;
					out->v = td_xrealloc(out->v, cap * sizeof *out->v);
				}
				out->v[out->n++] = e;
				/* bounded memory however large the log: trim to the latest max */
				if (out->n >= 2 * max + 64)
					td_event_keep_latest(out, max);
			}
		}
		len = 0;
		too_long = false;
	} while (c != EOF);
	enum td_err rc = TD_OK;
	if (ferror(fp))
		rc = td_errf(TD_E_IO, err, errlen, "%s: read error", path);
	fclose(fp);
	free(line);
	td_event_keep_latest(out, max);
	return rc;
}

void td_event_list_cleanup(struct td_event_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		td_event_cleanup(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof *l);
}

void td_event_display(struct td_buf *out, const char *text, size_t max)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t n = strlen(text), used = 0;
	while (n > 0) {
		size_t seq = td_utf8_seq(p, n);
		bool bad = seq == 0 || p[0] < 0x20 || p[0] == 0x7F;
		size_t take = bad ? 1 : seq, width = bad ? 1 : seq;
		if (used + width > max) {
			td_buf_puts(out, "...");
			return;
		}
		if (bad)
			td_buf_putc(out, p[0] == '\t' || p[0] == '\n' ? ' ' : '?');
		else
			td_buf_append(out, (const char *)p, seq);
		used += width;
		p += take;
		n -= take;
	}
}

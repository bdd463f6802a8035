/* spool.c - the append-only journal of accepted samples (see spool.h). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tandem/spool.h"
#include "tandem/unit.h"

/* A segment is closed and a new one begun past this size. */
#define TD_SEGMENT_MAX (32u * 1024 * 1024)

struct td_spool {
	char *dir;
	pthread_mutex_t lock;
	pthread_cond_t more;
	/* writer side */
	int wfd;
	uint64_t wseq, wsize;
	/* reader side */
	int rfd;
	uint64_t rseq, roff;
	uint64_t read_pending; /* bytes handed out by the last read */
	uint64_t depth;
	uint64_t first_seq; /* oldest segment still on disk */
	bool woken;
};

static char *td_seg_path(const struct td_spool *sp, uint64_t seq)
{
	return td_xasprintf("%s/%016llx.jnl", sp->dir, (unsigned long long)seq);
}

static enum td_err td_mkdirs(const char *dir, char *err, size_t errlen)
{
	char *p = td_xstrdup(dir);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0750) != 0 && errno != EEXIST) {
			enum td_err rc = td_errf(TD_E_IO, err, errlen, "%s: %s", p, strerror(errno));
			free(p);
			return rc;
		}
		*s = '/';
	}
	enum td_err rc = TD_OK;
	if (mkdir(p, 0750) != 0 && errno != EEXIST)
		rc = td_errf(TD_E_IO, err, errlen, "%s: %s", p, strerror(errno));
	free(p);
	return rc;
}

/* Segment numbers on disk, sorted. */
static void td_list_segments(const char *dir, uint64_t **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	DIR *d = opendir(dir);
	if (!d)
		return;
	size_t cap = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (len != 20 || strcmp(de->d_name + 16, ".jnl"))
			continue;
		uint64_t v = 0;
		bool ok = true;
		for (int i = 0; i < 16 && ok; i++) {
			char c = de->d_name[i];
			int h = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
			ok = h >= 0;
			v = v * 16 + (uint64_t)(h < 0 ? 0 : h);
		}
		if (!ok)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*out = td_xrealloc(*out, cap * sizeof **out);
		}
		(*out)[(*n)++] = v;
	}
	closedir(d);
	for (size_t i = 1; i < *n; i++) /* insertion sort: a handful of segments */
		for (size_t j = i; j > 0 && (*out)[j - 1] > (*out)[j]; j--) {
			uint64_t t = (*out)[j];
			(*out)[j] = (*out)[j - 1];
			(*out)[j - 1] = t;
		}
}

static enum td_err td_open_writer(struct td_spool *sp, char *err, size_t errlen)
{
	char *path = td_seg_path(sp, sp->wseq);
	sp->wfd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	enum td_err rc = TD_OK;
	if (sp->wfd < 0)
		rc = td_errf(TD_E_IO, err, errlen, "%s: %s", path, strerror(errno));
	sp->wsize = 0;
	free(path);
	return rc;
}

enum td_err td_spool_open(const char *dir, struct td_spool **out, char *err, size_t errlen)
{
	enum td_err rc = td_mkdirs(dir, err, errlen);
	if (rc != TD_OK)
		return rc;
	struct td_spool *sp = td_xcalloc(1, sizeof *sp);
	sp->dir = td_xstrdup(dir);
	sp->rfd = -1;
	pthread_mutex_init(&sp->lock, NULL);
	pthread_cond_init(&sp->more, NULL);

	uint64_t *segs;
	size_t n;
	td_list_segments(dir, &segs, &n);
	/* checkpoint: "seq offset" */
	char *cp = td_xasprintf("%s/checkpoint", dir);
	FILE *f = fopen(cp, "re");
	uint64_t cseq = n ? segs[0] : 1, coff = 0;
	if (f) {
		char line[64] = "";
		if (fgets(line, sizeof line, f)) {
			char *sp1 = strchr(line, ' ');
			unsigned long long a, b;
			if (sp1) {
				*sp1 = '\0';
				char *nl = strchr(sp1 + 1, '\n');
				if (nl)
					*nl = '\0';
				if (td_parse_uint(line, 0, UINT64_MAX, &a) == TD_OK &&
				    td_parse_uint(sp1 + 1, 0, UINT64_MAX, &b) == TD_OK) {
					cseq = a;
					coff = b;
				}
			}
		}
		fclose(f);
	}
	free(cp);
	/* a checkpoint older than every segment: start at the oldest one */
	if (n && cseq < segs[0]) {
		cseq = segs[0];
		coff = 0;
	}
	sp->rseq = cseq;
	sp->roff = coff;
	sp->first_seq = n ? segs[0] : cseq;
	/* append to a fresh segment: never after a torn last line */
	sp->wseq = n ? segs[n - 1] + 1 : cseq;
	if (sp->wseq < cseq)
		sp->wseq = cseq;
	for (size_t i = 0; i < n; i++) {
		if (segs[i] < cseq)
			continue;
		char *path = td_seg_path(sp, segs[i]);
		struct stat st;
		if (stat(path, &st) == 0)
			sp->depth += (uint64_t)st.st_size - (segs[i] == cseq ? coff : 0);
		free(path);
	}
	free(segs);
	rc = td_open_writer(sp, err, errlen);
	if (rc != TD_OK) {
		td_spool_close(sp);
		return rc;
	}
	*out = sp;
	return TD_OK;
}

enum td_err td_spool_append(struct td_spool *sp, const char *text, size_t len, char *err,
			    size_t errlen)
{
	enum td_err rc = TD_OK;
	if (len == 0)
		return TD_OK;
	pthread_mutex_lock(&sp->lock);
	/* a segment that could not be begun is tried again with the next append */
	if (sp->wfd < 0 || sp->wsize >= TD_SEGMENT_MAX) {
		if (sp->wfd >= 0) {
			close(sp->wfd);
			sp->wseq++;
		}
		if ((rc = td_open_writer(sp, err, errlen)) != TD_OK)
			goto out;
	}
	size_t done = 0;
	while (done < len) {
		ssize_t w = write(sp->wfd, text + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rc = td_errf(TD_E_IO, err, errlen, "spool %s: %s", sp->dir,
				     w < 0 ? strerror(errno) : "short write");
			/* all or nothing: cut a partial record off again */
			if (done && ftruncate(sp->wfd, (off_t)sp->wsize) != 0)
				rc = td_errf(TD_E_IO, err, errlen, "spool %s: %s (and cannot truncate)",
					     sp->dir, strerror(errno));
			goto out;
		}
		done += (size_t)w;
	}
	sp->wsize += len;
	sp->depth += len;
	pthread_cond_signal(&sp->more);
out:
	pthread_mutex_unlock(&sp->lock);
	return rc;
}

/* Reader: opens the segment at rseq; moves to the next when it is done. */
static bool td_reader_open(struct td_spool *sp)
{
	if (sp->rfd >= 0)
		return true;
	char *path = td_seg_path(sp, sp->rseq);
	sp->rfd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	return sp->rfd >= 0;
}

size_t td_spool_read(struct td_spool *sp, struct td_buf *out, size_t max, int wait_ms)
{
	td_buf_reset(out);
	pthread_mutex_lock(&sp->lock);
	for (;;) {
		uint64_t wseq = sp->wseq, wsize = sp->wsize;
		bool current = sp->rseq == wseq;
		uint64_t end = current ? wsize : UINT64_MAX;
		if (current && sp->roff >= end) {
			if (wait_ms <= 0 || sp->woken)
				break;
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += wait_ms / 1000;
			ts.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&sp->more, &sp->lock, &ts);
			wait_ms = 0;
			continue;
		}
		pthread_mutex_unlock(&sp->lock);
		/* read outside the lock: appends go to the end, never here */
		size_t want = max;
		if (end != UINT64_MAX && end - sp->roff < want)
			want = (size_t)(end - sp->roff);
		char *buf = td_xmalloc(want + 1);
		ssize_t got = -1;
		if (td_reader_open(sp))
			got = pread(sp->rfd, buf, want, (off_t)sp->roff);
		pthread_mutex_lock(&sp->lock);
		if (got <= 0 && !current) {
			/* an old segment ends (a torn last line is dropped with it) */
			if (got > 0 || sp->rfd >= 0) {
				close(sp->rfd);
				sp->rfd = -1;
			}
			uint64_t left = 0;
			char *path = td_seg_path(sp, sp->rseq);
			struct stat st;
			if (stat(path, &st) == 0 && (uint64_t)st.st_size > sp->roff)
				left = (uint64_t)st.st_size - sp->roff;
			free(path);
			sp->depth -= left < sp->depth ? left : sp->depth;
			sp->rseq++;
			sp->roff = 0;
			free(buf);
			continue;
		}
		if (got > 0) {
			/* whole lines only */
			size_t n = (size_t)got;
			while (n > 0 && buf[n - 1] != '\n')
				n--;
			if (n == 0 && (size_t)got == max) {
				/* one line longer than max: skip it, it is not ours */
				n = (size_t)got;
			}
			if (n == 0 && !current) {
				/* torn tail of an old segment: skip the fragment */
				sp->roff += (uint64_t)got;
				sp->depth -= (uint64_t)got < sp->depth ? (uint64_t)got : sp->depth;
				free(buf);
				continue;
			}
			td_buf_append(out, buf, n);
			sp->read_pending = n;
		}
		free(buf);
		break;
	}
	sp->woken = false;
	pthread_mutex_unlock(&sp->lock);
	return out->len;
}

/* Removes the segments before seq: every record in them is stored. */
static void td_spool_prune(struct td_spool *sp, uint64_t seq)
{
	while (sp->first_seq < seq) {
		char *path = td_seg_path(sp, sp->first_seq);
		unlink(path);
		free(path);
		sp->first_seq++;
	}
}

void td_spool_consume(struct td_spool *sp, size_t n)
{
	pthread_mutex_lock(&sp->lock);
	if (n > sp->read_pending)
		n = (size_t)sp->read_pending;
	sp->roff += n;
	sp->depth -= n < sp->depth ? n : sp->depth;
	sp->read_pending = 0;
	pthread_mutex_unlock(&sp->lock);
}

enum td_err td_spool_checkpoint(struct td_spool *sp, char *err, size_t errlen)
{
	pthread_mutex_lock(&sp->lock);
	uint64_t seq = sp->rseq, off = sp->roff;
	int wfd = sp->wfd;
	pthread_mutex_unlock(&sp->lock);
	if (wfd >= 0)
		fdatasync(wfd);
	char *cp = td_xasprintf("%s/checkpoint", sp->dir);
	char *tmp = td_xasprintf("%s.tmp", cp);
	enum td_err rc = TD_OK;
	FILE *f = fopen(tmp, "we");
	if (!f || fprintf(f, "%llu %llu\n", (unsigned long long)seq, (unsigned long long)off) < 0 ||
	    fflush(f) != 0 || fdatasync(fileno(f)) != 0) {
		rc = td_errf(TD_E_IO, err, errlen, "%s: %s", tmp, strerror(errno));
	}
	if (f && fclose(f) != 0 && rc == TD_OK)
		rc = td_errf(TD_E_IO, err, errlen, "%s: %s", tmp, strerror(errno));
	if (rc == TD_OK && rename(tmp, cp) != 0)
		rc = td_errf(TD_E_IO, err, errlen, "%s: %s", cp, strerror(errno));
	if (rc == TD_OK) {
		pthread_mutex_lock(&sp->lock);
		td_spool_prune(sp, seq);
		pthread_mutex_unlock(&sp->lock);
	}
	free(tmp);
	free(cp);
	return rc;
}

uint64_t td_spool_depth(struct td_spool *sp)
{
	pthread_mutex_lock(&sp->lock);
	uint64_t d = sp->depth;
	pthread_mutex_unlock(&sp->lock);
	return d;
}

void td_spool_wake(struct td_spool *sp)
{
	pthread_mutex_lock(&sp->lock);
	sp->woken = true;
	pthread_cond_broadcast(&sp->more);
	pthread_mutex_unlock(&sp->lock);
}

void td_spool_close(struct td_spool *sp)
{
	if (!sp)
		return;
	if (sp->wfd >= 0) {
		char err[256];
		td_spool_checkpoint(sp, err, sizeof err);
		close(sp->wfd);
	}
	if (sp->rfd >= 0)
		close(sp->rfd);
	pthread_mutex_destroy(&sp->lock);
	pthread_cond_destroy(&sp->more);
	free(sp->dir);
	free(sp);
}

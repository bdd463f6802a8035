/*
 * daemon.c - tandemd's runtime: the scheduler (main thread), the worker pool,
 * and the store writer (see collector.h).
 *
 * Scheduling runs on CLOCK_MONOTONIC. Each service has a phase inside its
 * interval (a hash of its name), so starts are spread, and its next run is
 * the previous scheduled time plus the interval, so runs do not drift. A run
 * still going when its next turn comes is not started twice: the turn is
 * counted as skipped. Signals are blocked in every thread and taken by the
 * scheduler with sigtimedwait, so no handler ever runs asynchronously.
 *
 * Samples go to the spool (spool.h) first and the writer thread moves them
 * into the store; a service's metadata is written by the worker that ran it.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "tandem/collector.h"
#include "tandem/deadline.h"
#include "tandem/ingest.h"
#include "tandem/layout.h"
#include "tandem/meta.h"
#include "tandem/rrdstore.h"
#include "tandem/spool.h"

/* After a start the writer flushes every second for this long (seconds). */
#define TD_EARLY_FLUSH 20.0
#define TD_EARLY_BYTES (1024u * 1024)

/* The scheduler sleeps at least this long (seconds) between rounds. */
#define TD_TICK 0.05

/* The writer flushes early when this much waits, and reads at most this much at once. */
#define TD_FLUSH_BYTES (48u * 1024 * 1024)
#define TD_FLUSH_MAX (64u * 1024 * 1024)

/* meta.json is rewritten at least this often (seconds), else only on changes. */
#define TD_META_EVERY 60.0

/* Files the store refused are tried again this often (seconds). */
#define TD_DEFERRED_RETRY 10.0

/* The first runs of new services are spread over at most this many seconds. */
#define TD_FIRST_RUN_WINDOW 10.0

/* A configuration in use; freed when the last run that uses it ends. */
struct td_conf_ref {
	struct td_conf *conf;
	int refs; /* under d->lock */
};

/* A service's life across reloads: schedule, counters, state between runs. */
struct td_svc {
	char *name;
	struct td_service *svc;  /* in ref->conf */
	struct td_conf_ref *ref; /* the configuration svc belongs to */
	double phase;            /* seconds into the interval */
	double next_due;         /* monotonic */
	bool running, removed;
	bool first; /* the next run is the early first one */
	double meta_written;     /* monotonic time meta.json was last written */
	char *dir_rel;           /* "host/service", encoded: the spool's paths */
	char *meta_dir, *meta_path; /* absolute, computed once */
	int meta_state;          /* the state it holds */
	int refs;                /* scheduler 1 + a run in flight */
	struct td_store *kv;     /* values between runs (rates) */
	struct td_meta meta;
	bool meta_loaded;
	double last_log;         /* rate limit: one failure line per 5 min */
	unsigned suppressed;
};

/* A due run: the service and the configuration it was scheduled under. */
struct td_job {
	struct td_svc *v;
	struct td_conf_ref *ref;
	struct td_service *s;
};

struct td_daemon {
	struct td_conf_ref *ref;
	bool log_stderr;
	pthread_mutex_t lock;
	pthread_cond_t work;
	struct td_svc **svcs;
	size_t n_svcs;
	struct td_job *queue; /* FIFO of due runs */
	size_t q_head, q_len, q_cap;
	pthread_t *workers;
	unsigned n_workers;
	pthread_t writer, ingester;
	bool writer_started, ingester_started;
	atomic_bool stopping;
	atomic_bool writer_stop;
	atomic_bool draining;   /* shutting down: write what is there now */
	double write_delay;     /* seconds samples gather before a batch write */
	unsigned in_flight;
	struct td_spool *spool, *deferred;
	struct td_rrd *store;
	/* health */
	atomic_ullong runs, late, skipped, failed, samples, dropped, store_errors, bad_perfdata;
	atomic_ullong store_latency_us, stored;
	struct td_svc health; /* the pseudo service of tandemd's own metrics */
	double started;
	double store_last_log;
	unsigned store_suppressed;
	char host[256];
};

/* ---- logging ---- */

static void td_log(struct td_daemon *d, int prio, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void td_log(struct td_daemon *d, int prio, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (d->log_stderr) {
		static const char *const names[] = { "emerg", "alert", "crit", "error",
						     "warning", "notice", "info", "debug" };
		time_t now = time(NULL);
		struct tm tm;
		char ts[32];
		localtime_r(&now, &tm);
		strftime(ts, sizeof ts, "%Y-%m-%d %H:%M:%S", &tm);
		fprintf(stderr, "%s tandemd[%ld] %s: %s\n", ts, (long)getpid(), names[prio & 7], msg);
	} else {
		syslog(prio, "%s", msg);
	}
}

/* ---- services ---- */

static uint64_t td_fnv(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* Due time of the first run: the next point of the service's phase. */
static double td_first_due(double now, double interval, double phase, double started)
{
	double k = ceil((now - started - phase) / interval);
	if (k < 0)
		k = 0;
	return started + phase + k * interval;
}

static struct td_svc *td_svc_new(struct td_daemon *d, struct td_conf_ref *ref, struct td_service *s,
				 double now)
{
	struct td_svc *v = td_xcalloc(1, sizeof *v);
	v->name = td_xstrdup(s->name);
	v->svc = s;
	v->ref = ref;
	v->refs = 1;
	v->kv = td_store_new();
	v->dir_rel = td_layout_service_dir(s->host, s->service);
	v->phase = (double)(td_fnv(s->name) % (uint64_t)(s->interval * 1000)) / 1000.0;
	/* The first run comes early, spread over at most 10 s, so a new service (and a
	 * freshly started daemon) shows data at once; later runs keep the phase. */
	v->next_due = now + v->phase / s->interval * fmin(s->interval, TD_FIRST_RUN_WINDOW);
	v->first = true;
	td_meta_init(&v->meta);
	return v;
}

static void td_svc_paths_free(struct td_svc *v);

static void td_svc_unref(struct td_svc *v)
{
	if (--v->refs > 0)
		return;
	td_store_free(v->kv);
	td_meta_cleanup(&v->meta);
	td_svc_paths_free(v);
	free(v->name);
	free(v);
}

static void td_ref_unref(struct td_conf_ref *ref)
{
	if (--ref->refs > 0)
		return;
	td_conf_free(ref->conf);
	free(ref);
}

/* ---- samples and metadata ---- */

void td_samples_format(struct td_buf *out, const char *dir_rel, unsigned step, long timestamp,
		       const struct td_result *res)
{
	char num[TD_NUMBER_MAX];
	for (size_t i = 0; i < res->n_metrics; i++) {
		const struct td_metric *m = &res->metrics[i];
		if (!m->known)
			continue;
		bool counter = !strcmp(m->uom, "c");
		/* RRD's DERIVE takes whole numbers only */
		double v = counter ? round(m->value) : m->value;
		td_buf_puts(out, dir_rel);
		td_buf_putc(out, '/');
		td_layout_component(out, m->label);
		td_buf_printf(out, ".rrd\t%u\t%c\t%ld\t%s\n", step, counter ? 'D' : 'G', timestamp,
			      td_fmt_number(v, num, sizeof num));
	}
}

static enum td_err td_mkdir_p(const char *path)
{
	char *p = td_xstrdup(path);
	for (char *s = p + 1;; s++) {
		if (*s && *s != '/')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, 0755) != 0 && errno != EEXIST) {
			free(p);
			return TD_E_IO;
		}
		if (!c)
			break;
		*s = c;
	}
	free(p);
	return TD_OK;
}

/* Writes the service's meta.json after a run. */
static void td_write_meta(struct td_daemon *d, struct td_svc *v, const char *data_dir,
			  const struct td_service *s, long when, const struct td_result *res,
			  const char *source)
{
	if (!v->meta_path) {
		char *rel = td_layout_service_dir(s->host, s->service);
		v->meta_dir = td_xasprintf("%s/%s", data_dir, rel);
		v->meta_path = td_xasprintf("%s/meta.json", v->meta_dir);
		free(rel);
	}
	const char *dir = v->meta_dir, *path = v->meta_path;
	if (!v->meta_loaded) {
		td_meta_load(&v->meta, path);
		v->meta_loaded = true;
		v->meta_state = -1;
	}
	bool changed = td_meta_update(&v->meta, when, res);
	double now = td_now();
	/* Writing it costs more than a probe run: only when something a reader
	 * needs changed (labels, thresholds, state), else once a minute. */
	if (!changed && v->meta_state == (int)res->state && now - v->meta_written < TD_META_EVERY)
		return;
	v->meta_written = now;
	v->meta_state = (int)res->state;
	/* the status line without its perfdata, as Nagios shows it */
	const char *text = td_buf_str(&res->summary);
	struct td_meta_run run = {
		.host = s->host,
		.service = s->service,
		.command = s->command,
		.source = source,
		.interval = s->interval,
		.time = when,
		.state = res->state,
		.output = text,
		.long_output = td_buf_str(&res->long_output),
	};
	char *json = td_meta_json(&v->meta, &run);
	char err[512];
	if (td_mkdir_p(dir) != TD_OK || td_meta_write(path, json, err, sizeof err) != TD_OK)
		td_log(d, TD_LOG_WARNING, "%s: cannot write %s: %s", s->name, path, strerror(errno));
	free(json);
}

static void td_svc_paths_free(struct td_svc *v)
{
	free(v->meta_dir);
	free(v->meta_path);
	free(v->dir_rel);
	v->meta_dir = v->meta_path = v->dir_rel = NULL;
}

/* Appends a run's samples to the spool: accepted from here on. */
static void td_accept(struct td_daemon *d, const char *name, const char *dir_rel, unsigned step,
		      long when, const struct td_result *res)
{
	struct td_buf rec;
	char err[512];
	td_buf_init(&rec, 0);
	td_samples_format(&rec, dir_rel, step, when, res);
	size_t n = 0;
	for (size_t i = 0; i < rec.len; i++)
		n += rec.data[i] == '\n';
	if (rec.truncated || td_spool_append(d->spool, td_buf_str(&rec), rec.len, err, sizeof err) != TD_OK) {
		d->dropped += n;
		td_log(d, TD_LOG_ERR, "%s: %zu samples lost: %s", name, n,
		       rec.truncated ? "too many metrics in one run" : err);
	} else {
		d->samples += n;
	}
	td_buf_cleanup(&rec);
}

/* ---- workers ---- */

static void td_run_one(struct td_daemon *d, const struct td_job *job)
{
	struct td_svc *v = job->v;
	const struct td_service *s = job->s;
	struct td_result res;
	td_result_init(&res);
	long when = (long)time(NULL);
	enum td_err rc;
	unsigned bad = 0;
	const char *source;
	if (s->probe) {
		struct td_run_ctx ctx = { .deadline = td_deadline_in(s->timeout),
					  .timeout = s->timeout,
					  .store = v->kv };
		rc = s->probe->run(s->probe_cfg, &ctx, &res);
		td_result_finish(&res, rc, s->common.timeout_state);
		source = "tandemd";
	} else {
		rc = td_exec_plugin(s->exec_path, s->argv, s->timeout, &res, &bad);
		if (rc != TD_OK) /* a plugin's own state stands; only our failures override it */
			td_result_finish(&res, rc, TD_STATE_CRITICAL);
		d->bad_perfdata += bad;
		source = "process";
	}
	d->runs++;
	if (rc != TD_OK || res.state == TD_STATE_UNKNOWN) {
		d->failed++;
		double now = td_now();
		if (now - v->last_log >= 300) {
			td_log(d, TD_LOG_WARNING, "%s: %s %s - %s%s", s->name, s->probe ? s->probe->label : s->argv[0],
			       td_state_name(res.state), td_buf_str(&res.summary),
			       v->suppressed ? " (and earlier failures not logged)" : "");
			v->last_log = now;
			v->suppressed = 0;
		} else {
			v->suppressed++;
		}
	}
	td_accept(d, s->name, v->dir_rel, (unsigned)s->interval, when, &res);
	td_write_meta(d, v, job->ref->conf->data_dir, s, when, &res, source);
	td_result_cleanup(&res);
}

static void *td_worker(void *arg)
{
	struct td_daemon *d = arg;
	pthread_mutex_lock(&d->lock);
	for (;;) {
		while (!d->q_len && !d->stopping)
			pthread_cond_wait(&d->work, &d->lock);
		if (!d->q_len && d->stopping)
			break;
		struct td_job job = d->queue[d->q_head];
		d->q_head = (d->q_head + 1) % d->q_cap;
		d->q_len--;
		d->in_flight++;
		pthread_mutex_unlock(&d->lock);
		td_run_one(d, &job);
		pthread_mutex_lock(&d->lock);
		job.v->running = false;
		d->in_flight--;
		td_ref_unref(job.ref);
		td_svc_unref(job.v);
	}
	pthread_mutex_unlock(&d->lock);
	return NULL;
}

/* Under d->lock. */
static void td_enqueue(struct td_daemon *d, struct td_svc *v)
{
	if (d->q_len == d->q_cap) {
		size_t cap = d->q_cap ? d->q_cap * 2 : 64;
		struct td_job *q = td_xcalloc(cap, sizeof *q);
		for (size_t i = 0; i < d->q_len; i++)
			q[i] = d->queue[(d->q_head + i) % d->q_cap];
		free(d->queue);
		d->queue = q;
		d->q_head = 0;
		d->q_cap = cap;
	}
	d->queue[(d->q_head + d->q_len) % d->q_cap] = (struct td_job){ v, v->ref, v->svc };
	d->q_len++;
	v->running = true;
	v->refs++;
	v->ref->refs++;
}

/* ---- the store writer ---- */

struct td_rec {
	char *line; /* in the read buffer, NUL-terminated fields */
	const char *path, *value;
	unsigned step;
	char type;
};

struct td_group {
	struct td_rrd_file *files;
	size_t n, cap;
	const char **vals;
	size_t nv, vcap;
	size_t *first, *count; /* per file: slice of vals before they are pointed at */
};

/* Parses spool lines; groups values by file, keeping each file's order. */
static size_t td_parse_chunk(char *buf, size_t len, struct td_rrd_file **files_out,
			     const char ***vals_out, unsigned *bad)
{
	size_t nfiles = 0, fcap = 0, nvals = 0, vcap = 0;
	struct td_rrd_file *files = NULL;
	struct { size_t file; char *val; } *vals = NULL;
	/* index: relpath -> file (open addressing) */
	size_t icap = 256;
	size_t *index = NULL;
	char *p = buf, *end = buf + len;
	size_t lines = 0;
	for (char *q = buf; q < end; q++)
		lines += *q == '\n';
	while (icap < 2 * lines + 2)
		icap *= 2;
	index = td_xmalloc(icap * sizeof *index);
	memset(index, 0xff, icap * sizeof *index);
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			break;
		*nl = '\0';
		char *f[5];
		int nf = 0;
		f[nf++] = p;
		for (char *t = p; *t && nf < 5; t++)
			if (*t == '\t') {
				*t = '\0';
				f[nf++] = t + 1;
			}
		unsigned long long step, ts;
		if (nf != 5 || td_parse_uint(f[1], 1, 86400 * 365, &step) != TD_OK ||
		    (f[2][0] != 'G' && f[2][0] != 'D') || td_parse_uint(f[3], 0, INT64_MAX, &ts) != TD_OK ||
		    strstr(f[0], "..") || f[0][0] == '/') {
			(*bad)++;
			p = nl + 1;
			continue;
		}
		f[3][strlen(f[3])] = ':'; /* "ts\tvalue" becomes "ts:value" in place */
		uint64_t h = td_fnv(f[0]);
		size_t slot = h & (icap - 1);
		while (index[slot] != (size_t)-1 && strcmp(files[index[slot]].relpath, f[0]))
			slot = (slot + 1) & (icap - 1);
		if (index[slot] == (size_t)-1) {
			if (nfiles == fcap) {
				fcap = fcap ? fcap * 2 : 64;
				files = td_xrealloc(files, fcap * sizeof *files);
			}
			memset(&files[nfiles], 0, sizeof files[nfiles]);
			files[nfiles].relpath = f[0];
			files[nfiles].step = (unsigned)step;
			files[nfiles].type = f[2][0];
			index[slot] = nfiles++;
		}
		if (nvals == vcap) {
			vcap = vcap ? vcap * 2 : 256;
			vals = td_xrealloc(vals, vcap * sizeof *vals);
		}
		vals[nvals].file = index[slot];
		vals[nvals].val = f[3];
		nvals++;
		files[index[slot]].n++;
		p = nl + 1;
	}
	free(index);
	/* lay each file's values out contiguously, in arrival order */
	const char **out = td_xcalloc(nvals + 1, sizeof *out);
	size_t pos = 0;
	for (size_t i = 0; i < nfiles; i++) {
		files[i].values = out + pos;
		pos += files[i].n;
		files[i].n = 0;
	}
	for (size_t i = 0; i < nvals; i++) {
		struct td_rrd_file *fl = &files[vals[i].file];
		fl->values[fl->n++] = vals[i].val;
	}
	free(vals);
	*files_out = files;
	*vals_out = out;
	return nfiles;
}

/* Re-spools one file's values (their records) into the deferred spool. */
static enum td_err td_defer(struct td_daemon *d, const struct td_rrd_file *f)
{
	struct td_buf b;
	char err[256];
	td_buf_init(&b, 0);
	for (size_t i = 0; i < f->n; i++) {
		const char *colon = strchr(f->values[i], ':');
		td_buf_printf(&b, "%s\t%u\t%c\t%.*s\t%s\n", f->relpath, f->step, f->type,
			      (int)(colon - f->values[i]), f->values[i], colon + 1);
	}
	enum td_err rc = td_spool_append(d->deferred, td_buf_str(&b), b.len, err, sizeof err);
	td_buf_cleanup(&b);
	return rc;
}

static void td_store_log(struct td_daemon *d, const char *prefix, const char *what)
{
	double now = td_now();
	d->store_errors++;
	if (now - d->store_last_log >= 60) {
		td_log(d, TD_LOG_ERR, "%s%s", prefix, what);
		if (d->store_suppressed)
			td_log(d, TD_LOG_ERR, "(%u similar store errors not logged)", d->store_suppressed);
		d->store_last_log = now;
		d->store_suppressed = 0;
	} else {
		d->store_suppressed++;
	}
}

/*
 * One chunk from spool sp: parse, write, consume. Files that the store
 * refuses while it works for others go to the deferred spool (and, while
 * deferred, every later value of theirs), so one bad file never stalls the
 * rest and nothing is lost or reordered. Returns false when the store is down.
 */
static bool td_write_chunk(struct td_daemon *d, struct td_spool *sp, struct td_buf *buf,
			   bool is_deferred, char ***blocked, size_t *n_blocked)
{
	size_t len = buf->len;
	unsigned bad = 0;
	struct td_rrd_file *files;
	const char **vals;
	size_t nf = td_parse_chunk(buf->data, len, &files, &vals, &bad);
	if (bad)
		td_log(d, TD_LOG_WARNING, "spool: %u malformed records skipped", bad);
	/* values of blocked files go straight to the deferred spool */
	struct td_rrd_file *writable = td_xcalloc(nf + 1, sizeof *writable);
	size_t nt = 0;
	bool ok = true;
	for (size_t i = 0; i < nf; i++) {
		bool is_blocked = false;
		for (size_t b = 0; !is_deferred && b < *n_blocked; b++)
			if (!strcmp((*blocked)[b], files[i].relpath))
				is_blocked = true;
		if (is_blocked) {
			if (td_defer(d, &files[i]) != TD_OK)
				ok = false;
		} else {
			writable[nt++] = files[i];
		}
	}
	char err[512];
	double t0 = td_now();
	enum td_err rc = ok ? td_rrd_write(d->store, writable, nt, err, sizeof err) : TD_E_IO;
	d->store_latency_us = (unsigned long long)((td_now() - t0) * 1e6);
	if (rc != TD_OK) {
		if (ok)
			td_store_log(d, "store unavailable, samples stay in the spool: ", err);
		ok = false;
	} else {
		for (size_t i = 0; i < nt; i++) {
			if (writable[i].rc == TD_OK) {
				d->stored += writable[i].n;
				continue;
			}
			if (is_deferred) { /* still refused: keep the deferred spool as it is */
				td_store_log(d, "", writable[i].msg);
				ok = false;
				continue;
			}
			char *m = td_xasprintf("%s: %s (its samples wait in the spool)", writable[i].relpath,
					       writable[i].msg);
			td_store_log(d, "", m);
			free(m);
			if (td_defer(d, &writable[i]) != TD_OK) {
				ok = false;
				continue;
			}
			*blocked = td_xrealloc(*blocked, (*n_blocked + 1) * sizeof **blocked);
			(*blocked)[(*n_blocked)++] = td_xstrdup(writable[i].relpath);
		}
	}
	if (ok)
		td_spool_consume(sp, len);
	free(writable);
	free(files);
	free(vals);
	return ok;
}

/*
 * The writer batches: it lets samples gather in the spool for write_delay
 * seconds (or until TD_FLUSH_BYTES wait), then writes each file's values in
 * one call. Many values per librrd call cost a few microseconds each, one
 * per call about 20 (the file is opened, read and written each time). The
 * spool keeps them safe meanwhile, so the delay risks nothing.
 */
static void *td_writer(void *arg)
{
	struct td_daemon *d = arg;
	struct td_buf buf;
	char **blocked = NULL;
	size_t n_blocked = 0;
	double backoff = 0.5, last_cp = td_now(), last_deferred = td_now();
	double last_flush = td_now();
	td_buf_init(&buf, TD_FLUSH_MAX + 1024);
	while (!d->writer_stop) {
		double now = td_now();
		/* for the first TD_EARLY_FLUSH seconds every second, so the files and first
		 * values of a fresh start show at once (unless much arrives: then batching
		 * pays from the start); then batches of write_delay */
		bool early = now - d->started < TD_EARLY_FLUSH && td_spool_depth(d->spool) < TD_EARLY_BYTES;
		double delay = early ? fmin(1, d->write_delay) : d->write_delay;
		bool due = d->draining || now - last_flush >= delay ||
			   td_spool_depth(d->spool) >= TD_FLUSH_BYTES;
		size_t n = 0;
		bool down = false;
		if (due) {
			while (!d->writer_stop &&
			       (n = td_spool_read(d->spool, &buf, TD_FLUSH_MAX, 0)) > 0) {
				if (!td_write_chunk(d, d->spool, &buf, false, &blocked, &n_blocked)) {
					down = true;
					break;
				}
			}
			if (!down) {
				last_flush = now;
				backoff = 0.5;
			}
		}
		if (down) {
			/* the store is down: wait, then retry the same samples */
			for (double w = 0; w < backoff && !d->writer_stop; w += 0.1)
				nanosleep(&(struct timespec){ 0, 100000000L }, NULL);
			backoff = fmin(backoff * 2, 30);
			continue;
		}
		now = td_now();
		if (n_blocked && now - last_deferred >= TD_DEFERRED_RETRY) {
			last_deferred = now;
			bool all = true;
			while (td_spool_read(d->deferred, &buf, TD_FLUSH_MAX, 0))
				if (!(all = td_write_chunk(d, d->deferred, &buf, true, &blocked, &n_blocked)))
					break;
			if (all && td_spool_depth(d->deferred) == 0) {
				for (size_t i = 0; i < n_blocked; i++)
					free(blocked[i]);
				n_blocked = 0;
				td_log(d, TD_LOG_NOTICE, "store takes the deferred samples again");
			}
		}
		if (now - last_cp >= 5) {
			char err[256];
			if (td_spool_checkpoint(d->spool, err, sizeof err) != TD_OK ||
			    td_spool_checkpoint(d->deferred, err, sizeof err) != TD_OK)
				td_store_log(d, "spool checkpoint: ", err);
			last_cp = now;
		}
		/* nap until the next flush is due (a shutdown wakes us through the flag) */
		if (!d->draining)
			nanosleep(&(struct timespec){ 0, 50000000L }, NULL);
	}
	for (size_t i = 0; i < n_blocked; i++)
		free(blocked[i]);
	free(blocked);
	td_buf_cleanup(&buf);
	return NULL;
}

/* ---- Nagios perfdata files: the same store, the same metadata ---- */

/* What ingest knows of one Nagios service: its metadata, kept across files. */
struct td_isvc {
	char *name; /* host/service */
	struct td_svc sv; /* its metadata, and when meta.json was written */
	bool loaded, dirty, changed;
	long time;
	enum td_state state;
	char *host, *service, *command, *output;
	char *dir_rel;
	struct td_isvc *next;
};

#define TD_ISVC_BUCKETS 4096

struct td_ingest {
	struct td_isvc *buckets[TD_ISVC_BUCKETS];
};

static struct td_isvc *td_isvc_get(struct td_ingest *in, const char *host, const char *service)
{
	char *name = td_xasprintf("%s/%s", host, service);
	size_t b = td_fnv(name) % TD_ISVC_BUCKETS;
	for (struct td_isvc *v = in->buckets[b]; v; v = v->next)
		if (!strcmp(v->name, name)) {
			free(name);
			return v;
		}
	struct td_isvc *v = td_xcalloc(1, sizeof *v);
	v->name = name;
	v->host = td_xstrdup(host);
	v->service = td_xstrdup(service);
	v->dir_rel = td_layout_service_dir(host, service);
	td_meta_init(&v->sv.meta);
	v->next = in->buckets[b];
	in->buckets[b] = v;
	return v;
}

static void td_ingest_free(struct td_ingest *in)
{
	for (size_t b = 0; b < TD_ISVC_BUCKETS; b++)
		for (struct td_isvc *v = in->buckets[b], *n; v; v = n) {
			n = v->next;
			td_meta_cleanup(&v->sv.meta);
			td_svc_paths_free(&v->sv);
			free(v->name);
			free(v->host);
			free(v->service);
			free(v->command);
			free(v->output);
			free(v->dir_rel);
			free(v);
		}
}

/* Appends batched records to the spool; false (and counted as dropped) on failure. */
static bool td_ingest_flush(struct td_daemon *d, struct td_buf *rec, const char *path)
{
	char err[512];
	size_t n = 0;
	for (size_t i = 0; i < rec->len; i++)
		n += rec->data[i] == '\n';
	if (td_spool_append(d->spool, td_buf_str(rec), rec->len, err, sizeof err) != TD_OK) {
		td_log(d, TD_LOG_ERR, "%s: kept for a retry: %s", path, err);
		td_buf_reset(rec);
		return false;
	}
	d->samples += n;
	td_buf_reset(rec);
	return true;
}

/* Reads one perfdata file into the spool; deletes it when every line is in. */
static void td_ingest_file(struct td_daemon *d, struct td_ingest *in, const char *path)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	const struct td_conf *c = d->ref->conf;
	struct td_buf rec;
	td_buf_init(&rec, 4 * 1024 * 1024);
	char *line = NULL, err[512];
	size_t cap = 0;
	ssize_t len;
	unsigned lineno = 0, bad = 0;
	bool ok = true;
	while (ok && (len = getline(&line, &cap, f)) > 0) {
		lineno++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (!len)
			continue;
		struct td_perf_line pl;
		enum td_err rc = td_perf_line_parse(line, &pl, err, sizeof err);
		if (rc == TD_E_PARSE) {
			if (bad++ == 0)
				td_log(d, TD_LOG_WARNING, "%s:%u: %s (further bad lines of this file counted, not logged)",
				       path, lineno, err);
		} else if (rc == TD_OK) {
			struct td_isvc *v = td_isvc_get(in, pl.host, pl.service);
			td_samples_format(&rec, v->dir_rel, (unsigned)c->interval, pl.time, &pl.res);
			if (!v->loaded) {
				char *dir = td_layout_service_dir(pl.host, pl.service);
				char *mp = td_xasprintf("%s/%s/meta.json", c->data_dir, dir);
				td_meta_load(&v->sv.meta, mp);
				free(mp);
				free(dir);
				v->loaded = v->sv.meta_loaded = true;
				v->sv.meta_state = -1;
			}
			if (td_meta_update(&v->sv.meta, pl.time, &pl.res))
				v->changed = true;
			v->dirty = true;
			v->time = pl.time;
			v->state = pl.res.state;
			free(v->command);
			v->command = td_xstrdup(pl.command ? pl.command : "");
			free(v->output);
			v->output = td_xstrdup(td_buf_str(&pl.res.summary));
		}
		td_perf_line_cleanup(&pl);
		if (rec.len > 1024 * 1024)
			ok = td_ingest_flush(d, &rec, path);
	}
	free(line);
	fclose(f);
	if (ok && rec.len)
		ok = td_ingest_flush(d, &rec, path);
	td_buf_cleanup(&rec);
	d->bad_perfdata += bad;
	/* metadata of the services this file touched */
	for (size_t b = 0; b < TD_ISVC_BUCKETS; b++)
		for (struct td_isvc *v = in->buckets[b]; v; v = v->next) {
			if (!v->dirty)
				continue;
			v->dirty = false;
			struct td_result res;
			td_result_init(&res);
			res.state = v->state;
			td_result_summary(&res, "%s", v->output);
			struct td_service s = { .name = v->name, .host = v->host, .service = v->service,
						.command = v->command, .interval = c->interval };
			/* labels or thresholds changed: written now; else as for tandemd's own */
			if (v->changed)
				v->sv.meta_written = -1e9;
			v->changed = false;
			td_write_meta(d, &v->sv, c->data_dir, &s, v->time, &res, "nagios");
			td_result_cleanup(&res);
		}
	if (ok && unlink(path) != 0)
		td_log(d, TD_LOG_ERR, "%s: cannot remove it after reading: %s", path, strerror(errno));
}

static int td_cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void *td_ingester(void *arg)
{
	struct td_daemon *d = arg;
	struct td_ingest *in = td_xcalloc(1, sizeof *in);
	const char *dir = d->ref->conf->perfdata_dir;
	while (!d->stopping) {
		DIR *dh = opendir(dir);
		char **names = NULL;
		size_t n = 0, cap = 0;
		struct dirent *de;
		while (dh && (de = readdir(dh)) && n < 100000) {
			if (de->d_name[0] == '.')
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				names = td_xrealloc(names, cap * sizeof *names);
			}
			names[n++] = td_xasprintf("%s/%s", dir, de->d_name);
		}
		if (dh)
			closedir(dh);
		/* oldest first: Nagios names them after the time they were moved */
		if (n)
			qsort(names, n, sizeof *names, td_cmp_str);
		for (size_t i = 0; i < n; i++) {
			struct stat st;
			if (!d->stopping && stat(names[i], &st) == 0 && S_ISREG(st.st_mode))
				td_ingest_file(d, in, names[i]);
			free(names[i]);
		}
		free(names);
		for (int i = 0; i < 10 && !d->stopping; i++)
			nanosleep(&(struct timespec){ 0, 100000000L }, NULL);
	}
	td_ingest_free(in);
	free(in);
	return NULL;
}

/* ---- health: tandemd's own service ---- */

static void td_health(struct td_daemon *d, double now)
{
	struct td_result res;
	td_result_init(&res);
	struct { const char *label; double v; const char *uom; } m[] = {
		{ "runs", (double)d->runs, "c" },
		{ "late", (double)d->late, "c" },
		{ "skipped", (double)d->skipped, "c" },
		{ "failed", (double)d->failed, "c" },
		{ "samples", (double)d->samples, "c" },
		{ "stored", (double)d->stored, "c" },
		{ "dropped", (double)d->dropped, "c" },
		{ "store_errors", (double)d->store_errors, "c" },
		{ "bad_perfdata", (double)d->bad_perfdata, "c" },
		{ "store_latency", (double)d->store_latency_us / 1e6, "s" },
		{ "spool_depth", (double)(td_spool_depth(d->spool) + td_spool_depth(d->deferred)), "B" },
		{ "services", (double)d->n_svcs, "" },
		{ "uptime", now - d->started, "s" },
	};
	for (size_t i = 0; i < sizeof m / sizeof m[0]; i++) {
		struct td_metric *x = td_result_metric(&res, m[i].label, m[i].v, m[i].uom);
		x->has_min = true;
		x->min = 0;
	}
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) == 0) {
		/* microseconds, so the counter is a whole number and keeps its precision */
		td_result_metric(&res, "cpu_us",
				 (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
					 (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec),
				 "c");
		td_result_metric(&res, "rss_max", (double)ru.ru_maxrss * 1024, "B");
	}
	td_result_summary(&res, "%llu runs, %llu late, %llu skipped, %llu failed; %llu samples stored, spool %llu B",
			  (unsigned long long)d->runs, (unsigned long long)d->late,
			  (unsigned long long)d->skipped, (unsigned long long)d->failed,
			  (unsigned long long)d->stored,
			  (unsigned long long)(td_spool_depth(d->spool) + td_spool_depth(d->deferred)));
	td_result_finish(&res, TD_OK, TD_STATE_UNKNOWN);
	long when = (long)time(NULL);
	const struct td_conf *c = d->ref->conf;
	char *dir_rel = td_layout_service_dir(d->host, "tandemd");
	td_accept(d, "tandemd", dir_rel, (unsigned)c->interval, when, &res);
	free(dir_rel);
	/* the health service's metadata, through a pseudo service */
	struct td_service s = { .name = "tandemd", .host = d->host, .service = "tandemd",
				.command = "tandemd (built in)", .interval = c->interval };
	/* the health service's file is rewritten every round: its values are the point */
	d->health.meta_written = -1e9;
	td_write_meta(d, &d->health, c->data_dir, &s, when, &res, "tandemd");
	td_result_cleanup(&res);
}

/* ---- configuration changes ---- */

/* Under d->lock: takes the services of ref, keeping the state of unchanged names. */
static void td_apply(struct td_daemon *d, struct td_conf_ref *ref, double now)
{
	struct td_svc **next = td_xcalloc(ref->conf->n_services + 1, sizeof *next);
	for (size_t i = 0; i < ref->conf->n_services; i++) {
		struct td_service *s = &ref->conf->services[i];
		struct td_svc *v = NULL;
		for (size_t j = 0; j < d->n_svcs; j++)
			if (d->svcs[j] && !strcmp(d->svcs[j]->name, s->name)) {
				v = d->svcs[j];
				d->svcs[j] = NULL;
				break;
			}
		if (v) {
			/* same service: keep its schedule, counters and state between runs */
			double old_interval = v->svc->interval;
			v->svc = s;
			v->ref = ref;
			if (old_interval != s->interval) {
				v->phase = (double)(td_fnv(s->name) % (uint64_t)(s->interval * 1000)) / 1000.0;
				v->next_due = td_first_due(now, s->interval, v->phase, d->started);
				v->first = false;
			}
		} else {
			v = td_svc_new(d, ref, s, now);
		}
		next[i] = v;
	}
	for (size_t j = 0; j < d->n_svcs; j++)
		if (d->svcs[j]) { /* removed: a run in flight keeps its own reference */
			d->svcs[j]->removed = true;
			td_svc_unref(d->svcs[j]);
		}
	free(d->svcs);
	d->svcs = next;
	d->n_svcs = ref->conf->n_services;
	struct td_conf_ref *old = d->ref;
	d->ref = ref;
	if (old)
		td_ref_unref(old);
}

static void td_reload(struct td_daemon *d)
{
	const struct td_conf *cur = d->ref->conf;
	if (!cur->path) {
		td_log(d, TD_LOG_NOTICE, "SIGHUP: running the built-in configuration, nothing to reload");
		return;
	}
	struct td_buf errors;
	struct td_conf *c;
	td_buf_init(&errors, 0);
	/* data_dir and the store cannot change under a running daemon */
	if (td_conf_load(cur->path, cur->data_dir, &c, &errors) != TD_OK) {
		td_log(d, TD_LOG_ERR, "SIGHUP: %s has errors, keeping the running configuration:\n%s",
		       cur->path, td_buf_str(&errors));
		td_buf_cleanup(&errors);
		return;
	}
	td_buf_cleanup(&errors);
	struct td_conf_ref *ref = td_xcalloc(1, sizeof *ref);
	ref->conf = c;
	ref->refs = 1;
	pthread_mutex_lock(&d->lock);
	size_t before = d->n_svcs;
	td_apply(d, ref, td_now());
	size_t after = d->n_svcs;
	pthread_mutex_unlock(&d->lock);
	td_log(d, TD_LOG_NOTICE, "SIGHUP: reloaded %s: %zu services (were %zu)", c->path, after, before);
}

/* ---- life cycle ---- */

enum td_err td_daemon_new(struct td_conf *conf, bool log_stderr, struct td_daemon **out, char *err,
			  size_t errlen)
{
	struct td_daemon *d = td_xcalloc(1, sizeof *d);
	enum td_err rc;
	d->log_stderr = log_stderr;
	pthread_mutex_init(&d->lock, NULL);
	pthread_cond_init(&d->work, NULL);
	d->started = td_now();
	if (gethostname(d->host, sizeof d->host - 1) != 0 || !d->host[0])
		snprintf(d->host, sizeof d->host, "localhost");
	if (td_mkdir_p(conf->data_dir) != TD_OK) {
		rc = td_errf(TD_E_IO, err, errlen, "data directory %s: %s", conf->data_dir,
			     strerror(errno));
		goto fail;
	}
	if (access(conf->data_dir, W_OK) != 0) {
		rc = td_errf(TD_E_IO, err, errlen, "data directory %s: %s", conf->data_dir,
			     strerror(errno));
		goto fail;
	}
	if ((rc = td_spool_open(conf->spool_dir, &d->spool, err, errlen)) != TD_OK)
		goto fail;
	char *dd = td_xasprintf("%s/deferred", conf->spool_dir);
	rc = td_spool_open(dd, &d->deferred, err, errlen);
	free(dd);
	if (rc != TD_OK)
		goto fail;
	/* rrdcached batches itself; straight librrd gains from gathering values */
	d->write_delay = conf->write_delay >= 0 ? conf->write_delay : (conf->rrdcached ? 1 : 30);
	if ((rc = td_rrd_open(conf->data_dir, conf->rrdcached, conf->archives, conf->n_archives,
			      &d->store, err, errlen)) != TD_OK)
		goto fail;
	struct td_conf_ref *ref = td_xcalloc(1, sizeof *ref);
	ref->conf = conf;
	ref->refs = 1;
	td_apply(d, ref, td_now());
	*out = d;
	return TD_OK;
fail:
	td_spool_close(d->spool);
	td_spool_close(d->deferred);
	td_conf_free(conf);
	pthread_mutex_destroy(&d->lock);
	pthread_cond_destroy(&d->work);
	free(d);
	return rc;
}

int td_daemon_run(struct td_daemon *d)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	const struct td_conf *c = d->ref->conf;
	d->n_workers = c->workers;
	d->workers = td_xcalloc(d->n_workers, sizeof *d->workers);
	for (unsigned i = 0; i < d->n_workers; i++)
		pthread_create(&d->workers[i], NULL, td_worker, d);
	pthread_create(&d->writer, NULL, td_writer, d);
	d->writer_started = true;
	if (c->perfdata_dir) {
		pthread_create(&d->ingester, NULL, td_ingester, d);
		d->ingester_started = true;
	}
	td_log(d, TD_LOG_NOTICE, "started: %zu services, %u workers, data in %s, store %s",
	       d->n_svcs, d->n_workers, c->data_dir, c->rrdcached ? c->rrdcached : "librrd");

	double next_health = d->started + 5;
	while (!d->stopping) {
		double now = td_now(), wake = now + 1;
		pthread_mutex_lock(&d->lock);
		for (size_t i = 0; i < d->n_svcs; i++) {
			struct td_svc *v = d->svcs[i];
			double interval = v->svc->interval;
			if (v->next_due <= now) {
				if (v->running) {
					d->skipped++;
				} else {
					if (now - v->next_due > fmin(1.0, interval / 10))
						d->late++;
					td_enqueue(d, v);
				}
				if (v->first) {
					/* back on the phase grid, at least half an interval later */
					v->first = false;
					v->next_due = td_first_due(now + interval / 2, interval, v->phase,
								   d->started);
				} else {
					v->next_due += interval;
				}
				if (v->next_due <= now) /* after a stall: skip ahead, no burst */
					v->next_due = td_first_due(now, interval, v->phase, d->started);
			}
			if (v->next_due < wake)
				wake = v->next_due;
		}
		/* one wake-up for all the runs of this round */
		if (d->q_len)
			pthread_cond_broadcast(&d->work);
		pthread_mutex_unlock(&d->lock);
		if (now >= next_health) {
			td_health(d, now);
			next_health += d->ref->conf->interval;
			if (next_health <= now)
				next_health = now + d->ref->conf->interval;
		}
		if (next_health < wake)
			wake = next_health;
		/* Runs due within the next few milliseconds start together: one wake-up
		 * of the scheduler (and of the workers) instead of one per service. */
		double wait = fmax(wake - td_now(), TD_TICK);
		if (wait < 0)
			wait = 0;
		struct timespec ts = { (time_t)wait, (long)((wait - floor(wait)) * 1e9) };
		int sig = sigtimedwait(&set, NULL, &ts);
		if (sig == SIGHUP)
			td_reload(d);
		else if (sig == SIGTERM || sig == SIGINT) {
			td_log(d, TD_LOG_NOTICE, "%s: finishing the runs in flight, then draining the spool",
			       sig == SIGTERM ? "SIGTERM" : "SIGINT");
			d->stopping = true;
		}
	}
	/* finish what is in flight: queued runs are dropped, running ones end by their deadline */
	pthread_mutex_lock(&d->lock);
	while (d->q_len) {
		struct td_job job = d->queue[d->q_head];
		d->q_head = (d->q_head + 1) % d->q_cap;
		d->q_len--;
		job.v->running = false;
		td_ref_unref(job.ref);
		td_svc_unref(job.v);
	}
	pthread_cond_broadcast(&d->work);
	pthread_mutex_unlock(&d->lock);
	for (unsigned i = 0; i < d->n_workers; i++)
		pthread_join(d->workers[i], NULL);
	if (d->ingester_started)
		pthread_join(d->ingester, NULL);
	/* drain: give the store a bounded time to take the spool */
	d->draining = true;
	double until = td_now() + 10;
	while (td_spool_depth(d->spool) > 0 && td_now() < until)
		nanosleep(&(struct timespec){ 0, 50000000L }, NULL);
	d->writer_stop = true;
	td_spool_wake(d->spool);
	pthread_join(d->writer, NULL);
	d->writer_started = false;
	uint64_t left = td_spool_depth(d->spool) + td_spool_depth(d->deferred);
	if (left)
		td_log(d, TD_LOG_WARNING,
		       "stopped with %llu bytes of samples in the spool; they are stored at the next start "
		       "(%llu runs, %llu samples stored)",
		       (unsigned long long)left, (unsigned long long)d->runs,
		       (unsigned long long)d->stored);
	else
		td_log(d, TD_LOG_NOTICE, "stopped; every sample is stored (%llu runs, %llu samples stored)",
		       (unsigned long long)d->runs, (unsigned long long)d->stored);
	return 0;
}

void td_daemon_free(struct td_daemon *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n_svcs; i++)
		td_svc_unref(d->svcs[i]);
	free(d->svcs);
	free(d->queue);
	free(d->workers);
	if (d->ref)
		td_ref_unref(d->ref);
	td_spool_close(d->spool);
	td_spool_close(d->deferred);
	td_rrd_close(d->store);
	td_svc_paths_free(&d->health);
	td_meta_cleanup(&d->health.meta);
	pthread_mutex_destroy(&d->lock);
	pthread_cond_destroy(&d->work);
	free(d);
}

/* rrdstore.c - librrd and rrdcached behind one interface (see rrdstore.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <rrd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "tandem/buf.h"
#include "tandem/options.h"
#include "tandem/rrdstore.h"

#define TD_RRDC_TIMEOUT_MS 10000
#define TD_RRDC_PORT "42217"

/* A set of file names known to exist (open addressing, grows at 1/2 load). */
struct td_nameset {
	char **slots;
	size_t cap, n;
};

static uint64_t td_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static bool td_nameset_has(const struct td_nameset *set, const char *name)
{
	if (!set->cap)
		return false;
	for (size_t i = td_hash(name) & (set->cap - 1);; i = (i + 1) & (set->cap - 1)) {
		if (!set->slots[i])
			return false;
		if (!strcmp(set->slots[i], name))
			return true;
	}
}

static void td_nameset_add(struct td_nameset *set, const char *name)
{
	if (td_nameset_has(set, name))
		return;
	if (2 * (set->n + 1) > set->cap) {
		struct td_nameset big = { .cap = set->cap ? set->cap * 2 : 1024 };
		big.slots = td_xcalloc(big.cap, sizeof *big.slots);
		for (size_t i = 0; i < set->cap; i++)
			if (set->slots[i]) {
				size_t j = td_hash(set->slots[i]) & (big.cap - 1);
				while (big.slots[j])
					j = (j + 1) & (big.cap - 1);
				big.slots[j] = set->slots[i];
			}
		free(set->slots);
		big.n = set->n;
		*set = big;
	}
	size_t i = td_hash(name) & (set->cap - 1);
	while (set->slots[i])
		i = (i + 1) & (set->cap - 1);
	set->slots[i] = td_xstrdup(name);
	set->n++;
}

static void td_nameset_free(struct td_nameset *set)
{
	for (size_t i = 0; i < set->cap; i++)
		free(set->slots[i]);
	free(set->slots);
	memset(set, 0, sizeof *set);
}

struct td_rrd {
	char *data_dir;
	char *rrdcached;
	struct td_archive archives[TD_MAX_ARCHIVES];
	size_t n_archives;
	struct td_nameset known;
	int fd; /* rrdcached connection, -1 when closed */
	struct td_buf in; /* unread bytes from rrdcached */
};

int td_rrd_create_args(const struct td_archive *archives, size_t n_archives, unsigned step,
		       char type, char ***argv)
{
	char **v = td_xcalloc(1 + 3 * n_archives + 1, sizeof *v);
	int n = 0;
	v[n++] = type == 'D' ? td_xasprintf("DS:value:DERIVE:%u:0:U", 2 * step)
			     : td_xasprintf("DS:value:GAUGE:%u:U:U", 2 * step);
	static const char *const cfs[] = { "AVERAGE", "MIN", "MAX" };
	unsigned long last_steps = 0;
	for (size_t a = 0; a < n_archives; a++) {
		double res = archives[a].resolution > 0 ? archives[a].resolution : step;
		unsigned long steps = (unsigned long)(res / step + 0.5);
		if (steps < 1)
			steps = 1;
		if (steps == last_steps) /* coarser than the step: one archive is enough */
			continue;
		last_steps = steps;
		unsigned long rows = (unsigned long)(archives[a].retention / ((double)steps * step) + 0.5);
		if (rows < 2)
			rows = 2;
		for (int c = 0; c < 3; c++)
			v[n++] = td_xasprintf("RRA:%s:0.5:%lu:%lu", cfs[c], steps, rows);
	}
	v[n] = NULL;
	*argv = v;
	return n;
}

/* ---- librrd ---- */

static enum td_err td_mkparents(const char *path)
{
	char *p = td_xstrdup(path);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) != 0 && errno != EEXIST) {
			free(p);
			return TD_E_IO;
		}
		*s = '/';
	}
	free(p);
	return TD_OK;
}

static void td_rrd_msg(struct td_rrd_file *f, enum td_err rc, const char *what)
{
	f->rc = rc;
	snprintf(f->msg, sizeof f->msg, "%s", what);
}

static long td_first_ts(const struct td_rrd_file *f)
{
	unsigned long long ts = 0;
	const char *colon = strchr(f->values[0], ':');
	char num[32];
	size_t n = colon ? (size_t)(colon - f->values[0]) : 0;
	if (n && n < sizeof num) {
		memcpy(num, f->values[0], n);
		num[n] = '\0';
		td_parse_uint(num, 0, INT64_MAX, &ts);
	}
	return (long)ts;
}

static enum td_err td_librrd_write(struct td_rrd *st, struct td_rrd_file *files, size_t n,
				   char *err, size_t errlen)
{
	size_t failed = 0, io_failed = 0;
	for (size_t i = 0; i < n; i++) {
		struct td_rrd_file *f = &files[i];
		char *path = td_xasprintf("%s/%s", st->data_dir, f->relpath);
		f->rc = TD_OK;
		f->msg[0] = '\0';
		if (!td_nameset_has(&st->known, f->relpath)) {
			if (access(path, F_OK) != 0) {
				char **args;
				int argc = td_rrd_create_args(st->archives, st->n_archives, f->step, f->type,
							      &args);
				rrd_clear_error();
				if (td_mkparents(path) != TD_OK ||
				    rrd_create_r2(path, f->step, td_first_ts(f) - 1, 1, NULL, NULL, argc,
						  (const char **)args) != 0) {
					td_rrd_msg(f, TD_E_IO, rrd_test_error() ? rrd_get_error() : strerror(errno));
					if (errno == ENOSPC || errno == EROFS || errno == EIO || errno == EDQUOT)
						io_failed++;
				}
				td_argv_free(argc, args);
			}
			if (f->rc == TD_OK)
				td_nameset_add(&st->known, f->relpath);
		}
		if (f->rc == TD_OK) {
			rrd_clear_error();
			errno = 0;
			if (rrd_updatex_r(path, NULL, RRD_SKIP_PAST_UPDATES, (int)f->n, f->values) != 0) {
				td_rrd_msg(f, TD_E_IO, rrd_get_error());
				if (errno == ENOSPC || errno == EROFS || errno == EIO || errno == EDQUOT)
					io_failed++;
				/* a file removed behind our back is created again next time */
				if (access(path, F_OK) != 0) {
					td_nameset_free(&st->known);
				}
			}
		}
		if (f->rc != TD_OK)
			failed++;
		free(path);
	}
	/* the disk failing, or the data directory unwritable: the store is down; any
	 * other failure belongs to its file alone */
	if (failed && (io_failed || access(st->data_dir, W_OK) != 0)) {
		for (size_t i = 0; i < n; i++)
			if (files[i].rc != TD_OK)
				return td_errf(TD_E_IO, err, errlen, "%s: %s", st->data_dir, files[i].msg);
	}
	return TD_OK;
}

/* ---- rrdcached ---- */

static void td_rrdc_close(struct td_rrd *st)
{
	if (st->fd >= 0)
		close(st->fd);
	st->fd = -1;
	td_buf_reset(&st->in);
}

static enum td_err td_rrdc_connect(struct td_rrd *st, char *err, size_t errlen)
{
	if (st->fd >= 0)
		return TD_OK;
	const char *a = st->rrdcached;
	int fd = -1;
	if (!strncmp(a, "unix:", 5) || a[0] == '/') {
		const char *path = a[0] == '/' ? a : a + 5;
		struct sockaddr_un sun = { .sun_family = AF_UNIX };
		if (strlen(path) >= sizeof sun.sun_path)
			return td_errf(TD_E_CONNECT, err, errlen, "rrdcached %s: path too long", a);
		memcpy(sun.sun_path, path, strlen(path) + 1);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof sun) != 0) {
			int e = errno;
			if (fd >= 0)
				close(fd);
			return td_errf(TD_E_CONNECT, err, errlen, "rrdcached %s: %s", a, strerror(e));
		}
	} else {
		char host[256], port[16] = TD_RRDC_PORT;
		const char *h = a, *colon;
		size_t hl;
		if (*a == '[') {
			const char *close_br = strchr(a, ']');
			if (!close_br)
				return td_errf(TD_E_CONNECT, err, errlen, "rrdcached %s: bad address", a);
			h = a + 1;
			hl = (size_t)(close_br - h);
			colon = close_br[1] == ':' ? close_br + 1 : NULL;
		} else {
			colon = strrchr(a, ':');
			hl = colon ? (size_t)(colon - a) : strlen(a);
		}
		if (hl >= sizeof host || (colon && strlen(colon + 1) >= sizeof port))
			return td_errf(TD_E_CONNECT, err, errlen, "rrdcached %s: bad address", a);
		memcpy(host, h, hl);
		host[hl] = '\0';
		if (colon)
			snprintf(port, sizeof port, "%s", colon + 1);
		struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
		int gai = getaddrinfo(host, port, &hints, &res);
		if (gai != 0)
			return td_errf(TD_E_CONNECT, err, errlen, "rrdcached %s: %s", a, gai_strerror(gai));
		int e = 0;
		for (ai = res; ai; ai = ai->ai_next) {
			fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
			if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
				break;
			e = errno;
			if (fd >= 0)
				close(fd);
			fd = -1;
		}
		freeaddrinfo(res);
		if (fd < 0)
			return td_errf(TD_E_CONNECT, err, errlen, "rrdcached %s: %s", a, strerror(e));
	}
	st->fd = fd;
	td_buf_reset(&st->in);
	return TD_OK;
}

static enum td_err td_rrdc_send(struct td_rrd *st, const char *data, size_t len, char *err,
				size_t errlen)
{
	while (len > 0) {
		struct pollfd pfd = { .fd = st->fd, .events = POLLOUT };
		if (poll(&pfd, 1, TD_RRDC_TIMEOUT_MS) <= 0) {
			td_rrdc_close(st);
			return td_errf(TD_E_CONNECT, err, errlen, "rrdcached %s: send timed out",
				       st->rrdcached);
		}
		ssize_t w = send(st->fd, data, len, MSG_NOSIGNAL);
		if (w < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (w <= 0) {
			int e = errno;
			td_rrdc_close(st);
			return td_errf(TD_E_CONNECT, err, errlen, "rrdcached %s: %s", st->rrdcached,
				       strerror(e));
		}
		data += w;
		len -= (size_t)w;
	}
	return TD_OK;
}

/* Reads one line of the answer (without '\n') into line. */
static enum td_err td_rrdc_line(struct td_rrd *st, struct td_buf *line, char *err, size_t errlen)
{
	for (;;) {
		char *nl = st->in.len ? memchr(st->in.data, '\n', st->in.len) : NULL;
		if (nl) {
			size_t n = (size_t)(nl - st->in.data);
			td_buf_reset(line);
			td_buf_append(line, st->in.data, n);
			memmove(st->in.data, nl + 1, st->in.len - n - 1);
			st->in.len -= n + 1;
			st->in.data[st->in.len] = '\0';
			return TD_OK;
		}
		if (st->in.len > 65536) {
			td_rrdc_close(st);
			return td_errf(TD_E_PROTO, err, errlen, "rrdcached %s: answer line too long",
				       st->rrdcached);
		}
		struct pollfd pfd = { .fd = st->fd, .events = POLLIN };
		if (poll(&pfd, 1, TD_RRDC_TIMEOUT_MS) <= 0) {
			td_rrdc_close(st);
			return td_errf(TD_E_CONNECT, err, errlen, "rrdcached %s: no answer", st->rrdcached);
		}
		char buf[4096];
		ssize_t r = recv(st->fd, buf, sizeof buf, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			int e = r < 0 ? errno : 0;
			td_rrdc_close(st);
			return td_errf(TD_E_CONNECT, err, errlen, "rrdcached %s: %s", st->rrdcached,
				       e ? strerror(e) : "connection closed");
		}
		td_buf_append(&st->in, buf, (size_t)r);
	}
}

/* "STATUS message": status < 0 is an error. */
static long td_rrdc_status(const char *line, const char **msg)
{
	char *end;
	long v = strtol(line, &end, 10);
	if (end == line)
		v = -999;
	*msg = *end == ' ' ? end + 1 : end;
	return v;
}

static enum td_err td_rrdc_create(struct td_rrd *st, struct td_rrd_file *f, char *err,
				  size_t errlen)
{
	char **args;
	int argc = td_rrd_create_args(st->archives, st->n_archives, f->step, f->type, &args);
	struct td_buf cmd, line;
	td_buf_init(&cmd, 0);
	td_buf_init(&line, 0);
	td_buf_printf(&cmd, "CREATE %s -s %u -b %ld -O", f->relpath, f->step, td_first_ts(f) - 1);
	for (int i = 0; i < argc; i++)
		td_buf_printf(&cmd, " %s", args[i]);
	td_buf_putc(&cmd, '\n');
	td_argv_free(argc, args);
	enum td_err rc = td_rrdc_send(st, td_buf_str(&cmd), cmd.len, err, errlen);
	if (rc == TD_OK)
		rc = td_rrdc_line(st, &line, err, errlen);
	if (rc == TD_OK) {
		const char *msg;
		long status = td_rrdc_status(td_buf_str(&line), &msg);
		if (status < 0 && !strstr(msg, "exists"))
			td_rrd_msg(f, TD_E_IO, msg);
		/* status > 0 announces that many more lines */
		for (long i = 0; i < status && rc == TD_OK; i++)
			rc = td_rrdc_line(st, &line, err, errlen);
	}
	td_buf_cleanup(&cmd);
	td_buf_cleanup(&line);
	return rc;
}

static enum td_err td_rrdc_write(struct td_rrd *st, struct td_rrd_file *files, size_t n, char *err,
				 size_t errlen)
{
	enum td_err rc = td_rrdc_connect(st, err, errlen);
	if (rc != TD_OK)
		return rc;
	for (size_t i = 0; i < n && rc == TD_OK; i++) {
		files[i].rc = TD_OK;
		files[i].msg[0] = '\0';
		if (td_nameset_has(&st->known, files[i].relpath))
			continue;
		rc = td_rrdc_create(st, &files[i], err, errlen);
		if (rc == TD_OK && files[i].rc == TD_OK)
			td_nameset_add(&st->known, files[i].relpath);
	}
	if (rc != TD_OK)
		return rc;
	/* One BATCH: one UPDATE per value, so a stale value fails alone. */
	struct td_buf b, line;
	td_buf_init(&b, 256 * 1024 * 1024);
	td_buf_init(&line, 0);
	size_t *owner = NULL, cmds = 0, cap = 0;
	td_buf_puts(&b, "BATCH\n");
	for (size_t i = 0; i < n; i++) {
		if (files[i].rc != TD_OK)
			continue;
		for (size_t v = 0; v < files[i].n; v++) {
			td_buf_printf(&b, "UPDATE %s %s\n", files[i].relpath, files[i].values[v]);
			if (cmds == cap) {
				cap = cap ? cap * 2 : 1024;
				owner = td_xrealloc(owner, cap * sizeof *owner);
			}
			owner[cmds++] = i;
		}
	}
	td_buf_puts(&b, ".\n");
	rc = td_rrdc_send(st, td_buf_str(&b), b.len, err, errlen);
	/* "0 Go ahead." then, after ".", "N errors" and N lines "CMDNUM message" */
	if (rc == TD_OK)
		rc = td_rrdc_line(st, &line, err, errlen);
	const char *msg;
	if (rc == TD_OK && td_rrdc_status(td_buf_str(&line), &msg) < 0) {
		rc = td_errf(TD_E_PROTO, err, errlen, "rrdcached %s: BATCH: %s", st->rrdcached, msg);
		td_rrdc_close(st);
	}
	if (rc == TD_OK)
		rc = td_rrdc_line(st, &line, err, errlen);
	long nerr = rc == TD_OK ? td_rrdc_status(td_buf_str(&line), &msg) : 0;
	for (long e = 0; e < nerr && rc == TD_OK; e++) {
		rc = td_rrdc_line(st, &line, err, errlen);
		if (rc != TD_OK)
			break;
		const char *m;
		long cmd = td_rrdc_status(td_buf_str(&line), &m);
		/* a replayed value older than the file's last one is no error */
		if (strstr(m, "illegal attempt to update using time"))
			continue;
		if (cmd >= 1 && (size_t)cmd <= cmds) {
			struct td_rrd_file *f = &files[owner[cmd - 1]];
			td_rrd_msg(f, TD_E_IO, m);
			if (strstr(m, "No such file")) /* removed behind our back */
				td_nameset_free(&st->known);
		}
	}
	free(owner);
	td_buf_cleanup(&b);
	td_buf_cleanup(&line);
	return rc;
}

enum td_err td_rrd_open(const char *data_dir, const char *rrdcached,
			const struct td_archive *archives, size_t n_archives, struct td_rrd **out,
			char *err, size_t errlen)
{
	struct td_rrd *st = td_xcalloc(1, sizeof *st);
	st->data_dir = td_xstrdup(data_dir);
	st->rrdcached = rrdcached && *rrdcached ? td_xstrdup(rrdcached) : NULL;
	if (n_archives > TD_MAX_ARCHIVES)
		n_archives = TD_MAX_ARCHIVES;
	memcpy(st->archives, archives, n_archives * sizeof *archives);
	st->n_archives = n_archives;
	st->fd = -1;
	td_buf_init(&st->in, 1024 * 1024);
	(void)err;
	(void)errlen;
	*out = st;
	return TD_OK;
}

void td_rrd_close(struct td_rrd *st)
{
	if (!st)
		return;
	td_rrdc_close(st);
	td_buf_cleanup(&st->in);
	td_nameset_free(&st->known);
	free(st->data_dir);
	free(st->rrdcached);
	free(st);
}

enum td_err td_rrd_write(struct td_rrd *st, struct td_rrd_file *files, size_t n, char *err,
			 size_t errlen)
{
	if (n == 0)
		return TD_OK;
	if (st->rrdcached)
		return td_rrdc_write(st, files, n, err, errlen);
	return td_librrd_write(st, files, n, err, errlen);
}

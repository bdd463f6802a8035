/*
 * disk.c - check_disk: used and free space, and inodes, per mounted file system.
 *
 * Mounts come from /proc/self/mountinfo, which the kernel writes without
 * touching any file system, so reading it cannot hang. The calls that can
 * hang - realpath(3) on a -p path and statvfs(2) on a mount whose NFS server
 * is gone - all run in one worker thread, in order, while the probe waits on
 * a condition variable until its deadline. What the worker has not measured
 * by then is reported as timed out (CRITICAL, or the -t state), and the check
 * ends on time; the worker is detached and frees its job whenever the kernel
 * lets it return (see struct disk_job).
 *
 * Thresholds take monitoring-plugins' forms (-w 20% and -w 10GB alert when
 * that much or less is free) and Nagios ranges on the used amount (-w ~:80%).
 * Both become, per mount, one range on used bytes: what the perfdata carries
 * and what td_metric_state compares, so graph lines and states agree.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <regex.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "tandem/probe.h"

#define DISK_MOUNTINFO "/proc/self/mountinfo"
/* A host with 50000 mounts (containers) writes about 10 MiB of mountinfo. */
#define DISK_MOUNTINFO_MAX (16u << 20)
/* The status line names the worst few mounts; the long output has the rest. */
#define DISK_SUMMARY_ROWS 5
#define DISK_SUMMARY_CHARS 600
/*
 * The worker only calls realpath and statvfs. A small stack matters because
 * a worker stuck on a dead NFS server can never be reclaimed, and tandemd
 * may run this probe many times while the server stays away.
 */
#define DISK_WORKER_STACK (256u << 10)

enum {
	OPT_WARN = 1,
	OPT_CRIT,
	OPT_IWARN,
	OPT_ICRIT,
	OPT_PATH,
	OPT_EXCLUDE,
	OPT_XTYPE,
	OPT_NTYPE,
	OPT_UNITS,
	OPT_KB,
	OPT_MB,
	OPT_LOCAL,
	OPT_STAT_REMOTE,
	OPT_ERRORS,
	OPT_ALL,
	OPT_EXACT,
	OPT_REGEX,
	OPT_IREGEX,
	OPT_IGNORE,
	OPT_IIGNORE,
	OPT_CLEAR,
	OPT_MISSING,
	OPT_IPERF,
	OPT_MOUNTINFO,
};

static const struct td_option disk_options[] = {
	{ 'w', "warning", TD_ARG_REQUIRED, "LIMIT",
	  "Warn when a file system has at most LIMIT free: a percentage (20%) or a size (10GB; "
	  "a bare number is in -u units, default MB). A range (with ':', '@' or '~') is on the "
	  "USED amount instead: ~:80% warns above 80% used, ~:900GB above 900 GiB used.",
	  OPT_WARN },
	{ 'c', "critical", TD_ARG_REQUIRED, "LIMIT", "Critical threshold, as -w.", OPT_CRIT },
	{ 'W', "iwarning", TD_ARG_REQUIRED, "LIMIT",
	  "Warn when at most LIMIT percent of the inodes are free (10% or 10). A range is on "
	  "used inodes: ~:90% in percent, ~:5000000 as a count.",
	  OPT_IWARN },
	{ 'K', "icritical", TD_ARG_REQUIRED, "LIMIT", "Critical inode threshold, as -W.",
	  OPT_ICRIT },
	{ 'p', "path", TD_ARG_REQUIRED, "PATH",
	  "Check the file system that holds PATH: a mount point, a device as mount(8) shows it "
	  "(/dev/sda1), or any file or directory in it. Repeatable. Thresholds given before a "
	  "-p apply to it.",
	  OPT_PATH },
	{ 0, "partition", TD_ARG_REQUIRED, "PATH", "Same as --path.", OPT_PATH },
	{ 'x', "exclude-device", TD_ARG_REQUIRED, "PATH",
	  "Skip the file system mounted at PATH (or the device PATH). Repeatable.", OPT_EXCLUDE },
	{ 0, "exclude_device", TD_ARG_REQUIRED, "PATH", "Same as --exclude-device.", OPT_EXCLUDE },
	{ 'X', "exclude-type", TD_ARG_REQUIRED, "TYPE",
	  "Skip file systems of TYPE (a shell pattern: fuse.*). Repeatable.", OPT_XTYPE },
	{ 'N', "include-type", TD_ARG_REQUIRED, "TYPE",
	  "Check only file systems of TYPE (a shell pattern), pseudo ones included. Repeatable.",
	  OPT_NTYPE },
	{ 'u', "units", TD_ARG_REQUIRED, "UNIT",
	  "Unit of bare numbers in -w and -c: B (or bytes), KB, MB, GB, TB, PB, also written "
	  "kB, KiB, MiB...; all binary, 1 KB = 1024 B. Default MB.",
	  OPT_UNITS },
	{ 'k', "kilobytes", TD_ARG_NONE, NULL, "Same as -u KB.", OPT_KB },
	{ 'm', "megabytes", TD_ARG_NONE, NULL, "Same as -u MB.", OPT_MB },
	{ 'l', "local", TD_ARG_NONE, NULL,
	  "Only local file systems: skip NFS, CIFS/SMB, sshfs, Ceph, GlusterFS, 9p and the like.",
	  OPT_LOCAL },
	{ 'L', "stat-remote-fs", TD_ARG_NONE, NULL,
	  "Accepted for monitoring-plugins' command lines; no effect: every selected mount is "
	  "measured under the timeout, so a stale one is reported anyway.",
	  OPT_STAT_REMOTE },
	{ 'e', "errors-only", TD_ARG_NONE, NULL,
	  "List only file systems that are not OK (perfdata still has all).", OPT_ERRORS },
	{ 'A', "all", TD_ARG_NONE, NULL,
	  "Include pseudo file systems (proc, tmpfs, cgroup...) among all mounts or -r matches.",
	  OPT_ALL },
	{ 'E', "exact-match", TD_ARG_NONE, NULL,
	  "A -p PATH must be a mount point (or a device) exactly, not a path inside one.",
	  OPT_EXACT },
	{ 'r', "regex", TD_ARG_REQUIRED, "REGEX",
	  "Check the file systems whose mount point or device matches the extended REGEX "
	  "(pseudo ones only with -A or -N). Repeatable; thresholds given before it apply to "
	  "what it selects.",
	  OPT_REGEX },
	{ 0, "ereg-path", TD_ARG_REQUIRED, "REGEX", "Same as --regex.", OPT_REGEX },
	{ 'R', "eregi-path", TD_ARG_REQUIRED, "REGEX", "As --regex, ignoring case.", OPT_IREGEX },
	{ 'i', "ignore-regex", TD_ARG_REQUIRED, "REGEX",
	  "Skip file systems whose mount point or device matches REGEX. Repeatable.", OPT_IGNORE },
	{ 0, "ignore-ereg-path", TD_ARG_REQUIRED, "REGEX", "Same as --ignore-regex.", OPT_IGNORE },
	{ 'I', "ignore-eregi-path", TD_ARG_REQUIRED, "REGEX", "As --ignore-regex, ignoring case.",
	  OPT_IIGNORE },
	{ 'C', "clear", TD_ARG_NONE, NULL,
	  "Forget the thresholds given so far, so the next -p or -r can have its own.", OPT_CLEAR },
	{ 'n', "ignore-missing", TD_ARG_NONE, NULL,
	  "A -p PATH that does not exist, or selecting nothing at all, is OK instead of UNKNOWN.",
	  OPT_MISSING },
	{ 'P', "iperfdata", TD_ARG_NONE, NULL,
	  "Add used inodes to the perfdata even without -W or -K.", OPT_IPERF },
	{ 0, "mountinfo", TD_ARG_REQUIRED, "FILE",
	  "Read the mount table from FILE instead of " DISK_MOUNTINFO " (for tests).",
	  OPT_MOUNTINFO },
	TD_OPTION_END,
};

/* ---- thresholds ---------------------------------------------------------- */

enum disk_form {
	DISK_UNSET = 0,
	DISK_FREE,     /* peer form: alert when at most `free` bytes are free */
	DISK_FREE_PCT, /* peer form: alert when at most `free` percent is free */
	DISK_USED,     /* a Nagios range on the used amount */
};

/* One -w, -c, -W or -K value as written; per mount it becomes a range on used. */
struct disk_limit {
	enum disk_form form;
	double free;          /* DISK_FREE (bytes) and DISK_FREE_PCT */
	struct td_range used; /* DISK_USED: bytes, percent (kind PERCENT), or an inode count */
	bool bare;            /* a space limit still in -u units; scaled at finish */
};

struct disk_limits {
	struct disk_limit warn, crit, iwarn, icrit;
};

static bool disk_limits_any(const struct disk_limits *l)
{
	return l->warn.form || l->crit.form || l->iwarn.form || l->icrit.form;
}

/*
 * Parses one -w/-c value (inodes false) or -W/-K value (inodes true). A value
 * with ':', '@' or '~' is a range on the used amount; anything else is the
 * peer's free amount. Bare numbers stay in -u units until finish knows them.
 */
static enum td_err disk_parse_limit(const char *opt, const char *arg, bool inodes,
				    struct disk_limit *out, char *err, size_t errlen)
{
	const char *hint = inodes ? "a free percentage like 10%, or a used range like ~:90%"
				  : "a free percentage like 20%, a free size like 10GB or 100 "
				    "(-u units), or a used range like ~:80%";
	unsigned accept = TD_UNIT_PERCENT | (inodes ? 0 : TD_UNIT_BYTES);
	struct disk_limit l = { .form = DISK_UNSET };
	char why[200];

	if (strpbrk(arg, ":@~")) {
		if (td_range_parse(arg, accept, &l.used, why, sizeof why) != TD_OK)
			return td_errf(TD_E_USAGE, err, errlen, "%s: %s", opt, why);
		double lo = l.used.start, hi = l.used.end;
		if ((isfinite(lo) && lo < 0) || (isfinite(hi) && hi < 0))
			return td_errf(TD_E_USAGE, err, errlen,
				       "%s: \"%s\": a used amount is never negative", opt, arg);
		if (l.used.kind == TD_UNIT_PERCENT &&
		    ((isfinite(lo) && lo > 100) || (isfinite(hi) && hi > 100)))
			return td_errf(TD_E_USAGE, err, errlen,
				       "%s: \"%s\": a percentage is at most 100", opt, arg);
		l.form = DISK_USED;
		l.bare = !inodes && l.used.kind == TD_UNIT_NONE;
	} else {
		double v;
		enum td_unit_kind kind;
		if (td_parse_quantity(arg, NULL, accept, &v, &kind, why, sizeof why) != TD_OK)
			return td_errf(TD_E_USAGE, err, errlen, "%s: %s (expected %s)", opt, why,
				       hint);
		if (v < 0)
			return td_errf(TD_E_USAGE, err, errlen,
				       "%s: \"%s\" is negative (expected %s)", opt, arg, hint);
		if (inodes || kind == TD_UNIT_PERCENT) {
			if (v > 100)
				return td_errf(TD_E_USAGE, err, errlen,
					       "%s: \"%s\": a percentage is at most 100", opt, arg);
			l.form = DISK_FREE_PCT;
		} else {
			l.form = DISK_FREE;
			l.bare = kind == TD_UNIT_NONE;
		}
		l.free = v;
	}
	*out = l;
	return TD_OK;
}

/* Bare numbers of a space limit were in -u units; from here on they are bytes. */
static void disk_limit_scale(struct disk_limit *l, double unit)
{
	if (!l->bare)
		return;
	if (l->form == DISK_FREE) {
		l->free *= unit;
	} else if (l->form == DISK_USED) {
		td_range_scale(&l->used, unit);
		l->used.kind = TD_UNIT_BYTES;
	}
	l->bare = false;
}

/*
 * The range on the used amount that alerts exactly when l does, on a file
 * system where users can fill `base` (used + available bytes, which df's Use%
 * divides by; or the inode count). Used amounts are whole numbers, so the
 * peer's "at most N free" (its inclusive @0:N on the free amount) is "used
 * above ceil(base - N) - 1": a plain upper bound that graphers draw as a line.
 */
static struct td_range disk_limit_range(const struct disk_limit *l, double base)
{
	struct td_range r = { .set = false };
	double at_least;

	switch (l->form) {
	case DISK_UNSET:
		return r;
	case DISK_USED:
		r = l->used;
		if (r.kind == TD_UNIT_PERCENT) {
			if (base > 0) {
				td_range_scale(&r, base / 100);
			} else {
				/* nothing can be used: every percentage is 0 bytes */
				if (isfinite(r.start))
					r.start = 0;
				if (isfinite(r.end))
					r.end = 0;
			}
		}
		r.kind = TD_UNIT_NONE;
		return r;
	case DISK_FREE:
		at_least = base - l->free;
		break;
	case DISK_FREE_PCT:
	default:
		at_least = base * (100 - l->free) / 100;
		break;
	}
	r.set = true;
	r.end = ceil(at_least) - 1;
	if (r.end < 0) { /* alert whatever is used */
		r.start = -INFINITY;
		r.end = -1;
	}
	return r;
}

/* ---- the mount table ------------------------------------------------------ */

struct disk_mount {
	unsigned major, minor;
	const char *root, *dir, *type, *source; /* into the table's text */
	bool hidden; /* a later mount sits on the same mount point */
};

struct disk_table {
	char *text; /* the file, cut into the strings above */
	struct disk_mount *v;
	size_t n, cap;
	size_t malformed; /* lines that were not mountinfo */
};

static void disk_table_cleanup(struct disk_table *t)
{
	free(t->text);
	free(t->v);
	memset(t, 0, sizeof *t);
}

/*
 * Decodes in place the octal escapes the kernel writes for a space (\040),
 * a tab (\011), a newline (\012) and a backslash (\134). False for \000: no
 * path holds a NUL, so the line is not mountinfo.
 */
static bool disk_unescape(char *s)
{
	char *w = s;
	for (const char *r = s; *r;) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			int v = (r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0');
			if (v == 0)
				return false;
			*w++ = (char)v;
			r += 4;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
	return true;
}

/* Cuts the next space-separated field off *p; NULL when none is left. */
static char *disk_field(char **p)
{
	char *s = *p;
	if (!s)
		return NULL;
	char *sp = strchr(s, ' ');
	if (sp) {
		*sp = '\0';
		*p = sp + 1;
	} else {
		*p = NULL;
	}
	return s;
}

/*
 * Parses one mountinfo line in place (proc(5)), for example
 *   36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
 * mount id, parent id, major:minor, root, mount point, options, optional
 * fields up to a lone "-", then type, source and super options. out points
 * into line.
 */
static enum td_err disk_parse_line(char *line, struct disk_mount *out)
{
	char *p = line, *f[6], *sep, *type, *source;
	unsigned long long id, major, minor;

	for (int i = 0; i < 6; i++)
		if (!(f[i] = disk_field(&p)))
			return TD_E_PARSE;
	if (td_parse_uint(f[0], 0, UINT_MAX, &id) != TD_OK ||
	    td_parse_uint(f[1], 0, UINT_MAX, &id) != TD_OK)
		return TD_E_PARSE;
	char *colon = strchr(f[2], ':');
	if (!colon)
		return TD_E_PARSE;
	*colon = '\0';
	if (td_parse_uint(f[2], 0, UINT_MAX, &major) != TD_OK ||
	    td_parse_uint(colon + 1, 0, UINT_MAX, &minor) != TD_OK)
		return TD_E_PARSE;
	while ((sep = disk_field(&p)) && strcmp(sep, "-") != 0)
		; /* optional fields: shared:N, master:N, propagate_from:N, unbindable */
	if (!sep || !(type = disk_field(&p)) || !(source = disk_field(&p)))
		return TD_E_PARSE;
	if (!disk_unescape(f[3]) || !disk_unescape(f[4]) || !disk_unescape(type) ||
	    !disk_unescape(source))
		return TD_E_PARSE;
	if (f[4][0] != '/' || !*type)
		return TD_E_PARSE;
	out->major = (unsigned)major;
	out->minor = (unsigned)minor;
	out->root = f[3];
	out->dir = f[4];
	out->type = type;
	out->source = source;
	out->hidden = false;
	return TD_OK;
}

static int disk_cmp_dir(const void *a, const void *b)
{
	const struct disk_mount *const *x = a, *const *y = b;
	int d = strcmp((*x)->dir, (*y)->dir);
	return d ? d : (*x < *y ? -1 : *x > *y);
}

/*
 * Over-mounting: of several mounts on one mount point only the last one is
 * reachable (statvfs of the path measures it), so the others are hidden.
 */
static void disk_table_mark_hidden(struct disk_table *t)
{
	if (t->n < 2)
		return;
	const struct disk_mount **order = td_xcalloc(t->n, sizeof *order);
	for (size_t i = 0; i < t->n; i++)
		order[i] = &t->v[i];
	qsort(order, t->n, sizeof *order, disk_cmp_dir);
	for (size_t i = 0; i + 1 < t->n; i++)
		if (!strcmp(order[i]->dir, order[i + 1]->dir))
			t->v[order[i] - t->v].hidden = true;
	free(order);
}

/*
 * Parses mountinfo text, taking ownership of it. Malformed lines are
 * counted and skipped; TD_E_PARSE only when no line at all was mountinfo.
 */
static enum td_err disk_table_parse(char *text, struct disk_table *t)
{
	memset(t, 0, sizeof *t);
	t->text = text;
	for (char *line = text; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (*line) {
			struct disk_mount m;
			if (disk_parse_line(line, &m) == TD_OK) {
				if (t->n == t->cap) {
					t->cap = t->cap ? t->cap * 2 : 64;
					t->v = td_xrealloc(t->v, t->cap * sizeof *t->v);
				}
				t->v[t->n++] = m;
			} else {
				t->malformed++;
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	disk_table_mark_hidden(t);
	return t->n == 0 && t->malformed ? TD_E_PARSE : TD_OK;
}

/* Reads a whole file of at most DISK_MOUNTINFO_MAX bytes; *out is malloc'd. */
static enum td_err disk_read_file(const char *path, char **out, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return td_errf(errno == ENOENT ? TD_E_NOTFOUND : TD_E_IO, err, errlen,
			       "cannot read %s: %s", path, strerror(errno));
	struct td_buf b;
	char chunk[8192];
	enum td_err rc = TD_OK;
	td_buf_init(&b, DISK_MOUNTINFO_MAX);
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = td_errf(TD_E_IO, err, errlen, "cannot read %s: %s", path,
				     strerror(errno));
			break;
		}
		if (n == 0)
			break;
		td_buf_append(&b, chunk, (size_t)n);
		if (b.truncated) {
			rc = td_errf(TD_E_TOOBIG, err, errlen, "%s is larger than %u MiB", path,
				     DISK_MOUNTINFO_MAX >> 20);
			break;
		}
	}
	close(fd);
	if (rc == TD_OK) {
		*out = td_buf_steal(&b);
		if (!*out)
			*out = td_xstrdup("");
	}
	td_buf_cleanup(&b);
	return rc;
}

/* ---- which file systems ------------------------------------------------------ */

/*
 * Kernel and userland pseudo file systems: no disk behind them, or (squashfs,
 * snaps) always 100% full by design. overlay stays in: it is the root file
 * system of every container.
 */
static const char *const disk_pseudo_types[] = {
	"proc",       "sysfs",      "devpts",        "devtmpfs",    "tmpfs",
	"cgroup",     "cgroup2",    "securityfs",    "debugfs",     "tracefs",
	"pstore",     "bpf",        "mqueue",        "hugetlbfs",   "configfs",
	"fusectl",    "autofs",     "binfmt_misc",   "rpc_pipefs",  "nsfs",
	"ramfs",      "squashfs",   "efivarfs",      "selinuxfs",   "nfsd",
	"rootfs",     "fuse.lxcfs", "fuse.snapfuse", "fuse.portal", "fuse.gvfsd-fuse",
	NULL,
};

/* Network file systems, for -l. */
static const char *const disk_remote_types[] = {
	"nfs",        "nfs4",        "cifs",        "smb3",           "smbfs",
	"ncpfs",      "afs",         "coda",        "ceph",           "glusterfs",
	"lustre",     "9p",          "davfs",       "sshfs",          "fuse.sshfs",
	"fuse.cephfs", "fuse.s3fs",  "fuse.rclone", "fuse.glusterfs", "fuse.davfs2",
	NULL,
};

static bool disk_in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return true;
	return false;
}

static bool disk_is_pseudo(const char *type)
{
	return disk_in_list(type, disk_pseudo_types);
}

/* By type, or by a source that names a server: host:/export, //host/share. */
static bool disk_is_remote(const struct disk_mount *m)
{
	return disk_in_list(m->type, disk_remote_types) || strstr(m->source, ":/") ||
	       !strncmp(m->source, "//", 2);
}

struct disk_regex {
	regex_t re;
	struct disk_limits lim;
	bool own_limits; /* thresholds were given before it; else the final ones */
};

struct disk_select {
	char *path; /* -p */
	struct disk_limits lim;
	bool own_limits;
};

/* The blocking calls; tests substitute fakes. realpath returns malloc'd text. */
struct disk_sys {
	int (*statvfs)(const char *path, struct statvfs *out);
	char *(*realpath)(const char *path);
};

struct disk_config {
	struct disk_limits cur; /* thresholds so far; at finish, the final ones */
	struct disk_select *paths;
	size_t n_paths;
	struct disk_regex *regexes;
	size_t n_regexes;
	regex_t *ignores;
	size_t n_ignores;
	char **excl_paths, **excl_types, **incl_types;
	size_t n_excl_paths, n_excl_types, n_incl_types;
	double unit; /* bytes per bare number in -w/-c */
	bool local, errors_only, all, exact, ignore_missing, iperfdata;
	enum td_state timeout_state;
	char *mountinfo;
	const struct disk_sys *sys;
};

static int disk_sys_statvfs(const char *path, struct statvfs *out)
{
	return statvfs(path, out);
}

static char *disk_sys_realpath(const char *path)
{
	return realpath(path, NULL);
}

static const struct disk_sys disk_sys_real = { disk_sys_statvfs, disk_sys_realpath };

static bool disk_pattern_in(const char *type, char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fnmatch(list[i], type, 0) == 0)
			return true;
	return false;
}

static bool disk_regex_match(const regex_t *re, const struct disk_mount *m)
{
	return regexec(re, m->dir, 0, NULL, 0) == 0 || regexec(re, m->source, 0, NULL, 0) == 0;
}

/*
 * Why the filters drop m, or NULL when they keep it. Pseudo file systems are
 * dropped only when nobody named them (-p, -N TYPE, -A).
 */
static const char *disk_filtered(const struct disk_config *c, const struct disk_mount *m,
				 bool named)
{
	for (size_t i = 0; i < c->n_excl_paths; i++)
		if (!strcmp(c->excl_paths[i], m->dir) || !strcmp(c->excl_paths[i], m->source))
			return "excluded by -x";
	if (disk_pattern_in(m->type, c->excl_types, c->n_excl_types))
		return "type excluded by -X";
	if (c->n_incl_types && !disk_pattern_in(m->type, c->incl_types, c->n_incl_types))
		return "type not named by -N";
	if (c->local && disk_is_remote(m))
		return "remote, and -l asks for local ones";
	for (size_t i = 0; i < c->n_ignores; i++)
		if (disk_regex_match(&c->ignores[i], m))
			return "matches -i";
	if (!named && !c->all && !c->n_incl_types && disk_is_pseudo(m->type))
		return "pseudo file system (-A includes it)";
	return NULL;
}

/*
 * The visible mount that holds path (absolute and canonical): the longest
 * mount point that is path or one of its parent directories.
 */
static const struct disk_mount *disk_mount_of(const struct disk_table *t, const char *path)
{
	const struct disk_mount *best = NULL;
	size_t best_len = 0;
	for (size_t i = 0; i < t->n; i++) {
		const struct disk_mount *m = &t->v[i];
		size_t n = strlen(m->dir);
		if (m->hidden)
			continue;
		bool holds = n == 1 ? path[0] == '/'
				    : !strncmp(m->dir, path, n) &&
					      (path[n] == '\0' || path[n] == '/');
		if (holds && (!best || n >= best_len)) {
			best = m;
			best_len = n;
		}
	}
	return best;
}

/* A visible mount whose source is dev (bind mounts: the shortest mount point). */
static const struct disk_mount *disk_mount_of_device(const struct disk_table *t, const char *dev)
{
	const struct disk_mount *best = NULL;
	for (size_t i = 0; i < t->n; i++) {
		const struct disk_mount *m = &t->v[i];
		if (m->hidden || strcmp(m->source, dev))
			continue;
		if (!best || strlen(m->dir) < strlen(best->dir))
			best = m;
	}
	return best;
}

static const struct disk_mount *disk_mount_at(const struct disk_table *t, const char *dir)
{
	for (size_t i = 0; i < t->n; i++)
		if (!t->v[i].hidden && !strcmp(t->v[i].dir, dir))
			return &t->v[i];
	return NULL;
}

/* One file system to measure: a mount, or a -p path not resolved yet. */
struct disk_cand {
	const struct disk_mount *mount; /* NULL until the -p path is resolved */
	const char *path;               /* the -p argument, or NULL */
	const struct disk_limits *lim;
	bool drop;                      /* a duplicate, or filtered out */
};

static int disk_cmp_dev(const void *a, const void *b)
{
	const struct disk_cand *x = a, *y = b;
	if (x->mount->major != y->mount->major)
		return x->mount->major < y->mount->major ? -1 : 1;
	if (x->mount->minor != y->mount->minor)
		return x->mount->minor < y->mount->minor ? -1 : 1;
	size_t lx = strlen(x->mount->dir), ly = strlen(y->mount->dir);
	if (lx != ly)
		return lx < ly ? -1 : 1;
	return x->mount < y->mount ? -1 : x->mount > y->mount;
}

/*
 * The same device mounted more than once (bind mounts, btrfs subvolumes) has
 * one set of figures: keep the shortest mount point, as df and the peer do.
 * cands are all mounts from the table; order is kept.
 */
static void disk_dedupe(struct disk_cand *v, size_t n)
{
	if (n < 2)
		return;
	struct disk_cand *s = td_xcalloc(n, sizeof *s);
	memcpy(s, v, n * sizeof *s);
	qsort(s, n, sizeof *s, disk_cmp_dev);
	for (size_t i = 1; i < n; i++)
		if (s[i].mount->major == s[i - 1].mount->major &&
		    s[i].mount->minor == s[i - 1].mount->minor)
			for (size_t k = 0; k < n; k++)
				if (v[k].mount == s[i].mount)
					v[k].drop = true;
	free(s);
}

/* ---- the worker -------------------------------------------------------------- */

struct disk_item {
	char *path;   /* owned by the job */
	bool resolve; /* realpath first (a -p path) */
	/* written by the worker before `done` passes this item */
	char *canon;  /* realpath's answer, owned by the job until taken */
	int err;      /* errno of the call that failed, 0 when measured */
	bool resolve_failed;
	struct statvfs sv;
};

/*
 * Shared by the probe and the worker, and freed by whichever lets go last.
 * The worker may stay blocked in statvfs long after the probe returned (a
 * hard NFS mount waits for its server forever), so it touches nothing but
 * this heap block: its own copies of the paths, and the sys table, which is
 * static. Everything below `lock` is guarded by it, except the items' inputs,
 * written before the thread starts.
 */
struct disk_job {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int refs;       /* 2 while both hold it */
	bool abandoned; /* the probe stopped waiting; the worker should stop */
	size_t done;    /* items[0..done) are finished */
	size_t n;
	const struct disk_sys *sys;
	struct disk_item items[];
};

static struct disk_job *disk_job_new(size_t n, const struct disk_sys *sys)
{
	struct disk_job *job = td_xcalloc(1, sizeof *job + n * sizeof job->items[0]);
	pthread_condattr_t ca;
	pthread_mutex_init(&job->lock, NULL);
	/* the deadline is on the monotonic clock */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&job->cond, &ca);
	pthread_condattr_destroy(&ca);
	job->n = n;
	job->sys = sys;
	job->refs = 1;
	return job;
}

static void disk_job_release(struct disk_job *job)
{
	pthread_mutex_lock(&job->lock);
	bool last = --job->refs == 0;
	pthread_mutex_unlock(&job->lock);
	if (!last)
		return;
	pthread_cond_destroy(&job->cond);
	pthread_mutex_destroy(&job->lock);
	for (size_t i = 0; i < job->n; i++) {
		free(job->items[i].path);
		free(job->items[i].canon);
	}
	free(job);
}

static void *disk_worker(void *arg)
{
	struct disk_job *job = arg;
	for (size_t i = 0; i < job->n; i++) {
		pthread_mutex_lock(&job->lock);
		bool stop = job->abandoned;
		pthread_mutex_unlock(&job->lock);
		if (stop)
			break;
		const struct disk_item *in = &job->items[i];
		struct statvfs sv;
		char *canon = NULL;
		int e = 0;
		bool resolve_failed = false;
		memset(&sv, 0, sizeof sv);
		if (in->resolve) {
			errno = 0;
			canon = job->sys->realpath(in->path);
			if (!canon) {
				e = errno ? errno : ENOENT;
				resolve_failed = true;
			}
		}
		if (!e && job->sys->statvfs(canon ? canon : in->path, &sv) != 0)
			e = errno ? errno : EIO;
		pthread_mutex_lock(&job->lock);
		job->items[i].canon = canon;
		job->items[i].err = e;
		job->items[i].resolve_failed = resolve_failed;
		job->items[i].sv = sv;
		job->done = i + 1;
		pthread_cond_broadcast(&job->cond);
		pthread_mutex_unlock(&job->lock);
	}
	disk_job_release(job);
	return NULL;
}

/*
 * Runs the job's items in a worker until they are all done or the deadline
 * passes, copies the finished ones into out (which takes their canon strings)
 * and sets *finished to their count. Consumes the caller's reference to job.
 * TD_E_IO when no thread could be started.
 */
static enum td_err disk_job_run(struct disk_job *job, const struct td_deadline *deadline,
				bool local_only, struct disk_item *out, size_t *finished)
{
	pthread_attr_t attr;
	pthread_t tid;
	sigset_t all, old;
	size_t stack = DISK_WORKER_STACK;

	*finished = 0;
	if (local_only) {
		/*
		 * Local file systems only, named by their mount points: statvfs has
		 * no server to wait for, so the calls run right here. A thread costs
		 * about 200 KB of memory and a tenth of the run's time.
		 */
		job->refs = 2;
		disk_worker(job);
		for (size_t i = 0; i < job->done; i++) {
			out[i] = job->items[i];
			out[i].path = NULL;
			job->items[i].canon = NULL;
		}
		*finished = job->done;
		disk_job_release(job);
		return TD_OK;
	}
	if (stack < (size_t)PTHREAD_STACK_MIN)
		stack = (size_t)PTHREAD_STACK_MIN;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, stack);
	/* signals (the hard timeout's SIGALRM) go to the caller's thread, never the worker */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	job->refs = 2;
	int rc = pthread_create(&tid, &attr, disk_worker, job);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		job->refs = 1;
		disk_job_release(job);
		return TD_E_IO;
	}

	pthread_mutex_lock(&job->lock);
	while (job->done < job->n)
		if (pthread_cond_timedwait(&job->cond, &job->lock, &deadline->at) == ETIMEDOUT)
			break;
	size_t done = job->done;
	job->abandoned = true;
	for (size_t i = 0; i < done; i++) {
		out[i] = job->items[i];
		out[i].path = NULL;
		job->items[i].canon = NULL;
	}
	pthread_mutex_unlock(&job->lock);

	/*
	 * A finished worker is about to return: join it, so nothing outlives the
	 * run. An unfinished one may never return: leave it, with its reference.
	 */
	if (done == job->n)
		pthread_join(tid, NULL);
	else
		pthread_detach(tid);
	disk_job_release(job);
	*finished = done;
	return TD_OK;
}

/* ---- measuring and reporting ----------------------------------------------- */

struct disk_figures {
	double total, used, avail; /* bytes: size, used, free for unprivileged users (df) */
	double files, ifree;       /* inodes; files is 0 where the file system counts none */
};

static void disk_figures_of(const struct statvfs *sv, struct disk_figures *f)
{
	double bs = sv->f_frsize ? (double)sv->f_frsize : (double)sv->f_bsize;
	/* a few file systems report more free than total blocks: clamp, so used >= 0 */
	fsblkcnt_t bfree = sv->f_bfree > sv->f_blocks ? sv->f_blocks : sv->f_bfree;
	fsblkcnt_t bavail = sv->f_bavail > bfree ? bfree : sv->f_bavail;
	f->total = (double)sv->f_blocks * bs;
	f->used = (double)(sv->f_blocks - bfree) * bs;
	f->avail = (double)bavail * bs;
	f->files = (double)sv->f_files;
	f->ifree = sv->f_ffree > sv->f_files ? (double)sv->f_files : (double)sv->f_ffree;
}

/* Percent of part in whole, rounded up as df prints Use%. */
static int disk_pct(double part, double whole)
{
	if (!(whole > 0))
		return part > 0 ? 100 : 0;
	double p = ceil(part * 100 / whole);
	return p > 100 ? 100 : (int)p;
}

/*
 * Adds the metrics of one measured file system to res, and its text for the
 * status line to text. Returns its state.
 */
static enum td_state disk_evaluate(struct td_result *res, const char *name,
				   const struct disk_figures *f, const struct disk_limits *lim,
				   bool iperfdata, struct td_buf *text)
{
	double base = f->used + f->avail;
	char hu[32], ht[32], ha[32];
	struct td_metric *m = td_result_metric(res, name, f->used, "B");
	m->warn = disk_limit_range(&lim->warn, base);
	m->crit = disk_limit_range(&lim->crit, base);
	m->has_min = m->has_max = true;
	m->min = 0;
	m->max = f->total;
	enum td_state st = td_metric_state(m);

	bool want_inodes = iperfdata || lim->iwarn.form || lim->icrit.form;
	double iused = f->files - f->ifree;
	if (want_inodes && f->files > 0) {
		char *label = td_xasprintf("%s inodes", name);
		m = td_result_metric(res, label, iused, NULL);
		free(label);
		m->warn = disk_limit_range(&lim->iwarn, f->files);
		m->crit = disk_limit_range(&lim->icrit, f->files);
		m->has_min = m->has_max = true;
		m->min = 0;
		m->max = f->files;
		st = td_state_worst(st, td_metric_state(m));
	}

	if (st != TD_STATE_OK)
		td_buf_printf(text, "[%s] ", td_state_name(st));
	td_buf_puts(text, name);
	td_buf_printf(text, " %d%% used (%s of %s, %s free", disk_pct(f->used, base),
		      td_fmt_bytes(f->used, hu, sizeof hu), td_fmt_bytes(f->total, ht, sizeof ht),
		      td_fmt_bytes(f->avail, ha, sizeof ha));
	if (want_inodes && f->files > 0)
		td_buf_printf(text, ", inodes %d%% used", disk_pct(iused, f->files));
	else if (want_inodes)
		td_buf_puts(text, ", no inode count");
	td_buf_putc(text, ')');
	return st;
}

/* One line of the report: a file system (a row) or a remark (a note). */
struct disk_row {
	enum td_state state;
	bool note;
	char *text;
};

struct disk_report {
	struct disk_row *v;
	size_t n, cap;
};

static void disk_report_add(struct disk_report *r, bool note, enum td_state st, char *text)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		r->v = td_xrealloc(r->v, r->cap * sizeof *r->v);
	}
	r->v[r->n++] = (struct disk_row){ .state = st, .note = note, .text = text };
}

static void disk_report_addf(struct disk_report *r, bool note, enum td_state st, const char *fmt,
			     ...) __attribute__((format(printf, 4, 5)));

static void disk_report_addf(struct disk_report *r, bool note, enum td_state st, const char *fmt,
			     ...)
{
	char *text;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (n < 0)
		td_oom();
	disk_report_add(r, note, st, text);
}

static void disk_report_cleanup(struct disk_report *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].text);
	free(r->v);
}

static int disk_rank(enum td_state s)
{
	switch (s) {
	case TD_STATE_CRITICAL: return 0;
	case TD_STATE_WARNING: return 1;
	case TD_STATE_UNKNOWN: return 2;
	default: return 3;
	}
}

static int disk_cmp_rows(const void *a, const void *b)
{
	const struct disk_row *const *x = a, *const *y = b;
	int d = disk_rank((*x)->state) - disk_rank((*y)->state);
	if (d)
		return d;
	return *x < *y ? -1 : *x > *y;
}

/*
 * Summary: the worst file systems first, as many as fit in a short line;
 * the long output has the others, then the notes. With errors_only, OK file
 * systems are left out (their perfdata stays). Raises res to the worst row.
 * Returns how many file systems the report has; with none, the summary says so.
 */
static size_t disk_report_write(const struct disk_report *r, bool errors_only,
				struct td_result *res)
{
	const struct disk_row **rows = td_xcalloc(r->n + 1, sizeof *rows);
	size_t n = 0, total = 0;
	for (size_t i = 0; i < r->n; i++) {
		if (r->v[i].note)
			continue;
		/* rows without metrics (timed out, missing) carry their state here */
		td_result_raise(res, r->v[i].state);
		total++;
		if (!errors_only || r->v[i].state != TD_STATE_OK)
			rows[n++] = &r->v[i];
	}
	qsort(rows, n, sizeof *rows, disk_cmp_rows);

	struct td_buf sum;
	size_t shown = 0;
	td_buf_init(&sum, 1000);
	while (shown < n && shown < DISK_SUMMARY_ROWS &&
	       (shown == 0 || sum.len + strlen(rows[shown]->text) < DISK_SUMMARY_CHARS)) {
		if (shown)
			td_buf_puts(&sum, ", ");
		td_buf_puts(&sum, rows[shown]->text);
		shown++;
	}
	if (total == 0)
		td_buf_puts(&sum, "no file system selected");
	else if (n == 0)
		td_buf_printf(&sum, "%zu file system%s OK", total, total == 1 ? "" : "s");
	else if (shown < n)
		td_buf_printf(&sum, " and %zu more", n - shown);
	td_result_summary(res, "%s", td_buf_str(&sum));
	td_buf_cleanup(&sum);

	for (size_t i = shown; i < n; i++)
		td_result_line(res, "%s", rows[i]->text);
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].note)
			td_result_line(res, "%s", r->v[i].text);
	free(rows);
	return total;
}

/* ---- run ----------------------------------------------------------------------- */

/*
 * Picks the file systems the options name, before anything is measured:
 * -p devices and (with -E) mount points now, other -p paths once the worker
 * has resolved them; then, when no -p is given or a -r is, the mounts of the
 * table that the filters keep, one per device.
 */
static void disk_plan(const struct disk_config *c, const struct disk_table *t, int verbose,
		      struct disk_cand **out, size_t *n_out, struct disk_report *rep)
{
	struct disk_cand *v = td_xcalloc(c->n_paths + t->n + 1, sizeof *v);
	size_t n = 0;

	for (size_t i = 0; i < c->n_paths; i++) {
		const struct disk_select *s = &c->paths[i];
		const struct disk_mount *m = disk_mount_of_device(t, s->path);
		if (!m && c->exact && !(m = disk_mount_at(t, s->path))) {
			if (c->ignore_missing)
				disk_report_addf(rep, true, TD_STATE_OK,
						 "-p %s: not a mount point (ignored)", s->path);
			else
				disk_report_addf(rep, false, TD_STATE_UNKNOWN,
						 "%s is not a mount point (-E)", s->path);
			continue;
		}
		v[n++] = (struct disk_cand){ .mount = m, .path = s->path, .lim = &s->lim };
	}

	if (c->n_paths == 0 || c->n_regexes) {
		size_t first = n;
		for (size_t i = 0; i < t->n; i++) {
			const struct disk_mount *m = &t->v[i];
			const struct disk_limits *lim = &c->cur;
			if (m->hidden)
				continue;
			if (c->n_regexes) {
				size_t k = 0;
				while (k < c->n_regexes && !disk_regex_match(&c->regexes[k].re, m))
					k++;
				if (k == c->n_regexes)
					continue;
				lim = &c->regexes[k].lim;
			}
			const char *why = disk_filtered(c, m, false);
			if (why) {
				if (verbose)
					disk_report_addf(rep, true, TD_STATE_OK,
							 "skipped %s (%s): %s", m->dir, m->type,
							 why);
				continue;
			}
			v[n++] = (struct disk_cand){ .mount = m, .lim = lim };
		}
		disk_dedupe(v + first, n - first);
		for (size_t i = first; i < n; i++)
			if (v[i].drop && verbose)
				disk_report_addf(rep, true, TD_STATE_OK,
						 "skipped %s: same device as a shorter mount point",
						 v[i].mount->dir);
	}
	*out = v;
	*n_out = n;
}

/* True when a candidate before i, still in, measures the same mount. */
static bool disk_seen(const struct disk_cand *v, size_t i, const struct disk_mount *m)
{
	for (size_t j = 0; j < i; j++)
		if (!v[j].drop && v[j].mount == m)
			return true;
	return false;
}

/*
 * Turns one candidate and what the worker found (r, or NULL when it did not
 * get to it: stuck names the mount it is blocked in) into metrics and a line
 * of the report.
 */
static void disk_report_cand(const struct disk_config *c, const struct disk_table *t,
			     struct disk_cand *k, size_t i, struct disk_cand *all,
			     const struct disk_item *r, const char **stuck, int verbose,
			     struct td_result *res, struct disk_report *rep)
{
	const char *name = k->mount ? k->mount->dir : k->path;

	if (!r) {
		if (!*stuck)
			*stuck = name;
		if (!strcmp(*stuck, name))
			disk_report_addf(rep, false, c->timeout_state,
					 "%s timed out (stale mount?)", name);
		else
			disk_report_addf(rep, false, c->timeout_state,
					 "%s timed out (waiting behind %s)", name, *stuck);
		if (k->mount) /* keeps the graph's series going, as unknown */
			td_result_metric(res, name, 0, "B")->known = false;
		return;
	}
	if (r->resolve_failed) {
		k->drop = true;
		if (c->ignore_missing && (r->err == ENOENT || r->err == ENOTDIR)) {
			disk_report_addf(rep, true, TD_STATE_OK, "-p %s: %s (ignored)", name,
					 strerror(r->err));
			return;
		}
		if (r->err == ENOENT)
			disk_report_addf(rep, false, TD_STATE_UNKNOWN, "%s does not exist", name);
		else
			disk_report_addf(rep, false, TD_STATE_UNKNOWN, "%s: %s", name,
					 strerror(r->err));
		return;
	}
	if (!k->mount && !(k->mount = disk_mount_of(t, r->canon))) {
		k->drop = true;
		disk_report_addf(rep, false, TD_STATE_UNKNOWN, "%s: no mount in the table holds %s",
				 name, r->canon);
		return;
	}
	name = k->mount->dir;
	/* mounts from the table passed the filters in disk_plan; named ones meet them here */
	const char *why = k->path ? disk_filtered(c, k->mount, true) : NULL;
	if (!why && disk_seen(all, i, k->mount))
		why = "already checked";
	if (why) {
		k->drop = true;
		if (k->path)
			disk_report_addf(rep, true, TD_STATE_OK, "-p %s skipped (%s, %s): %s",
					 k->path, name, k->mount->type, why);
		return;
	}
	if (r->err) {
		/* a mount nobody named that this user may not read: say so, do not alert */
		if (!k->path && (r->err == EACCES || r->err == EPERM || r->err == ENOENT)) {
			disk_report_addf(rep, true, TD_STATE_OK, "%s not measured: %s", name,
					 strerror(r->err));
			return;
		}
		disk_report_addf(rep, false, TD_STATE_UNKNOWN, "%s: cannot measure: %s", name,
				 strerror(r->err));
		return;
	}
	if (r->sv.f_blocks == 0) {
		/* proc, sysfs...: nothing to fill, nothing to alert on, nothing to graph */
		if (k->path)
			disk_report_addf(rep, false, TD_STATE_OK, "%s has no blocks (%s)", name,
					 k->mount->type);
		else if (verbose)
			disk_report_addf(rep, true, TD_STATE_OK,
					 "%s (%s) has no blocks, not measured", name,
					 k->mount->type);
		return;
	}
	struct disk_figures f;
	struct td_buf line;
	disk_figures_of(&r->sv, &f);
	td_buf_init(&line, 0);
	enum td_state st = disk_evaluate(res, name, &f, k->lim, c->iperfdata, &line);
	disk_report_add(rep, false, st, td_buf_steal(&line));
	td_buf_cleanup(&line);
}

static enum td_err disk_run(const void *cfg, const struct td_run_ctx *ctx, struct td_result *res)
{
	const struct disk_config *c = cfg;
	const char *source = c->mountinfo ? c->mountinfo : DISK_MOUNTINFO;
	char err[512];
	char *text = NULL;
	struct disk_table t;
	struct disk_report rep = { 0 };
	struct disk_cand *cand = NULL;
	struct disk_item *items = NULL;
	size_t *item_of = NULL;
	size_t n_cand = 0, n_items = 0, finished = 0;
	enum td_err rc;

	memset(&t, 0, sizeof t);
	if ((rc = disk_read_file(source, &text, err, sizeof err)) != TD_OK) {
		td_result_summary(res, "%s", err);
		return rc;
	}
	if (disk_table_parse(text, &t) != TD_OK) {
		td_result_summary(res, "%s: not a mountinfo file (%zu malformed lines)", source,
				  t.malformed);
		rc = TD_E_PARSE;
		goto out;
	}
	if (t.malformed && ctx->verbose)
		td_result_line(res, "%s: %zu malformed lines skipped", source, t.malformed);

	disk_plan(c, &t, ctx->verbose, &cand, &n_cand, &rep);

	/* the worker's list: every candidate still in, in order, with its own copy of the path */
	struct disk_job *job = disk_job_new(n_cand, c->sys);
	/* fakes (tests) may block like a dead server: they always get the worker */
	bool local_only = c->sys == &disk_sys_real;
	item_of = td_xcalloc(n_cand + 1, sizeof *item_of);
	for (size_t i = 0; i < n_cand; i++) {
		item_of[i] = SIZE_MAX;
		if (cand[i].drop)
			continue;
		struct disk_item *it = &job->items[n_items];
		it->resolve = !cand[i].mount;
		if (!cand[i].mount || disk_is_remote(cand[i].mount) ||
		    !strncmp(cand[i].mount->type, "fuse", 4) || !strcmp(cand[i].mount->type, "autofs"))
			local_only = false;
		it->path = td_xstrdup(cand[i].mount ? cand[i].mount->dir : cand[i].path);
		item_of[i] = n_items++;
	}
	job->n = n_items;
	items = td_xcalloc(n_items + 1, sizeof *items);
	if (n_items == 0) {
		disk_job_release(job);
	} else if (disk_job_run(job, &ctx->deadline, local_only, items, &finished) != TD_OK) {
		td_result_summary(res, "cannot start a thread to measure file systems");
		rc = TD_E_IO;
		goto out;
	}

	const char *stuck = NULL;
	for (size_t i = 0; i < n_cand; i++)
		if (item_of[i] != SIZE_MAX)
			disk_report_cand(c, &t, &cand[i], i, cand,
					 item_of[i] < finished ? &items[item_of[i]] : NULL, &stuck,
					 ctx->verbose, res, &rep);

	if (disk_report_write(&rep, c->errors_only, res) == 0 && !c->ignore_missing)
		rc = TD_E_NOTFOUND;
	else
		rc = TD_OK;
out:
	for (size_t i = 0; i < finished; i++)
		free(items[i].canon);
	free(items);
	free(item_of);
	free(cand);
	disk_report_cleanup(&rep);
	disk_table_cleanup(&t);
	return rc;
}

/* ---- configuration ----------------------------------------------------------------- */

static void *disk_config_new(void)
{
	struct disk_config *c = td_xcalloc(1, sizeof *c);
	c->unit = 1024.0 * 1024.0;
	c->timeout_state = TD_STATE_CRITICAL;
	c->sys = &disk_sys_real;
	return c;
}

static void disk_strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void disk_config_free(void *cfg)
{
	struct disk_config *c = cfg;
	if (!c)
		return;
	for (size_t i = 0; i < c->n_paths; i++)
		free(c->paths[i].path);
	free(c->paths);
	for (size_t i = 0; i < c->n_regexes; i++)
		regfree(&c->regexes[i].re);
	free(c->regexes);
	for (size_t i = 0; i < c->n_ignores; i++)
		regfree(&c->ignores[i]);
	free(c->ignores);
	disk_strv_free(c->excl_paths, c->n_excl_paths);
	disk_strv_free(c->excl_types, c->n_excl_types);
	disk_strv_free(c->incl_types, c->n_incl_types);
	free(c->mountinfo);
	free(c);
}

/* Grows an array by one zeroed element and returns it. */
static void *disk_grow(void *arrp, size_t *n, size_t size)
{
	void **arr = arrp;
	*arr = td_xrealloc(*arr, (*n + 1) * size);
	void *e = (char *)*arr + *n * size;
	memset(e, 0, size);
	(*n)++;
	return e;
}

static void disk_strv_add(char ***v, size_t *n, char *s)
{
	char **e = disk_grow(v, n, sizeof **v);
	*e = s;
}

/* "/var/" names the mount point "/var": mountinfo never ends one with '/'. */
static char *disk_path_dup(const char *arg)
{
	size_t n = strlen(arg);
	while (n > 1 && arg[n - 1] == '/')
		n--;
	return td_xstrndup(arg, n);
}

static enum td_err disk_regcomp(const char *opt, const char *arg, bool icase, regex_t *re,
				char *err, size_t errlen)
{
	int rc = regcomp(re, arg, REG_EXTENDED | REG_NOSUB | (icase ? REG_ICASE : 0));
	if (rc != 0) {
		char why[160];
		regerror(rc, re, why, sizeof why);
		return td_errf(TD_E_USAGE, err, errlen,
			       "%s: \"%s\" is not a regular expression: %s", opt, arg, why);
	}
	return TD_OK;
}

/* -u: a unit of the bytes family, or the peer's "bytes". */
static enum td_err disk_parse_unit(const char *arg, double *out, char *err, size_t errlen)
{
	char buf[16];
	double v;
	enum td_unit_kind kind;
	if (!strcasecmp(arg, "bytes")) {
		*out = 1;
		return TD_OK;
	}
	if (strlen(arg) < sizeof buf - 1) {
		snprintf(buf, sizeof buf, "1%s", arg);
		if (td_parse_quantity(buf, NULL, TD_UNIT_BYTES, &v, &kind, NULL, 0) == TD_OK &&
		    kind == TD_UNIT_BYTES) {
			*out = v;
			return TD_OK;
		}
	}
	return td_errf(TD_E_USAGE, err, errlen,
		       "-u: \"%s\" is not a unit (B, KB, MB, GB, TB, PB, or KiB, MiB...)", arg);
}

static enum td_err disk_option(void *cfg, int id, const char *arg, char *err, size_t errlen)
{
	struct disk_config *c = cfg;
	enum td_err rc;
	switch (id) {
	case OPT_WARN: return disk_parse_limit("-w", arg, false, &c->cur.warn, err, errlen);
	case OPT_CRIT: return disk_parse_limit("-c", arg, false, &c->cur.crit, err, errlen);
	case OPT_IWARN: return disk_parse_limit("-W", arg, true, &c->cur.iwarn, err, errlen);
	case OPT_ICRIT: return disk_parse_limit("-K", arg, true, &c->cur.icrit, err, errlen);
	case OPT_PATH: {
		if (!*arg)
			return td_errf(TD_E_USAGE, err, errlen, "-p: an empty path");
		struct disk_select *s = disk_grow(&c->paths, &c->n_paths, sizeof *s);
		s->path = disk_path_dup(arg);
		s->own_limits = disk_limits_any(&c->cur);
		s->lim = c->cur;
		return TD_OK;
	}
	case OPT_EXCLUDE:
		disk_strv_add(&c->excl_paths, &c->n_excl_paths, disk_path_dup(arg));
		return TD_OK;
	case OPT_XTYPE:
		disk_strv_add(&c->excl_types, &c->n_excl_types, td_xstrdup(arg));
		return TD_OK;
	case OPT_NTYPE:
		disk_strv_add(&c->incl_types, &c->n_incl_types, td_xstrdup(arg));
		return TD_OK;
	case OPT_UNITS: return disk_parse_unit(arg, &c->unit, err, errlen);
	case OPT_KB: c->unit = 1024.0; return TD_OK;
	case OPT_MB: c->unit = 1024.0 * 1024.0; return TD_OK;
	case OPT_LOCAL: c->local = true; return TD_OK;
	case OPT_STAT_REMOTE: return TD_OK;
	case OPT_ERRORS: c->errors_only = true; return TD_OK;
	case OPT_ALL: c->all = true; return TD_OK;
	case OPT_EXACT: c->exact = true; return TD_OK;
	case OPT_REGEX:
	case OPT_IREGEX: {
		regex_t re;
		rc = disk_regcomp(id == OPT_REGEX ? "-r" : "-R", arg, id == OPT_IREGEX, &re, err,
				  errlen);
		if (rc != TD_OK)
			return rc;
		struct disk_regex *r = disk_grow(&c->regexes, &c->n_regexes, sizeof *r);
		r->re = re;
		r->own_limits = disk_limits_any(&c->cur);
		r->lim = c->cur;
		return TD_OK;
	}
	case OPT_IGNORE:
	case OPT_IIGNORE: {
		regex_t re;
		rc = disk_regcomp(id == OPT_IGNORE ? "-i" : "-I", arg, id == OPT_IIGNORE, &re, err,
				  errlen);
		if (rc != TD_OK)
			return rc;
		regex_t *e = disk_grow(&c->ignores, &c->n_ignores, sizeof *e);
		*e = re;
		return TD_OK;
	}
	case OPT_CLEAR: memset(&c->cur, 0, sizeof c->cur); return TD_OK;
	case OPT_MISSING: c->ignore_missing = true; return TD_OK;
	case OPT_IPERF: c->iperfdata = true; return TD_OK;
	case OPT_MOUNTINFO:
		free(c->mountinfo);
		c->mountinfo = td_xstrdup(arg);
		return TD_OK;
	}
	return td_errf(TD_E_USAGE, err, errlen, "unexpected argument \"%s\" (use -p PATH)",
		       arg ? arg : "");
}

static void disk_limits_scale(struct disk_limits *l, double unit)
{
	disk_limit_scale(&l->warn, unit);
	disk_limit_scale(&l->crit, unit);
}

/*
 * Bare numbers take -u's unit wherever -u stood; -p and -r given before any
 * threshold take the final thresholds (the peer refuses such command lines).
 */
static enum td_err disk_finish(void *cfg, const struct td_common *common, char *err, size_t errlen)
{
	struct disk_config *c = cfg;
	disk_limits_scale(&c->cur, c->unit);
	for (size_t i = 0; i < c->n_paths; i++) {
		if (c->paths[i].own_limits)
			disk_limits_scale(&c->paths[i].lim, c->unit);
		else
			c->paths[i].lim = c->cur;
	}
	for (size_t i = 0; i < c->n_regexes; i++) {
		if (c->regexes[i].own_limits)
			disk_limits_scale(&c->regexes[i].lim, c->unit);
		else
			c->regexes[i].lim = c->cur;
	}
	if (common)
		c->timeout_state = common->timeout_state;
	return TD_OK;
}

const struct td_probe td_probe_disk = {
	.name = "disk",
	.label = "DISK",
	.purpose = "check free space and inodes of mounted file systems",
	.help_tail =
		"Thresholds -w and -c, per file system:\n"
		"  20%        alert when at most 20% of the space is free\n"
		"  100, 10GB  alert when at most 100 MB (-u units, default MB) or 10 GiB is free\n"
		"  ~:80%      with ':', '@' or '~' it is a range on the USED space: alert above\n"
		"             80% used; ~:900GB above 900 GiB used; 10:20 is in -u units\n"
		"-W and -K take the free inode percentage (10% or 10), or a range on used\n"
		"inodes: ~:90% in percent, ~:5000000 as a count. A bare LIMIT is a free\n"
		"amount, not the generic range described at the end of this help. \"At most\"\n"
		"includes the limit, as in monitoring-plugins. Percentages are of what users\n"
		"can fill (used plus available, df's Use%); sizes are binary (1 KB = 1024 B).\n"
		"Thresholds given before a -p or -r apply to what it selects; a -p before any\n"
		"threshold, and every file system when there is no -p, take the last ones.\n"
		"\n"
		"Perfdata: per mount point the used bytes, with the thresholds as ranges on\n"
		"used bytes, min 0 and max the size; 'MOUNT inodes' the used inodes when -W,\n"
		"-K or -P is given.\n"
		"\n"
		"Mounts are read from " DISK_MOUNTINFO ". Without -p or -r every file\n"
		"system is checked except pseudo ones (proc, sysfs, tmpfs, devtmpfs, cgroup,\n"
		"squashfs...); -A, -N TYPE or -p include them. A device mounted more than once\n"
		"(bind mounts) is measured once, at its shortest mount point. The file systems\n"
		"are measured in a worker thread: one that does not answer before the timeout\n"
		"(a stale NFS mount) is CRITICAL (or the -t state) \"timed out (stale mount?)\",\n"
		"and the check still ends on time.\n"
		"\n"
		"Examples:\n"
		"  check_disk -w 20% -c 10%                    every real file system\n"
		"  check_disk -w 20% -c 10% -p / -p /var       two of them\n"
		"  check_disk -w ~:80% -c ~:90% -l -X nfs4     ranges on used %, local only\n"
		"  check_disk -w 10GB -c 5GB -W 10% -K 5% -p /srv\n"
		"  check_disk -w 10% -c 5% -p /tmp -C -w 1000 -c 500 -p /\n"
		"                     /tmp at 10% and 5% free, / at 1000 MB and 500 MB free\n",
	.options = disk_options,
	.config_new = disk_config_new,
	.config_free = disk_config_free,
	.option = disk_option,
	.finish = disk_finish,
	.run = disk_run,
};

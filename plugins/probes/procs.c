/*
 * procs.c - check_procs: count processes by command name, arguments, user,
 * state and parent, or check each one's size, CPU or age.
 *
 * It reads /proc itself instead of running ps(1) and parsing its columns.
 * Options and the summary follow monitoring-plugins' check_procs, so Nagios
 * configurations keep their meaning: -w 10 alerts above 10 processes, -c 1:1
 * wants exactly one, and -m VSZ|RSS|CPU|ELAPSED applies the thresholds to
 * each matching process and reports how many exceeded them. Sizes written as
 * bare numbers are KiB, as ps and the peer count them; perfdata is in bytes.
 *
 * The check never counts itself: not its own process, not other running
 * copies of the same executable (as the peer does, unless -T), and not the
 * wrappers that started it (`sh -c '... check_procs ...'`, or timeout, sudo
 * and env, whose arguments end with its own), because their command lines
 * hold the very text being searched for. It does not count the threads of a
 * process, only processes, as ps does without -L.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <regex.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "tandem/probe.h"

/* Bytes of /proc/PID/cmdline read; longer command lines match on their start. */
#define PROCS_ARGS_MAX 4096
/* /proc/PID/stat is about 300 bytes, comm included. */
#define PROCS_STAT_MAX 2048
/* The Uid: line comes within the first few hundred bytes of status. */
#define PROCS_STATUS_MAX 2048
/* comm is cut to 15 bytes for user processes; kernel workers show up to 64. */
#define PROCS_COMM_MAX 64
#define PROCS_COMM_CUT 15
/* Lines of processes in the long output, and the args shown per line: 50
 * lines of about 130 bytes stay within the plugin output cap. */
#define PROCS_LIST_MAX 50
#define PROCS_LIST_ARGS 80
/* Wrappers above the check that are looked at (sh -c, then timeout, ...). */
#define PROCS_WRAPPER_DEPTH 4
/* The deadline is checked every this many /proc entries: reading one
 * process costs a few microseconds, so a clock call each time would show. */
#define PROCS_DEADLINE_EVERY 64
/* Processes not counted as this check, remembered for -v. */
#define PROCS_SKIPPED_MAX 8
/* include/linux/sched.h: the task is a kernel thread. */
#define PROCS_PF_KTHREAD 0x00200000LL

enum {
	OPT_WARN = 1,
	OPT_CRIT,
	OPT_METRIC,
	OPT_STATE,
	OPT_PPID,
	OPT_VSZ,
	OPT_RSS,
	OPT_PCPU,
	OPT_USER,
	OPT_ARGS,
	OPT_EREG,
	OPT_COMMAND,
	OPT_NO_KTHREADS,
	OPT_TRADITIONAL,
	OPT_ROOT,
};

enum procs_metric { PROCS_M_PROCS, PROCS_M_VSZ, PROCS_M_RSS, PROCS_M_CPU, PROCS_M_ELAPSED };

static const struct {
	const char *name;  /* as -m takes it and the summary shows it */
	const char *label; /* perfdata of the largest value */
	const char *uom;
	unsigned units;    /* the unit family thresholds may carry */
} procs_metrics[] = {
	[PROCS_M_PROCS] = { "PROCS", "procs", "", 0 },
	[PROCS_M_VSZ] = { "VSZ", "vsz_max", "B", TD_UNIT_BYTES },
	[PROCS_M_RSS] = { "RSS", "rss_max", "B", TD_UNIT_BYTES },
	[PROCS_M_CPU] = { "CPU", "cpu_max", "%", TD_UNIT_PERCENT },
	[PROCS_M_ELAPSED] = { "ELAPSED", "elapsed_max", "s", TD_UNIT_TIME },
};
#define PROCS_N_METRICS (sizeof procs_metrics / sizeof procs_metrics[0])

/* Process states of proc(5), then the modifiers ps(1) adds in its STAT column. */
static const char procs_state_letters[] = "RSDTtZXxIPWK<Nsl+";

struct procs_config {
	enum procs_metric metric;
	char *warn_text, *crit_text; /* parsed by finish, once -m is known */
	struct td_range warn, crit;
	char *command;   /* -C: the whole command name */
	char *args;      /* -a: a substring of the arguments */
	char *ereg;      /* --ereg-argument-array as given; re is compiled from it */
	regex_t re;
	bool has_uid;
	uid_t uid;
	char *user;      /* "1000 (alice)", for the summary */
	char *states;    /* -s: letters, any of which matches */
	long ppid;       /* -1: any parent */
	double vsz, rss; /* -z, -r in bytes; < 0: no filter */
	double pcpu;     /* -P in %; < 0: no filter */
	bool no_kthreads;
	bool by_pid_only; /* -T: do not skip other copies of this executable */
	char *proc_root;  /* "/proc"; tests point it at fixtures */
};

static const struct td_option procs_options[] = {
	{ 'w', "warning", TD_ARG_REQUIRED, "RANGE",
	  "Warning range for the number of matching processes (-w 10 alerts above 10, -w 5: "
	  "below 5), or with -m for each process's value.",
	  OPT_WARN },
	{ 'c', "critical", TD_ARG_REQUIRED, "RANGE", "Critical range, as -w (-c 1:1: exactly one).",
	  OPT_CRIT },
	{ 'm', "metric", TD_ARG_REQUIRED, "METRIC",
	  "What the thresholds apply to: PROCS (default: the number of processes); VSZ or RSS "
	  "(each process's virtual or resident size: KiB, or with a unit like 2GB); CPU (each "
	  "process's lifetime CPU %, as ps shows); ELAPSED (each process's age: seconds, or with "
	  "a unit like 2h). With VSZ, RSS, CPU and ELAPSED the state says how many processes "
	  "were outside the ranges.",
	  OPT_METRIC },
	{ 'C', "command", TD_ARG_REQUIRED, "COMMAND",
	  "Only processes whose command name (ps -o comm) is exactly COMMAND. Names longer than "
	  "the kernel's 15 bytes match the cut name they begin with.",
	  OPT_COMMAND },
	{ 'a', "argument-array", TD_ARG_REQUIRED, "STRING",
	  "Only processes whose arguments (ps -o args) contain STRING.", OPT_ARGS },
	{ 0, "ereg-argument-array", TD_ARG_REQUIRED, "REGEX",
	  "Only processes whose arguments match the POSIX extended regular expression REGEX.",
	  OPT_EREG },
	{ 'u', "user", TD_ARG_REQUIRED, "USER",
	  "Only processes running as USER (a name or a numeric uid; the effective user, as ps "
	  "shows).",
	  OPT_USER },
	{ 's', "state", TD_ARG_REQUIRED, "STATES",
	  "Only processes with any of these ps STAT letters: R running, S sleeping, D disk wait, "
	  "Z zombie, T stopped, t traced, I idle, X dead, and the modifiers < N s l +.",
	  OPT_STATE },
	{ 'p', "ppid", TD_ARG_REQUIRED, "PPID", "Only children of process PPID.", OPT_PPID },
	{ 'z', "vsz", TD_ARG_REQUIRED, "SIZE",
	  "Only processes whose virtual size is at least SIZE (KiB, or with a unit like 1GB).",
	  OPT_VSZ },
	{ 'r', "rss", TD_ARG_REQUIRED, "SIZE",
	  "Only processes whose resident size is at least SIZE (KiB, or with a unit like 100MB).",
	  OPT_RSS },
	{ 'P', "pcpu", TD_ARG_REQUIRED, "PERCENT",
	  "Only processes whose lifetime CPU use is at least PERCENT.", OPT_PCPU },
	{ 'k', "no-kthreads", TD_ARG_NONE, NULL, "Skip kernel threads.", OPT_NO_KTHREADS },
	{ 'T', "traditional", TD_ARG_NONE, NULL,
	  "Recognise this check by its process id only, and count other running copies of it.",
	  OPT_TRADITIONAL },
	{ 0, "proc-root", TD_ARG_REQUIRED, "DIR", "Read DIR instead of /proc (for tests).", OPT_ROOT },
	TD_OPTION_END,
};

static void *procs_config_new(void)
{
	struct procs_config *c = td_xcalloc(1, sizeof *c);
	c->ppid = -1;
	c->vsz = c->rss = c->pcpu = -1;
	c->proc_root = td_xstrdup("/proc");
	return c;
}

static void procs_config_free(void *cfg)
{
	struct procs_config *c = cfg;
	if (!c)
		return;
	free(c->warn_text);
	free(c->crit_text);
	free(c->command);
	free(c->args);
	if (c->ereg)
		regfree(&c->re);
	free(c->ereg);
	free(c->user);
	free(c->states);
	free(c->proc_root);
	free(c);
}

/* A repeated option replaces the earlier value, as getopt users expect. */
static void procs_set(char **field, const char *arg)
{
	free(*field);
	*field = td_xstrdup(arg);
}

static enum td_err procs_parse_metric(const char *arg, enum procs_metric *out, char *err,
				      size_t errlen)
{
	for (size_t i = 0; i < PROCS_N_METRICS; i++)
		if (!strcasecmp(arg, procs_metrics[i].name)) {
			*out = (enum procs_metric)i;
			return TD_OK;
		}
	return td_errf(TD_E_USAGE, err, errlen,
		       "-m: \"%s\" is not a metric (PROCS, VSZ, RSS, CPU or ELAPSED)", arg);
}

static enum td_err procs_check_states(const char *arg, char *err, size_t errlen)
{
	if (!*arg)
		return td_errf(TD_E_USAGE, err, errlen,
			       "-s: give one or more process states like R, S, D, Z or T");
	for (const char *p = arg; *p; p++)
		if (!strchr(procs_state_letters, *p))
			return td_errf(TD_E_USAGE, err, errlen,
				       "-s: \"%s\": '%c' is not a process state (R S D T t Z X x I P W K, "
				       "or the ps modifiers < N s l +)",
				       arg, *p);
	return TD_OK;
}

/* -z and -r: KiB as ps shows them and the peer took them, or a size with a unit. */
static enum td_err procs_parse_size(const char *opt, const char *arg, double *out, char *err,
				    size_t errlen)
{
	double v;
	enum td_unit_kind kind;
	if (td_parse_quantity(arg, NULL, TD_UNIT_BYTES, &v, &kind, NULL, 0) != TD_OK || v < 0)
		return td_errf(TD_E_USAGE, err, errlen,
			       "%s: \"%s\" is not a size (KiB, or with a unit like 100MB)", opt, arg);
	*out = kind == TD_UNIT_NONE ? v * 1024 : v;
	return TD_OK;
}

static enum td_err procs_parse_pcpu(const char *arg, double *out, char *err, size_t errlen)
{
	enum td_unit_kind kind;
	if (td_parse_quantity(arg, NULL, TD_UNIT_PERCENT, out, &kind, NULL, 0) != TD_OK || *out < 0)
		return td_errf(TD_E_USAGE, err, errlen, "-P: \"%s\" is not a percentage", arg);
	return TD_OK;
}

/*
 * Looks a user up by name (name not NULL) or by uid. The _r functions,
 * because tandemd parses and runs probes in several threads.
 */
static bool procs_getpw(const char *name, uid_t uid, uid_t *out_uid, char *out_name,
			size_t namelen)
{
	struct passwd pw, *found = NULL;
	size_t len = 4096;
	char *buf = NULL;
	int rc;
	for (;;) {
		buf = td_xrealloc(buf, len);
		rc = name ? getpwnam_r(name, &pw, buf, len, &found)
			  : getpwuid_r(uid, &pw, buf, len, &found);
		if (rc != ERANGE || len >= (size_t)1 << 20)
			break;
		len *= 2;
	}
	bool ok = rc == 0 && found;
	if (ok && out_uid)
		*out_uid = pw.pw_uid;
	if (ok && out_name)
		snprintf(out_name, namelen, "%s", pw.pw_name);
	free(buf);
	return ok;
}

static enum td_err procs_parse_user(struct procs_config *c, const char *arg, char *err,
				    size_t errlen)
{
	unsigned long long n;
	char name[256];
	uid_t uid;
	char *desc;
	/* All digits is a uid, as for the peer, even one with no passwd entry;
	 * (uid_t)-1 means "no uid" to the kernel. */
	if (td_parse_uint(arg, 0, UINT32_MAX - 1, &n) == TD_OK) {
		uid = (uid_t)n;
		desc = procs_getpw(NULL, uid, NULL, name, sizeof name)
			       ? td_xasprintf("%llu (%s)", n, name)
			       : td_xasprintf("%llu", n);
	} else if (*arg && procs_getpw(arg, 0, &uid, NULL, 0)) {
		desc = td_xasprintf("%lu (%s)", (unsigned long)uid, arg);
	} else {
		return td_errf(TD_E_USAGE, err, errlen, "-u: \"%s\" is neither a user nor a uid", arg);
	}
	free(c->user);
	c->user = desc;
	c->uid = uid;
	c->has_uid = true;
	return TD_OK;
}

static enum td_err procs_compile(struct procs_config *c, const char *arg, char *err, size_t errlen)
{
	if (c->ereg) {
		regfree(&c->re);
		free(c->ereg);
		c->ereg = NULL;
	}
	/* Compiled in place: POSIX does not promise a regex_t may be copied. */
	int rc = regcomp(&c->re, arg, REG_EXTENDED | REG_NOSUB);
	if (rc != 0) {
		char why[160];
		regerror(rc, &c->re, why, sizeof why);
		return td_errf(TD_E_USAGE, err, errlen, "--ereg-argument-array: \"%s\": %s", arg, why);
	}
	c->ereg = td_xstrdup(arg);
	return TD_OK;
}

static enum td_err procs_option(void *cfg, int id, const char *arg, char *err, size_t errlen)
{
	struct procs_config *c = cfg;
	unsigned long long n;
	switch (id) {
	case OPT_WARN: procs_set(&c->warn_text, arg); return TD_OK;
	case OPT_CRIT: procs_set(&c->crit_text, arg); return TD_OK;
	case OPT_METRIC: return procs_parse_metric(arg, &c->metric, err, errlen);
	case OPT_STATE:
		if (procs_check_states(arg, err, errlen) != TD_OK)
			return TD_E_USAGE;
		procs_set(&c->states, arg);
		return TD_OK;
	case OPT_PPID:
		if (td_parse_uint(arg, 0, INT_MAX, &n) != TD_OK)
			return td_errf(TD_E_USAGE, err, errlen, "-p: \"%s\" is not a process id", arg);
		c->ppid = (long)n;
		return TD_OK;
	case OPT_VSZ: return procs_parse_size("-z", arg, &c->vsz, err, errlen);
	case OPT_RSS: return procs_parse_size("-r", arg, &c->rss, err, errlen);
	case OPT_PCPU: return procs_parse_pcpu(arg, &c->pcpu, err, errlen);
	case OPT_USER: return procs_parse_user(c, arg, err, errlen);
	case OPT_ARGS: procs_set(&c->args, arg); return TD_OK;
	case OPT_EREG: return procs_compile(c, arg, err, errlen);
	case OPT_COMMAND:
		if (!*arg)
			return td_errf(TD_E_USAGE, err, errlen, "-C: the command name is empty");
		procs_set(&c->command, arg);
		return TD_OK;
	case OPT_NO_KTHREADS: c->no_kthreads = true; return TD_OK;
	case OPT_TRADITIONAL: c->by_pid_only = true; return TD_OK;
	case OPT_ROOT: procs_set(&c->proc_root, arg); return TD_OK;
	}
	return td_errf(TD_E_USAGE, err, errlen, "unexpected argument \"%s\"", arg ? arg : "");
}

/* A range in the metric's unit family; bare sizes are KiB as for -z and -r. */
static enum td_err procs_parse_range(const char *opt, const char *text, enum procs_metric m,
				     struct td_range *out, char *err, size_t errlen)
{
	char why[200];
	if (!text)
		return TD_OK;
	if (td_range_parse(text, procs_metrics[m].units, out, why, sizeof why) != TD_OK)
		return td_errf(TD_E_USAGE, err, errlen, "%s: %s", opt, why);
	if ((m == PROCS_M_VSZ || m == PROCS_M_RSS) && out->kind == TD_UNIT_NONE)
		td_range_scale(out, 1024);
	return TD_OK;
}

static enum td_err procs_finish(void *cfg, const struct td_common *common, char *err,
				size_t errlen)
{
	struct procs_config *c = cfg;
	(void)common;
	if (procs_parse_range("-w", c->warn_text, c->metric, &c->warn, err, errlen) != TD_OK ||
	    procs_parse_range("-c", c->crit_text, c->metric, &c->crit, err, errlen) != TD_OK)
		return TD_E_USAGE;
	return TD_OK;
}

/* What /proc/PID/stat says about one process (fields numbered as in proc(5)). */
struct procs_proc {
	long long pid, ppid, pgrp, session, tpgid; /* 1, 4, 5, 6, 8 */
	long long flags;                           /* 9 */
	long long utime, stime;                    /* 14, 15: clock ticks */
	long long nice, threads;                   /* 19, 20 */
	long long starttime;                       /* 22: ticks after boot */
	long long vsize, rss;                      /* 23: bytes, 24: pages */
	char state;                                /* 3 */
	char comm[PROCS_COMM_MAX + 1];             /* 2, control bytes as '?' like ps */
};

/* A decimal integer, maybe negative, filling exactly s..s+n. */
static bool procs_parse_int(const char *s, size_t n, long long *out)
{
	char num[24];
	unsigned long long v;
	bool neg = n > 0 && *s == '-';
	if (neg) {
		s++;
		n--;
	}
	if (n == 0 || n >= sizeof num)
		return false;
	memcpy(num, s, n);
	num[n] = '\0';
	if (td_parse_uint(num, 0, LLONG_MAX, &v) != TD_OK)
		return false;
	*out = neg ? -(long long)v : (long long)v;
	return true;
}

/*
 * Parses one /proc/PID/stat line: "PID (COMM) S F4 F5 ... F24 ...". COMM may
 * hold spaces and parentheses, so it ends at the last ')'. Fields up to 24
 * (rss) must be there and be integers; later ones are not needed.
 */
static bool procs_parse_stat(const char *text, struct procs_proc *out)
{
	const char *lp = strchr(text, '('), *rp = strrchr(text, ')');
	long long f[25];
	if (!lp || !rp || rp < lp || lp == text || lp[-1] != ' ')
		return false;
	if (!procs_parse_int(text, (size_t)(lp - 1 - text), &f[1]) || f[1] <= 0)
		return false;
	/* Any letter: a state a newer kernel adds must not hide its processes. */
	const char *s = rp + 1;
	if (s[0] != ' ' || !((s[1] >= 'A' && s[1] <= 'Z') || (s[1] >= 'a' && s[1] <= 'z')) ||
	    s[2] != ' ')
		return false;
	out->state = s[1];
	s += 2;
	for (int i = 4; i <= 24; i++) {
		if (*s != ' ')
			return false;
		s++;
		size_t n = strcspn(s, " \n");
		if (!procs_parse_int(s, n, &f[i]))
			return false;
		s += n;
	}
	size_t clen = (size_t)(rp - lp - 1);
	if (clen > PROCS_COMM_MAX)
		clen = PROCS_COMM_MAX;
	for (size_t i = 0; i < clen; i++) {
		unsigned char ch = (unsigned char)lp[1 + i];
		out->comm[i] = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
	}
	out->comm[clen] = '\0';
	out->pid = f[1];
	out->ppid = f[4];
	out->pgrp = f[5];
	out->session = f[6];
	out->tpgid = f[8];
	out->flags = f[9];
	out->utime = f[14];
	out->stime = f[15];
	out->nice = f[19];
	out->threads = f[20];
	out->starttime = f[22];
	out->vsize = f[23];
	out->rss = f[24];
	return true;
}

/* STAT as ps(1) shows it: the state, < or N (nice), s (session leader),
 * l (several threads), + (in the foreground process group). */
static void procs_stat_flags(const struct procs_proc *p, char out[8])
{
	size_t n = 0;
	out[n++] = p->state;
	if (p->nice < 0)
		out[n++] = '<';
	else if (p->nice > 0)
		out[n++] = 'N';
	if (p->session == p->pid)
		out[n++] = 's';
	if (p->threads > 1)
		out[n++] = 'l';
	if (p->tpgid != -1 && p->pgrp == p->tpgid)
		out[n++] = '+';
	out[n] = '\0';
}

/*
 * The arguments as ps -o args shows them, which is what -a and the peer
 * match: /proc/PID/cmdline's NUL-separated words joined by spaces, control
 * bytes as '?', and "[comm]" when it is empty (kernel threads, zombies).
 */
static void procs_args(const char *raw, size_t n, const struct procs_proc *p, char *out,
		       size_t outlen)
{
	while (n > 0 && raw[n - 1] == '\0')
		n--;
	if (n == 0) {
		/* cut to outlen like any other arguments */
		if (snprintf(out, outlen, "[%s]%s", p->comm, p->state == 'Z' ? " <defunct>" : "") < 0)
			out[0] = '\0';
		return;
	}
	if (n > outlen - 1)
		n = outlen - 1;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)raw[i];
		out[i] = ch == 0 ? ' ' : ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
	}
	out[n] = '\0';
}

/* The effective uid from /proc/PID/status ("Uid:\treal\teffective\tsaved\tfs"):
 * the user ps and the peer show and match. */
static bool procs_parse_uid(const char *text, uid_t *out)
{
	const char *line = text;
	while (line && strncmp(line, "Uid:", 4) != 0) {
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	if (!line)
		return false;
	const char *s = line + 4;
	unsigned long long v = 0;
	for (int field = 0; field < 2; field++) {
		s += strspn(s, " \t");
		size_t n = strcspn(s, " \t\n");
		char num[16];
		if (n == 0 || n >= sizeof num)
			return false;
		memcpy(num, s, n);
		num[n] = '\0';
		if (td_parse_uint(num, 0, UINT32_MAX, &v) != TD_OK)
			return false;
		s += n;
	}
	*out = (uid_t)v;
	return true;
}

/*
 * Reads up to cap - 1 bytes of path (relative to dirfd) and NUL-terminates
 * them. False when the file cannot be read: a process that ended mid-scan
 * is normal, not an error.
 */
static bool procs_read_at(int dirfd, const char *path, char *buf, size_t cap, size_t *len)
{
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	size_t got = 0;
	while (got < cap - 1) {
		ssize_t r = read(fd, buf + got, cap - 1 - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			close(fd);
			return false;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	buf[got] = '\0';
	if (len)
		*len = got;
	return true;
}

/* Reads PID/FILE under the proc root. */
static bool procs_read_pid(int rootfd, long long pid, const char *file, char *buf, size_t cap,
			   size_t *len)
{
	char path[64];
	snprintf(path, sizeof path, "%lld/%s", pid, file);
	return procs_read_at(rootfd, path, buf, cap, len);
}

/*
 * True when a parent's command line is only a wrapper around this check's
 * (both raw cmdline bytes): it ends with exactly our arguments (timeout,
 * sudo, env, strace), or it is `SHELL -c SCRIPT` with a script naming our
 * program and holding each of our arguments (sh -c, as Nagios and NRPE
 * start checks). Such a parent matches -a for the check's own words.
 */
static bool procs_is_wrapper(const char *parent, size_t pn, const char *self, size_t sn)
{
	while (pn > 0 && parent[pn - 1] == '\0')
		pn--;
	while (sn > 0 && self[sn - 1] == '\0')
		sn--;
	if (sn == 0 || pn == 0)
		return false;
	if (pn > sn && parent[pn - sn - 1] == '\0' && !memcmp(parent + pn - sn, self, sn))
		return true;
	const char *end = parent + pn;
	for (const char *a = parent; a < end; a += strlen(a) + 1) {
		/* -c, or a cluster of letters holding c (-ec, -lc) */
		if (a[0] != '-' || a[1] == '-' || !strchr(a + 1, 'c') ||
		    strspn(a + 1, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") != strlen(a + 1))
			continue;
		const char *script = a + strlen(a) + 1;
		if (script >= end)
			return false;
		const char *base = strrchr(self, '/');
		if (!strstr(script, base ? base + 1 : self))
			return false;
		for (const char *w = self + strlen(self) + 1; w < self + sn; w += strlen(w) + 1)
			if (!strstr(script, w))
				return false;
		return true;
	}
	return false;
}

/* What this check must not count: itself, its copies and its wrappers. */
struct procs_self {
	long long pid;
	long long wrappers[PROCS_WRAPPER_DEPTH];
	size_t n_wrappers;
	bool has_exe; /* skip processes that run this same executable */
	dev_t dev;
	ino_t ino;
};

static void procs_self_init(int rootfd, long long pid, bool by_exe, struct procs_self *s)
{
	char path[64], statbuf[PROCS_STAT_MAX];
	struct stat st;
	struct procs_proc p;
	size_t self_len, parent_len;
	char *self = td_xmalloc(PROCS_ARGS_MAX + 1), *parent = td_xmalloc(PROCS_ARGS_MAX + 1);

	memset(s, 0, sizeof *s);
	s->pid = pid;
	snprintf(path, sizeof path, "%lld/exe", pid);
	if (by_exe && fstatat(rootfd, path, &st, 0) == 0) {
		s->has_exe = true;
		s->dev = st.st_dev;
		s->ino = st.st_ino;
	}
	if (!procs_read_pid(rootfd, pid, "cmdline", self, PROCS_ARGS_MAX + 1, &self_len))
		goto out;
	for (long long cur = pid; s->n_wrappers < PROCS_WRAPPER_DEPTH;) {
		if (!procs_read_pid(rootfd, cur, "stat", statbuf, sizeof statbuf, NULL) ||
		    !procs_parse_stat(statbuf, &p) || p.ppid <= 0)
			break;
		if (!procs_read_pid(rootfd, p.ppid, "cmdline", parent, PROCS_ARGS_MAX + 1,
				    &parent_len) ||
		    !procs_is_wrapper(parent, parent_len, self, self_len))
			break;
		s->wrappers[s->n_wrappers++] = p.ppid;
		cur = p.ppid;
	}
out:
	free(self);
	free(parent);
}

static bool procs_is_self(const struct procs_self *s, int rootfd, long long pid)
{
	char path[64];
	struct stat st;
	if (pid == s->pid)
		return true;
	for (size_t i = 0; i < s->n_wrappers; i++)
		if (pid == s->wrappers[i])
			return true;
	if (!s->has_exe)
		return false;
	snprintf(path, sizeof path, "%lld/exe", pid);
	return fstatat(rootfd, path, &st, 0) == 0 && st.st_dev == s->dev && st.st_ino == s->ino;
}

/* One process as the filters see it; args and uid are read only when needed. */
struct procs_entry {
	struct procs_proc p;
	char stat[8];     /* STAT as ps shows it */
	double vsz, rss;  /* bytes */
	double cpu;       /* lifetime %, as ps's %CPU */
	double elapsed;   /* whole seconds since it started */
	bool has_args, has_uid;
	uid_t uid;
	char raw[PROCS_ARGS_MAX + 1];
	char args[PROCS_ARGS_MAX + PROCS_COMM_MAX + 16];
};

static void procs_times(struct procs_entry *e, double uptime, long hz)
{
	double secs = uptime - (double)e->p.starttime / (double)hz;
	e->elapsed = secs > 0 ? (double)(long long)secs : 0;
	e->cpu = secs > 0 ? 100.0 * (double)(e->p.utime + e->p.stime) / (double)hz / secs : 0;
}

/*
 * -C compares the whole name. The kernel cuts names to 15 bytes, so a
 * longer -C matches the cut name it begins with (the peer would never match
 * "systemd-journald").
 */
static bool procs_match_command(const char *want, const char *comm)
{
	size_t n = strlen(comm);
	if (!strcmp(want, comm))
		return true;
	return n == PROCS_COMM_CUT && strlen(want) > n && !strncmp(want, comm, n);
}

/* The filters that /proc/PID/stat alone answers. */
static bool procs_match_stat(const struct procs_config *c, const struct procs_entry *e)
{
	if (c->no_kthreads && (e->p.flags & PROCS_PF_KTHREAD))
		return false;
	if (c->states && !strpbrk(e->stat, c->states))
		return false;
	if (c->ppid >= 0 && e->p.ppid != c->ppid)
		return false;
	if (c->command && !procs_match_command(c->command, e->p.comm))
		return false;
	if (c->vsz >= 0 && e->vsz < c->vsz)
		return false;
	if (c->rss >= 0 && e->rss < c->rss)
		return false;
	if (c->pcpu >= 0 && e->cpu < c->pcpu)
		return false;
	return true;
}

static bool procs_match_args(const struct procs_config *c, const char *args)
{
	if (c->args && !strstr(args, c->args))
		return false;
	if (c->ereg && regexec(&c->re, args, 0, NULL, 0) != 0)
		return false;
	return true;
}

static bool procs_load_stat(int rootfd, long long pid, struct procs_entry *e)
{
	char buf[PROCS_STAT_MAX];
	e->has_args = e->has_uid = false;
	if (!procs_read_pid(rootfd, pid, "stat", buf, sizeof buf, NULL) ||
	    !procs_parse_stat(buf, &e->p))
		return false;
	procs_stat_flags(&e->p, e->stat);
	return true;
}

static bool procs_load_args(int rootfd, long long pid, struct procs_entry *e)
{
	size_t n;
	if (!e->has_args) {
		if (!procs_read_pid(rootfd, pid, "cmdline", e->raw, sizeof e->raw, &n))
			return false;
		procs_args(e->raw, n, &e->p, e->args, sizeof e->args);
		e->has_args = true;
	}
	return true;
}

static bool procs_load_uid(int rootfd, long long pid, struct procs_entry *e)
{
	char buf[PROCS_STATUS_MAX];
	if (!e->has_uid) {
		if (!procs_read_pid(rootfd, pid, "status", buf, sizeof buf, NULL) ||
		    !procs_parse_uid(buf, &e->uid))
			return false;
		e->has_uid = true;
	}
	return true;
}

static double procs_value(enum procs_metric m, const struct procs_entry *e)
{
	switch (m) {
	case PROCS_M_VSZ: return e->vsz;
	case PROCS_M_RSS: return e->rss;
	case PROCS_M_CPU: return e->cpu;
	case PROCS_M_ELAPSED: return e->elapsed;
	case PROCS_M_PROCS: break; /* counted, not measured */
	}
	return 0;
}

/* A metric's value for people: "1.2 GiB", "12.5%", "3600 s". */
static char *procs_fmt_value(enum procs_metric m, double v, char *buf, size_t len)
{
	char num[TD_NUMBER_MAX];
	if (m == PROCS_M_VSZ || m == PROCS_M_RSS)
		return td_fmt_bytes(v, buf, len);
	td_fmt_number(m == PROCS_M_CPU ? (double)(long long)(v * 10 + 0.5) / 10 : v, num, sizeof num);
	snprintf(buf, len, "%s%s", num, m == PROCS_M_CPU ? "%" : " s");
	return buf;
}

/* Counts and the long output of one scan. */
struct procs_tally {
	unsigned long count, warn, crit, unlisted;
	unsigned listed;
	double max;
	bool has_max;
	long long skipped[PROCS_SKIPPED_MAX];
	size_t n_skipped;
	bool has_name; /* the last uid looked up for the listing, and its name */
	uid_t name_uid;
	char name[64];
};

static const char *procs_user_name(struct procs_tally *t, const struct procs_entry *e)
{
	if (!e->has_uid)
		return "?";
	if (!t->has_name || t->name_uid != e->uid) {
		t->has_name = true;
		t->name_uid = e->uid;
		if (!procs_getpw(NULL, e->uid, NULL, t->name, sizeof t->name))
			snprintf(t->name, sizeof t->name, "%lu", (unsigned long)e->uid);
	}
	return t->name;
}

/* One line of long output for a process; PROCS_LIST_MAX at most. */
static void procs_list(const struct procs_config *c, struct procs_tally *t, int rootfd,
		       long long pid, struct procs_entry *e, double v, enum td_state st,
		       struct td_result *res)
{
	char val[TD_NUMBER_MAX + 8];
	if (t->listed >= PROCS_LIST_MAX) {
		t->unlisted++;
		return;
	}
	const char *args = procs_load_args(rootfd, pid, e) ? e->args : "?";
	procs_load_uid(rootfd, pid, e);
	const char *user = procs_user_name(t, e);
	if (c->metric == PROCS_M_PROCS) {
		if (t->listed++ == 0)
			td_result_line(res, "%7s %-8s %-5s %s", "PID", "USER", "STAT", "ARGS");
		td_result_line(res, "%7lld %-8.8s %-5s %.*s", pid, user, e->stat, PROCS_LIST_ARGS, args);
		return;
	}
	if (t->listed++ == 0)
		td_result_line(res, "%7s %-8s %-5s %10s %-8s %s", "PID", "USER", "STAT",
			       procs_metrics[c->metric].name, "STATE", "ARGS");
	td_result_line(res, "%7lld %-8.8s %-5s %10s %-8s %.*s", pid, user, e->stat,
		       procs_fmt_value(c->metric, v, val, sizeof val), td_state_name(st),
		       PROCS_LIST_ARGS, args);
}

/* Counts a matching process and, in metric modes, checks its value. */
static void procs_count(const struct procs_config *c, const struct td_run_ctx *ctx,
			struct procs_tally *t, int rootfd, long long pid, struct procs_entry *e,
			struct td_result *res)
{
	enum td_state st = TD_STATE_OK;
	double v = 0;
	t->count++;
	if (c->metric != PROCS_M_PROCS) {
		v = procs_value(c->metric, e);
		struct td_metric m = { .value = v, .known = true, .warn = c->warn, .crit = c->crit };
		st = td_metric_state(&m);
		if (st == TD_STATE_CRITICAL)
			t->crit++;
		else if (st == TD_STATE_WARNING)
			t->warn++;
		if (!t->has_max || v > t->max)
			t->max = v;
		t->has_max = true;
	}
	/* Why a metric mode alerts is the first question, so those are always listed. */
	if (ctx->verbose > 0 || st != TD_STATE_OK)
		procs_list(c, t, rootfd, pid, e, v, st, res);
}

/* Appends one filter: " with " before the first (out starts empty), ", " between. */
static void procs_part(struct td_buf *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void procs_part(struct td_buf *out, const char *fmt, ...)
{
	char text[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	td_buf_puts(out, out->len ? ", " : " with ");
	td_buf_puts(out, text);
}

/* The filters in the peer's words: " with command name 'nginx', args 'x'". */
static void procs_describe(const struct procs_config *c, struct td_buf *out)
{
	char a[TD_NUMBER_MAX + 8];
	if (c->states)
		procs_part(out, "STATE = %s", c->states);
	if (c->ppid >= 0)
		procs_part(out, "PPID = %ld", c->ppid);
	if (c->has_uid)
		procs_part(out, "UID = %s", c->user);
	if (c->vsz >= 0)
		procs_part(out, "VSZ >= %s", td_fmt_bytes(c->vsz, a, sizeof a));
	if (c->rss >= 0)
		procs_part(out, "RSS >= %s", td_fmt_bytes(c->rss, a, sizeof a));
	if (c->pcpu >= 0)
		procs_part(out, "PCPU >= %s%%", td_fmt_number(c->pcpu, a, sizeof a));
	if (c->command)
		procs_part(out, "command name '%s'", c->command);
	if (c->args)
		procs_part(out, "args '%s'", c->args);
	if (c->ereg)
		procs_part(out, "regex args '%s'", c->ereg);
	if (c->no_kthreads)
		procs_part(out, "no kernel threads");
}

/* None allowed: a count of processes over the thresholds alerts above 0. */
static const struct td_range procs_zero = { .set = true, .start = 0, .end = 0 };

static void procs_report(const struct procs_config *c, const struct td_run_ctx *ctx,
			 const struct procs_tally *t, struct td_result *res)
{
	struct td_buf desc, text;
	struct td_metric *m;
	char v[TD_NUMBER_MAX + 8];
	td_buf_init(&desc, 1024);
	td_buf_init(&text, 1024);
	procs_describe(c, &desc);

	m = td_result_metric(res, "procs", (double)t->count, NULL);
	m->has_min = true;
	if (c->metric == PROCS_M_PROCS) {
		m->warn = c->warn;
		m->crit = c->crit;
	} else {
		td_buf_printf(&text, "%s: ", procs_metrics[c->metric].name);
		if (t->crit)
			td_buf_printf(&text, "%lu crit, %lu warn out of ", t->crit, t->warn);
		else if (t->warn)
			td_buf_printf(&text, "%lu warn out of ", t->warn);
		m = td_result_metric(res, "procs_warn", (double)t->warn, NULL);
		m->warn = procs_zero;
		m->has_min = true;
		m = td_result_metric(res, "procs_crit", (double)t->crit, NULL);
		m->crit = procs_zero;
		m->has_min = true;
		m = td_result_metric(res, procs_metrics[c->metric].label, t->max,
				     procs_metrics[c->metric].uom);
		m->known = t->has_max;
		m->has_min = true;
	}
	td_buf_printf(&text, "%lu process%s%s", t->count, t->count == 1 ? "" : "es",
		      td_buf_str(&desc));
	if (t->has_max)
		td_buf_printf(&text, ", largest %s",
			      procs_fmt_value(c->metric, t->max, v, sizeof v));
	td_result_summary(res, "%s", td_buf_str(&text));

	if (t->unlisted)
		td_result_line(res, "... and %lu more not listed", t->unlisted);
	if (ctx->verbose > 0 && t->n_skipped) {
		td_buf_reset(&text);
		for (size_t i = 0; i < t->n_skipped; i++)
			td_buf_printf(&text, " %lld", t->skipped[i]);
		td_result_line(res, "not counted (this check, its copies and wrappers):%s",
			       td_buf_str(&text));
	}
	td_buf_cleanup(&desc);
	td_buf_cleanup(&text);
}

static enum td_err procs_uptime(int rootfd, double *out)
{
	char buf[128];
	if (!procs_read_at(rootfd, "uptime", buf, sizeof buf, NULL))
		return TD_E_IO;
	size_t n = strcspn(buf, " \n");
	return td_parse_number(buf, buf + n, out) == TD_OK && *out >= 0 ? TD_OK : TD_E_PARSE;
}

/*
 * Scans the proc root as process self_pid would: run() passes getpid(),
 * tests a process of their fixture.
 */
static enum td_err procs_scan(const struct procs_config *c, const struct td_run_ctx *ctx,
			      long long self_pid, struct td_result *res)
{
	enum td_err rc = TD_OK;
	struct procs_tally t;
	struct procs_self self;
	struct procs_entry *e = NULL;
	struct dirent *de;
	double uptime = 0;
	long hz = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
	bool need_times = c->pcpu >= 0 || c->metric == PROCS_M_CPU || c->metric == PROCS_M_ELAPSED;
	unsigned long seen = 0;

	memset(&t, 0, sizeof t);
	DIR *d = opendir(c->proc_root);
	if (!d) {
		td_result_summary(res, "cannot read %s: %s", c->proc_root,
				  errno == ENOENT ? "no such directory" : "not a readable directory");
		return TD_E_IO;
	}
	int rootfd = dirfd(d);
	if (hz <= 0)
		hz = 100;
	if (page <= 0)
		page = 4096;
	if (need_times && (rc = procs_uptime(rootfd, &uptime)) != TD_OK) {
		td_result_summary(res, "cannot read %s/uptime", c->proc_root);
		goto out;
	}
	procs_self_init(rootfd, self_pid, !c->by_pid_only, &self);
	e = td_xmalloc(sizeof *e);
	while ((de = readdir(d))) {
		unsigned long long pid;
		if (seen++ % PROCS_DEADLINE_EVERY == 0 && td_deadline_expired(&ctx->deadline)) {
			td_result_summary(res, "timed out reading %s, %lu processes counted so far",
					  c->proc_root, t.count);
			rc = TD_E_TIMEOUT;
			goto out;
		}
		if (td_parse_uint(de->d_name, 1, INT_MAX, &pid) != TD_OK ||
		    !procs_load_stat(rootfd, (long long)pid, e))
			continue;
		e->vsz = (double)e->p.vsize;
		e->rss = (double)e->p.rss * (double)page;
		if (need_times)
			procs_times(e, uptime, hz);
		if (!procs_match_stat(c, e))
			continue;
		if ((c->args || c->ereg) &&
		    (!procs_load_args(rootfd, (long long)pid, e) || !procs_match_args(c, e->args)))
			continue;
		if (c->has_uid && (!procs_load_uid(rootfd, (long long)pid, e) || e->uid != c->uid))
			continue;
		if (procs_is_self(&self, rootfd, (long long)pid)) {
			if (t.n_skipped < PROCS_SKIPPED_MAX)
				t.skipped[t.n_skipped++] = (long long)pid;
			continue;
		}
		procs_count(c, ctx, &t, rootfd, (long long)pid, e, res);
	}
	procs_report(c, ctx, &t, res);
out:
	free(e);
	closedir(d);
	return rc;
}

static enum td_err procs_run(const void *cfg, const struct td_run_ctx *ctx, struct td_result *res)
{
	return procs_scan(cfg, ctx, (long long)getpid(), res);
}

const struct td_probe td_probe_procs = {
	.name = "procs",
	.label = "PROCS",
	.purpose = "count processes by name, arguments, user and state, or check each one's size, "
		   "CPU or age",
	.help_tail =
		"Examples:\n"
		"  check_procs -C nginx -c 1:            at least one nginx\n"
		"  check_procs -C crond -c 1:1           exactly one crond\n"
		"  check_procs -w 250 -c 400             more than 250 or 400 processes in all\n"
		"  check_procs -s Z -w 0 -c 5            any zombie warns, over 5 is critical\n"
		"  check_procs --ereg-argument-array='^java .*-jar app[.]jar' -c 1:\n"
		"                                        at least one java running app.jar\n"
		"  check_procs -m RSS -C java -w 2GB -c 4GB\n"
		"                                        a java process over 2 or 4 GiB resident\n"
		"  check_procs -m ELAPSED -a backup.sh -c 1h\n"
		"                                        a backup running for over an hour\n"
		"\nSizes without a unit are KiB, as ps and monitoring-plugins count them. The check\n"
		"never counts itself, other copies of it (unless -T), or the shell or timeout that\n"
		"started it.\n",
	.options = procs_options,
	.config_new = procs_config_new,
	.config_free = procs_config_free,
	.option = procs_option,
	.finish = procs_finish,
	.run = procs_run,
};

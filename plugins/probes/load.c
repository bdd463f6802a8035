/*
 * load.c - check_load: 1, 5 and 15 minute load averages from /proc/loadavg.
 *
 * No fork (monitoring-plugins' check_load runs uptime). -w/-c take one range
 * for all three averages or three comma-separated ranges; a bare number N is
 * the range 0..N, so the peer's `-w 5,4,3` keeps its meaning (alert above).
 * When the state is not OK (or -n asks for it) the processes using the most
 * CPU are listed in the long output, the question asked right after "why".
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tandem/probe.h"

enum { OPT_WARN = 1, OPT_CRIT, OPT_PERCPU, OPT_PROCS, OPT_ROOT };

struct load_config {
	struct td_range warn[3], crit[3];
	bool per_cpu;
	long procs; /* -1: only when not OK */
	char *proc_root; /* "/proc"; tests point it at fixtures */
};

static const struct td_option load_options[] = {
	{ 'w', "warning", TD_ARG_REQUIRED, "RANGE[,RANGE,RANGE]",
	  "Warning thresholds for the 1, 5 and 15 minute averages; one range applies to all. "
	  "A bare number N alerts above N (as monitoring-plugins' -w 5,4,3).",
	  OPT_WARN },
	{ 'c', "critical", TD_ARG_REQUIRED, "RANGE[,RANGE,RANGE]", "Critical thresholds, as -w.",
	  OPT_CRIT },
	{ 'r', "percpu", TD_ARG_NONE, NULL,
	  "Divide the load averages by the number of online CPUs before comparing and reporting.",
	  OPT_PERCPU },
	{ 0, "per-cpu", TD_ARG_NONE, NULL, "Same as --percpu.", OPT_PERCPU },
	{ 'n', "procs-to-show", TD_ARG_REQUIRED, "N",
	  "List the N processes using the most CPU in the long output (default: 5, only when "
	  "the state is not OK; 0: never).",
	  OPT_PROCS },
	{ 0, "proc-root", TD_ARG_REQUIRED, "DIR", "Read DIR instead of /proc (for tests).", OPT_ROOT },
	TD_OPTION_END,
};

static void *load_config_new(void)
{
	struct load_config *c = td_xcalloc(1, sizeof *c);
	c->procs = -1;
	c->proc_root = td_xstrdup("/proc");
	return c;
}

static void load_config_free(void *cfg)
{
	struct load_config *c = cfg;
	if (c)
		free(c->proc_root);
	free(c);
}

/* "R" or "R1,R5,R15" into three ranges. */
static enum td_err load_parse_ranges(const char *opt, const char *arg, struct td_range out[3],
				     char *err, size_t errlen)
{
	char part[80], why[200];
	const char *p = arg;
	int n = 0;
	struct td_range r[3];
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (n == 3)
			return td_errf(TD_E_USAGE, err, errlen, "%s: \"%s\" has more than three ranges", opt,
				       arg);
		if (len >= sizeof part)
			return td_errf(TD_E_USAGE, err, errlen, "%s: \"%s\" is not a range", opt, arg);
		memcpy(part, p, len);
		part[len] = '\0';
		if (td_range_parse(part, 0, &r[n], why, sizeof why) != TD_OK)
			return td_errf(TD_E_USAGE, err, errlen, "%s: %s", opt, why);
		n++;
		if (!comma)
			break;
		p = comma + 1;
	}
	if (n == 2)
		return td_errf(TD_E_USAGE, err, errlen, "%s: \"%s\": give one range or three", opt, arg);
	for (int i = 0; i < 3; i++)
		out[i] = r[n == 1 ? 0 : i];
	return TD_OK;
}

static enum td_err load_option(void *cfg, int id, const char *arg, char *err, size_t errlen)
{
	struct load_config *c = cfg;
	unsigned long long n;
	switch (id) {
	case OPT_WARN: return load_parse_ranges("-w", arg, c->warn, err, errlen);
	case OPT_CRIT: return load_parse_ranges("-c", arg, c->crit, err, errlen);
	case OPT_PERCPU: c->per_cpu = true; return TD_OK;
	case OPT_PROCS:
		if (td_parse_uint(arg, 0, 1000, &n) != TD_OK)
			return td_errf(TD_E_USAGE, err, errlen, "-n: \"%s\" is not a number from 0 to 1000",
				       arg);
		c->procs = (long)n;
		return TD_OK;
	case OPT_ROOT:
		free(c->proc_root);
		c->proc_root = td_xstrdup(arg);
		return TD_OK;
	}
	return td_errf(TD_E_USAGE, err, errlen, "unexpected argument \"%s\"", arg ? arg : "");
}

/* Parses /proc/loadavg text: "0.52 0.58 0.59 1/467 12345". */
static enum td_err load_parse_loadavg(const char *text, double out[3])
{
	const char *p = text;
	for (int i = 0; i < 3; i++) {
		while (*p == ' ')
			p++;
		const char *e = p;
		while (*e && *e != ' ' && *e != '\n')
			e++;
		if (td_parse_number(p, e, &out[i]) != TD_OK || out[i] < 0)
			return TD_E_PARSE;
		p = e;
	}
	return TD_OK;
}

static enum td_err load_read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? TD_E_NOTFOUND : TD_E_IO;
	ssize_t n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return TD_E_IO;
	buf[n] = '\0';
	return TD_OK;
}

struct load_proc {
	long pid;
	double cpu; /* % of one CPU over the process's lifetime, as ps(1) shows */
	char comm[32];
};

/* One /proc/PID/stat line into pid, comm and lifetime CPU %. */
static bool load_parse_stat(const char *text, double uptime, long hz, struct load_proc *out)
{
	const char *open = strchr(text, '('), *close = strrchr(text, ')');
	if (!open || !close || close < open)
		return false;
	size_t clen = (size_t)(close - open - 1);
	if (clen >= sizeof out->comm)
		clen = sizeof out->comm - 1;
	memcpy(out->comm, open + 1, clen);
	out->comm[clen] = '\0';
	/* fields after ')': 3 state ... 14 utime 15 stime ... 22 starttime */
	const char *p = close + 1;
	double f[23] = { 0 };
	for (int field = 3; field <= 22 && *p; field++) {
		while (*p == ' ')
			p++;
		const char *e = p;
		while (*e && *e != ' ')
			e++;
		if (field >= 14 && field <= 22)
			td_parse_number(p, e, &f[field]);
		p = e;
	}
	double secs = uptime - f[22] / (double)hz;
	out->cpu = secs > 0 ? 100.0 * (f[14] + f[15]) / (double)hz / secs : 0;
	return true;
}

static int load_cmp(const void *a, const void *b)
{
	const struct load_proc *x = a, *y = b;
	return (x->cpu < y->cpu) - (x->cpu > y->cpu);
}

static void load_top(const struct load_config *c, struct td_result *res, long count)
{
	char path[512], buf[1024];
	double uptime;
	long hz = sysconf(_SC_CLK_TCK);
	snprintf(path, sizeof path, "%s/uptime", c->proc_root);
	if (hz <= 0 || load_read_file(path, buf, sizeof buf) != TD_OK)
		return;
	const char *sp = strchr(buf, ' ');
	if (!sp || td_parse_number(buf, sp, &uptime) != TD_OK)
		return;
	DIR *d = opendir(c->proc_root);
	if (!d)
		return;
	struct load_proc *procs = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	while ((de = readdir(d)) && n < 100000) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof path, "%s/%s/stat", c->proc_root, de->d_name);
		struct load_proc p;
		if (load_read_file(path, buf, sizeof buf) != TD_OK ||
		    !load_parse_stat(buf, uptime, hz, &p))
			continue;
		p.pid = strtol(de->d_name, NULL, 10);
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			procs = td_xrealloc(procs, cap * sizeof *procs);
		}
		procs[n++] = p;
	}
	closedir(d);
	if (n) /* qsort's base may not be NULL, even for nothing */
		qsort(procs, n, sizeof *procs, load_cmp);
	if (n)
		td_result_line(res, "top %ld processes by CPU (lifetime %%CPU, PID, command):",
			       count < (long)n ? count : (long)n);
	for (size_t i = 0; i < n && (long)i < count; i++)
		td_result_line(res, "%6.1f%% %7ld %s", procs[i].cpu, procs[i].pid, procs[i].comm);
	free(procs);
}

static enum td_err load_run(const void *cfg, const struct td_run_ctx *ctx, struct td_result *res)
{
	const struct load_config *c = cfg;
	static const char *const labels[3] = { "load1", "load5", "load15" };
	char path[512], buf[256];
	double la[3];
	snprintf(path, sizeof path, "%s/loadavg", c->proc_root);
	if (load_read_file(path, buf, sizeof buf) != TD_OK) {
		td_result_summary(res, "cannot read %s", path);
		return TD_E_IO;
	}
	if (load_parse_loadavg(buf, la) != TD_OK) {
		td_result_summary(res, "%s: unexpected content", path);
		return TD_E_PARSE;
	}
	long cpus = 1;
	if (c->per_cpu) {
		cpus = sysconf(_SC_NPROCESSORS_ONLN);
		if (cpus < 1)
			cpus = 1;
		for (int i = 0; i < 3; i++)
			la[i] /= (double)cpus;
	}
	for (int i = 0; i < 3; i++) {
		struct td_metric *m = td_result_metric(res, labels[i], la[i], NULL);
		m->warn = c->warn[i];
		m->crit = c->crit[i];
		m->has_min = true;
		m->min = 0;
	}
	td_result_summary(res, "load average%s: %.2f, %.2f, %.2f", c->per_cpu ? " per CPU" : "",
			  la[0], la[1], la[2]);
	if (c->per_cpu)
		td_result_line(res, "%ld CPUs online", cpus);
	enum td_state st = TD_STATE_OK;
	for (size_t i = 0; i < res->n_metrics; i++)
		st = td_state_worst(st, td_metric_state(&res->metrics[i]));
	long show = c->procs >= 0 ? c->procs : (st != TD_STATE_OK || ctx->verbose ? 5 : 0);
	if (show > 0)
		load_top(c, res, show);
	return TD_OK;
}

const struct td_probe td_probe_load = {
	.name = "load",
	.label = "LOAD",
	.purpose = "check the 1, 5 and 15 minute load averages",
	.help_tail = "Examples:\n"
		     "  check_load -w 5,4,3 -c 10,8,6     alert when a load average is above these\n"
		     "  check_load -r -w 0.9 -c 1.5       the same per CPU, one range for all three\n"
		     "  check_load -w @0:0.01             a range: warn when the machine is idle\n",
	.options = load_options,
	.config_new = load_config_new,
	.config_free = load_config_free,
	.option = load_option,
	.run = load_run,
};

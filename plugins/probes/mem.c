/*
 * mem.c - check_mem: memory and swap from /proc/meminfo.
 *
 * "Used" is what the kernel cannot give back: MemTotal - MemAvailable (the
 * kernel's own estimate, which counts reclaimable cache as available), not
 * MemTotal - MemFree, which on any busy machine is always near 100%.
 * monitoring-plugins has no memory check; the scripts people install instead
 * disagree on what -w means, so tandem's forms are spelled out in --help:
 *
 *   -w 80 / -w 80%     used above 80%          (a range: 0..80 is fine)
 *   -w 12GB            used above 12 GiB
 *   -w 60:90%          any range, on used memory in % (or in bytes with a size)
 *   -f -w 20%          with --available: available below 20% (or a size)
 *
 * Perfdata always reports used memory; thresholds given on available memory
 * are converted to the used amount, so a graph shows one line with its
 * warning and critical levels.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tandem/probe.h"

enum { OPT_WARN = 1, OPT_CRIT, OPT_SWAP_WARN, OPT_SWAP_CRIT, OPT_AVAILABLE, OPT_MEMINFO };

struct mem_config {
	struct td_range warn, crit, swap_warn, swap_crit;
	bool available; /* thresholds on available instead of used */
	bool warn_bare, crit_bare; /* -w/-c written as a number, not a range */
	char *meminfo;
};

static const struct td_option mem_options[] = {
	{ 'w', "warning", TD_ARG_REQUIRED, "THRESHOLD",
	  "Warn when used memory is above THRESHOLD: a percentage (80 or 80%), a size (12GB), "
	  "or any range (60:90%). With -f, when available memory is below it.",
	  OPT_WARN },
	{ 'c', "critical", TD_ARG_REQUIRED, "THRESHOLD", "Critical threshold, as -w.", OPT_CRIT },
	{ 'W', "swap-warning", TD_ARG_REQUIRED, "THRESHOLD",
	  "Warn when used swap is above THRESHOLD (percentage, size or range). Ignored on a machine "
	  "without swap.",
	  OPT_SWAP_WARN },
	{ 'C', "swap-critical", TD_ARG_REQUIRED, "THRESHOLD", "Critical swap threshold, as -W.",
	  OPT_SWAP_CRIT },
	{ 'f', "available", TD_ARG_NONE, NULL,
	  "Thresholds -w and -c are on available memory: 20% alerts when less than 20% is "
	  "available.",
	  OPT_AVAILABLE },
	{ 0, "meminfo", TD_ARG_REQUIRED, "FILE", "Read FILE instead of /proc/meminfo (for tests).",
	  OPT_MEMINFO },
	TD_OPTION_END,
};

static void *mem_config_new(void)
{
	struct mem_config *c = td_xcalloc(1, sizeof *c);
	c->meminfo = td_xstrdup("/proc/meminfo");
	return c;
}

static void mem_config_free(void *cfg)
{
	struct mem_config *c = cfg;
	if (c)
		free(c->meminfo);
	free(c);
}

static enum td_err mem_threshold(const char *opt, const char *arg, struct td_range *out, char *err,
				 size_t errlen)
{
	char why[200];
	if (td_range_parse(arg, TD_UNIT_PERCENT | TD_UNIT_BYTES, out, why, sizeof why) != TD_OK)
		return td_errf(TD_E_USAGE, err, errlen, "%s: %s", opt, why);
	if (out->kind == TD_UNIT_NONE)
		out->kind = TD_UNIT_PERCENT;
	if (out->kind == TD_UNIT_PERCENT && (out->start > 100 || (isfinite(out->end) && out->end > 100) ||
					     (isfinite(out->start) && out->start < 0)))
		return td_errf(TD_E_USAGE, err, errlen, "%s: \"%s\": a percentage is from 0 to 100", opt,
			       arg);
	return TD_OK;
}

static enum td_err mem_option(void *cfg, int id, const char *arg, char *err, size_t errlen)
{
	struct mem_config *c = cfg;
	switch (id) {
	case OPT_WARN:
		c->warn_bare = !strpbrk(arg, ":@~");
		return mem_threshold("-w", arg, &c->warn, err, errlen);
	case OPT_CRIT:
		c->crit_bare = !strpbrk(arg, ":@~");
		return mem_threshold("-c", arg, &c->crit, err, errlen);
	case OPT_SWAP_WARN: return mem_threshold("-W", arg, &c->swap_warn, err, errlen);
	case OPT_SWAP_CRIT: return mem_threshold("-C", arg, &c->swap_crit, err, errlen);
	case OPT_AVAILABLE: c->available = true; return TD_OK;
	case OPT_MEMINFO:
		free(c->meminfo);
		c->meminfo = td_xstrdup(arg);
		return TD_OK;
	}
	return td_errf(TD_E_USAGE, err, errlen, "unexpected argument \"%s\"", arg ? arg : "");
}

/* A bare threshold on available memory ("20%", "2GB") means "below it". */
static void mem_below(struct td_range *r)
{
	r->start = r->end;
	r->end = INFINITY;
}

static enum td_err mem_finish(void *cfg, const struct td_common *common, char *err, size_t errlen)
{
	struct mem_config *c = cfg;
	(void)common;
	(void)err;
	(void)errlen;
	if (c->available && c->warn.set && c->warn_bare)
		mem_below(&c->warn);
	if (c->available && c->crit.set && c->crit_bare)
		mem_below(&c->crit);
	return TD_OK;
}

struct mem_info {
	double total, free, available, buffers, cached, shmem, sreclaimable, swap_total, swap_free;
	bool has_available;
};

/* Parses /proc/meminfo text ("MemTotal:  16318412 kB" lines); values in bytes. */
static enum td_err mem_parse(const char *text, struct mem_info *mi)
{
	static const struct { const char *key; size_t off; } keys[] = {
		{ "MemTotal", offsetof(struct mem_info, total) },
		{ "MemFree", offsetof(struct mem_info, free) },
		{ "MemAvailable", offsetof(struct mem_info, available) },
		{ "Buffers", offsetof(struct mem_info, buffers) },
		{ "Cached", offsetof(struct mem_info, cached) },
		{ "Shmem", offsetof(struct mem_info, shmem) },
		{ "SReclaimable", offsetof(struct mem_info, sreclaimable) },
		{ "SwapTotal", offsetof(struct mem_info, swap_total) },
		{ "SwapFree", offsetof(struct mem_info, swap_free) },
	};
	unsigned seen = 0;
	memset(mi, 0, sizeof *mi);
	for (const char *line = text; *line;) {
		const char *eol = strchr(line, '\n');
		if (!eol)
			eol = line + strlen(line);
		const char *colon = memchr(line, ':', (size_t)(eol - line));
		for (size_t k = 0; colon && k < sizeof keys / sizeof keys[0]; k++) {
			if (strlen(keys[k].key) != (size_t)(colon - line) ||
			    strncmp(line, keys[k].key, (size_t)(colon - line)))
				continue;
			const char *v = colon + 1;
			while (v < eol && *v == ' ')
				v++;
			const char *ve = v;
			while (ve < eol && *ve != ' ')
				ve++;
			double x;
			if (td_parse_number(v, ve, &x) != TD_OK || x < 0)
				return TD_E_PARSE;
			/* the unit, when present, is always kB (KiB) */
			const char *u = ve;
			while (u < eol && *u == ' ')
				u++;
			if (u < eol)
				x *= 1024;
			*(double *)((char *)mi + keys[k].off) = x;
			seen |= 1u << k;
		}
		line = *eol ? eol + 1 : eol;
	}
	if (!(seen & 1u) || !(seen & 2u) || mi->total <= 0)
		return TD_E_PARSE;
	mi->has_available = seen & 4u;
	if (!mi->has_available) /* kernels before 3.14: the usual estimate */
		mi->available = mi->free + mi->buffers + mi->cached + mi->sreclaimable - mi->shmem;
	if (mi->available > mi->total)
		mi->available = mi->total;
	if (mi->available < 0)
		mi->available = 0;
	if (mi->swap_free > mi->swap_total)
		mi->swap_free = mi->swap_total;
	return TD_OK;
}

/*
 * Converts a threshold on available (bytes or %) into the same threshold on
 * used: used = whole - available, so [a, b] becomes [whole - b, whole - a].
 */
static struct td_range mem_flip(const struct td_range *r, double whole)
{
	struct td_range f = *r;
	if (!r->set)
		return f;
	f.start = isfinite(r->end) ? whole - r->end : -INFINITY;
	f.end = isfinite(r->start) ? whole - r->start : INFINITY;
	return f;
}

/* Attaches a threshold to the byte or the percent metric, by its unit. */
static void mem_attach(const struct td_range *r, struct td_range *bytes_slot,
		       struct td_range *pct_slot)
{
	if (r->set)
		*(r->kind == TD_UNIT_BYTES ? bytes_slot : pct_slot) = *r;
}

static enum td_err mem_read(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return TD_E_IO;
	size_t got = 0;
	ssize_t n;
	while (got + 1 < len && (n = read(fd, buf + got, len - 1 - got)) > 0)
		got += (size_t)n;
	close(fd);
	buf[got] = '\0';
	return TD_OK;
}

static enum td_err mem_run(const void *cfg, const struct td_run_ctx *ctx, struct td_result *res)
{
	const struct mem_config *c = cfg;
	char buf[16384];
	struct mem_info mi;
	if (mem_read(c->meminfo, buf, sizeof buf) != TD_OK) {
		td_result_summary(res, "cannot read %s: %s", c->meminfo, strerror(errno));
		return TD_E_IO;
	}
	if (mem_parse(buf, &mi) != TD_OK) {
		td_result_summary(res, "%s: no MemTotal/MemFree, or a value that is not a number",
				  c->meminfo);
		return TD_E_PARSE;
	}
	double used = mi.total - mi.available;
	double used_pct = 100.0 * used / mi.total;
	double swap_used = mi.swap_total - mi.swap_free;
	double swap_pct = mi.swap_total > 0 ? 100.0 * swap_used / mi.swap_total : 0;

	struct td_range w = c->warn, cr = c->crit;
	if (c->available) {
		w = mem_flip(&w, w.kind == TD_UNIT_BYTES ? mi.total : 100);
		cr = mem_flip(&cr, cr.kind == TD_UNIT_BYTES ? mi.total : 100);
	}
	struct td_metric *m = td_result_metric(res, "mem_used", used, "B");
	m->has_min = m->has_max = true;
	m->min = 0;
	m->max = mi.total;
	mem_attach(&w, &m->warn, &(struct td_range){ 0 });
	mem_attach(&cr, &m->crit, &(struct td_range){ 0 });
	m = td_result_metric(res, "mem_used_pct", used_pct, "%");
	m->has_min = m->has_max = true;
	m->min = 0;
	m->max = 100;
	mem_attach(&w, &(struct td_range){ 0 }, &m->warn);
	mem_attach(&cr, &(struct td_range){ 0 }, &m->crit);
	m = td_result_metric(res, "mem_available", mi.available, "B");
	m->has_min = m->has_max = true;
	m->min = 0;
	m->max = mi.total;

	m = td_result_metric(res, "swap_used", swap_used, "B");
	m->has_min = m->has_max = true;
	m->min = 0;
	m->max = mi.swap_total;
	if (mi.swap_total > 0) {
		mem_attach(&c->swap_warn, &m->warn, &(struct td_range){ 0 });
		mem_attach(&c->swap_crit, &m->crit, &(struct td_range){ 0 });
	}
	m = td_result_metric(res, "swap_used_pct", swap_pct, "%");
	m->has_min = m->has_max = true;
	m->min = 0;
	m->max = 100;
	if (mi.swap_total > 0) {
		mem_attach(&c->swap_warn, &(struct td_range){ 0 }, &m->warn);
		mem_attach(&c->swap_crit, &(struct td_range){ 0 }, &m->crit);
	}

	char a[32], b[32], d[32], e[32], f[32];
	if (mi.swap_total > 0)
		td_result_summary(res, "%.1f%% used (%s of %s), %s available; swap %.1f%% used (%s of %s)",
				  used_pct, td_fmt_bytes(used, a, sizeof a), td_fmt_bytes(mi.total, b, sizeof b),
				  td_fmt_bytes(mi.available, d, sizeof d), swap_pct,
				  td_fmt_bytes(swap_used, e, sizeof e),
				  td_fmt_bytes(mi.swap_total, f, sizeof f));
	else
		td_result_summary(res, "%.1f%% used (%s of %s), %s available; no swap", used_pct,
				  td_fmt_bytes(used, a, sizeof a), td_fmt_bytes(mi.total, b, sizeof b),
				  td_fmt_bytes(mi.available, d, sizeof d));
	if (ctx->verbose) {
		td_result_line(res, "free %s, buffers %s, cached %s, shared %s",
			       td_fmt_bytes(mi.free, a, sizeof a), td_fmt_bytes(mi.buffers, b, sizeof b),
			       td_fmt_bytes(mi.cached, d, sizeof d), td_fmt_bytes(mi.shmem, e, sizeof e));
		if (!mi.has_available)
			td_result_line(res, "no MemAvailable (kernel before 3.14): estimated");
	}
	return TD_OK;
}

const struct td_probe td_probe_mem = {
	.name = "mem",
	.label = "MEM",
	.purpose = "check used and available memory and swap",
	.help_tail =
		"Thresholds:\n"
		"  -w 80 or -w 80%    used memory above 80% of the total\n"
		"  -w 12GB            used memory above 12 GiB (B, KB, MB, GB, TB: 1024 multiples)\n"
		"  -w 60:90%          any range on used memory; here: below 60% or above 90%\n"
		"  -f -w 20% -c 10%   available memory below 20% / 10% (-f makes bare forms\n"
		"                     mean \"below\"; ranges are on available memory)\n"
		"Used memory is MemTotal - MemAvailable, so cache the kernel can drop counts as\n"
		"available. Perfdata always reports used memory (thresholds on available are\n"
		"converted): mem_used, mem_used_pct, mem_available, swap_used, swap_used_pct.\n"
		"\nExamples:\n"
		"  check_mem -w 85% -c 95% -W 50% -C 80%\n"
		"  check_mem -f -w 2GB -c 1GB\n",
	.options = mem_options,
	.config_new = mem_config_new,
	.config_free = mem_config_free,
	.option = mem_option,
	.finish = mem_finish,
	.run = mem_run,
};

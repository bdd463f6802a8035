/*
 * tandemd.c - check_tandemd: is the collector alive, and are its samples fresh?
 *
 * Reads the metadata files tandemd writes after every run
 * (DATA_DIR/<host>/<service>/meta.json): a service whose last run is older
 * than --stale-factor intervals is stale, and so is the collector when its
 * own health service (<host>/tandemd) is. Thresholds: -w/-c on the number of
 * stale services, --spool-warning/--spool-critical on the samples waiting
 * for the store. It only reads files, so it also works on a host that just
 * serves the graphs of many collectors writing through rrdcached.
 */
#include "config.h"

#include <dirent.h>
#include <ini.h>
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tandem/probe.h"

enum { OPT_DATA = 1, OPT_CONF, OPT_WARN, OPT_CRIT, OPT_FACTOR, OPT_SPOOL_W, OPT_SPOOL_C };

#define TANDEMD_MAX_SERVICES 100000

struct tandemd_config {
	char *data_dir;
	struct td_range warn, crit, spool_warn, spool_crit;
	double factor;
};

static const struct td_option tandemd_options[] = {
	{ 'D', "data-dir", TD_ARG_REQUIRED, "DIR", "tandemd's data directory (default " STATEDIR "/rrd).",
	  OPT_DATA },
	{ 'C', "config", TD_ARG_REQUIRED, "FILE", "Take the data directory from tandemd.conf FILE.",
	  OPT_CONF },
	{ 'w', "warning", TD_ARG_REQUIRED, "RANGE",
	  "Warn when the number of stale services is outside RANGE (default 0: any stale service).",
	  OPT_WARN },
	{ 'c', "critical", TD_ARG_REQUIRED, "RANGE",
	  "Critical when the number of stale services is outside RANGE (default: none; a stale "
	  "collector is always CRITICAL).",
	  OPT_CRIT },
	{ 0, "stale-factor", TD_ARG_REQUIRED, "N",
	  "A service is stale when its last run is older than N intervals (at least N minutes) "
	  "plus 10 s (default 3).",
	  OPT_FACTOR },
	{ 0, "spool-warning", TD_ARG_REQUIRED, "SIZE",
	  "Warn when more than SIZE of samples wait for the store (e.g. 10MB).", OPT_SPOOL_W },
	{ 0, "spool-critical", TD_ARG_REQUIRED, "SIZE", "Critical spool size, as --spool-warning.",
	  OPT_SPOOL_C },
	TD_OPTION_END,
};

static void *tandemd_config_new(void)
{
	struct tandemd_config *c = td_xcalloc(1, sizeof *c);
	c->data_dir = td_xstrdup(STATEDIR "/rrd");
	c->factor = 3;
	td_range_parse("0", 0, &c->warn, NULL, 0);
	return c;
}

static void tandemd_config_free(void *cfg)
{
	struct tandemd_config *c = cfg;
	if (c)
		free(c->data_dir);
	free(c);
}

static int tandemd_ini(void *user, const char *section, const char *name, const char *value)
{
	char **dir = user;
	if (!strcmp(section, "tandemd") && name && !strcmp(name, "data_dir")) {
		free(*dir);
		*dir = td_xstrdup(value);
	}
	return 1;
}

static enum td_err tandemd_option(void *cfg, int id, const char *arg, char *err, size_t errlen)
{
	struct tandemd_config *c = cfg;
	char why[200];
	double v;
	switch (id) {
	case OPT_DATA:
		free(c->data_dir);
		c->data_dir = td_xstrdup(arg);
		return TD_OK;
	case OPT_CONF:
		if (ini_parse(arg, tandemd_ini, &c->data_dir) != 0)
			return td_errf(TD_E_USAGE, err, errlen, "-C: cannot read %s", arg);
		return TD_OK;
	case OPT_WARN:
	case OPT_CRIT:
		if (td_range_parse(arg, 0, id == OPT_WARN ? &c->warn : &c->crit, why, sizeof why))
			return td_errf(TD_E_USAGE, err, errlen, "%s: %s", id == OPT_WARN ? "-w" : "-c", why);
		return TD_OK;
	case OPT_FACTOR:
		if (td_parse_number(arg, NULL, &v) != TD_OK || v < 1 || v > 1000)
			return td_errf(TD_E_USAGE, err, errlen,
				       "--stale-factor: \"%s\" is not a number from 1 to 1000", arg);
		c->factor = v;
		return TD_OK;
	case OPT_SPOOL_W:
	case OPT_SPOOL_C: {
		struct td_range *r = id == OPT_SPOOL_W ? &c->spool_warn : &c->spool_crit;
		if (td_range_parse(arg, TD_UNIT_BYTES, r, why, sizeof why))
			return td_errf(TD_E_USAGE, err, errlen, "--spool-%s: %s",
				       id == OPT_SPOOL_W ? "warning" : "critical", why);
		return TD_OK;
	}
	}
	return td_errf(TD_E_USAGE, err, errlen, "unexpected argument \"%s\"", arg ? arg : "");
}

struct tandemd_svc {
	double last, interval;
	bool health;
	double spool; /* health only; NAN when unknown */
};

/* Reads what check_tandemd needs from one meta.json. */
static bool tandemd_read_meta(const char *path, struct tandemd_svc *out)
{
	json_object *root = json_object_from_file(path), *last, *t, *iv, *metrics, *sd, *val;
	if (!root)
		return false;
	bool ok = json_object_object_get_ex(root, "last", &last) &&
		  json_object_object_get_ex(last, "time", &t) &&
		  json_object_object_get_ex(root, "interval", &iv);
	if (ok) {
		out->last = json_object_get_double(t);
		out->interval = json_object_get_double(iv);
		json_object *cmd;
		out->health = json_object_object_get_ex(root, "command", &cmd) &&
			      !strcmp(json_object_get_string(cmd), "tandemd (built in)");
		out->spool = NAN;
		if (out->health && json_object_object_get_ex(root, "metrics", &metrics) &&
		    json_object_object_get_ex(metrics, "spool_depth", &sd) &&
		    json_object_object_get_ex(sd, "value", &val))
			out->spool = json_object_get_double(val);
	}
	json_object_put(root);
	return ok && out->interval > 0;
}

static enum td_err tandemd_run(const void *cfg, const struct td_run_ctx *ctx, struct td_result *res)
{
	const struct tandemd_config *c = cfg;
	DIR *hosts = opendir(c->data_dir);
	if (!hosts) {
		td_result_summary(res, "cannot read the data directory %s", c->data_dir);
		return TD_E_IO;
	}
	double now = (double)time(NULL), health_age = -1, spool = NAN;
	unsigned total = 0, stale = 0;
	struct dirent *h;
	while ((h = readdir(hosts)) && total < TANDEMD_MAX_SERVICES) {
		if (h->d_name[0] == '.')
			continue;
		char *hdir = td_xasprintf("%s/%s", c->data_dir, h->d_name);
		DIR *svcs = opendir(hdir);
		struct dirent *s;
		while (svcs && (s = readdir(svcs)) && total < TANDEMD_MAX_SERVICES) {
			if (s->d_name[0] == '.')
				continue;
			char *meta = td_xasprintf("%s/%s/meta.json", hdir, s->d_name);
			struct tandemd_svc v;
			if (tandemd_read_meta(meta, &v)) {
				double age = now - v.last;
				/* meta.json is rewritten at least every 60 s, not after every run */
				bool is_stale = age > c->factor * fmax(v.interval, 60) + 10;
				if (v.health) {
					if (health_age < 0 || age < health_age) {
						health_age = age;
						spool = v.spool;
					}
				} else {
					total++;
					if (is_stale) {
						stale++;
						td_result_line(res, "stale: %s/%s, last run %.0f s ago (interval %.0f s)",
							       h->d_name, s->d_name, age, v.interval);
					}
				}
			}
			free(meta);
			if (td_deadline_expired(&ctx->deadline))
				break;
		}
		if (svcs)
			closedir(svcs);
		free(hdir);
	}
	closedir(hosts);
	struct td_metric *m = td_result_metric(res, "services", total, NULL);
	m->has_min = true;
	m = td_result_metric(res, "stale", stale, NULL);
	m->warn = c->warn;
	m->crit = c->crit;
	m->has_min = true;
	if (!isnan(spool)) {
		m = td_result_metric(res, "spool", spool, "B");
		m->warn = c->spool_warn;
		m->crit = c->spool_crit;
		m->has_min = true;
	}
	if (health_age < 0) {
		td_result_raise(res, TD_STATE_CRITICAL);
		td_result_summary(res, "no collector health in %s (is tandemd running?), %u services, %u stale",
				  c->data_dir, total, stale);
		return TD_OK;
	}
	m = td_result_metric(res, "health_age", health_age, "s");
	m->has_min = true;
	/* the health service runs every default interval; 3 of them missed is a dead collector */
	bool dead = health_age > c->factor * 60 + 10;
	if (dead)
		td_result_raise(res, TD_STATE_CRITICAL);
	char sp[32] = "unknown";
	if (!isnan(spool))
		td_fmt_bytes(spool, sp, sizeof sp);
	td_result_summary(res, "collector %s (health %.0f s old), %u services, %u stale, spool %s",
			  dead ? "NOT RUNNING" : "alive", health_age, total, stale, sp);
	return TD_OK;
}

const struct td_probe td_probe_tandemd = {
	.name = "tandemd",
	.label = "TANDEMD",
	.purpose = "check that tandemd runs and that its samples are fresh",
	.help_tail = "Examples:\n"
		     "  check_tandemd -D /var/lib/tandem/rrd          any stale service warns\n"
		     "  check_tandemd -C /etc/tandem/tandemd.conf -w 0 -c 5 --spool-critical 100MB\n",
	.options = tandemd_options,
	.config_new = tandemd_config_new,
	.config_free = tandemd_config_free,
	.option = tandemd_option,
	.run = tandemd_run,
};

/*
 * meta.h - a service's metadata file, meta.json, next to its RRD files.
 *
 *   {"format": 1, "host": ..., "service": ..., "command": ..., "interval": 60,
 *    "source": "tandemd" | "process" | "nagios",
 *    "last": {"time": T, "state": 0, "state_name": "OK", "output": ..., "long_output": ...},
 *    "metrics": {"load1": {"file": "load1.rrd", "uom": "", "type": "GAUGE",
 *                          "min": 0, "warn": "5", "crit": "10", "value": 0.5}, ...},
 *    "thresholds": [{"time": T, "label": "load1", "warn": "5", "crit": "10"}, ...]}
 *
 * "thresholds" is the history: one entry each time a metric's warn or crit
 * changed, so the thresholds that held at any time can be drawn. Metrics
 * that stopped appearing stay listed: their files and history remain.
 */
#ifndef TANDEM_META_H
#define TANDEM_META_H

#include <stdbool.h>

#include "tandem/layout.h"
#include "tandem/result.h"

struct td_meta_metric {
	char *label;
	char uom[TD_UOM_MAX];
	bool has_min, has_max;
	double min, max;
	char *warn, *crit; /* current, normalised range text */
	struct td_range rwarn, rcrit; /* the same as ranges, to see a change cheaply */
	bool have_ranges;
	bool known;        /* the last value, for legends and check_tandemd */
	double value;
};

struct td_meta_change {
	long time;
	char *label, *warn, *crit;
};

struct td_meta {
	struct td_meta_metric *metrics;
	size_t n_metrics;
	struct td_meta_change *history;
	size_t n_history;
};

/* What the last run was, for the "last" object. */
struct td_meta_run {
	const char *host, *service, *command, *source;
	double interval;
	long time;
	enum td_state state;
	const char *output, *long_output;
};

void td_meta_init(struct td_meta *m);
void td_meta_cleanup(struct td_meta *m);
/* Reads metrics and history of an existing file (TD_E_NOTFOUND: none or unreadable). */
enum td_err td_meta_load(struct td_meta *m, const char *path);
/* Merges a run's metrics; returns true when labels or thresholds changed. */
bool td_meta_update(struct td_meta *m, long when, const struct td_result *res);
/* The whole file's text (caller frees). */
char *td_meta_json(const struct td_meta *m, const struct td_meta_run *run);
/* Writes text to path atomically. */
enum td_err td_meta_write(const char *path, const char *json, char *err, size_t errlen);

#endif

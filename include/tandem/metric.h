/*
 * metric.h - one measured value and its performance data.
 *
 * A metric is exactly what Nagios perfdata carries: a label, a value (or
 * unknown), a unit of measure, warn and crit ranges, min and max. This module
 * formats it (`'label'=value[UOM];[warn];[crit];[min];[max]`) and parses it
 * back, for plugins whose output tandemd stores. Probes never format
 * perfdata or compare thresholds themselves.
 *
 * A struct td_metric owns its label (td_metric_cleanup frees it).
 */
#ifndef TANDEM_METRIC_H
#define TANDEM_METRIC_H

#include <stdbool.h>
#include <stddef.h>

#include "tandem/buf.h"
#include "tandem/error.h"
#include "tandem/range.h"
#include "tandem/state.h"

/* Longest UOM accepted when parsing; the guidelines' longest is 2. */
#define TD_UOM_MAX 8

struct td_metric {
	char *label;             /* as measured; quoting happens on output */
	double value;            /* meaningful when known */
	bool known;              /* false prints `U` */
	char uom[TD_UOM_MAX];    /* "", "s", "%", "B", "c", ... */
	struct td_range warn, crit;
	bool has_min, has_max;
	double min, max;
};

void td_metric_cleanup(struct td_metric *m);

/* CRITICAL when the value alerts on crit, WARNING on warn, else OK. */
enum td_state td_metric_state(const struct td_metric *m);

/*
 * Appends the label as perfdata needs it: quoted with '' when it holds a
 * space or a quote (a quote doubled), `=` and control characters and `|`
 * replaced by `_`, an empty label written as `_`.
 */
void td_perfdata_label(struct td_buf *out, const char *label);

/* Appends one metric in perfdata form, trailing empty fields trimmed. */
void td_perfdata_append(struct td_buf *out, const struct td_metric *m);

/*
 * Parses perfdata text (the part after `|`, any number of metrics separated
 * by spaces, tabs or newlines). For each metric calls fn(ctx, metric); the
 * metric is cleaned up after the call. Stops at the first malformed item (a
 * label over 1 KiB included) with TD_E_PARSE and a message naming it;
 * metrics before it were already delivered.
 */
enum td_err td_perfdata_parse(const char *text, void (*fn)(void *ctx, const struct td_metric *m),
			      void *ctx, char *err, size_t errlen);

#endif

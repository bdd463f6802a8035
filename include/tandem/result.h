/*
 * result.h - what one run of a probe produced.
 *
 * A result holds the state the probe set itself (for example CRITICAL when a
 * service refuses connections), one summary line, long output, and metrics.
 * td_result_finish combines them into the final state: the worst of the
 * probe's own state and every metric's state, or UNKNOWN (or the timeout
 * state) when the probe returned an error. td_result_format prints the
 * plugin output of CONTRACT.md. The result owns everything in it.
 */
#ifndef TANDEM_RESULT_H
#define TANDEM_RESULT_H

#include <stddef.h>

#include "tandem/buf.h"
#include "tandem/error.h"
#include "tandem/metric.h"
#include "tandem/state.h"

/* Plugin output is kept well under Nagios's 8 KB. */
#define TD_OUTPUT_MAX 7680

struct td_result {
	enum td_state state;      /* set by the probe; metrics are combined in at finish */
	struct td_buf summary;    /* one line */
	struct td_buf long_output;/* zero or more lines */
	struct td_metric *metrics;
	size_t n_metrics, metrics_cap;
};

void td_result_init(struct td_result *r);
void td_result_cleanup(struct td_result *r);

/* Replaces the summary. */
void td_result_summary(struct td_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends one line of long output. */
void td_result_line(struct td_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Raises the probe's own state to at least s. */
void td_result_raise(struct td_result *r, enum td_state s);

/*
 * Adds a metric with a copy of label, value and uom (uom may be NULL) and
 * returns it so the caller can set warn, crit, min and max. The pointer is
 * valid until the next td_result_metric call.
 */
struct td_metric *td_result_metric(struct td_result *r, const char *label, double value,
				   const char *uom);

/* Adds a copy of m (label, value or unknown, uom, ranges, min, max); returns it. */
struct td_metric *td_result_copy_metric(struct td_result *r, const struct td_metric *m);

/*
 * Computes the final state from err (what run returned): TD_OK combines the
 * probe's state with each metric's; TD_E_TIMEOUT gives timeout_state; any
 * other error gives UNKNOWN, with the error's text as summary when the probe
 * left none. Stores and returns it.
 */
enum td_state td_result_finish(struct td_result *r, enum td_err err, enum td_state timeout_state);

/*
 * Appends the plugin output: `NAME STATE - summary | perfdata`, then long
 * output lines, newline-terminated, at most TD_OUTPUT_MAX bytes (long output
 * is cut first, then trailing metrics). `|` in text becomes `/` so it is never
 * read as the perfdata separator.
 */
void td_result_format(const struct td_result *r, const char *name, struct td_buf *out);

#endif

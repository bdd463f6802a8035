/*
 * tools.h - what the store's command-line tools (tandem-graph, tandem-event)
 * share: finding tandemd's data directory, and reading times.
 *
 * The data directory comes from --data-dir, else from the [tandemd] section
 * of a tandemd.conf given with -c, else tandemd's default (STATEDIR "/rrd").
 * Only data_dir and rrdcached are read from the file, with inih: a tool that
 * draws graphs must not refuse to work because one service line elsewhere in
 * the file names a probe it does not link (td_conf_load validates every
 * command through the probe registry, which is tandemd's job, not ours).
 *
 * Times (--at, --start, --end, the CGI's start and end):
 *   1718000000              epoch seconds
 *   now                     the current time
 *   -90m, -1h, -2d, -1w, -1y, now-1h, +10m
 *                           an offset from now (s m h d w y; y = 365 d)
 *   2024-06-10T14:30[:05]   local time, or UTC with a trailing Z
 *   2024-06-10              local midnight
 * Anything else is an error that names the text.
 */
#ifndef TANDEM_TOOLS_H
#define TANDEM_TOOLS_H

#include <stddef.h>
#include <time.h>

#include "tandem/error.h"

/* Where tandemd keeps its files when nothing says otherwise. */
#define TD_DEFAULT_DATA_DIR STATEDIR "/rrd"

/* The longest time text accepted: anything longer is not one of ours. */
#define TD_TIME_TEXT_MAX 32

struct td_store_loc {
	char *data_dir;	 /* never NULL after td_store_loc_find */
	char *rrdcached; /* tandemd's rrdcached address, or NULL */
};

/*
 * Fills loc from data_dir (may be NULL), else from conf_path's [tandemd]
 * section (may be NULL), else the default. TD_E_IO when conf_path cannot be
 * read. Free with td_store_loc_cleanup.
 */
enum td_err td_store_loc_find(struct td_store_loc *loc, const char *conf_path, const char *data_dir,
			      char *err, size_t errlen);
void td_store_loc_cleanup(struct td_store_loc *loc);

/* Parses a time (see above) relative to now into *out. */
enum td_err td_time_parse(const char *text, time_t now, time_t *out, char *err, size_t errlen);

/* "2024-06-10 14:30" in local time into buf. Returns buf. */
char *td_time_format(time_t t, char *buf, size_t len);

#endif

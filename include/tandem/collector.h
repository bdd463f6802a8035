/*
 * collector.h - tandemd's runtime: scheduler, worker pool, store writer.
 *
 * One context (struct td_daemon) is passed around; there are no globals.
 * The main thread schedules on the monotonic clock and handles signals
 * (SIGHUP reload, SIGTERM/SIGINT stop); workers run probes in-process (or
 * outside plugins as processes) and append their samples to the spool; one
 * writer thread moves samples from the spool into RRD files.
 */
#ifndef TANDEM_COLLECTOR_H
#define TANDEM_COLLECTOR_H

#include <stdbool.h>
#include <stdint.h>

#include "tandem/conf.h"
#include "tandem/result.h"

struct td_daemon;

/* Log priorities (syslog's). */
enum { TD_LOG_ERR = 3, TD_LOG_WARNING = 4, TD_LOG_NOTICE = 5, TD_LOG_INFO = 6, TD_LOG_DEBUG = 7 };

/*
 * Creates the runtime for conf (taking ownership of it): opens the spool and
 * the store. Does not start threads. log_stderr: log to stderr, else syslog.
 */
enum td_err td_daemon_new(struct td_conf *conf, bool log_stderr, struct td_daemon **out, char *err,
			  size_t errlen);
/* Runs until SIGTERM or SIGINT; then drains and returns 0 (or 1 on a fatal error). */
int td_daemon_run(struct td_daemon *d);
void td_daemon_free(struct td_daemon *d);

/*
 * Runs an outside plugin (argv[0] resolved to path) as a process in its own
 * process group with no shell, stdin from /dev/null, at most `timeout`
 * seconds (then the group is killed), and reads its output into res: exit
 * code as state, first line as summary, perfdata parsed by the contract
 * code. Malformed perfdata is counted in *bad_perfdata, never fatal.
 */
enum td_err td_exec_plugin(const char *path, char *const argv[], double timeout,
			   struct td_result *res, unsigned *bad_perfdata);

/*
 * Formats the spool records of one run: one line per known metric value,
 * "DIR_REL/<label>.rrd TAB step TAB G|D TAB timestamp TAB value", where
 * dir_rel is the service's encoded "host/service" (td_layout_service_dir).
 */
void td_samples_format(struct td_buf *out, const char *dir_rel, unsigned step, long timestamp,
		       const struct td_result *res);

#endif

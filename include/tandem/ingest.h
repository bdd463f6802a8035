/*
 * ingest.h - Nagios's own performance data, read from its perfdata files.
 *
 * Nagios (and Icinga 1, Naemon) write one line per check result into
 * service_perfdata_file / host_perfdata_file and, every processing interval,
 * move that file into a spool directory (the bulk mode PNP4Nagios made
 * common). tandemd reads the files there, stores their metrics with the same
 * layout and metadata as its own probes, and deletes each file once its
 * samples are in the spool. A line is tab-separated KEY::VALUE fields:
 *
 *   DATATYPE::SERVICEPERFDATA  TIMET::1700000000  HOSTNAME::web1
 *   SERVICEDESC::HTTP  SERVICEPERFDATA::time=0.01s;1;2;0  SERVICESTATE::OK
 *   SERVICEOUTPUT::HTTP OK ...  SERVICECHECKCOMMAND::check_http!-w 1
 *
 * Host lines (DATATYPE::HOSTPERFDATA, HOSTPERFDATA::...) are stored as the
 * service "_HOST_", as PNP4Nagios does. Unknown keys are ignored, so any
 * template that has these keys works.
 */
#ifndef TANDEM_INGEST_H
#define TANDEM_INGEST_H

#include "tandem/result.h"

struct td_perf_line {
	long time;
	char *host, *service, *command; /* service "_HOST_" for host lines */
	struct td_result res;           /* state, output, metrics */
};

/*
 * Parses one line (without its newline) into out (initialised here; free
 * with td_perf_line_cleanup even on error). TD_E_PARSE with a message for a
 * line that lacks TIMET, HOSTNAME, SERVICEDESC or the perfdata, or whose
 * perfdata is malformed; a line with empty perfdata gives TD_E_NOTFOUND
 * (nothing to store, not an error).
 */
enum td_err td_perf_line_parse(const char *line, struct td_perf_line *out, char *err,
			       size_t errlen);
void td_perf_line_cleanup(struct td_perf_line *l);

#endif

/*
 * layout.h - where things live in the data directory.
 *
 *   DATA_DIR/<host>/<service>/<label>.rrd    one RRD per metric
 *   DATA_DIR/<host>/<service>/meta.json      units, command, last state, thresholds
 *   DATA_DIR/.tandemd/                       the daemon's own files (spool, pid)
 *
 * Names become path components by percent-encoding every byte outside
 * [A-Za-z0-9_-] and a leading '.', so different names never share a file,
 * no name can climb out of its directory, and the original name is
 * recoverable. Very long names are cut and end in a hash of the whole.
 */
#ifndef TANDEM_LAYOUT_H
#define TANDEM_LAYOUT_H

#include <stddef.h>

#include "tandem/buf.h"

/* Longest encoded component, well under NAME_MAX with ".rrd" appended. */
#define TD_COMPONENT_MAX 200

/* Appends the encoded form of name to out. */
void td_layout_component(struct td_buf *out, const char *name);
/* Decodes a component back into out; returns -1 when it is not one of ours. */
int td_layout_decode(struct td_buf *out, const char *component);
/* "host/service" relative directory of a service, encoded. */
char *td_layout_service_dir(const char *host, const char *service);
/* "host/service/label.rrd" relative path of a metric, encoded. */
char *td_layout_metric_file(const char *host, const char *service, const char *label);

#endif

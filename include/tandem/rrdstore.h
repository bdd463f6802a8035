/*
 * rrdstore.h - writing samples into RRD files: straight through librrd, or
 * through rrdcached's protocol for scale. The only file that knows either.
 *
 * Each metric has its own file with one data source "value": GAUGE, or
 * DERIVE (min 0) for counters; heartbeat two steps; AVERAGE, MIN and MAX
 * archives for each configured resolution. Files are created on first use.
 * Over rrdcached every path is relative (rrdcached must run with its base
 * directory, -b, set to tandemd's data directory), which is what rrdcached
 * accepts over TCP, so many tandemd hosts can write to one rrdcached.
 */
#ifndef TANDEM_RRDSTORE_H
#define TANDEM_RRDSTORE_H

#include <stddef.h>

#include "tandem/conf.h"
#include "tandem/error.h"

struct td_rrd;

struct td_rrd_file {
	const char *relpath;  /* "host/service/label.rrd" */
	unsigned step;        /* seconds, for creation */
	char type;            /* 'G' GAUGE, 'D' DERIVE */
	const char **values;  /* "timestamp:value", ascending */
	size_t n;
	/* out */
	enum td_err rc;       /* TD_OK, or why this file took nothing */
	char msg[256];
};

/* rrdcached: NULL for librrd; "unix:/path", "/path", "host", "host:port", "[v6]:port". */
enum td_err td_rrd_open(const char *data_dir, const char *rrdcached,
			const struct td_archive *archives, size_t n_archives, struct td_rrd **out,
			char *err, size_t errlen);
void td_rrd_close(struct td_rrd *st);

/*
 * Writes every file's values; values at or before a file's last update are
 * skipped (a replay after a crash). TD_OK when the store answered: each
 * file's rc says whether it took its values. TD_E_CONNECT or TD_E_IO when
 * the store as a whole is unavailable; then nothing is known to be written.
 */
enum td_err td_rrd_write(struct td_rrd *st, struct td_rrd_file *files, size_t n, char *err,
			 size_t errlen);

/* Builds the rrdcreate arguments (DS and RRAs) for a file; for tests and docs. */
int td_rrd_create_args(const struct td_archive *archives, size_t n_archives, unsigned step,
		       char type, char ***argv);

#endif

/*
 * spool.h - the on-disk journal between measuring and storing.
 *
 * Every sample tandemd accepts is appended here first (one write(2) per
 * probe run), and the store writer reads the journal in order and writes to
 * RRD. So a sample survives the store being down (rrdcached stopped, disk
 * full where the RRDs live, an unwritable file) and a `kill -9` of tandemd:
 * on restart the writer resumes at its checkpoint. Replaying a sample twice
 * is harmless, because RRD refuses a second value for the same time.
 * What is lost: samples whose write(2) to the journal itself failed (the
 * spool's own disk full); they are counted and logged. A power cut can lose
 * what the kernel had not written back (the journal is not fsync'ed per
 * sample; td_spool_sync is called at checkpoints and at shutdown).
 *
 * Layout: DIR/<seq>.jnl segments of text records, one per line, and
 * DIR/checkpoint holding "seq offset" of the first record not yet stored.
 * Thread-safe: any number of appenders, one reader.
 */
#ifndef TANDEM_SPOOL_H
#define TANDEM_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "tandem/buf.h"
#include "tandem/error.h"

struct td_spool;

enum td_err td_spool_open(const char *dir, struct td_spool **out, char *err, size_t errlen);
/* Syncs, saves the checkpoint, frees. */
void td_spool_close(struct td_spool *sp);

/* Appends whole lines (text ends in '\n'), all or nothing. */
enum td_err td_spool_append(struct td_spool *sp, const char *text, size_t len, char *err,
			    size_t errlen);

/*
 * Reads up to max bytes of whole lines from the reader's position into out
 * (replacing its content), waiting up to wait_ms for data. Returns the bytes
 * read (0: nothing yet). The position moves only with td_spool_consume.
 */
size_t td_spool_read(struct td_spool *sp, struct td_buf *out, size_t max, int wait_ms);
/* The first n bytes of the last read are stored: move past them. */
void td_spool_consume(struct td_spool *sp, size_t n);
/* Writes the checkpoint (and fsyncs the journal) so a restart resumes here. */
enum td_err td_spool_checkpoint(struct td_spool *sp, char *err, size_t errlen);
/* Bytes accepted and not yet consumed. */
uint64_t td_spool_depth(struct td_spool *sp);
/* Wakes a reader waiting in td_spool_read (shutdown). */
void td_spool_wake(struct td_spool *sp);

#endif

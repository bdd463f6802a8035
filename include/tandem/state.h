/*
 * state.h - service states, and values that survive between runs.
 *
 * A service state (OK, WARNING, CRITICAL, UNKNOWN) is computed from metrics
 * and thresholds; it is not an error (see error.h). Several states combine
 * to the worst: CRITICAL > WARNING > UNKNOWN > OK.
 *
 * The state store keeps small key/value records between runs of a probe
 * (counter values for rates). A check_* process uses a file; tandemd keeps the
 * store in memory and saves it at shutdown. Keys and values are text, so a
 * 64-bit counter keeps every digit. The store owns its records; values
 * returned by td_store_get are copies the caller frees.
 */
#ifndef TANDEM_STATE_H
#define TANDEM_STATE_H

#include <stdbool.h>
#include <stddef.h>

#include "tandem/error.h"

enum td_state {
	TD_STATE_OK = 0,
	TD_STATE_WARNING = 1,
	TD_STATE_CRITICAL = 2,
	TD_STATE_UNKNOWN = 3,
};

/* "OK", "WARNING", "CRITICAL", "UNKNOWN". */
const char *td_state_name(enum td_state s);
/* Accepts ok/warning/critical/unknown in any case, their first letters, or 0..3. */
enum td_err td_state_parse(const char *text, enum td_state *out);
/* The worse of two states: CRITICAL > WARNING > UNKNOWN > OK. */
enum td_state td_state_worst(enum td_state a, enum td_state b);

struct td_store;

/* An empty store in memory. */
struct td_store *td_store_new(void);
void td_store_free(struct td_store *st);

/*
 * Looks key up; on success *value is a malloc'd copy and *when the time it
 * was set (seconds since the epoch). TD_E_NOTFOUND when absent.
 */
enum td_err td_store_get(const struct td_store *st, const char *key, char **value, double *when);
/*
 * Sets key to value at time when; keys and values hold no newline, CR or
 * tab, a key is not empty and does not start with '#', and when is
 * finite; TD_E_PARSE otherwise (the file could not be read back).
 */
enum td_err td_store_set(struct td_store *st, const char *key, const char *value, double when);

/* True when a td_store_set changed something since the store was made or loaded. */
bool td_store_dirty(const struct td_store *st);

/*
 * Loads records from path into st (a missing file is an empty store) and
 * saves st to path atomically (temporary file, fsync, rename), so a crash
 * leaves the old or the new file, never a torn one.
 */
enum td_err td_store_load(struct td_store *st, const char *path, char *err, size_t errlen);
enum td_err td_store_save(const struct td_store *st, const char *path, char *err, size_t errlen);

#endif

/*
 * event.h - the events log: deploys, switched feature flags, config changes,
 * drawn as vertical lines on every graph whose time range covers them.
 *
 * One append-only text file, DATA_DIR/.tandemd/events.log, one event a line:
 *
 *   # tandem events log, format 1: TIME<TAB>TAG<TAB>HOST<TAB>SERVICE<TAB>TEXT
 *   1718029800	deploy	shop1		shop 1.4.2 by alice
 *
 *   TIME     epoch seconds (UTC), when the event happened (not when it was written)
 *   TAG      1 to 32 of [A-Za-z0-9_.-]: what kind of event (deploy, flag, config...)
 *   HOST     empty: the event concerns every graph; else only that host's services
 *   SERVICE  empty: every service of HOST; else only that one (needs a HOST)
 *   TEXT     what happened, may be empty
 *
 * HOST, SERVICE and TEXT are escaped so that a field never holds a tab or a
 * line break: `\\` `\t` `\n` `\r`, and `\xHH` for every other control byte
 * and every byte that is not part of valid UTF-8. A line is at most
 * TD_EVENT_LINE_MAX bytes with its newline; longer text is cut (never inside
 * an escape or a UTF-8 sequence) and ends in TD_EVENT_CUT. Lines starting
 * with '#' are comments; a reader skips (and counts) lines it cannot parse.
 *
 * Concurrent writers cannot corrupt the log: each event is one write(2) on
 * an O_APPEND descriptor, under an exclusive flock, and a line is no longer
 * than PIPE_BUF. A writer that finds the file not ending in a newline (an
 * earlier writer died mid-write, or its disk filled) starts with one, so a
 * torn line never swallows the next event.
 */
#ifndef TANDEM_EVENT_H
#define TANDEM_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "tandem/buf.h"
#include "tandem/error.h"

#define TD_EVENT_LINE_MAX 4096 /* PIPE_BUF on Linux, newline included */
#define TD_EVENT_TAG_MAX  32
#define TD_EVENT_NAME_MAX 255 /* host and service, before escaping */
#define TD_EVENT_CUT	  "...[truncated]"
#define TD_EVENT_HEADER                                                                            \
	"# tandem events log, format 1: TIME<TAB>TAG<TAB>HOST<TAB>SERVICE<TAB>TEXT\n"

struct td_event {
	long long time;
	char *tag;
	char *host, *service; /* "" when the event concerns every host / service */
	char *text;	      /* unescaped: may hold any byte but NUL */
};

void td_event_cleanup(struct td_event *e);

/* True when tag is 1..TD_EVENT_TAG_MAX of [A-Za-z0-9_.-]. */
bool td_event_tag_valid(const char *tag);

/*
 * Appends e's line (with its newline) to out: escaped, cut to
 * TD_EVENT_LINE_MAX. TD_E_USAGE when a field is invalid (bad tag, a
 * service without a host, a name over TD_EVENT_NAME_MAX, a negative time).
 */
enum td_err td_event_format(const struct td_event *e, struct td_buf *out, char *err, size_t errlen);

/* Parses one line (without its newline) into e (td_event_cleanup it); TD_E_PARSE otherwise. */
enum td_err td_event_parse(const char *line, size_t len, struct td_event *e);

/* DATA_DIR/.tandemd/events.log (caller frees). */
char *td_event_log_path(const char *data_dir);

/* Appends e to the log at path, creating it and its directory as needed. */
enum td_err td_event_append(const char *path, const struct td_event *e, char *err, size_t errlen);

/* Which events a graph draws. */
struct td_event_filter {
	long long start, end;	    /* the graph's range, inclusive */
	const char *host, *service; /* the graph's service; NULL matches only global events */
	const char *tags;	    /* comma-separated tags to keep, or NULL for every tag */
	bool any_scope;		    /* every host and service (an overview), not one graph's */
};

/* True when e falls in the filter's range, tag list and scope. */
bool td_event_match(const struct td_event *e, const struct td_event_filter *f);

struct td_event_list {
	struct td_event *v;
	size_t n;
	size_t malformed; /* lines skipped as unparsable */
	size_t dropped;	  /* matches left out to respect max (the oldest go) */
};

/*
 * Reads the events of path that match f, sorted by time, at most max (the
 * latest). A missing log is an empty list. Free with td_event_list_cleanup.
 */
enum td_err td_event_read(const char *path, const struct td_event_filter *f, size_t max,
			  struct td_event_list *out, char *err, size_t errlen);
void td_event_list_cleanup(struct td_event_list *l);

/* Appends text for display: control bytes and broken UTF-8 become '?'; at most max bytes. */
void td_event_display(struct td_buf *out, const char *text, size_t max);

#endif

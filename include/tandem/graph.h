/*
 * graph.h - a service's metrics as a picture: tandem-graph's drawing, the
 * only code that knows librrd's graph API (rrd_graph_v, in-process: no
 * rrdtool command, no shell).
 *
 * A graph shows one to TD_GRAPH_METRICS_MAX metrics of one service that
 * share a unit: each metric's average as a line over the band between its
 * MIN and MAX archives, a legend with last/avg/max, the warn and crit
 * thresholds that held at each moment (from meta.json's history) as dashed
 * step lines, and events as vertical lines with their text. Units scale on
 * the axis: B in powers of 1024, s and plain numbers with SI prefixes, % as
 * is, c (counters) as a rate per second.
 *
 * What it leaves out: finding the data directory and parsing times
 * (tools.h), reading the events log (event.h), HTTP (graph_cgi.c).
 */
#ifndef TANDEM_GRAPH_H
#define TANDEM_GRAPH_H

#include <stdbool.h>
#include <stddef.h>

#include "tandem/buf.h"
#include "tandem/error.h"
#include "tandem/event.h"
#include "tandem/meta.h"

#define TD_GRAPH_METRICS_MAX  8	  /* lines in one graph */
#define TD_GRAPH_EVENTS_MAX   20  /* vertical lines in one graph (the latest) */
#define TD_GRAPH_SEGMENTS_MAX 200 /* threshold changes drawn in one graph, per line */
#define TD_GRAPH_SIZE_MIN     100 /* width and height, pixels of the plot area */
#define TD_GRAPH_SIZE_MAX     2000
#define TD_GRAPH_SPAN_MIN     60LL	       /* seconds shown, at least and at most */
#define TD_GRAPH_SPAN_MAX     (3653LL * 86400) /* ten years and their leap days */

enum td_graph_format { TD_GRAPH_PNG, TD_GRAPH_SVG };

struct td_graph_metric {
	char *label;	      /* the metric's name, decoded */
	char uom[TD_UOM_MAX]; /* "", "s", "%", "B", "c", ... */
	char *path;	      /* its RRD file */
};

/* A service as found in the data directory. */
struct td_graph_service {
	char *host, *service;
	char *dir; /* DATA_DIR/<host>/<service>, encoded */
	struct td_graph_metric *metrics;
	size_t n_metrics;
	struct td_meta meta; /* the threshold history (empty without meta.json) */
};

/*
 * Opens host/service under data_dir: the directory must exist inside
 * data_dir (symbolic links leading out of it are refused). Metrics come from
 * meta.json, or from the *.rrd files when it is missing. TD_E_NOTFOUND when
 * there is no such service.
 */
enum td_err td_graph_service_open(const char *data_dir, const char *host, const char *service,
				  struct td_graph_service *out, char *err, size_t errlen);
void td_graph_service_cleanup(struct td_graph_service *s);

/* A host and service found in the data directory (names decoded). */
struct td_graph_entry {
	char *host, *service;
};

/*
 * Lists the services under data_dir, sorted by host then service: every
 * directory (not a link) two levels down whose names decode, dot names
 * (tandemd's own files) left out. At most TD_GRAPH_LIST_MAX.
 */
#define TD_GRAPH_LIST_MAX 100000
enum td_err td_graph_list(const char *data_dir, struct td_graph_entry **out, size_t *n, char *err,
			  size_t errlen);
void td_graph_list_free(struct td_graph_entry *v, size_t n);

/*
 * Picks the metrics of one graph into idx (TD_GRAPH_METRICS_MAX entries):
 * labels[0..n) when given (all must exist and share a unit), else the
 * first metric and the next ones in its unit. TD_E_NOTFOUND for an unknown
 * label, TD_E_USAGE for mixed units, duplicates or too many.
 */
enum td_err td_graph_select(const struct td_graph_service *s, const char *const *labels, size_t n,
			    size_t *idx, size_t *n_idx, char *err, size_t errlen);

/* A threshold bound that held over [from, to). */
struct td_graph_segment {
	long long from, to;
	double value;
};

/* One threshold bound of one metric over the graph's range, as steps. */
struct td_graph_line {
	bool crit;  /* else warn */
	bool upper; /* the range's end, else its start */
	struct td_graph_segment seg[TD_GRAPH_SEGMENTS_MAX];
	size_t n;
};

/*
 * Turns label's threshold history into up to 4 lines (warn start and end,
 * crit start and end) clipped to [start, end): a change at time t holds
 * until the next change of the same label; before the first there is none.
 * A range's end is drawn when finite; its start when finite and not the
 * implied 0 (`10` means 0:10: a line at 0 says nothing), or for `@` ranges.
 * Equal neighbours merge. Returns how many lines were filled.
 */
size_t td_graph_thresholds(const struct td_meta_change *h, size_t n_h, const char *label,
			   long long start, long long end, struct td_graph_line out[4]);

/* What to draw. */
struct td_graph_request {
	const struct td_graph_service *svc;
	const size_t *metrics; /* indexes into svc->metrics */
	size_t n_metrics;
	long long start, end;
	unsigned width, height;
	enum td_graph_format format;
	const struct td_event_list *events; /* may be NULL */
	const char *rrdcached;		    /* flush through this daemon first, or NULL */
};

/* The arguments of rrd_graph_v for r ("graph", "-", options, elements). */
struct td_graph_argv {
	char **v;
	int n, cap;
};
void td_graph_args(const struct td_graph_request *r, struct td_graph_argv *out);
void td_graph_argv_cleanup(struct td_graph_argv *a);

struct td_graph_image {
	unsigned char *data;
	size_t len;
	char *summary; /* one line a metric, threshold and event: the legend as text */
};

/*
 * Renders r. An SVG carries summary as its <title> and <desc> (cairo draws
 * text as glyph outlines, so without them the file holds no readable text).
 */
enum td_err td_graph_render(const struct td_graph_request *r, struct td_graph_image *out, char *err,
			    size_t errlen);
void td_graph_image_cleanup(struct td_graph_image *img);

/*
 * The rrdcached address to flush through before reading, or NULL: a local
 * socket ("unix:/path" or "/path"), where files are named by absolute paths.
 * Over TCP rrdcached takes only paths relative to its base directory, which a
 * reader on another machine does not share: there the graph reads the files
 * as they are (at most rrdcached's write delay behind).
 */
const char *td_graph_daemon(const char *rrdcached);

/* The newest update time and smallest step of the RRD at path (for HTTP caching). */
enum td_err td_graph_rrd_stat(const char *path, long long *last_update, unsigned long *step);

/* Appends text usable in a legend: no control bytes or broken UTF-8, ':' escaped, at most max
 * bytes. */
void td_graph_legend_text(struct td_buf *out, const char *text, size_t max);

/* "5", "0.5 s", "1 GiB": a threshold or value in a metric's unit, for people. */
char *td_graph_value_text(double v, const char *uom, char *buf, size_t len);

#endif

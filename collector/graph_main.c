/*
 * graph_main.c - tandem-graph's main: a service's graph from the shell, or,
 * run by a web server as tandem-graph.cgi (or with GATEWAY_INTERFACE set),
 * the CGI of graph_cgi.c.
 *
 *   tandem-graph HOST/SERVICE [--start -1d] [--end now] [-o FILE.png|.svg]
 *                [--width W --height H] [--metric LABEL]... [--events-tag TAGS]
 *   tandem-graph --list
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "tandem/cgi.h"
#include "tandem/graph.h"
#include "tandem/options.h"
#include "tandem/tools.h"
#include "tandem/unit.h"

enum {
	OPT_DATA = 1,
	OPT_CONF,
	OPT_START,
	OPT_END,
	OPT_OUT,
	OPT_FORMAT,
	OPT_WIDTH,
	OPT_HEIGHT,
	OPT_METRIC,
	OPT_TAGS,
	OPT_NO_EVENTS,
	OPT_LIST,
	OPT_HELP,
	OPT_VERSION,
};

static const struct td_option graph_options[] = {
	{ 0, "data-dir", TD_ARG_REQUIRED, "DIR",
	  "tandemd's data directory (default " STATEDIR "/rrd).", OPT_DATA },
	{ 'c', "config", TD_ARG_REQUIRED, "FILE",
	  "Take the data directory (and rrdcached) from the [tandemd] section of tandemd.conf "
	  "FILE.",
	  OPT_CONF },
	{ 's', "start", TD_ARG_REQUIRED, "TIME",
	  "Start of the graph (default -1d): epoch seconds, now, an offset like -6h, -2d, -1w, "
	  "-1y, "
	  "or YYYY-MM-DDTHH:MM[:SS] in local time (a trailing Z: UTC).",
	  OPT_START },
	{ 'e', "end", TD_ARG_REQUIRED, "TIME", "End of the graph (default now), same forms.",
	  OPT_END },
	{ 'o', "output", TD_ARG_REQUIRED, "FILE",
	  "Write the image to FILE (default: standard output, never a terminal). A name ending in "
	  ".png or .svg chooses the format.",
	  OPT_OUT },
	{ 0, "format", TD_ARG_REQUIRED, "png|svg",
	  "Image format (default: by -o's extension, else png).", OPT_FORMAT },
	{ 'W', "width", TD_ARG_REQUIRED, "PIXELS",
	  "Width of the plot area, 100 to 2000 (default 800).", OPT_WIDTH },
	{ 'H', "height", TD_ARG_REQUIRED, "PIXELS",
	  "Height of the plot area, 100 to 2000 (default 200).", OPT_HEIGHT },
	{ 'm', "metric", TD_ARG_REQUIRED, "LABEL",
	  "Draw this metric; repeat for up to 8 metrics of one unit. Default: the service's first "
	  "metric and every other in its unit.",
	  OPT_METRIC },
	{ 0, "events-tag", TD_ARG_REQUIRED, "TAGS",
	  "Draw only events with one of these comma-separated tags (default: every event).",
	  OPT_TAGS },
	{ 0, "no-events", TD_ARG_NONE, NULL, "Draw no events.", OPT_NO_EVENTS },
	{ 'l', "list", TD_ARG_NONE, NULL,
	  "List every host/service with its metrics and units, and exit.", OPT_LIST },
	{ 'h', "help", TD_ARG_NONE, NULL, "Print this help and exit.", OPT_HELP },
	{ 'V', "version", TD_ARG_NONE, NULL, "Print the version and exit.", OPT_VERSION },
	TD_OPTION_END,
};

#define GRAPH_USAGE                                                                                \
	"Usage: tandem-graph HOST/SERVICE [--start -1d] [--end now] [-o FILE.png|.svg]\n"          \
	"                    [--width W --height H] [--metric LABEL]... [--events-tag TAGS]\n"     \
	"       tandem-graph --list [--data-dir DIR | -c tandemd.conf]\n"

struct graph_args {
	const char *data_dir, *conf, *start, *end, *output, *format, *tags, *target;
	const char *metrics[TD_GRAPH_METRICS_MAX + 1];
	size_t n_metrics;
	unsigned width, height;
	bool no_events, list;
};

static void graph_usage(void)
{
	struct td_buf b;
	td_buf_init(&b, 0);
	td_buf_printf(
	    &b,
	    "tandem-graph (%s %s) - draws a service's metrics from tandemd's RRD files, with "
	    "thresholds and events\n\n" GRAPH_USAGE "\n",
	    PACKAGE_NAME, PACKAGE_VERSION);
	td_options_help(&b, graph_options);
	td_buf_putc(&b, '\n');
	td_help_wrap(
	    &b,
	    "Run by a web server as tandem-graph.cgi (or with GATEWAY_INTERFACE set), it "
	    "serves an index of hosts and services, a page per service with day, week, month "
	    "and year graphs, and the images; the data directory then comes from "
	    "TANDEM_DATA_DIR, else TANDEM_CONF, else the default.",
	    0, 79);
	fputs(td_buf_str(&b), stdout);
	td_buf_cleanup(&b);
}

static int graph_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int graph_fail(const char *fmt, ...)
{
	va_list ap;
	fputs("tandem-graph: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

static int graph_usage_error(const char *msg)
{
	fprintf(stderr, "tandem-graph: %s\n%s(see --help)\n", msg, GRAPH_USAGE);
	return 2;
}

static bool graph_size(const char *arg, unsigned *out)
{
	unsigned long long v;
	if (td_parse_uint(arg, TD_GRAPH_SIZE_MIN, TD_GRAPH_SIZE_MAX, &v) != TD_OK)
		return false;
	*out = (unsigned)v;
	return true;
}

/* Returns 0 to go on, else the exit code. */
static int graph_parse(int argc, char **argv, struct graph_args *a)
{
	struct td_getopt g;
	const struct td_option *o;
	const char *arg;
	char err[512];
	int got;
	td_getopt_init(&g, argc, argv, graph_options);
	g.tables[1] = NULL; /* none of the plugins' common options */
	while ((got = td_getopt_next(&g, &o, &arg, err, sizeof err)) == 1) {
		switch (o ? o->id : 0) {
		case OPT_DATA: a->data_dir = arg; break;
		case OPT_CONF: a->conf = arg; break;
		case OPT_START: a->start = arg; break;
		case OPT_END: a->end = arg; break;
		case OPT_OUT: a->output = arg; break;
		case OPT_FORMAT: a->format = arg; break;
		case OPT_TAGS: a->tags = arg; break;
		case OPT_NO_EVENTS: a->no_events = true; break;
		case OPT_LIST: a->list = true; break;
		case OPT_WIDTH:
		case OPT_HEIGHT:
			if (!graph_size(arg, o->id == OPT_WIDTH ? &a->width : &a->height)) {
				snprintf(err, sizeof err,
					 "--%s: \"%.40s\" is not a number from %d to %d",
					 o->long_name, arg, TD_GRAPH_SIZE_MIN, TD_GRAPH_SIZE_MAX);
				return graph_usage_error(err);
			}
			break;
		case OPT_METRIC:
			if (a->n_metrics == TD_GRAPH_METRICS_MAX)
				return graph_usage_error(
				    "--metric: at most 8 metrics in one graph");
			a->metrics[a->n_metrics++] = arg;
			break;
		case OPT_HELP: graph_usage(); return -1;
		case OPT_VERSION:
			printf("tandem-graph (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
			return -1;
		default:
			if (a->target) {
				snprintf(err, sizeof err, "unexpected argument \"%.100s\"", arg);
				return graph_usage_error(err);
			}
			a->target = arg;
		}
	}
	if (got < 0)
		return graph_usage_error(err);
	if (!a->list && !a->target)
		return graph_usage_error("which HOST/SERVICE?");
	return 0;
}

static int graph_list(const char *data_dir)
{
	struct td_graph_entry *v;
	size_t n;
	char err[512];
	if (td_graph_list(data_dir, &v, &n, err, sizeof err) != TD_OK)
		return graph_fail("%s", err);
	for (size_t i = 0; i < n; i++) {
		struct td_graph_service s;
		if (td_graph_service_open(data_dir, v[i].host, v[i].service, &s, err, sizeof err) !=
		    TD_OK)
			continue;
		printf("%s/%s", v[i].host, v[i].service);
		for (size_t k = 0; k < s.n_metrics; k++)
			printf(" %s%s%s%s", s.metrics[k].label, *s.metrics[k].uom ? "[" : "",
			       s.metrics[k].uom, *s.metrics[k].uom ? "]" : "");
		putchar('\n');
		td_graph_service_cleanup(&s);
	}
	td_graph_list_free(v, n);
	return 0;
}

static bool graph_ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcasecmp(s + n - m, suffix);
}

static int graph_write(const char *path, const struct td_graph_image *img)
{
	FILE *f = path ? fopen(path, "wb") : stdout;
	if (!f)
		return graph_fail("%s: %s", path, strerror(errno));
	bool ok = fwrite(img->data, 1, img->len, f) == img->len;
	if (path)
		ok = fclose(f) == 0 && ok;
	else
		ok = fflush(f) == 0 && ok;
	if (!ok)
		return graph_fail("%s: %s", path ? path : "standard output", strerror(errno));
	return 0;
}

static int graph_draw(const struct graph_args *a, const struct td_store_loc *loc)
{
	char err[1024];
	time_t now = time(NULL), start, end;
	enum td_graph_format format = TD_GRAPH_PNG;
	const char *output = a->output && strcmp(a->output, "-") ? a->output : NULL;

	if (a->format && strcmp(a->format, "png") && strcmp(a->format, "svg"))
		return graph_usage_error("--format: expected png or svg");
	if (a->format)
		format = strcmp(a->format, "svg") ? TD_GRAPH_PNG : TD_GRAPH_SVG;
	else if (output && graph_ends_with(output, ".svg"))
		format = TD_GRAPH_SVG;
	if (output && a->format &&
	    ((format == TD_GRAPH_SVG && graph_ends_with(output, ".png")) ||
	     (format == TD_GRAPH_PNG && graph_ends_with(output, ".svg"))))
		return graph_usage_error("--format and the name given to -o disagree");
	if (!output && isatty(STDOUT_FILENO))
		return graph_usage_error("will not write an image to a terminal: use -o FILE");
	if (td_time_parse(a->start ? a->start : "-1d", now, &start, err, sizeof err) != TD_OK ||
	    td_time_parse(a->end ? a->end : "now", now, &end, err, sizeof err) != TD_OK)
		return graph_usage_error(err);
	if (end - start < TD_GRAPH_SPAN_MIN || end - start > TD_GRAPH_SPAN_MAX)
		return graph_usage_error("the end must come 1 minute to 10 years after the start");

	const char *slash = strchr(a->target, '/');
	if (!slash || slash == a->target || !slash[1])
		return graph_usage_error("name the service as HOST/SERVICE");
	char *host = td_xstrndup(a->target, (size_t)(slash - a->target));
	struct td_graph_service svc;
	int rc = 1;
	if (td_graph_service_open(loc->data_dir, host, slash + 1, &svc, err, sizeof err) != TD_OK) {
		free(host);
		return graph_fail("%s (in %s)", err, loc->data_dir);
	}
	size_t idx[TD_GRAPH_METRICS_MAX], n_idx;
	struct td_event_list events = { 0 };
	struct td_graph_image img = { 0 };
	if (td_graph_select(&svc, a->metrics, a->n_metrics, idx, &n_idx, err, sizeof err) !=
	    TD_OK) {
		graph_fail("%s", err);
		goto out;
	}
	if (!a->no_events) {
		char *log = td_event_log_path(loc->data_dir);
		struct td_event_filter f = { start, end, host, slash + 1, a->tags, false };
		if (td_event_read(log, &f, TD_GRAPH_EVENTS_MAX, &events, err, sizeof err) != TD_OK)
			fprintf(stderr, "tandem-graph: events left out: %s\n", err);
		else if (events.malformed)
			fprintf(stderr, "tandem-graph: %s: %zu malformed lines skipped\n", log,
				events.malformed);
		free(log);
	}
	struct td_graph_request req = {
		.svc = &svc,
		.metrics = idx,
		.n_metrics = n_idx,
		.start = start,
		.end = end,
		.width = a->width ? a->width : 800,
		.height = a->height ? a->height : 200,
		.format = format,
		.events = &events,
		.rrdcached = td_graph_daemon(loc->rrdcached),
	};
	if (td_graph_render(&req, &img, err, sizeof err) != TD_OK) {
		graph_fail("%s", err);
		goto out;
	}
	rc = graph_write(output, &img);
out:
	td_graph_image_cleanup(&img);
	td_event_list_cleanup(&events);
	td_graph_service_cleanup(&svc);
	free(host);
	return rc;
}

int main(int argc, char **argv)
{
	const char *base = argc > 0 && argv[0] ? strrchr(argv[0], '/') : NULL;
	base = base ? base + 1 : argc > 0 && argv[0] ? argv[0] : "";
	if (!strcmp(base, "tandem-graph.cgi") || getenv("GATEWAY_INTERFACE"))
		return td_cgi_main();

	struct graph_args a = { 0 };
	int rc = graph_parse(argc, argv, &a);
	if (rc)
		return rc < 0 ? 0 : rc;
	struct td_store_loc loc;
	char err[1024];
	if (td_store_loc_find(&loc, a.conf, a.data_dir, err, sizeof err) != TD_OK)
		return graph_fail("%s", err);
	rc = a.list ? graph_list(loc.data_dir) : graph_draw(&a, &loc);
	td_store_loc_cleanup(&loc);
	return rc;
}

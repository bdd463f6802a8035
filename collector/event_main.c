/*
 * event_main.c - tandem-event: records an event (a deploy, a switched
 * feature flag, a config change) in tandemd's events log, which every graph
 * covering its time draws; or lists the log.
 *
 *   tandem-event [--tag deploy] [--host H] [--service S] [--at TIME] TEXT|-
 *   tandem-event --list [--tag TAGS] [--host H [--service S]] [--start T] [--end T]
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tandem/event.h"
#include "tandem/options.h"
#include "tandem/tools.h"

enum {
	OPT_DATA = 1,
	OPT_CONF,
	OPT_TAG,
	OPT_HOST,
	OPT_SERVICE,
	OPT_AT,
	OPT_LIST,
	OPT_START,
	OPT_END,
	OPT_HELP,
	OPT_VERSION,
};

static const struct td_option event_options[] = {
	{ 't', "tag", TD_ARG_REQUIRED, "TAG",
	  "What kind of event: 1 to 32 letters, digits, '_', '.' or '-' (default \"note\"). With "
	  "--list, a comma-separated list of tags to show.",
	  OPT_TAG },
	{ 'H', "host", TD_ARG_REQUIRED, "HOST",
	  "Draw the event only on HOST's graphs (default: on every graph).", OPT_HOST },
	{ 'S', "service", TD_ARG_REQUIRED, "SERVICE",
	  "Draw the event only on this service of HOST.", OPT_SERVICE },
	{ 'a', "at", TD_ARG_REQUIRED, "TIME",
	  "When it happened (default now): epoch seconds, now, an offset like -10m, or "
	  "YYYY-MM-DDTHH:MM[:SS] in local time (a trailing Z: UTC).",
	  OPT_AT },
	{ 'l', "list", TD_ARG_NONE, NULL,
	  "Print the events (one a line: local time, tag, host, service, text, tab-separated and "
	  "escaped as in the log) instead of adding one.",
	  OPT_LIST },
	{ 's', "start", TD_ARG_REQUIRED, "TIME", "With --list: from TIME (default: the beginning).",
	  OPT_START },
	{ 'e', "end", TD_ARG_REQUIRED, "TIME", "With --list: until TIME (default: the end).",
	  OPT_END },
	{ 0, "data-dir", TD_ARG_REQUIRED, "DIR",
	  "tandemd's data directory (default " STATEDIR "/rrd).", OPT_DATA },
	{ 'c', "config", TD_ARG_REQUIRED, "FILE",
	  "Take the data directory from the [tandemd] section of tandemd.conf FILE.", OPT_CONF },
	{ 'h', "help", TD_ARG_NONE, NULL, "Print this help and exit.", OPT_HELP },
	{ 'V', "version", TD_ARG_NONE, NULL, "Print the version and exit.", OPT_VERSION },
	TD_OPTION_END,
};

#define EVENT_USAGE                                                                                \
	"Usage: tandem-event [--tag TAG] [--host H [--service S]] [--at TIME] TEXT|-\n"            \
	"       tandem-event --list [--tag TAGS] [--host H [--service S]] [--start T] [--end T]\n"

/* TEXT "-": this much of standard input is kept (a line holds 4 KB anyway); the rest is drained. */
#define EVENT_STDIN_MAX (64 * 1024)

/* --list keeps the latest this many: memory stays bounded whatever the log's size. */
#define EVENT_LIST_MAX 1000000

struct event_args {
	const char *data_dir, *conf, *tag, *host, *service, *at, *start, *end, *text;
	bool list;
};

static void event_help(void)
{
	struct td_buf b;
	td_buf_init(&b, 0);
	td_buf_printf(&b,
		      "tandem-event (%s %s) - records an event that tandem's graphs draw as a "
		      "vertical line\n\n" EVENT_USAGE "\n",
		      PACKAGE_NAME, PACKAGE_VERSION);
	td_options_help(&b, event_options);
	td_buf_putc(&b, '\n');
	td_help_wrap(&b,
		     "The event is one line appended to DATA_DIR/.tandemd/events.log: TIME, TAG, "
		     "HOST, SERVICE and TEXT separated by tabs, with \\\\, \\t, \\n, \\r and \\xHH "
		     "escapes; text past one line of 4096 bytes is cut and ends in " TD_EVENT_CUT
		     ". TEXT - reads the text from standard input. Concurrent writers never mix "
		     "their lines. Example, in a deploy script: "
		     "tandem-event --tag deploy --host shop1 \"shop $VERSION by $USER\"",
		     0, 79);
	fputs(td_buf_str(&b), stdout);
	td_buf_cleanup(&b);
}

static int event_usage_error(const char *msg)
{
	fprintf(stderr, "tandem-event: %s\n%s(see --help)\n", msg, EVENT_USAGE);
	return 2;
}

static int event_parse(int argc, char **argv, struct event_args *a)
{
	struct td_getopt g;
	const struct td_option *o;
	const char *arg;
	char err[512];
	int got;
	td_getopt_init(&g, argc, argv, event_options);
	g.tables[1] = NULL; /* none of the plugins' common options */
	while ((got = td_getopt_next(&g, &o, &arg, err, sizeof err)) == 1) {
		switch (o ? o->id : 0) {
		case OPT_DATA: a->data_dir = arg; break;
		case OPT_CONF: a->conf = arg; break;
		case OPT_TAG: a->tag = arg; break;
		case OPT_HOST: a->host = arg; break;
		case OPT_SERVICE: a->service = arg; break;
		case OPT_AT: a->at = arg; break;
		case OPT_LIST: a->list = true; break;
		case OPT_START: a->start = arg; break;
		case OPT_END: a->end = arg; break;
		case OPT_HELP: event_help(); return -1;
		case OPT_VERSION:
			printf("tandem-event (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
			return -1;
		default:
			if (a->text)
				return event_usage_error(
				    "give the text as one argument (quote it)");
			a->text = arg;
		}
	}
	if (got < 0)
		return event_usage_error(err);
	if (a->service && !a->host)
		return event_usage_error("--service needs --host");
	if (a->list && (a->text || a->at))
		return event_usage_error("--list takes no TEXT and no --at");
	if (!a->list && (a->start || a->end))
		return event_usage_error("--start and --end go with --list");
	if (!a->list && !a->text)
		return event_usage_error("what happened? give a TEXT");
	return 0;
}

/* Reads the text from standard input: NUL bytes become '?', one trailing newline goes. */
static char *event_read_stdin(void)
{
	struct td_buf b;
	char chunk[8192];
	size_t n;
	td_buf_init(&b, EVENT_STDIN_MAX);
	/* read to the end, so a writer in a pipeline never dies of SIGPIPE */
	while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0) {
		for (size_t i = 0; i < n; i++)
			if (chunk[i] == '\0')
				chunk[i] = '?';
		if (b.len < EVENT_STDIN_MAX)
			td_buf_append(&b, chunk, n);
	}
	if (b.len > 0 && b.data[b.len - 1] == '\n' && !b.truncated)
		b.data[--b.len] = '\0';
	return td_buf_steal(&b);
}

static int event_list(const struct event_args *a, const char *log)
{
	char err[512], when[32];
	time_t now = time(NULL), start = 0, end = (time_t)253402300799LL;
	if ((a->start && td_time_parse(a->start, now, &start, err, sizeof err) != TD_OK) ||
	    (a->end && td_time_parse(a->end, now, &end, err, sizeof err) != TD_OK))
		return event_usage_error(err);
	struct td_event_filter f = { start, end, a->host, a->service, a->tag, !a->host };
	struct td_event_list l;
	if (td_event_read(log, &f, EVENT_LIST_MAX, &l, err, sizeof err) != TD_OK) {
		fprintf(stderr, "tandem-event: %s\n", err);
		return 1;
	}
	struct td_buf b;
	td_buf_init(&b, 64 * 1024);
	for (size_t i = 0; i < l.n; i++) {
		const struct td_event *e = &l.v[i];
		struct td_event shown = *e;
		td_buf_reset(&b);
		if (td_event_format(&shown, &b, err, sizeof err) != TD_OK)
			continue;
		/* the log's own line, with a readable time in front of the epoch */
		printf("%s\t%s", td_time_format((time_t)e->time, when, sizeof when),
		       td_buf_str(&b));
	}
	td_buf_cleanup(&b);
	int rc = 0;
	if (l.malformed) {
		fprintf(stderr, "tandem-event: %s: %zu malformed lines skipped\n", log,
			l.malformed);
		rc = 1;
	}
	td_event_list_cleanup(&l);
	return rc;
}

int main(int argc, char **argv)
{
	struct event_args a = { 0 };
	struct td_store_loc loc;
	char err[1024];
	int rc = event_parse(argc, argv, &a);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (td_store_loc_find(&loc, a.conf, a.data_dir, err, sizeof err) != TD_OK) {
		fprintf(stderr, "tandem-event: %s\n", err);
		return 1;
	}
	char *log = td_event_log_path(loc.data_dir);
	if (a.list) {
		rc = event_list(&a, log);
		goto out;
	}
	if (access(loc.data_dir, F_OK) != 0) {
		fprintf(stderr, "tandem-event: data directory %s does not exist (--data-dir, -c)\n",
			loc.data_dir);
		rc = 1;
		goto out;
	}
	time_t when = time(NULL);
	if (a.at && td_time_parse(a.at, when, &when, err, sizeof err) != TD_OK) {
		rc = event_usage_error(err);
		goto out;
	}
	char *text = strcmp(a.text, "-") ? td_xstrdup(a.text) : event_read_stdin();
	struct td_event e = {
		.time = (long long)when,
		.tag = (char *)(a.tag ? a.tag : "note"),
		.host = (char *)(a.host ? a.host : ""),
		.service = (char *)(a.service ? a.service : ""),
		.text = text,
	};
	enum td_err got = td_event_append(log, &e, err, sizeof err);
	if (got != TD_OK) {
		fprintf(stderr, "tandem-event: %s\n", err);
		rc = got == TD_E_USAGE ? 2 : 1;
	}
	free(text);
out:
	free(log);
	td_store_loc_cleanup(&loc);
	return rc;
}

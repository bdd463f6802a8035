/*
 * options.h - command-line options, declared once as tables.
 *
 * Each probe declares a table of its own options; the common options of
 * CONTRACT.md (-h, -V, -v, -t, --extra-opts) are declared here once. The
 * parser walks argv with getopt_long's syntax (`-w 5`, `-w5`, `-abc`,
 * `--warning=5`, `--warning 5`, unambiguous prefixes of long names, `--`),
 * without globals, so tandemd can parse many command lines in one process.
 * --help text is generated from the same tables.
 */
#ifndef TANDEM_OPTIONS_H
#define TANDEM_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "tandem/buf.h"
#include "tandem/error.h"
#include "tandem/state.h"

enum td_arg { TD_ARG_NONE, TD_ARG_REQUIRED, TD_ARG_OPTIONAL };

struct td_option {
	int short_name;        /* a letter, or 0 for long only */
	const char *long_name; /* without "--", or NULL for short only */
	enum td_arg arg;
	const char *metavar;   /* shown in --help: "RANGE", "HOST" */
	const char *help;      /* one or more sentences; wrapped by --help */
	int id;                /* > 0, handed to the probe's option callback */
};
/* A table ends with an entry whose id is 0. */
#define TD_OPTION_END { 0, NULL, TD_ARG_NONE, NULL, NULL, 0 }

/* ids of the common options, handled by the core, never by a probe. */
enum {
	TD_OPT_HELP = -1,
	TD_OPT_VERSION = -2,
	TD_OPT_VERBOSE = -3,
	TD_OPT_TIMEOUT = -4,
	TD_OPT_EXTRA_OPTS = -5,
	TD_OPT_POSITIONAL = -100, /* a word that is not an option */
};

/* The common options' values. */
struct td_common {
	double timeout;              /* seconds, > 0 */
	enum td_state timeout_state; /* state when the timeout strikes */
	int verbose;                 /* 0..3 */
	bool help, version;
};

extern const struct td_option td_common_options[];

/* Walks argv[1..argc-1]; argv is not modified. */
struct td_getopt {
	int argc;
	char *const *argv;
	int index;               /* next argv element */
	const char *cluster;     /* rest of a "-abc" cluster, or NULL */
	bool done;               /* "--" seen: the rest are positional */
	const struct td_option *tables[2];
};

void td_getopt_init(struct td_getopt *g, int argc, char *const *argv,
		    const struct td_option *probe_table);
/*
 * Next option: 1 with *opt and *arg set (opt NULL for a positional word in
 * *arg), 0 at the end, or -1 with a message like `unknown option "--foo"`.
 */
int td_getopt_next(struct td_getopt *g, const struct td_option **opt, const char **arg, char *err,
		   size_t errlen);

/* Parses `-t SECONDS[:STATE]` into c. */
enum td_err td_common_timeout(struct td_common *c, const char *arg, char *err, size_t errlen);

/*
 * --extra-opts=[SECTION][@FILE]: reads the INI section (default: the
 * program's name, e.g. check_load) from FILE, or from the first of the
 * default files that exists (td_extra_opts_paths), and returns a new argv:
 * argv[0], the file's options (key=value as --key=value, a one-letter key as
 * -k value), then every other argument, so the command line wins. The
 * caller frees with td_argv_free. *out_argc/out_argv untouched on error.
 */
enum td_err td_extra_opts_expand(int argc, char *const *argv, const char *progname, int *out_argc,
				 char ***out_argv, char *err, size_t errlen);
/* The default files searched, in order, NULL-terminated; for --help. */
const char *const *td_extra_opts_paths(void);
void td_argv_free(int argc, char **argv);

/* Appends text wrapped at width columns, every line indented by indent. */
void td_help_wrap(struct td_buf *out, const char *text, int indent, int width);

/* Appends generated help for the tables to out, lines wrapped at 79 columns. */
void td_options_help(struct td_buf *out, const struct td_option *table);

#endif

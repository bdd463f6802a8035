/*
 * probe.h - the probe contract: one measurement, two front-ends.
 *
 * A probe is one file under plugins/probes/ exporting one
 * `const struct td_probe td_probe_<name>`. Its `option` and `finish`
 * callbacks turn a command line into an immutable config, never printing or
 * exiting; `run` measures with that config before an absolute deadline and
 * fills a result. run is reentrant: no global or static mutable state, no
 * exit(), no alarm(), no signals, no printing. check_<name> (check_main.c) runs
 * it once per process; tandemd runs it on a schedule in worker threads.
 */
#ifndef TANDEM_PROBE_H
#define TANDEM_PROBE_H

#include "tandem/deadline.h"
#include "tandem/error.h"
#include "tandem/options.h"
#include "tandem/result.h"
#include "tandem/state.h"

struct td_run_ctx {
	struct td_deadline deadline;
	double timeout;         /* the whole limit in seconds, for messages and perfdata max */
	int verbose;
	struct td_store *store; /* values kept between runs; may be NULL */
};

/* The probe keeps values between runs in td_run_ctx.store (counter rates). */
#define TD_PROBE_STATEFUL 0x1u

struct td_probe {
	const char *name;      /* "load": the binary is check_load */
	const char *label;     /* "LOAD": first word of the status line */
	const char *purpose;   /* one line for --help */
	const char *help_tail; /* threshold forms, examples; after the options */
	const struct td_option *options;
	unsigned flags;        /* TD_PROBE_* */

	/* A fresh config with defaults; freed by config_free. */
	void *(*config_new)(void);
	void (*config_free)(void *cfg);
	/* One option (id from the table, or TD_OPT_POSITIONAL) with its argument. */
	enum td_err (*option)(void *cfg, int id, const char *arg, char *err, size_t errlen);
	/* After all options: cross-checks and defaults. May be NULL. */
	enum td_err (*finish)(void *cfg, const struct td_common *common, char *err, size_t errlen);
	/* Measures. Returns TD_OK when res holds a measurement (whatever its state). */
	enum td_err (*run)(const void *cfg, const struct td_run_ctx *ctx, struct td_result *res);
};

/*
 * Parses a whole command line (argv[0] is the program) for probe: expands
 * --extra-opts, handles the common options into *common, hands the rest to
 * the probe, and on success stores the config in *cfg. With --help or
 * --version, common->help/version is set and *cfg is NULL. On error, err
 * holds one line naming the option and the text.
 */
enum td_err td_probe_parse(const struct td_probe *probe, int argc, char *const *argv,
			   const char *progname, struct td_common *common, void **cfg, char *err,
			   size_t errlen);

/* Appends the full --help text for probe. */
void td_probe_help(const struct td_probe *probe, const char *progname, struct td_buf *out);

#endif

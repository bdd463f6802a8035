/* probe.c - parsing a probe's command line, and its --help. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tandem/probe.h"

enum td_err td_probe_parse(const struct td_probe *probe, int argc, char *const *argv,
			   const char *progname, struct td_common *common, void **cfg, char *err,
			   size_t errlen)
{
	int xargc = 0;
	char **xargv = NULL;
	enum td_err rc;
	void *c = NULL;

	/* A probe may fail without a message; the caller's buffer may hold an old one. */
	if (err && errlen)
		err[0] = '\0';
	memset(common, 0, sizeof *common);
	common->timeout = 10;
	common->timeout_state = TD_STATE_CRITICAL;
	*cfg = NULL;
	rc = td_extra_opts_expand(argc, argv, progname, &xargc, &xargv, err, errlen);
	if (rc != TD_OK)
		return rc;

	c = probe->config_new();
	struct td_getopt g;
	const struct td_option *o;
	const char *arg;
	int got;
	td_getopt_init(&g, xargc, xargv, probe->options);
	while ((got = td_getopt_next(&g, &o, &arg, err, errlen)) == 1) {
		int id = o ? o->id : TD_OPT_POSITIONAL;
		switch (id) {
		case TD_OPT_HELP:
			common->help = true;
			break;
		case TD_OPT_VERSION:
			common->version = true;
			break;
		case TD_OPT_VERBOSE:
			if (common->verbose < 3)
				common->verbose++;
			break;
		case TD_OPT_TIMEOUT:
			rc = td_common_timeout(common, arg, err, errlen);
			break;
		case TD_OPT_EXTRA_OPTS:
			/*
			 * Expansion took every `--extra-opts[=...]` before "--"; what
			 * reaches here is an abbreviation (or came from a file), which
			 * would otherwise be ignored without a word.
			 */
			rc = td_errf(TD_E_USAGE, err, errlen,
				     "write --extra-opts in full, on the command line");
			break;
		default:
			rc = probe->option(c, id, arg, err, errlen);
			if (rc != TD_OK && id == TD_OPT_POSITIONAL && err && !*err)
				td_errf(rc, err, errlen, "unexpected argument \"%s\"", arg);
			break;
		}
		if (rc != TD_OK)
			goto out;
	}
	if (got < 0) {
		rc = TD_E_USAGE;
		goto out;
	}
	if (common->help || common->version)
		goto out;
	if (probe->finish)
		rc = probe->finish(c, common, err, errlen);
out:
	td_argv_free(xargc, xargv);
	if (rc != TD_OK || common->help || common->version) {
		probe->config_free(c);
		c = NULL;
	}
	*cfg = c;
	return rc;
}

void td_probe_help(const struct td_probe *probe, const char *progname, struct td_buf *out)
{
	td_buf_printf(out, "%s (%s %s) - %s\n\n", progname, PACKAGE_NAME, PACKAGE_VERSION,
		      probe->purpose);
	td_buf_printf(out, "Usage: %s [OPTION]...\n\nOptions:\n", progname);
	td_options_help(out, probe->options);
	td_options_help(out, td_common_options);
	if (probe->help_tail && *probe->help_tail)
		td_buf_printf(out, "\n%s", probe->help_tail);
	td_buf_puts(out, "\nThresholds are ranges [@]START:END, both ends inclusive: 10 alerts below 0\n"
			 "or above 10, 10: below 10, ~:10 above 10, 10:20 outside 10..20, @10:20\n"
			 "inside 10..20.\n");
	struct td_buf x;
	td_buf_init(&x, 0);
	td_buf_puts(&x, "--extra-opts reads the section named like the program (or SECTION) from "
			"FILE, or else from the first of: $MP_CONFIG_FILE");
	for (const char *const *p = td_extra_opts_paths(); *p; p++)
		td_buf_printf(&x, ", %s", *p);
	td_buf_puts(&x, ". Keys are long option names: `warning = 80` is --warning=80.");
	td_buf_putc(out, '\n');
	td_help_wrap(out, td_buf_str(&x), 0, 79);
	td_buf_cleanup(&x);
	td_buf_puts(out, "\nExit: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.\n");
}

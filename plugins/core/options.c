/*
 * options.c - a reentrant getopt_long over option tables, the common
 * options, and --help generated from the tables.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "tandem/options.h"
#include "tandem/unit.h"

const struct td_option td_common_options[] = {
	{ 'h', "help", TD_ARG_NONE, NULL, "Print this help and exit (UNKNOWN).", TD_OPT_HELP },
	{ 'V', "version", TD_ARG_NONE, NULL, "Print the name and version and exit (UNKNOWN).",
	  TD_OPT_VERSION },
	{ 'v', "verbose", TD_ARG_NONE, NULL, "Show more detail after the first line; repeat for more (up to 3).",
	  TD_OPT_VERBOSE },
	{ 't', "timeout", TD_ARG_REQUIRED, "SECONDS[:STATE]",
	  "Give up after SECONDS (default 10) with STATE (default CRITICAL; ok, warning, critical "
	  "or unknown).",
	  TD_OPT_TIMEOUT },
	{ 0, "extra-opts", TD_ARG_OPTIONAL, "[SECTION][@FILE]",
	  "Read options from an INI file section, so secrets stay out of the process list.",
	  TD_OPT_EXTRA_OPTS },
	TD_OPTION_END,
};

void td_getopt_init(struct td_getopt *g, int argc, char *const *argv,
		    const struct td_option *probe_table)
{
	memset(g, 0, sizeof *g);
	g->argc = argc;
	g->argv = argv;
	g->index = 1;
	g->tables[0] = probe_table;
	g->tables[1] = td_common_options;
}

static const struct td_option *td_find_short(const struct td_getopt *g, int c)
{
	for (int t = 0; t < 2; t++)
		for (const struct td_option *o = g->tables[t]; o && o->id; o++)
			if (o->short_name == c)
				return o;
	return NULL;
}

/* Exact match first, then a unique prefix, as getopt_long does. */
static const struct td_option *td_find_long(const struct td_getopt *g, const char *name, size_t n,
					    bool *ambiguous)
{
	const struct td_option *prefix = NULL;
	*ambiguous = false;
	for (int t = 0; t < 2; t++)
		for (const struct td_option *o = g->tables[t]; o && o->id; o++) {
			if (!o->long_name || strncmp(o->long_name, name, n))
				continue;
			if (strlen(o->long_name) == n)
				return o;
			if (prefix && prefix->id != o->id)
				*ambiguous = true;
			prefix = o;
		}
	return *ambiguous ? NULL : prefix;
}

int td_getopt_next(struct td_getopt *g, const struct td_option **opt, const char **arg, char *err,
		   size_t errlen)
{
	*opt = NULL;
	*arg = NULL;
	if (g->cluster && *g->cluster) {
		int c = (unsigned char)*g->cluster++;
		const struct td_option *o = td_find_short(g, c);
		if (!o) {
			g->cluster = NULL;
			td_errf(TD_E_USAGE, err, errlen, "unknown option \"-%c\"", c);
			return -1;
		}
		*opt = o;
		if (o->arg == TD_ARG_NONE)
			return 1;
		if (*g->cluster) {
			*arg = g->cluster;
		} else if (o->arg == TD_ARG_REQUIRED) {
			if (g->index >= g->argc) {
				td_errf(TD_E_USAGE, err, errlen, "option \"-%c\" needs a value (%s)", c,
					o->metavar ? o->metavar : "VALUE");
				return -1;
			}
			*arg = g->argv[g->index++];
		}
		g->cluster = NULL;
		return 1;
	}
	g->cluster = NULL;
	if (g->index >= g->argc)
		return 0;
	const char *w = g->argv[g->index++];
	if (g->done || w[0] != '-' || w[1] == '\0') {
		*arg = w;
		return 1;
	}
	if (w[1] != '-') {
		g->cluster = w + 1;
		return td_getopt_next(g, opt, arg, err, errlen);
	}
	if (w[2] == '\0') {
		g->done = true;
		return td_getopt_next(g, opt, arg, err, errlen);
	}
	const char *name = w + 2, *eq = strchr(name, '=');
	size_t n = eq ? (size_t)(eq - name) : strlen(name);
	bool ambiguous;
	const struct td_option *o = td_find_long(g, name, n, &ambiguous);
	if (!o) {
		td_errf(TD_E_USAGE, err, errlen, "%s option \"--%.*s\"", ambiguous ? "ambiguous" : "unknown",
			(int)n, name);
		return -1;
	}
	*opt = o;
	if (o->arg == TD_ARG_NONE) {
		if (eq) {
			td_errf(TD_E_USAGE, err, errlen, "option \"--%s\" takes no value", o->long_name);
			return -1;
		}
		return 1;
	}
	if (eq) {
		*arg = eq + 1;
	} else if (o->arg == TD_ARG_REQUIRED) {
		if (g->index >= g->argc) {
			td_errf(TD_E_USAGE, err, errlen, "option \"--%s\" needs a value (%s)", o->long_name,
				o->metavar ? o->metavar : "VALUE");
			return -1;
		}
		*arg = g->argv[g->index++];
	}
	return 1;
}

enum td_err td_common_timeout(struct td_common *c, const char *arg, char *err, size_t errlen)
{
	char num[64];
	const char *colon = strchr(arg, ':');
	size_t n = colon ? (size_t)(colon - arg) : strlen(arg);
	if (n >= sizeof num)
		return td_errf(TD_E_USAGE, err, errlen, "-t: \"%s\" is not SECONDS[:STATE]", arg);
	memcpy(num, arg, n);
	num[n] = '\0';
	double secs;
	char why[160];
	if (td_parse_seconds(num, &secs, why, sizeof why) != TD_OK)
		return td_errf(TD_E_USAGE, err, errlen, "-t: %s", why);
	enum td_state st = c->timeout_state;
	if (colon && td_state_parse(colon + 1, &st) != TD_OK)
		return td_errf(TD_E_USAGE, err, errlen,
			       "-t: \"%s\" is not a state (ok, warning, critical or unknown)", colon + 1);
	c->timeout = secs;
	c->timeout_state = st;
	return TD_OK;
}

/* Appends text wrapped to `width` columns, each line indented by `indent`. */
void td_help_wrap(struct td_buf *out, const char *text, int indent, int width)
{
	int col = indent;
	td_buf_printf(out, "%*s", indent, "");
	while (*text) {
		if (*text == '\n') {
			td_buf_printf(out, "\n%*s", indent, "");
			col = indent;
			text++;
			continue;
		}
		if (*text == ' ') {
			text++;
			continue;
		}
		size_t w = strcspn(text, " \n");
		if (col > indent && col + 1 + (int)w > width) {
			td_buf_printf(out, "\n%*s", indent, "");
			col = indent;
		} else if (col > indent) {
			td_buf_putc(out, ' ');
			col++;
		}
		td_buf_append(out, text, w);
		col += (int)w;
		text += w;
	}
	td_buf_putc(out, '\n');
}

void td_options_help(struct td_buf *out, const struct td_option *table)
{
	for (const struct td_option *o = table; o && o->id; o++) {
		td_buf_puts(out, " ");
		if (o->short_name)
			td_buf_printf(out, "-%c%s", o->short_name, o->long_name ? ", " : "");
		if (o->long_name)
			td_buf_printf(out, "--%s", o->long_name);
		if (o->arg == TD_ARG_REQUIRED)
			td_buf_printf(out, "%s%s", o->long_name ? "=" : " ", o->metavar ? o->metavar : "VALUE");
		else if (o->arg == TD_ARG_OPTIONAL)
			td_buf_printf(out, "[=%s]", o->metavar ? o->metavar : "VALUE");
		td_buf_putc(out, '\n');
		td_help_wrap(out, o->help ? o->help : "", 4, 79);
	}
}

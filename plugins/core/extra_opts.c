/*
 * extra_opts.c - --extra-opts=[SECTION][@FILE], the monitoring-plugins way of
 * keeping options (passwords, communities) out of the process list: options
 * are read from an INI section and put before the command line's own, so the
 * command line wins. Read with inih; values are wiped when freed.
 */
#include "config.h"

#include <errno.h>
#include <ini.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tandem/buf.h"
#include "tandem/options.h"

static const char *const td_default_paths[] = {
	SYSCONFDIR "/tandem/plugins.ini",
	"/etc/tandem/plugins.ini",
	"/etc/monitoring-plugins/monitoring-plugins.ini",
	"/etc/monitoring-plugins.ini",
	"/etc/nagios/plugins.ini",
	"/etc/nagios-plugins.ini",
	NULL,
};

const char *const *td_extra_opts_paths(void)
{
	return td_default_paths;
}

struct td_argv {
	char **v;
	int n, cap;
};

static void td_argv_push(struct td_argv *a, char *s)
{
	if (a->n + 1 >= a->cap) {
		a->cap = a->cap ? a->cap * 2 : 16;
		a->v = td_xrealloc(a->v, (size_t)a->cap * sizeof *a->v);
	}
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

void td_argv_free(int argc, char **argv)
{
	if (!argv)
		return;
	for (int i = 0; i < argc; i++) {
		if (argv[i]) {
			td_wipe(argv[i], strlen(argv[i]));
			free(argv[i]);
		}
	}
	free(argv);
}

struct td_ini_ctx {
	const char *section;
	struct td_argv *out;
	bool found;
	int count;
};

static int td_ini_handler(void *user, const char *section, const char *name, const char *value)
{
	struct td_ini_ctx *c = user;
	if (strcmp(section, c->section) != 0)
		return 1;
	c->found = true;
	if (!name || !*name) /* a section header alone */
		return 1;
	/* An option name, not a sentence: inih would take "a b = c" as key "a b". */
	if (strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") !=
	    strlen(name))
		return 0;
	if (++c->count > 256)
		return 0;
	if (strlen(name) == 1) {
		td_argv_push(c->out, td_xasprintf("-%s", name));
		td_argv_push(c->out, td_xstrdup(value ? value : ""));
	} else if (value && *value) {
		td_argv_push(c->out, td_xasprintf("--%s=%s", name, value));
	} else {
		td_argv_push(c->out, td_xasprintf("--%s", name));
	}
	return 1;
}

/* Reads one --extra-opts spec into out. */
static enum td_err td_extra_read(const char *spec, const char *progname, struct td_argv *out,
				 char *err, size_t errlen)
{
	const char *at = strchr(spec, '@');
	char *section = at ? td_xstrndup(spec, (size_t)(at - spec)) : td_xstrdup(spec);
	const char *file = at ? at + 1 : NULL;
	enum td_err rc = TD_OK;
	if (!*section) {
		free(section);
		section = td_xstrdup(progname);
	}
	if (file && !*file) {
		rc = td_errf(TD_E_USAGE, err, errlen, "--extra-opts: \"%s\" names no file after '@'", spec);
		goto out;
	}
	if (!file) {
		const char *env = getenv("MP_CONFIG_FILE");
		if (env && *env)
			file = env;
		for (int i = 0; !file && td_default_paths[i]; i++)
			if (access(td_default_paths[i], R_OK) == 0)
				file = td_default_paths[i];
		if (!file) {
			rc = td_errf(TD_E_USAGE, err, errlen,
				     "--extra-opts: no file given and none of the default files exists "
				     "(see --help)");
			goto out;
		}
	}
	struct td_ini_ctx ctx = { .section = section, .out = out };
	int line = ini_parse(file, td_ini_handler, &ctx);
	if (line < 0)
		rc = td_errf(TD_E_USAGE, err, errlen, "--extra-opts: cannot read %s: %s", file,
			     line == -1 ? strerror(errno) : "out of memory");
	else if (line > 0)
		rc = td_errf(TD_E_USAGE, err, errlen, "--extra-opts: %s:%d: not `key = value` or [section]",
			     file, line);
	else if (!ctx.found)
		rc = td_errf(TD_E_USAGE, err, errlen, "--extra-opts: %s has no section [%s]", file, section);
out:
	free(section);
	return rc;
}

enum td_err td_extra_opts_expand(int argc, char *const *argv, const char *progname, int *out_argc,
				 char ***out_argv, char *err, size_t errlen)
{
	struct td_argv file_opts = { 0 }, out = { 0 };
	enum td_err rc = TD_OK;
	bool dashdash = false;
	td_argv_push(&out, td_xstrdup(argc > 0 ? argv[0] : progname));
	for (int i = 1; i < argc && rc == TD_OK; i++) {
		const char *w = argv[i];
		if (!dashdash && !strcmp(w, "--"))
			dashdash = true;
		if (!dashdash && !strncmp(w, "--extra-opts", 12) && (w[12] == '\0' || w[12] == '='))
			rc = td_extra_read(w[12] == '=' ? w + 13 : "", progname, &file_opts, err, errlen);
	}
	if (rc != TD_OK) {
		td_argv_free(file_opts.n, file_opts.v);
		td_argv_free(out.n, out.v);
		return rc;
	}
	for (int i = 0; i < file_opts.n; i++)
		td_argv_push(&out, file_opts.v[i]);
	free(file_opts.v);
	dashdash = false;
	for (int i = 1; i < argc; i++) {
		const char *w = argv[i];
		if (!dashdash && !strcmp(w, "--"))
			dashdash = true;
		if (!dashdash && !strncmp(w, "--extra-opts", 12) && (w[12] == '\0' || w[12] == '='))
			continue;
		td_argv_push(&out, td_xstrdup(w));
	}
	*out_argc = out.n;
	*out_argv = out.v;
	return TD_OK;
}

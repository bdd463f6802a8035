/*
 * conf.c - reading tandemd.conf with inih, every error as file:line.
 *
 * inih is built without line numbers in its handler, so the file is fed
 * through our own reader, which counts lines and notes whether a line was a
 * continuation (it starts with white space): `command` may go on over several
 * indented lines, which also lifts inih's 200-byte line limit for the only
 * key that needs long values. A line longer than that limit is an error that
 * says so, never a silently cut command.
 *
 * The reader also finds section headers and malformed lines itself: inih
 * calls no handler for a section without keys, passes section names cut to
 * 49 bytes, and returns only the first malformed line.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <ini.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tandem/conf.h"
#include "tandem/shellwords.h"
#include "tandem/unit.h"

/* inih's line buffer in Debian's build (INI_MAX_LINE). */
#define TD_INI_LINE 200

struct td_conf_ctx {
	struct td_conf *c;
	struct td_buf *errors;
	const char *path;
	FILE *f;
	unsigned line;          /* line just read */
	unsigned header_line;   /* line of the last [section] header */
	bool line_cont;         /* it started with white space */
	bool line_too_long;
	unsigned errors_n;
	struct td_service *cur; /* service whose section we are in */
	char *cur_section;      /* NULL before the first section */
	char *last_key;         /* for continuation lines */
	bool in_daemon;
	bool have_key;          /* a key was read in this section: indented lines continue it */
	unsigned first_bad;     /* first malformed line reported by the reader */
};

static void td_conf_error(struct td_conf_ctx *x, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void td_conf_error(struct td_conf_ctx *x, unsigned line, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (x->errors_n++ < 100)
		td_buf_printf(x->errors, "%s:%u: %s\n", x->path, line, msg);
}

static void td_conf_line(struct td_conf_ctx *x, const char *str);

static char *td_conf_reader(char *str, int num, void *stream)
{
	struct td_conf_ctx *x = stream;
	if (!fgets(str, num, x->f))
		return NULL;
	x->line++;
	x->line_cont = str[0] == ' ' || str[0] == '\t';
	size_t n = strlen(str);
	x->line_too_long = false;
	if (n == (size_t)num - 1 && str[n - 1] != '\n' && !feof(x->f)) {
		/* swallow the rest of the line: one error, not a cascade */
		int ch;
		while ((ch = fgetc(x->f)) != EOF && ch != '\n')
			;
		x->line_too_long = true;
		str[0] = '\0'; /* an empty line for inih */
		td_conf_error(x, x->line,
			      "line longer than %d bytes; continue a long command on indented lines",
			      TD_INI_LINE - 2);
	}
	td_conf_line(x, str);
	return str;
}

enum td_err td_conf_duration(const char *text, double *out)
{
	size_t n = strlen(text);
	double mult = 1, v;
	if (n == 0)
		return TD_E_PARSE;
	switch (text[n - 1]) {
	case 's': mult = 1; n--; break;
	case 'm': mult = 60; n--; break;
	case 'h': mult = 3600; n--; break;
	case 'd': mult = 86400; n--; break;
	case 'w': mult = 7 * 86400; n--; break;
	case 'y': mult = 365 * 86400; n--; break;
	}
	if (td_parse_number(text, text + n, &v) != TD_OK || !(v > 0) || v * mult > 100.0 * 365 * 86400)
		return TD_E_PARSE;
	*out = v * mult;
	return TD_OK;
}

/* An executable regular file: a directory is "executable" to access(2) too. */
static bool td_conf_executable(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

char *td_conf_find_program(const char *name, const char *path)
{
	if (strchr(name, '/'))
		return td_conf_executable(name) ? td_xstrdup(name) : NULL;
	const char *p = path ? path : "";
	while (*p) {
		const char *colon = strchr(p, ':');
		size_t n = colon ? (size_t)(colon - p) : strlen(p);
		if (n) {
			char *cand = td_xasprintf("%.*s/%s", (int)n, p, name);
			if (td_conf_executable(cand))
				return cand;
			free(cand);
		}
		p += n + (colon ? 1 : 0);
	}
	return NULL;
}

/* Archives: "step:2d 5m:10d 30m:90d 6h:4y" (resolution:retention). */
static enum td_err td_conf_archives(const char *text, struct td_conf *c)
{
	struct td_archive a[TD_MAX_ARCHIVES];
	size_t n = 0;
	char word[64];
	const char *p = text;
	while (*p) {
		while (*p == ' ' || *p == ',')
			p++;
		if (!*p)
			break;
		size_t len = strcspn(p, " ,");
		if (len >= sizeof word || n == TD_MAX_ARCHIVES)
			return TD_E_PARSE;
		memcpy(word, p, len);
		word[len] = '\0';
		p += len;
		char *colon = strchr(word, ':');
		if (!colon)
			return TD_E_PARSE;
		*colon = '\0';
		if (!strcmp(word, "step"))
			a[n].resolution = 0;
		else if (td_conf_duration(word, &a[n].resolution) != TD_OK)
			return TD_E_PARSE;
		if (td_conf_duration(colon + 1, &a[n].retention) != TD_OK)
			return TD_E_PARSE;
		n++;
	}
	if (n == 0)
		return TD_E_PARSE;
	memcpy(c->archives, a, n * sizeof a[0]);
	c->n_archives = n;
	return TD_OK;
}

/* interval and timeout, in [tandemd] and in services: 1 s to 1 d. */
static void td_conf_interval(struct td_conf_ctx *x, const char *name, const char *value, double *out)
{
	double d;
	if (td_conf_duration(value, &d) != TD_OK || d < 1 || d > 86400)
		td_conf_error(x, x->line, "%s: expected a duration like 60 or 5m (1 s to 1 d), got \"%s\"",
			      name, value);
	else
		*out = d;
}

static void td_set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = td_xstrdup(v);
}

static void td_conf_daemon_key(struct td_conf_ctx *x, const char *name, const char *value)
{
	struct td_conf *c = x->c;
	unsigned long long n;
	double d;
	if (!strcmp(name, "data_dir"))
		td_set_str(&c->data_dir, value);
	else if (!strcmp(name, "spool_dir"))
		td_set_str(&c->spool_dir, value);
	else if (!strcmp(name, "pid_file"))
		td_set_str(&c->pid_file, value);
	else if (!strcmp(name, "rrdcached"))
		td_set_str(&c->rrdcached, value);
	else if (!strcmp(name, "user"))
		td_set_str(&c->user, value);
	else if (!strcmp(name, "plugin_path"))
		td_set_str(&c->plugin_path, value);
	else if (!strcmp(name, "perfdata_dir"))
		td_set_str(&c->perfdata_dir, value);
	else if (!strcmp(name, "log")) {
		if (strcmp(value, "stderr") && strcmp(value, "syslog"))
			td_conf_error(x, x->line, "log: expected stderr or syslog, got \"%s\"", value);
		else
			td_set_str(&c->log, value);
	} else if (!strcmp(name, "workers")) {
		if (td_parse_uint(value, 1, 256, &n) != TD_OK)
			td_conf_error(x, x->line, "workers: expected a number from 1 to 256, got \"%s\"",
				      value);
		else
			c->workers = (unsigned)n;
	} else if (!strcmp(name, "interval") || !strcmp(name, "timeout")) {
		td_conf_interval(x, name, value, name[0] == 'i' ? &c->interval : &c->timeout);
	} else if (!strcmp(name, "write_delay")) {
		if (td_parse_number(value, NULL, &d) != TD_OK || d < 0 || d > 300)
			td_conf_error(x, x->line,
				      "write_delay: expected seconds from 0 to 300, got \"%s\"", value);
		else
			c->write_delay = d;
	} else if (!strcmp(name, "archives")) {
		if (td_conf_archives(value, c) != TD_OK)
			td_conf_error(x, x->line,
				      "archives: expected RESOLUTION:RETENTION pairs like \"step:2d 5m:10d "
				      "30m:90d 6h:4y\", got \"%s\"",
				      value);
	} else {
		td_conf_error(x, x->line, "unknown key \"%s\" in [tandemd]", name);
	}
}

/* Whether a probe's command line sets -t itself: td_probe_parse fills in 10 s when it does not. */
static bool td_conf_gives_timeout(const struct td_service *s, const char *prog)
{
	int argc;
	char **argv;
	bool given = false;
	if (td_extra_opts_expand(s->argc, s->argv, prog, &argc, &argv, NULL, 0) != TD_OK)
		return false;
	struct td_getopt g;
	const struct td_option *o;
	const char *arg;
	td_getopt_init(&g, argc, argv, s->probe->options);
	while (!given && td_getopt_next(&g, &o, &arg, NULL, 0) == 1)
		given = o && o->id == TD_OPT_TIMEOUT;
	td_argv_free(argc, argv);
	return given;
}

/* Splits the service's command and parses it with its probe. */
static void td_conf_resolve(struct td_conf_ctx *x, struct td_service *s)
{
	char err[512];
	if (!s->command) {
		td_conf_error(x, s->line, "[%s]: no command", s->name);
		return;
	}
	if (td_shell_split(s->command, &s->argc, &s->argv, err, sizeof err) != TD_OK) {
		td_conf_error(x, s->line, "[%s]: command: %s", s->name, err);
		return;
	}
	s->probe = td_probe_lookup(s->argv[0]);
	if (s->probe) {
		char prog[64];
		snprintf(prog, sizeof prog, "check_%s", s->probe->name);
		if (td_probe_parse(s->probe, s->argc, s->argv, prog, &s->common, &s->probe_cfg, err,
				   sizeof err) != TD_OK) {
			td_conf_error(x, s->line, "[%s]: %s: %s", s->name, prog, err);
			return;
		}
		if (s->common.help || s->common.version) {
			td_conf_error(x, s->line, "[%s]: %s: --help and --version are not checks", s->name,
				      prog);
			return;
		}
		if (!s->timeout && td_conf_gives_timeout(s, prog))
			s->timeout = s->common.timeout;
	} else {
		s->exec_path = td_conf_find_program(s->argv[0], x->c->plugin_path);
		if (!s->exec_path) {
			td_conf_error(x, s->line,
				      "[%s]: \"%s\" is no tandem probe and no executable in plugin_path "
				      "(%s)",
				      s->name, s->argv[0], x->c->plugin_path);
			return;
		}
	}
}

static struct td_service *td_conf_add_service(struct td_conf *c)
{
	c->services = td_xrealloc(c->services, (c->n_services + 1) * sizeof *c->services);
	struct td_service *s = &c->services[c->n_services++];
	memset(s, 0, sizeof *s);
	return s;
}

static bool td_conf_name_ok(const char *s)
{
	if (!*s || strlen(s) > 255)
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

static void td_conf_begin_section(struct td_conf_ctx *x, const char *section)
{
	x->cur = NULL;
	free(x->cur_section);
	x->cur_section = td_xstrdup(section);
	free(x->last_key);
	x->last_key = NULL;
	x->have_key = false;
	x->in_daemon = !strcmp(section, "tandemd");
	if (x->in_daemon)
		return;
	const char *slash = strchr(section, '/');
	if (!slash || strchr(slash + 1, '/') || slash == section || !slash[1] ||
	    !td_conf_name_ok(section)) {
		td_conf_error(x, x->header_line,
			      "[%s]: a service section is named host/service, like [web1/http]", section);
		return;
	}
	for (size_t i = 0; i < x->c->n_services; i++)
		if (!strcmp(x->c->services[i].name, section)) {
			td_conf_error(x, x->header_line, "[%s]: defined twice (first on line %u)", section,
				      x->c->services[i].line);
			return;
		}
	struct td_service *s = td_conf_add_service(x->c);
	s->name = td_xstrdup(section);
	s->host = td_xstrndup(section, (size_t)(slash - section));
	s->service = td_xstrdup(slash + 1);
	s->line = x->header_line;
	s->interval = 0; /* default applied at the end */
	s->timeout = 0;
	x->cur = s;
}

/* inih's find_chars_or_comment: the first of chars, or an inline comment (" ;"), or the end. */
static const char *td_conf_find(const char *s, const char *chars)
{
	bool was_space = false;
	while (*s && !strchr(chars, *s) && !(was_space && *s == ';')) {
		was_space = isspace((unsigned char)*s);
		s++;
	}
	return s;
}

/* Sorts a line as inih will (ini.c, ini_parse_stream): starts sections, reports bad lines. */
static void td_conf_line(struct td_conf_ctx *x, const char *str)
{
	const char *s = str;
	if (x->line == 1 && !strncmp(s, "\xEF\xBB\xBF", 3))
		s += 3;
	bool indented = s > str || isspace((unsigned char)*s);
	while (isspace((unsigned char)*s))
		s++;
	if (!*s || *s == ';' || *s == '#')
		return;
	if (indented && x->have_key)
		return; /* goes on with the previous key */
	if (*s == '[') {
		const char *end = td_conf_find(s + 1, "]");
		if (*end == ']') {
			char *name = td_xstrndup(s + 1, (size_t)(end - s - 1));
			x->header_line = x->line;
			td_conf_begin_section(x, name);
			free(name);
			return;
		}
	} else if (*td_conf_find(s, "=:") == '=' || *td_conf_find(s, "=:") == ':') {
		x->have_key = true;
		return;
	}
	td_conf_error(x, x->line, "expected [section], key = value, or a comment");
	if (!x->first_bad)
		x->first_bad = x->line;
	if (*s == '[') { /* the keys below belong to no section, not to the one before */
		x->cur = NULL;
		x->in_daemon = false;
		free(x->cur_section);
		x->cur_section = td_xstrdup("");
	}
}

static int td_conf_handler(void *user, const char *section, const char *name, const char *value)
{
	struct td_conf_ctx *x = user;
	(void)section; /* cut to 49 bytes by inih: td_conf_line keeps the whole name */
	if (x->line_too_long)
		return 1;
	if (!x->cur_section) {
		td_conf_error(x, x->line, "%s: a key before the first [section]", name);
		return 1;
	}
	bool cont = x->line_cont && x->last_key && !strcmp(x->last_key, name);
	free(x->last_key);
	x->last_key = td_xstrdup(name);
	if (cont && (x->in_daemon || strcmp(name, "command"))) {
		td_conf_error(x, x->line, "%s: only command may go on over several lines", name);
		return 1;
	}
	if (x->in_daemon) {
		td_conf_daemon_key(x, name, value);
		return 1;
	}
	struct td_service *s = x->cur;
	if (!s)
		return 1; /* a bad section header was reported already */
	if (!strcmp(name, "command")) {
		if (cont && s->command) {
			/* a line ending in a backslash goes on as in sh: the split drops "\\\n" */
			size_t len = strlen(s->command);
			bool bs = len && s->command[len - 1] == '\\';
			char *joined = td_xasprintf("%s%s%s", s->command, bs ? "\n " : " ", value);
			free(s->command);
			s->command = joined;
		} else if (s->command) {
			td_conf_error(x, x->line, "[%s]: command given twice", s->name);
		} else {
			s->command = td_xstrdup(value);
		}
	} else if (!strcmp(name, "interval") || !strcmp(name, "timeout")) {
		td_conf_interval(x, name, value, name[0] == 'i' ? &s->interval : &s->timeout);
	} else {
		td_conf_error(x, x->line, "[%s]: unknown key \"%s\" (expected interval, timeout or command)",
			      s->name, name);
	}
	return 1;
}

static struct td_conf *td_conf_new(void)
{
	struct td_conf *c = td_xcalloc(1, sizeof *c);
	c->workers = 4;
	c->interval = 60;
	c->write_delay = -1;
	c->timeout = 0;
	c->plugin_path = td_xstrdup(PLUGINDIR ":/usr/lib/nagios/plugins:/usr/local/nagios/libexec");
	static const struct td_archive pnp[] = {
		{ 0, 2 * 86400 }, { 300, 10 * 86400 }, { 1800, 90 * 86400 }, { 21600, 4 * 365 * 86400 }
	};
	memcpy(c->archives, pnp, sizeof pnp);
	c->n_archives = 4;
	return c;
}

/* Defaults that depend on other keys, once everything is read. */
static void td_conf_finish(struct td_conf *c, const char *data_dir)
{
	if (data_dir)
		td_set_str(&c->data_dir, data_dir);
	if (!c->data_dir)
		c->data_dir = td_xstrdup(STATEDIR "/rrd");
	if (!c->spool_dir)
		c->spool_dir = td_xasprintf("%s/.tandemd/spool", c->data_dir);
	if (!c->pid_file)
		c->pid_file = td_xasprintf("%s/.tandemd/tandemd.pid", c->data_dir);
	for (size_t i = 0; i < c->n_services; i++) {
		struct td_service *s = &c->services[i];
		if (!s->interval)
			s->interval = c->interval;
		/* the service's timeout, else the command's -t (td_conf_resolve), else the default;
		 * never past the interval */
		double t = s->timeout ? s->timeout : (c->timeout ? c->timeout : 10);
		s->timeout = fmin(t, s->interval);
		if (!s->probe)
			s->common.timeout_state = TD_STATE_CRITICAL;
	}
}

enum td_err td_conf_load(const char *path, const char *data_dir, struct td_conf **out,
			 struct td_buf *errors)
{
	struct td_conf_ctx x = { .errors = errors, .path = path };
	x.f = fopen(path, "re");
	if (!x.f) {
		td_buf_printf(errors, "%s: %s\n", path, strerror(errno));
		return TD_E_IO;
	}
	x.c = td_conf_new();
	x.c->path = td_xstrdup(path);
	int rc = ini_parse_stream(td_conf_reader, &x, td_conf_handler, &x);
	if (rc > 0 && (unsigned)rc != x.first_bad) /* a bad line td_conf_line did not see */
		td_conf_error(&x, (unsigned)rc, "expected [section], key = value, or a comment");
	/* Commands are parsed once the whole file is read: [tandemd] (plugin_path)
	 * may come after the services. */
	for (size_t i = 0; i < x.c->n_services; i++)
		td_conf_resolve(&x, &x.c->services[i]);
	fclose(x.f);
	free(x.cur_section);
	free(x.last_key);
	td_conf_finish(x.c, data_dir);
	if (x.errors_n) {
		td_conf_free(x.c);
		return TD_E_PARSE;
	}
	*out = x.c;
	return TD_OK;
}

struct td_conf *td_conf_builtin(const char *data_dir)
{
	struct td_conf *c = td_conf_new();
	/* every 10 s, like collectd's default: a first look shows lines, not dots */
	c->interval = 10;
	char host[256] = "localhost";
	if (gethostname(host, sizeof host - 1) != 0 || !host[0])
		snprintf(host, sizeof host, "localhost");
	host[sizeof host - 1] = '\0';
	static const struct {
		const char *service, *command;
	} builtin[] = {
		{ "load", "check_load -r -w 0.9,0.8,0.7 -c 2,1.5,1.2" },
		{ "memory", "check_mem -w 90% -c 95%" },
		{ "disk", "check_disk -w 10% -c 5% -l" },
		{ "procs", "check_procs -w 1000 -c 2000" },
	};
	char err[256];
	for (size_t i = 0; i < sizeof builtin / sizeof builtin[0]; i++) {
		struct td_service *s = td_conf_add_service(c);
		s->name = td_xasprintf("%s/%s", host, builtin[i].service);
		s->host = td_xstrdup(host);
		s->service = td_xstrdup(builtin[i].service);
		s->command = td_xstrdup(builtin[i].command);
		if (td_shell_split(s->command, &s->argc, &s->argv, err, sizeof err) != TD_OK ||
		    !(s->probe = td_probe_lookup(s->argv[0])) ||
		    td_probe_parse(s->probe, s->argc, s->argv, s->argv[0], &s->common, &s->probe_cfg,
				   err, sizeof err) != TD_OK) {
			/* a built-in command that does not parse is a bug in this table */
			fprintf(stderr, "tandemd: built-in %s: %s\n", s->command, err);
			abort();
		}
	}
	td_conf_finish(c, data_dir);
	return c;
}

void td_conf_free(struct td_conf *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_services; i++) {
		struct td_service *s = &c->services[i];
		if (s->probe && s->probe_cfg)
			s->probe->config_free(s->probe_cfg);
		td_argv_free(s->argc, s->argv);
		free(s->name);
		free(s->host);
		free(s->service);
		free(s->command);
		free(s->exec_path);
	}
	free(c->services);
	free(c->path);
	free(c->data_dir);
	free(c->spool_dir);
	free(c->pid_file);
	free(c->rrdcached);
	free(c->user);
	free(c->log);
	free(c->plugin_path);
	free(c->perfdata_dir);
	free(c);
}

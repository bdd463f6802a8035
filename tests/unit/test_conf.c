/* test_conf.c - conf.c and registry.c: tandemd.conf, its defaults and its errors. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tandem/conf.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* A temporary directory per test, with two outside plugins in DIR/plugins. */
struct fixture {
	char dir[PATH_MAX];
	char plugins[PATH_MAX + 16];
};

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "we");
	if (!f)
		fail_msg("%s: cannot create", path);
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

static int setup(void **state)
{
	struct fixture *fx = td_xcalloc(1, sizeof *fx);
	const char *tmp = getenv("TMPDIR");
	snprintf(fx->dir, sizeof fx->dir, "%s/td-conf-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(fx->dir))
		return -1;
	snprintf(fx->plugins, sizeof fx->plugins, "%s/plugins", fx->dir);
	mkdir(fx->plugins, 0755);
	char path[PATH_MAX + 64];
	snprintf(path, sizeof path, "%s/check_outside", fx->plugins);
	write_file(path, "#!/bin/sh\necho 'OUTSIDE OK | x=1'\n", 0755);
	snprintf(path, sizeof path, "%s/check_other", fx->plugins);
	write_file(path, "#!/bin/sh\nexit 0\n", 0755);
	snprintf(path, sizeof path, "%s/check_noexec", fx->plugins);
	write_file(path, "#!/bin/sh\nexit 0\n", 0644);
	snprintf(path, sizeof path, "%s/check_dir", fx->plugins);
	mkdir(path, 0755);
	*state = fx;
	return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	nftw(fx->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return 0;
}

/* Writes DIR/name and returns its path (caller frees). */
static char *conf_file(const struct fixture *fx, const char *name, const char *text)
{
	char *path = td_xasprintf("%s/%s", fx->dir, name);
	write_file(path, text, 0644);
	return path;
}

static struct td_conf *load_ok(const char *path, const char *data_dir)
{
	struct td_conf *c = NULL;
	struct td_buf errors;
	td_buf_init(&errors, 0);
	enum td_err rc = td_conf_load(path, data_dir, &c, &errors);
	if (rc != TD_OK)
		fail_msg("%s: rc %d:\n%s", path, rc, td_buf_str(&errors));
	assert_int_equal(errors.len, 0);
	td_buf_cleanup(&errors);
	return c;
}

static const struct td_service *service(const struct td_conf *c, const char *name)
{
	for (size_t i = 0; i < c->n_services; i++)
		if (!strcmp(c->services[i].name, name))
			return &c->services[i];
	fail_msg("no service %s", name);
	return NULL;
}

static void assert_argv(const struct td_service *s, int argc, const char *const *want)
{
	if (s->argc != argc)
		fail_msg("[%s]: %d words, wanted %d (%s)", s->name, s->argc, argc, s->command);
	for (int i = 0; i < argc; i++)
		if (strcmp(s->argv[i], want[i]))
			fail_msg("[%s]: word %d \"%s\", wanted \"%s\"", s->name, i, s->argv[i],
				 want[i]);
	assert_null(s->argv[argc]);
}

/* Every [tandemd] key, in-process probes by every name, outside plugins by path and by name. */
static void test_conf_valid(void **state)
{
	struct fixture *fx = *state;
	char *text = td_xasprintf(
		"; tandemd.conf for test_conf\n"
		"[tandemd]\n"
		"data_dir = %s/data\n"
		"spool_dir = %s/spool\n"
		"pid_file = %s/run/tandemd.pid\n"
		"rrdcached = unix:/run/rrdcached.sock\n"
		"workers = 8\n"
		"user = nagios\n"
		"log = syslog\n"
		"interval = 5m\n"
		"timeout = 20\n"
		"plugin_path = /nonexistent:%s\n"
		"archives = step:1d 10m:30d, 1h:2y\n"
		"\n"
		"[web1/load]\n"
		"command = check_load -r -w 0.9,0.8,0.7 -c 2,1.5,1.2\n"
		"interval = 30\n"
		"# a Nagios path names tandem's own probe\n"
		"[web1/disk]\n"
		"command = /usr/lib/nagios/plugins/check_disk -w 10%% -c 5%%\n"
		"timeout = 1m\n"
		"[web1/disk2]\n"
		"command = disk -w 20%% -c 10%%\n"
		"[web1/outside]\n"
		"command = check_outside -H 'shop example' --x=\"1 2\"\n"
		"[web1/absolute]\n"
		"command = %s/check_other\n"
		"    -a one\n"
		"\t-b 'two three'\n"
		"interval = 10s\n"
		"[db-primary-01.eu-west-1.compute.internal.example.com/postgres connections]\n"
		"command = check_load\n"
		"[web1/indented]\n"
		"  command = check_load -w 5\n",
		fx->dir, fx->dir, fx->dir, fx->plugins, fx->plugins);
	char *path = conf_file(fx, "valid.conf", text);
	struct td_conf *c = load_ok(path, NULL);

	assert_string_equal(c->path, path);
	char *want = td_xasprintf("%s/data", fx->dir);
	assert_string_equal(c->data_dir, want);
	free(want);
	want = td_xasprintf("%s/spool", fx->dir);
	assert_string_equal(c->spool_dir, want);
	free(want);
	want = td_xasprintf("%s/run/tandemd.pid", fx->dir);
	assert_string_equal(c->pid_file, want);
	free(want);
	want = td_xasprintf("/nonexistent:%s", fx->plugins);
	assert_string_equal(c->plugin_path, want);
	free(want);
	assert_string_equal(c->rrdcached, "unix:/run/rrdcached.sock");
	assert_int_equal(c->workers, 8);
	assert_string_equal(c->user, "nagios");
	assert_string_equal(c->log, "syslog");
	assert_true(c->interval == 300);
	assert_true(c->timeout == 20);
	assert_int_equal(c->n_archives, 3);
	assert_true(c->archives[0].resolution == 0 && c->archives[0].retention == 86400);
	assert_true(c->archives[1].resolution == 600 && c->archives[1].retention == 30 * 86400);
	assert_true(c->archives[2].resolution == 3600 &&
		    c->archives[2].retention == 2 * 365 * 86400);
	assert_int_equal(c->n_services, 7);

	const struct td_service *s = service(c, "web1/load");
	assert_string_equal(s->host, "web1");
	assert_string_equal(s->service, "load");
	assert_int_equal(s->line, 15);
	assert_non_null(s->probe);
	assert_string_equal(s->probe->name, "load");
	assert_non_null(s->probe_cfg);
	assert_null(s->exec_path);
	assert_string_equal(s->command, "check_load -r -w 0.9,0.8,0.7 -c 2,1.5,1.2");
	assert_argv(s, 6, (const char *[]){ "check_load", "-r", "-w", "0.9,0.8,0.7", "-c",
					   "2,1.5,1.2" });
	assert_true(s->interval == 30);
	assert_true(s->timeout == 20); /* [tandemd]'s timeout: the command has no -t */

	s = service(c, "web1/disk");
	assert_int_equal(s->line, 19);
	assert_non_null(s->probe);
	assert_string_equal(s->probe->name, "disk");
	assert_string_equal(s->argv[0], "/usr/lib/nagios/plugins/check_disk");
	assert_true(s->interval == 300);
	assert_true(s->timeout == 60);

	s = service(c, "web1/disk2");
	assert_non_null(s->probe);
	assert_string_equal(s->probe->name, "disk");

	s = service(c, "web1/outside");
	assert_null(s->probe);
	assert_null(s->probe_cfg);
	want = td_xasprintf("%s/check_outside", fx->plugins);
	assert_string_equal(s->exec_path, want);
	free(want);
	assert_argv(s, 4, (const char *[]){ "check_outside", "-H", "shop example", "--x=1 2" });
	assert_int_equal(s->common.timeout_state, TD_STATE_CRITICAL);
	assert_true(s->timeout == 20);

	s = service(c, "web1/absolute");
	want = td_xasprintf("%s/check_other", fx->plugins);
	assert_null(s->probe);
	assert_string_equal(s->exec_path, want);
	assert_argv(s, 5, (const char *[]){ want, "-a", "one", "-b", "two three" });
	free(want);
	assert_true(s->interval == 10);
	assert_true(s->timeout == 10); /* never past the interval */

	/* inih cuts section names to 49 bytes; the whole name counts */
	s = service(c, "db-primary-01.eu-west-1.compute.internal.example.com/postgres connections");
	assert_string_equal(s->host, "db-primary-01.eu-west-1.compute.internal.example.com");
	assert_string_equal(s->service, "postgres connections");
	assert_non_null(s->probe);

	/* an indented key right after a header is a key, not a continuation of the last one */
	s = service(c, "web1/indented");
	assert_string_equal(s->command, "check_load -w 5");
	assert_non_null(s->probe);

	td_conf_free(c);
	free(path);
	free(text);
}

/*
 * Defaults: from [tandemd] (even below the services), else built in; a
 * timeout never goes past the interval.
 */
static void test_conf_defaults(void **state)
{
	struct fixture *fx = *state;
	static const struct {
		const char *tandemd; /* [tandemd] keys */
		const char *name;
		double interval, timeout;
	} cases[] = {
		/* no [tandemd] interval or timeout: 60 s and 10 s */
		{ "", "h/plain", 60, 10 },
		{ "", "h/t30", 60, 30 },
		{ "", "h/short", 20, 20 },
		{ "", "h/svc-timeout", 60, 5 },
		{ "", "h/svc-over-t", 60, 7 },
		{ "", "h/outside", 60, 10 },
		/* with them */
		{ "interval = 2m\ntimeout = 45\n", "h/plain", 120, 45 },
		{ "interval = 2m\ntimeout = 45\n", "h/t30", 120, 30 },
		{ "interval = 2m\ntimeout = 45\n", "h/short", 20, 20 },
		{ "interval = 2m\ntimeout = 45\n", "h/svc-timeout", 120, 5 },
		{ "interval = 2m\ntimeout = 45\n", "h/svc-over-t", 120, 7 },
		{ "interval = 2m\ntimeout = 45\n", "h/outside", 120, 45 },
		{ "interval = 30\n", "h/plain", 30, 10 },
		{ "interval = 5\n", "h/t30", 5, 5 },
		{ "timeout = 1d\ninterval = 1d\n", "h/outside", 86400, 86400 },
	};
	for (size_t i = 0; i < N(cases); i++) {
		char *text = td_xasprintf("[h/plain]\ncommand = check_load\n"
					  "[h/t30]\ncommand = check_load -t 30\n"
					  "[h/short]\ncommand = check_load --timeout=30:UNKNOWN\n"
					  "interval = 20\n"
					  "[h/svc-timeout]\ncommand = check_load\ntimeout = 5\n"
					  "[h/svc-over-t]\ncommand = check_load -t5\ntimeout = 7\n"
					  "[h/outside]\ncommand = check_outside\n"
					  "[tandemd]\nplugin_path = %s\n%s",
					  fx->plugins, cases[i].tandemd);
		char *path = conf_file(fx, "defaults.conf", text);
		struct td_conf *c = load_ok(path, NULL);
		const struct td_service *s = service(c, cases[i].name);
		if (s->interval != cases[i].interval || s->timeout != cases[i].timeout)
			fail_msg("case %zu [%s]: interval %g timeout %g, wanted %g and %g", i,
				 cases[i].name, s->interval, s->timeout, cases[i].interval,
				 cases[i].timeout);
		if (i == 0) {
			/* everything else built in */
			assert_string_equal(c->data_dir, STATEDIR "/rrd");
			assert_string_equal(c->spool_dir, STATEDIR "/rrd/.tandemd/spool");
			assert_string_equal(c->pid_file, STATEDIR "/rrd/.tandemd/tandemd.pid");
			assert_null(c->rrdcached);
			assert_null(c->user);
			assert_null(c->log);
			assert_int_equal(c->workers, 4);
			/* PNP4Nagios's archives */
			static const struct td_archive pnp[] = { { 0, 2 * 86400 },
								 { 300, 10 * 86400 },
								 { 1800, 90 * 86400 },
								 { 21600, 4 * 365 * 86400 } };
			assert_int_equal(c->n_archives, N(pnp));
			for (size_t k = 0; k < N(pnp); k++)
				if (c->archives[k].resolution != pnp[k].resolution ||
				    c->archives[k].retention != pnp[k].retention)
					fail_msg("archive %zu: %g:%g", k, c->archives[k].resolution,
						 c->archives[k].retention);
			assert_int_equal(service(c, "h/short")->common.timeout_state,
					 TD_STATE_UNKNOWN);
			assert_int_equal(service(c, "h/plain")->common.timeout_state,
					 TD_STATE_CRITICAL);
		}
		td_conf_free(c);
		free(path);
		free(text);
	}
}

/* --data-dir wins over the file's data_dir; spool and pid file follow it unless set. */
static void test_conf_data_dir(void **state)
{
	struct fixture *fx = *state;
	char *path = conf_file(fx, "dd.conf", "[tandemd]\ndata_dir = /srv/file-data\n"
					      "[h/load]\ncommand = check_load\n");
	struct td_conf *c = load_ok(path, NULL);
	assert_string_equal(c->data_dir, "/srv/file-data");
	assert_string_equal(c->spool_dir, "/srv/file-data/.tandemd/spool");
	assert_string_equal(c->pid_file, "/srv/file-data/.tandemd/tandemd.pid");
	td_conf_free(c);

	c = load_ok(path, "/srv/override");
	assert_string_equal(c->data_dir, "/srv/override");
	assert_string_equal(c->spool_dir, "/srv/override/.tandemd/spool");
	assert_string_equal(c->pid_file, "/srv/override/.tandemd/tandemd.pid");
	td_conf_free(c);
	free(path);

	path = conf_file(fx, "dd2.conf", "[tandemd]\nspool_dir = /var/spool/td\n"
					 "[h/load]\ncommand = check_load\n");
	c = load_ok(path, "/srv/override");
	assert_string_equal(c->data_dir, "/srv/override");
	assert_string_equal(c->spool_dir, "/var/spool/td");
	assert_string_equal(c->pid_file, "/srv/override/.tandemd/tandemd.pid");
	td_conf_free(c);
	free(path);
}

/* Indented lines go on with command, past inih's line limit; a backslash ends a line as in sh. */
static void test_conf_continuation(void **state)
{
	struct fixture *fx = *state;
	struct td_buf b;
	td_buf_init(&b, 0);
	td_buf_printf(&b, "[h/long]\ncommand = %s/check_other\n", fx->plugins);
	for (int i = 0; i < 40; i++)
		td_buf_printf(&b, "    --option-number-%02d='value %02d with spaces'\n", i, i);
	td_buf_puts(&b, "interval = 60\n"
			"[h/backslash]\n"
			"command = check_load -w 5,4,3 \\\n"
			"    -c 10,8,6\n"
			"[h/quoted]\n"
			"command = check_load -w \"5,4,3\"\n"
			"\t-c '10,8,6'\n"
			"; a comment between does not end the command\n"
			"\t-n 3\n");
	char *path = conf_file(fx, "cont.conf", td_buf_str(&b));
	struct td_conf *c = load_ok(path, NULL);

	const struct td_service *s = service(c, "h/long");
	assert_true(strlen(s->command) > 1000);
	assert_int_equal(s->argc, 41);
	for (int i = 0; i < 40; i++) {
		char want[64];
		snprintf(want, sizeof want, "--option-number-%02d=value %02d with spaces", i, i);
		assert_string_equal(s->argv[i + 1], want);
	}
	assert_true(s->interval == 60);

	s = service(c, "h/backslash");
	assert_argv(s, 5, (const char *[]){ "check_load", "-w", "5,4,3", "-c", "10,8,6" });
	assert_non_null(s->probe_cfg);

	s = service(c, "h/quoted");
	assert_argv(s, 7,
		    (const char *[]){ "check_load", "-w", "5,4,3", "-c", "10,8,6", "-n", "3" });
	td_conf_free(c);
	free(path);
	td_buf_cleanup(&b);
}

/*
 * One file with every kind of mistake: each is reported, at once, on its own
 * line, as `path:line: message`, and nothing else is.
 */
static void test_conf_errors(void **state)
{
	struct fixture *fx = *state;
	static const struct {
		const char *text;
		size_t pad;       /* the line is padded with 'x' to this length */
		const char *want; /* the error reported on this line, or NULL */
	} lines[] = {
		/* 1 */ { "# every mistake at once", 0, NULL },
		/* 2 */ { "[tandemd]", 0, NULL },
		/* 3 */ { "data_dir = /nonexistent/data", 0, NULL },
		/* 4 */ { "colour = blue", 0, "unknown key \"colour\" in [tandemd]" },
		/* 5 */ { "interval = 6O", 0,
			  "interval: expected a duration like 60 or 5m (1 s to 1 d), got \"6O\"" },
		/* 6 */ { "interval = 0", 0, "interval: expected a duration" },
		/* 7 */ { "timeout = 2d", 0, "timeout: expected a duration like 60 or 5m" },
		/* 8 */ { "workers = 0", 0, "workers: expected a number from 1 to 256, got \"0\"" },
		/* 9 */ { "workers = 257", 0, "workers: expected a number from 1 to 256, got \"2" },
		/* 10 */ { "workers = x", 0, "workers: expected a number from 1 to 256, got \"x" },
		/* 11 */ { "workers = 4", 0, NULL },
		/* 12 */ { "  8", 0, "workers: only command may go on over several lines" },
		/* 13 */ { "log = file", 0, "log: expected stderr or syslog, got \"file\"" },
		/* 14 */ { "archives = 5m", 0, "archives: expected RESOLUTION:RETENTION pairs" },
		/* 15 */ { "archives = step:2d x:1d", 0, "archives: expected RESOLUTION:RET" },
		/* 16 */ { "archives = step:0", 0, "got \"step:0\"" },
		/* 17 */ { "[web]", 0, "[web]: a service section is named host/service" },
		/* 18 */ { "command = check_load", 0, NULL },
		/* 19 */ { "[a/b/c]", 0, "[a/b/c]: a service section is named host/service" },
		/* 20 */ { "[/x]", 0, "[/x]: a service section is named host/service" },
		/* 21 */ { "[x/]", 0, "[x/]: a service section is named host/service" },
		/* 22 */ { "[]", 0, "[]: a service section is named host/service" },
		/* 23 */ { "[h/load]", 0, NULL },
		/* 24 */ { "command = check_load -w 5 -c 10", 0, NULL },
		/* 25 */ { "speed = fast", 0, "[h/load]: unknown key \"speed\"" },
		/* 26 */ { "interval = 2d", 0, "interval: expected a duration" },
		/* 27 */ { "interval = 6O", 0, "interval: expected a duration" },
		/* 28 */ { "timeout = 0", 0, "timeout: expected a duration" },
		/* 29 */ { "timeout = 5", 0, NULL },
		/* 30 */ { "  10", 0, "timeout: only command may go on over several lines" },
		/* 31 */ { "[h/load]", 0, "[h/load]: defined twice (first on line 23)" },
		/* 32 */ { "command = check_load", 0, NULL },
		/* 33 */ { "[h/nocmd]", 0, "[h/nocmd]: no command" },
		/* 34 */ { "interval = 60", 0, NULL },
		/* 35 */ { "[h/quote]", 0, "[h/quote]: command: unterminated ' quote" },
		/* 36 */ { "command = check_load -w 'abc", 0, NULL },
		/* 37 */ { "[h/missing]", 0,
			   "[h/missing]: \"nosuchprogram\" is no tandem probe and no executable in "
			   "plugin_path" },
		/* 38 */ { "command = nosuchprogram -x", 0, NULL },
		/* 39 */ { "[h/noexec]", 0, "\"check_noexec\" is no tandem probe" },
		/* 40 */ { "command = check_noexec", 0, NULL },
		/* 41 */ { "[h/badopt]", 0, "[h/badopt]: check_load: -w:" },
		/* 42 */ { "command = check_load -w abc", 0, NULL },
		/* 43 */ { "[h/help]", 0, "[h/help]: check_load: --help and --version are not" },
		/* 44 */ { "command = check_load --help", 0, NULL },
		/* 45 */ { "[h/version]", 0, "check_load: --help and --version are not checks" },
		/* 46 */ { "command = /usr/lib/nagios/plugins/check_load -V", 0, NULL },
		/* 47 */ { "[h/long]", 0, "[h/long]: no command" },
		/* 48 */ { "command = check_load -w 5 -c 10 ", 250,
			   "line longer than 198 bytes; continue a long command on indented "
			   "lines" },
		/* 49 */ { "this is garbage", 0, "expected [section], key = value, or a comment" },
		/* 50 */ { "[h/twice]", 0, NULL },
		/* 51 */ { "command = check_load", 0, NULL },
		/* 52 */ { "command = check_load -w 1", 0, "[h/twice]: command given twice" },
		/* 53 */ { "[h/empty]", 0, "[h/empty]: no command" },
		/* 54 */ { "[h/open", 0, "expected [section], key = value, or a comment" },
		/* 55 */ { "command = check_load", 0, NULL },
		/* 56 */ { "more garbage", 0, "expected [section], key = value, or a comment" },
		/* 57 */ { "[h/help]", 0, "[h/help]: defined twice (first on line 43)" },
		/* 58 */ { "# ", 199, "line longer than 198 bytes" },
		/* 59 */ { "# ", 198, NULL },
		/* 60 */ { "[h/ok]", 0, NULL },
		/* 61 */ { "command = check_load", 0, NULL },
	};
	struct td_buf b;
	td_buf_init(&b, 0);
	for (size_t i = 0; i < N(lines); i++) {
		size_t start = b.len;
		td_buf_puts(&b, lines[i].text);
		while (b.len - start < lines[i].pad)
			td_buf_putc(&b, 'x');
		td_buf_putc(&b, '\n');
	}
	char *path = conf_file(fx, "errors.conf", td_buf_str(&b));
	struct td_conf *c = (struct td_conf *)&b; /* untouched on error */
	struct td_buf errors;
	td_buf_init(&errors, 0);
	assert_int_equal(td_conf_load(path, NULL, &c, &errors), TD_E_PARSE);
	assert_ptr_equal(c, &b);

	const char *text = td_buf_str(&errors);
	size_t want_n = 0;
	for (size_t i = 0; i < N(lines); i++) {
		if (!lines[i].want)
			continue;
		want_n++;
		char prefix[PATH_MAX + 32];
		snprintf(prefix, sizeof prefix, "%s:%zu: ", path, i + 1);
		bool found = false;
		for (const char *p = text; *p && !found; p = strchr(p, '\n') + 1) {
			size_t len = strcspn(p, "\n");
			char *one = td_xstrndup(p, len);
			found = !strncmp(one, prefix, strlen(prefix)) && strstr(one, lines[i].want);
			free(one);
		}
		if (!found)
			fail_msg("line %zu: no error with \"%s\" in:\n%s", i + 1, lines[i].want,
				 text);
	}
	size_t got_n = 0;
	for (const char *p = text; *p; p++)
		got_n += *p == '\n';
	if (got_n != want_n)
		fail_msg("%zu errors, wanted %zu:\n%s", got_n, want_n, text);
	td_buf_cleanup(&errors);
	td_buf_cleanup(&b);
	free(path);
}

/* Smaller files: keys before any section, a missing file, an empty file, only comments. */
static void test_conf_errors_other(void **state)
{
	struct fixture *fx = *state;
	static const struct {
		const char *text;
		enum td_err rc;
		const char *want; /* after "path" */
	} cases[] = {
		{ "workers = 4\n[tandemd]\n", TD_E_PARSE,
		  ":1: workers: a key before the first [section]" },
		{ "", TD_OK, NULL },
		{ "# nothing\n; at all\n\n", TD_OK, NULL },
		{ "\xEF\xBB\xBF[tandemd]\nworkers = 2\n", TD_OK, NULL },
		{ "[tandemd]\r\nworkers = 2\r\n[h/x]\r\ncommand = check_load\r\n", TD_OK, NULL },
		{ "[h/x]\ncommand = check_load ; an inline comment\n", TD_OK, NULL },
		{ "[h/x]\ncommand: check_load\n", TD_OK, NULL },
		{ "[h/x]\ncommand =\n", TD_E_PARSE, ":1: [h/x]: command: empty command" },
		{ "[h/x]\ncommand = check_load \\\n", TD_E_PARSE,
		  ":1: [h/x]: command: a backslash" },
		{ "[h/x\ncommand = check_load\n", TD_E_PARSE, ":1: expected [section]" },
		{ "[h/\x01]\ncommand = check_load\n", TD_E_PARSE,
		  ":1: [h/\x01]: a service section" },
	};
	for (size_t i = 0; i < N(cases); i++) {
		char *path = conf_file(fx, "other.conf", cases[i].text);
		struct td_conf *c = NULL;
		struct td_buf errors;
		td_buf_init(&errors, 0);
		enum td_err rc = td_conf_load(path, NULL, &c, &errors);
		if (rc != cases[i].rc)
			fail_msg("case %zu: rc %d, wanted %d:\n%s", i, rc, cases[i].rc,
				 td_buf_str(&errors));
		if (cases[i].want) {
			char *want = td_xasprintf("%s%s", path, cases[i].want);
			if (strncmp(td_buf_str(&errors), want, strlen(want)))
				fail_msg("case %zu: \"%s\", wanted \"%s\"", i, td_buf_str(&errors),
					 want);
			free(want);
			assert_null(c);
		} else {
			assert_non_null(c);
			td_conf_free(c);
		}
		td_buf_cleanup(&errors);
		free(path);
	}

	char *path = td_xasprintf("%s/no-such.conf", fx->dir);
	struct td_conf *c = NULL;
	struct td_buf errors;
	td_buf_init(&errors, 0);
	assert_int_equal(td_conf_load(path, NULL, &c, &errors), TD_E_IO);
	assert_null(c);
	char *want = td_xasprintf("%s: No such file or directory\n", path);
	assert_string_equal(td_buf_str(&errors), want);
	free(want);
	td_buf_cleanup(&errors);
	free(path);

	/* at most 100 errors are listed, however many there are */
	struct td_buf b;
	td_buf_init(&b, 0);
	td_buf_puts(&b, "[tandemd]\n");
	for (int i = 0; i < 500; i++)
		td_buf_puts(&b, "workers = 0\n");
	path = conf_file(fx, "many.conf", td_buf_str(&b));
	td_buf_init(&errors, 0);
	assert_int_equal(td_conf_load(path, NULL, &c, &errors), TD_E_PARSE);
	size_t n = 0;
	for (const char *p = td_buf_str(&errors); *p; p++)
		n += *p == '\n';
	assert_int_equal(n, 100);
	td_buf_cleanup(&errors);
	td_buf_cleanup(&b);
	free(path);
}

/* Without a file: load, memory, disks and processes of this machine. */
static void test_conf_builtin(void **state)
{
	(void)state;
	char host[256] = "";
	gethostname(host, sizeof host - 1);
	static const struct {
		const char *service, *probe;
	} want[] = {
		{ "load", "load" }, { "memory", "mem" }, { "disk", "disk" }, { "procs", "procs" }
	};

	struct td_conf *c = td_conf_builtin(NULL);
	assert_null(c->path);
	assert_string_equal(c->data_dir, STATEDIR "/rrd");
	assert_string_equal(c->spool_dir, STATEDIR "/rrd/.tandemd/spool");
	assert_int_equal(c->n_services, N(want));
	for (size_t i = 0; i < N(want); i++) {
		char *name = td_xasprintf("%s/%s", host[0] ? host : "localhost", want[i].service);
		const struct td_service *s = service(c, name);
		assert_string_equal(s->host, host[0] ? host : "localhost");
		assert_string_equal(s->service, want[i].service);
		assert_non_null(s->probe);
		assert_string_equal(s->probe->name, want[i].probe);
		assert_non_null(s->probe_cfg);
		assert_true(s->interval == 10);
		assert_true(s->timeout > 0 && s->timeout <= s->interval);
		free(name);
	}
	td_conf_free(c);

	c = td_conf_builtin("/srv/elsewhere");
	assert_string_equal(c->data_dir, "/srv/elsewhere");
	assert_string_equal(c->pid_file, "/srv/elsewhere/.tandemd/tandemd.pid");
	td_conf_free(c);
	td_conf_free(NULL);
}

static void test_conf_duration(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		enum td_err rc;
		double want;
	} cases[] = {
		{ "60", TD_OK, 60 },
		{ "1", TD_OK, 1 },
		{ "0.5", TD_OK, 0.5 },
		{ "90s", TD_OK, 90 },
		{ "5m", TD_OK, 300 },
		{ "1.5m", TD_OK, 90 },
		{ "2h", TD_OK, 7200 },
		{ "2d", TD_OK, 172800 },
		{ "1w", TD_OK, 604800 },
		{ "4y", TD_OK, 4 * 365 * 86400.0 },
		{ "100y", TD_OK, 100 * 365 * 86400.0 }, /* max */
		{ "5200w", TD_OK, 5200 * 604800.0 },
		/* zero and negative */
		{ "0", TD_E_PARSE, 0 },
		{ "0s", TD_E_PARSE, 0 },
		{ "0.0m", TD_E_PARSE, 0 },
		{ "-5", TD_E_PARSE, 0 },
		{ "-5m", TD_E_PARSE, 0 },
		/* junk */
		{ "", TD_E_PARSE, 0 },
		{ "s", TD_E_PARSE, 0 },
		{ "m", TD_E_PARSE, 0 },
		{ "6O", TD_E_PARSE, 0 },
		{ "5x", TD_E_PARSE, 0 },
		{ "5 m", TD_E_PARSE, 0 },
		{ " 5", TD_E_PARSE, 0 },
		{ "5 ", TD_E_PARSE, 0 },
		{ "5mm", TD_E_PARSE, 0 },
		{ "5ms", TD_E_PARSE, 0 },
		{ "5M", TD_E_PARSE, 0 },
		{ "1e3", TD_E_PARSE, 0 },
		{ "0x10", TD_E_PARSE, 0 },
		{ "inf", TD_E_PARSE, 0 },
		{ "nan", TD_E_PARSE, 0 },
		{ "1,5", TD_E_PARSE, 0 },
		/* huge: max + 1 and far more */
		{ "101y", TD_E_PARSE, 0 },
		{ "3153600001", TD_E_PARSE, 0 },
		{ "99999999999999999999999999999999999999999y", TD_E_PARSE, 0 },
	};
	for (size_t i = 0; i < N(cases); i++) {
		double v = -1;
		enum td_err rc = td_conf_duration(cases[i].in, &v);
		if (rc != cases[i].rc)
			fail_msg("case %zu \"%s\": rc %d, wanted %d", i, cases[i].in, rc,
				 cases[i].rc);
		if (rc == TD_OK && fabs(v - cases[i].want) > 1e-9 * cases[i].want)
			fail_msg("case %zu \"%s\": %g, wanted %g", i, cases[i].in, v,
				 cases[i].want);
		if (rc != TD_OK && v != -1)
			fail_msg("case %zu \"%s\": output written on error", i, cases[i].in);
	}
}

static void test_conf_find_program(void **state)
{
	struct fixture *fx = *state;
	char *two = td_xasprintf("%s/two", fx->dir);
	mkdir(two, 0755);
	char *p = td_xasprintf("%s/check_outside", two);
	write_file(p, "#!/bin/sh\n", 0755);
	free(p);
	const struct {
		const char *name;
		char *path;
		char *want; /* NULL: not found */
	} cases[] = {
		{ "check_outside", td_xstrdup(fx->plugins),
		  td_xasprintf("%s/check_outside", fx->plugins) },
		{ "check_outside", td_xasprintf("/nonexistent:%s", fx->plugins),
		  td_xasprintf("%s/check_outside", fx->plugins) },
		{ "check_outside", td_xasprintf("::%s::", fx->plugins),
		  td_xasprintf("%s/check_outside", fx->plugins) },
		/* the first directory that has it */
		{ "check_outside", td_xasprintf("%s:%s", two, fx->plugins),
		  td_xasprintf("%s/check_outside", two) },
		{ "check_outside", td_xasprintf("%s:%s", fx->plugins, two),
		  td_xasprintf("%s/check_outside", fx->plugins) },
		{ "check_outside", NULL, NULL },
		{ "check_outside", td_xstrdup(""), NULL },
		{ "check_outside", td_xstrdup(":"), NULL },
		{ "check_outside", td_xstrdup("/nonexistent"), NULL },
		{ "check_other", td_xstrdup(two), NULL },
		/* not executable, or no file */
		{ "check_noexec", td_xstrdup(fx->plugins), NULL },
		{ "check_dir", td_xstrdup(fx->plugins), NULL },
		{ "check_none", td_xstrdup(fx->plugins), NULL },
		/* a name with a slash is used as it is */
		{ "/bin/sh", td_xstrdup(fx->plugins), td_xstrdup("/bin/sh") },
		{ "/nonexistent/check_outside", td_xstrdup(fx->plugins), NULL },
		{ "plugins/check_outside", td_xstrdup("/bin"), NULL }, /* relative to the cwd */
	};
	for (size_t i = 0; i < N(cases); i++) {
		char *got = td_conf_find_program(cases[i].name, cases[i].path);
		if ((got == NULL) != (cases[i].want == NULL) ||
		    (got && strcmp(got, cases[i].want)))
			fail_msg("case %zu \"%s\": \"%s\", wanted \"%s\"", i, cases[i].name,
				 got ? got : "(null)", cases[i].want ? cases[i].want : "(null)");
		free(got);
		free(cases[i].path);
		free(cases[i].want);
	}
	/* the directory itself */
	char *dir = td_xasprintf("%s/check_dir", fx->plugins);
	assert_null(td_conf_find_program(dir, NULL));
	free(dir);
	free(two);
}

/* A command's program names a probe by its base name, with or without check_. */
static void test_probe_lookup(void **state)
{
	(void)state;
	static const struct {
		const char *argv0;
		const char *probe; /* NULL: none, run as a process */
	} cases[] = {
		{ "check_load", "load" },
		{ "load", "load" },
		{ "/usr/lib/nagios/plugins/check_load", "load" },
		{ "/usr/local/nagios/libexec/check_disk", "disk" },
		{ "./check_mem", "mem" },
		{ "disk", "disk" },
		{ "check_disk", "disk" },
		{ "check_procs", "procs" },
		{ "check_tcp", "tcp" },
		{ "mem", "mem" },
		{ "", NULL },
		{ "/", NULL },
		{ "check_", NULL },
		{ "/usr/lib/nagios/plugins/check_", NULL },
		{ "check_load/", NULL },
		{ "Check_load", NULL },
		{ "CHECK_LOAD", NULL },
		{ "check_loadx", NULL },
		{ "xcheck_load", NULL },
		{ "check_check_load", NULL },
		{ "check_load.sh", NULL },
		{ "check_ntp_time", NULL },
		{ "/usr/lib/nagios/plugins/check_ntp_time", NULL },
		{ "check_nosuch", NULL },
	};
	for (size_t i = 0; i < N(cases); i++) {
		const struct td_probe *p = td_probe_lookup(cases[i].argv0);
		if ((p == NULL) != (cases[i].probe == NULL) ||
		    (p && strcmp(p->name, cases[i].probe)))
			fail_msg("case %zu \"%s\": %s, wanted %s", i, cases[i].argv0,
				 p ? p->name : "none", cases[i].probe ? cases[i].probe : "none");
	}
	/* every probe linked in answers to each of its names */
	size_t n = 0;
	for (size_t i = 0; td_probes[i]; i++, n++) {
		char name[128];
		assert_ptr_equal(td_probe_lookup(td_probes[i]->name), td_probes[i]);
		snprintf(name, sizeof name, "check_%s", td_probes[i]->name);
		assert_ptr_equal(td_probe_lookup(name), td_probes[i]);
		snprintf(name, sizeof name, "/usr/lib/nagios/plugins/check_%s", td_probes[i]->name);
		assert_ptr_equal(td_probe_lookup(name), td_probes[i]);
	}
	assert_true(n >= 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_conf_valid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conf_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conf_data_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conf_continuation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conf_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conf_errors_other, setup, teardown),
		cmocka_unit_test(test_conf_builtin),
		cmocka_unit_test(test_conf_duration),
		cmocka_unit_test_setup_teardown(test_conf_find_program, setup, teardown),
		cmocka_unit_test(test_probe_lookup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

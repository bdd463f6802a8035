/*
 * test_options.c - options.c (the getopt iterator, -t, generated help),
 * extra_opts.c (--extra-opts) and probe.c (a whole command line for a
 * probe), with a tiny fake probe defined here.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tandem/buf.h"
#include "tandem/options.h"
#include "tandem/probe.h"
#include "tandem/range.h"
#include "tandem/unit.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define MAXARGS 12

enum {
	OPT_WARNING = 1,
	OPT_CRITICAL,
	OPT_ALL,
	OPT_BRIEF,
	OPT_PORT,
	OPT_PORTAL,
	OPT_VERIFY,
	OPT_OUTPUT,
	OPT_X,
	OPT_PASSWORD,
};

static const struct td_option fake_options[] = {
	{ 'w', "warning", TD_ARG_REQUIRED, "RANGE", "Warn when the value is outside RANGE.",
	  OPT_WARNING },
	{ 'c', "critical", TD_ARG_REQUIRED, "RANGE", "Critical when the value is outside RANGE.",
	  OPT_CRITICAL },
	{ 'a', "all", TD_ARG_NONE, NULL, "Check everything.", OPT_ALL },
	{ 'b', "brief", TD_ARG_NONE, NULL, "Say less.", OPT_BRIEF },
	{ 'p', "port", TD_ARG_REQUIRED, "PORT", "The TCP port, 1 to 65535.", OPT_PORT },
	{ 0, "portal", TD_ARG_NONE, NULL, "A long-only option sharing a prefix with --port.",
	  OPT_PORTAL },
	{ 0, "verify", TD_ARG_NONE, NULL,
	  "A long-only option sharing a prefix with --verbose and --version, with a help text "
	  "long enough that it must be wrapped over several lines of at most seventy-nine "
	  "columns, so the wrapping is tested too.",
	  OPT_VERIFY },
	{ 'o', "output", TD_ARG_OPTIONAL, "FILE", "Write to FILE.", OPT_OUTPUT },
	{ 'x', NULL, TD_ARG_REQUIRED, "X", "A short-only option.", OPT_X },
	{ 0, "password", TD_ARG_REQUIRED, "SECRET", "A secret; use --extra-opts.", OPT_PASSWORD },
	TD_OPTION_END,
};

/* ------------------------------------------------------------------ getopt */

/* Runs the iterator over words and describes what it returned, one event a word. */
static void walk(const char *const *words, char *out, size_t outlen)
{
	char *argv[MAXARGS + 2];
	int argc = 0;
	argv[argc++] = (char *)"check_fake";
	for (; words[argc - 1]; argc++)
		argv[argc] = (char *)words[argc - 1];
	argv[argc] = NULL;
	char *copy[MAXARGS + 2];
	memcpy(copy, argv, sizeof argv);

	struct td_getopt g;
	td_getopt_init(&g, argc, argv, fake_options);
	struct td_buf b;
	td_buf_init(&b, 0);
	const struct td_option *o;
	const char *arg;
	char err[128];
	int got;
	while ((got = td_getopt_next(&g, &o, &arg, err, sizeof err)) == 1) {
		if (b.len)
			td_buf_putc(&b, ' ');
		if (!o) {
			assert_non_null(arg);
			td_buf_printf(&b, "P:%s", arg);
			continue;
		}
		if (o->long_name)
			td_buf_puts(&b, o->long_name);
		else
			td_buf_printf(&b, "-%c", o->short_name);
		if (arg)
			td_buf_printf(&b, "=%s", arg);
	}
	if (got < 0)
		td_buf_printf(&b, "%s!%s", b.len ? " " : "", err);
	else /* the end stays the end */
		assert_int_equal(td_getopt_next(&g, &o, &arg, err, sizeof err), 0);
	/* argv is not modified */
	for (int i = 0; i <= argc; i++)
		assert_ptr_equal(argv[i], copy[i]);
	snprintf(out, outlen, "%s", td_buf_str(&b));
	td_buf_cleanup(&b);
}

static void test_getopt_table(void **state)
{
	(void)state;
	static const struct {
		const char *argv[MAXARGS];
		const char *want;
	} cases[] = {
		{ { NULL }, "" },
		{ { "-a", "-b" }, "all brief" },
		{ { "-ab" }, "all brief" },
		{ { "-abw5" }, "all brief warning=5" },
		{ { "-w5" }, "warning=5" },
		{ { "-w", "5" }, "warning=5" },
		{ { "-w=5" }, "warning==5" },
		{ { "--warning=5" }, "warning=5" },
		{ { "--warning", "5" }, "warning=5" },
		{ { "--warning=" }, "warning=" },
		{ { "--warning=a=b" }, "warning=a=b" },
		{ { "-w", "--" }, "warning=--" },
		{ { "-w", "-5" }, "warning=-5" },
		{ { "-w", "" }, "warning=" },
		{ { "-x", "1" }, "-x=1" },
		{ { "-x1" }, "-x=1" },
		/* unique prefixes; an exact name beats a longer one */
		{ { "--warn=5" }, "warning=5" },
		{ { "--w", "5" }, "warning=5" },
		{ { "--verb" }, "verbose" },
		{ { "--veri" }, "verify" },
		{ { "--vers" }, "version" },
		{ { "--port", "1" }, "port=1" },
		{ { "--porta" }, "portal" },
		{ { "--pa=x" }, "password=x" },
		{ { "--e" }, "extra-opts" },
		/* ambiguous prefixes */
		{ { "--ver" }, "!ambiguous option \"--ver\"" },
		{ { "--por", "1" }, "!ambiguous option \"--por\"" },
		{ { "--p=1" }, "!ambiguous option \"--p\"" },
		{ { "--=x" }, "!ambiguous option \"--\"" },
		/* missing values */
		{ { "-w" }, "!option \"-w\" needs a value (RANGE)" },
		{ { "--warning" }, "!option \"--warning\" needs a value (RANGE)" },
		{ { "--warn" }, "!option \"--warning\" needs a value (RANGE)" },
		{ { "-aw" }, "all !option \"-w\" needs a value (RANGE)" },
		{ { "-x" }, "!option \"-x\" needs a value (X)" },
		/* unknown options */
		{ { "-q" }, "!unknown option \"-q\"" },
		{ { "-aq" }, "all !unknown option \"-q\"" },
		{ { "-5" }, "!unknown option \"-5\"" },
		{ { "--bogus" }, "!unknown option \"--bogus\"" },
		{ { "--bogus=1" }, "!unknown option \"--bogus\"" },
		{ { "---a" }, "!unknown option \"---a\"" },
		{ { "--warningx=1" }, "!unknown option \"--warningx\"" },
		/* a value given to an option that takes none */
		{ { "--all=x" }, "!option \"--all\" takes no value" },
		{ { "--al=" }, "!option \"--all\" takes no value" },
		{ { "--help=1" }, "!option \"--help\" takes no value" },
		/* "--" ends the options */
		{ { "--", "-a", "--warning=5", "--" }, "P:-a P:--warning=5 P:--" },
		{ { "-a", "--" }, "all" },
		{ { "-a", "--", "--" }, "all P:--" },
		/* positional words */
		{ { "x", "-a", "y" }, "P:x all P:y" },
		{ { "-" }, "P:-" },
		{ { "" }, "P:" },
		{ { "a b" }, "P:a b" },
		/* an optional value is only ever attached */
		{ { "-o" }, "output" },
		{ { "-ofile" }, "output=file" },
		{ { "-o", "file" }, "output P:file" },
		{ { "-ao" }, "all output" },
		{ { "--output", "file" }, "output P:file" },
		{ { "--output=file" }, "output=file" },
		{ { "--output=" }, "output=" },
		/* the common options */
		{ { "-vvv" }, "verbose verbose verbose" },
		{ { "-v", "--verbose" }, "verbose verbose" },
		{ { "-t", "10:u" }, "timeout=10:u" },
		{ { "-t10" }, "timeout=10" },
		{ { "--timeout=5" }, "timeout=5" },
		{ { "-hV" }, "help version" },
		{ { "--help", "--version" }, "help version" },
		{ { "--extra-opts" }, "extra-opts" },
		{ { "--extra-opts", "sect" }, "extra-opts P:sect" },
		{ { "--extra-opts=a@b" }, "extra-opts=a@b" },
	};
	for (size_t i = 0; i < N(cases); i++) {
		char got[256];
		walk(cases[i].argv, got, sizeof got);
		if (strcmp(got, cases[i].want))
			fail_msg("case %zu (%s ...): \"%s\", wanted \"%s\"", i,
				 cases[i].argv[0] ? cases[i].argv[0] : "", got, cases[i].want);
	}
}

/* A probe option with the name of a common one takes precedence. */
static void test_getopt_probe_first(void **state)
{
	(void)state;
	static const struct td_option table[] = {
		{ 't', "ttl", TD_ARG_REQUIRED, "N", "Time to live.", 1 },
		TD_OPTION_END,
	};
	char *argv[] = { (char *)"p", (char *)"-t", (char *)"5", (char *)"--timeout=3", NULL };
	struct td_getopt g;
	const struct td_option *o;
	const char *arg;
	td_getopt_init(&g, 4, argv, table);
	assert_int_equal(td_getopt_next(&g, &o, &arg, NULL, 0), 1);
	assert_int_equal(o->id, 1);
	assert_string_equal(arg, "5");
	assert_int_equal(td_getopt_next(&g, &o, &arg, NULL, 0), 1);
	assert_int_equal(o->id, TD_OPT_TIMEOUT);
	assert_string_equal(arg, "3");
	assert_int_equal(td_getopt_next(&g, &o, &arg, NULL, 0), 0);
	/* a NULL probe table: only the common options */
	char *argv2[] = { (char *)"p", (char *)"-v", (char *)"-w", NULL };
	td_getopt_init(&g, 3, argv2, NULL);
	assert_int_equal(td_getopt_next(&g, &o, &arg, NULL, 0), 1);
	assert_int_equal(o->id, TD_OPT_VERBOSE);
	assert_int_equal(td_getopt_next(&g, &o, &arg, NULL, 0), -1);
}

/* ----------------------------------------------------------------- timeout */

static void test_common_timeout_table(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		enum td_err rc;
		double timeout;
		enum td_state st;
		const char *err;
	} cases[] = {
		{ "10", TD_OK, 10, TD_STATE_CRITICAL, NULL },
		{ "10:UNKNOWN", TD_OK, 10, TD_STATE_UNKNOWN, NULL },
		{ "10:unknown", TD_OK, 10, TD_STATE_UNKNOWN, NULL },
		{ "10:u", TD_OK, 10, TD_STATE_UNKNOWN, NULL },
		{ "10:3", TD_OK, 10, TD_STATE_UNKNOWN, NULL },
		{ "10:ok", TD_OK, 10, TD_STATE_OK, NULL },
		{ "10:warning", TD_OK, 10, TD_STATE_WARNING, NULL },
		{ "5:critical", TD_OK, 5, TD_STATE_CRITICAL, NULL },
		{ "1.5", TD_OK, 1.5, TD_STATE_CRITICAL, NULL },
		{ ".5", TD_OK, 0.5, TD_STATE_CRITICAL, NULL },
		{ "500ms", TD_OK, 0.5, TD_STATE_CRITICAL, NULL },
		{ "500ms:w", TD_OK, 0.5, TD_STATE_WARNING, NULL },
		{ "2m", TD_OK, 120, TD_STATE_CRITICAL, NULL },
		{ "1000000000", TD_OK, 1e9, TD_STATE_CRITICAL, NULL },
		{ "1000000001", TD_E_USAGE, 0, 0, "\"1000000001\"" },
		{ "0", TD_E_USAGE, 0, 0, "\"0\"" },
		{ "0ms", TD_E_USAGE, 0, 0, "\"0ms\"" },
		{ "-1", TD_E_USAGE, 0, 0, "\"-1\"" },
		{ "abc", TD_E_USAGE, 0, 0, "\"abc\"" },
		{ "", TD_E_USAGE, 0, 0, "\"\"" },
		{ "1e3", TD_E_USAGE, 0, 0, "\"1e3\"" },
		{ "10 ", TD_E_USAGE, 0, 0, "\"10 \"" },
		{ "10GB", TD_E_USAGE, 0, 0, "\"10GB\"" },
		{ "10:bogus", TD_E_USAGE, 0, 0, "\"bogus\" is not a state" },
		{ "10:", TD_E_USAGE, 0, 0, "\"\" is not a state" },
		{ "10:4", TD_E_USAGE, 0, 0, "\"4\" is not a state" },
		{ "10:UNKNOWN:x", TD_E_USAGE, 0, 0, "\"UNKNOWN:x\" is not a state" },
		{ ":UNKNOWN", TD_E_USAGE, 0, 0, "\"\"" },
		{ "1111111111111111111111111111111111111111111111111111111111111111111111", TD_E_USAGE,
		  0, 0, "is not SECONDS[:STATE]" },
	};
	for (size_t i = 0; i < N(cases); i++) {
		struct td_common c = { .timeout = 10, .timeout_state = TD_STATE_CRITICAL };
		char err[256] = "";
		enum td_err rc = td_common_timeout(&c, cases[i].in, err, sizeof err);
		if (rc != cases[i].rc)
			fail_msg("case %zu \"%s\": rc %d, wanted %d (%s)", i, cases[i].in, rc, cases[i].rc,
				 err);
		if (rc == TD_OK && (c.timeout != cases[i].timeout || c.timeout_state != cases[i].st))
			fail_msg("case %zu \"%s\": %g:%s", i, cases[i].in, c.timeout,
				 td_state_name(c.timeout_state));
		if (rc != TD_OK) {
			/* nothing changed, and the message names -t and the text */
			if (c.timeout != 10 || c.timeout_state != TD_STATE_CRITICAL)
				fail_msg("case %zu \"%s\": changed on error", i, cases[i].in);
			if (strncmp(err, "-t: ", 4) || !strstr(err, cases[i].err))
				fail_msg("case %zu \"%s\": message \"%s\" lacks \"%s\"", i, cases[i].in, err,
					 cases[i].err);
		}
	}
	/* the state keeps what an earlier -t set when a later one names none */
	struct td_common c = { .timeout = 10, .timeout_state = TD_STATE_CRITICAL };
	assert_int_equal(td_common_timeout(&c, "3:unknown", NULL, 0), TD_OK);
	assert_int_equal(td_common_timeout(&c, "4", NULL, 0), TD_OK);
	assert_true(c.timeout == 4);
	assert_int_equal(c.timeout_state, TD_STATE_UNKNOWN);
}

/* -------------------------------------------------------------------- help */

static void assert_lines_fit(const char *text, int width)
{
	for (const char *p = text; *p;) {
		size_t n = strcspn(p, "\n");
		if ((int)n > width)
			fail_msg("line longer than %d: \"%.*s\"", width, (int)n, p);
		p += n + (p[n] == '\n');
	}
}

static void test_options_help(void **state)
{
	(void)state;
	struct td_buf b;
	td_buf_init(&b, 0);
	td_options_help(&b, fake_options);
	const char *s = td_buf_str(&b);
	static const char *const want[] = {
		" -w, --warning=RANGE\n    Warn when the value is outside RANGE.\n",
		" -c, --critical=RANGE\n",
		" -a, --all\n    Check everything.\n",
		" -b, --brief\n",
		" -p, --port=PORT\n    The TCP port, 1 to 65535.\n",
		" --portal\n",
		" --verify\n    A long-only option",
		" -o, --output[=FILE]\n",
		" -x X\n    A short-only option.\n",
		" --password=SECRET\n",
	};
	for (size_t i = 0; i < N(want); i++)
		if (!strstr(s, want[i]))
			fail_msg("help lacks \"%s\":\n%s", want[i], s);
	assert_lines_fit(s, 79);
	/* the long text was wrapped, every word kept, indented by 4 */
	assert_non_null(strstr(s, "\n    seventy-nine columns, so the wrapping is tested too.\n"));
	assert_null(strstr(s, "\n     ")); /* never indented by more */
	assert_int_equal(s[b.len - 1], '\n');
	td_buf_cleanup(&b);

	td_buf_init(&b, 0);
	td_options_help(&b, td_common_options);
	s = td_buf_str(&b);
	assert_non_null(strstr(s, " -h, --help\n"));
	assert_non_null(strstr(s, " -V, --version\n"));
	assert_non_null(strstr(s, " -v, --verbose\n"));
	assert_non_null(strstr(s, " -t, --timeout=SECONDS[:STATE]\n"));
	assert_non_null(strstr(s, " --extra-opts[=[SECTION][@FILE]]\n"));
	assert_lines_fit(s, 79);
	td_buf_cleanup(&b);

	td_buf_init(&b, 0);
	td_options_help(&b, NULL);
	assert_string_equal(td_buf_str(&b), "");
	td_buf_cleanup(&b);
}

/* -------------------------------------------------------------- extra-opts */

struct fixture {
	char dir[64];
	char ini[96];  /* the sections the tests read */
	char bad[96];  /* a malformed file */
};

static const char fixture_ini[] = "; tandem test\n"
				  "[check_fake]\n"
				  "warning = 5\n"
				  "c = 10\n"
				  "brief =\n"
				  "\n"
				  "[other]\n"
				  "port = 8080\n"
				  "password = s3cret word\n"
				  "\n"
				  "[third]\n"
				  "w=1:2\n";

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f)
		fail_msg("cannot write %s", path);
	fputs(text, f);
	fclose(f);
}

static int fixture_setup(void **state)
{
	struct fixture *fx = td_xcalloc(1, sizeof *fx);
	snprintf(fx->dir, sizeof fx->dir, "/tmp/td-test-options.XXXXXX");
	if (!mkdtemp(fx->dir)) {
		free(fx);
		return -1;
	}
	snprintf(fx->ini, sizeof fx->ini, "%s/plugins.ini", fx->dir);
	snprintf(fx->bad, sizeof fx->bad, "%s/bad.ini", fx->dir);
	write_file(fx->ini, fixture_ini);
	write_file(fx->bad, "[check_fake]\nthis line has no equals sign\n");
	*state = fx;
	return 0;
}

static int fixture_teardown(void **state)
{
	struct fixture *fx = *state;
	unlink(fx->ini);
	unlink(fx->bad);
	rmdir(fx->dir);
	free(fx);
	return 0;
}

/* Copies s with %F replaced by the INI file and %B by the bad one. */
static char *subst(const struct fixture *fx, const char *s)
{
	struct td_buf b;
	td_buf_init(&b, 0);
	for (; *s; s++) {
		if (s[0] == '%' && s[1] == 'F') {
			td_buf_puts(&b, fx->ini);
			s++;
		} else if (s[0] == '%' && s[1] == 'B') {
			td_buf_puts(&b, fx->bad);
			s++;
		} else {
			td_buf_putc(&b, *s);
		}
	}
	return td_buf_steal(&b);
}

/* Expands words and returns the new argv joined by '|', or "!" and the message. */
static char *expand(const struct fixture *fx, const char *const *words, const char *progname)
{
	char *argv[MAXARGS + 1];
	int argc = 0;
	for (; words[argc]; argc++)
		argv[argc] = subst(fx, words[argc]);
	argv[argc] = NULL;
	int out_argc = -7;
	char **out_argv = (char **)&out_argc;
	char err[256] = "";
	struct td_buf b;
	td_buf_init(&b, 0);
	enum td_err rc = td_extra_opts_expand(argc, argv, progname, &out_argc, &out_argv, err,
					      sizeof err);
	if (rc != TD_OK) {
		assert_int_equal(rc, TD_E_USAGE);
		/* untouched on error */
		assert_int_equal(out_argc, -7);
		assert_ptr_equal(out_argv, (char **)&out_argc);
		td_buf_printf(&b, "!%s", err);
	} else {
		assert_null(out_argv[out_argc]);
		for (int i = 0; i < out_argc; i++)
			td_buf_printf(&b, "%s%s", i ? "|" : "", out_argv[i]);
		td_argv_free(out_argc, out_argv);
	}
	for (int i = 0; i < argc; i++)
		free(argv[i]);
	return td_buf_steal(&b);
}

static void test_extra_opts_table(void **state)
{
	const struct fixture *fx = *state;
	static const struct {
		const char *argv[MAXARGS];
		const char *want; /* %F: the INI file; "!" starts a message to find */
	} cases[] = {
		{ { "check_fake" }, "check_fake" },
		{ { "check_fake", "-a", "x" }, "check_fake|-a|x" },
		/* the section named like the program; file options first */
		{ { "check_fake", "--extra-opts=@%F", "-a" },
		  "check_fake|--warning=5|-c|10|--brief|-a" },
		/* command line after the file's options, so it wins */
		{ { "check_fake", "-w", "7", "--extra-opts=@%F" },
		  "check_fake|--warning=5|-c|10|--brief|-w|7" },
		/* a named section; one-letter keys become -k VALUE */
		{ { "check_fake", "--extra-opts=other@%F" },
		  "check_fake|--port=8080|--password=s3cret word" },
		{ { "check_fake", "--extra-opts=third@%F" }, "check_fake|-w|1:2" },
		/* several, in order */
		{ { "check_fake", "--extra-opts=other@%F", "--extra-opts=third@%F" },
		  "check_fake|--port=8080|--password=s3cret word|-w|1:2" },
		/* after "--" it is a positional word */
		{ { "check_fake", "--", "--extra-opts=@%F" }, "check_fake|--|--extra-opts=@%F" },
		{ { "check_fake", "--extra-opts-x=1" }, "check_fake|--extra-opts-x=1" },
		/* errors */
		{ { "check_fake", "--extra-opts=@/nonexistent/td.ini" },
		  "!cannot read /nonexistent/td.ini" },
		{ { "check_fake", "--extra-opts=nosuch@%F" }, "!%F has no section [nosuch]" },
		{ { "check_fake", "--extra-opts=other@" }, "!names no file after '@'" },
		{ { "check_fake", "--extra-opts=@%B" }, "!%B:2:" },
		{ { "check_fake", "--extra-opts=@%F", "--extra-opts=nosuch@%F" }, "!no section [nosuch]" },
	};
	for (size_t i = 0; i < N(cases); i++) {
		char *got = expand(fx, cases[i].argv, "check_fake");
		char *want = subst(fx, cases[i].want);
		bool ok = want[0] == '!' ? got[0] == '!' && strstr(got, want + 1) : !strcmp(got, want);
		if (!ok)
			fail_msg("case %zu: \"%s\", wanted \"%s\"", i, got, want);
		free(got);
		free(want);
	}
}

/* The section defaults to progname, not to argv[0]; argv[0] is kept. */
static void test_extra_opts_progname(void **state)
{
	const struct fixture *fx = *state;
	static const char *const words[] = { "/usr/lib/nagios/plugins/x", "--extra-opts=@%F", NULL };
	char *got = expand(fx, words, "check_fake");
	assert_string_equal(got, "/usr/lib/nagios/plugins/x|--warning=5|-c|10|--brief");
	free(got);
	got = expand(fx, words, "check_none");
	assert_int_equal(got[0], '!');
	assert_non_null(strstr(got, "no section [check_none]"));
	free(got);
	/* argc 0: argv[0] comes from progname */
	int out_argc = 0;
	char **out_argv = NULL;
	assert_int_equal(td_extra_opts_expand(0, NULL, "check_fake", &out_argc, &out_argv, NULL, 0),
			 TD_OK);
	assert_int_equal(out_argc, 1);
	assert_string_equal(out_argv[0], "check_fake");
	td_argv_free(out_argc, out_argv);
	td_argv_free(0, NULL);
}

/* Without @FILE: $MP_CONFIG_FILE, then the default files. */
static void test_extra_opts_default_file(void **state)
{
	const struct fixture *fx = *state;
	static const char *const own[] = { "check_fake", "--extra-opts", NULL };
	static const char *const named[] = { "check_fake", "--extra-opts=other", NULL };
	static const char *const empty[] = { "check_fake", "--extra-opts=", NULL };
	const char *saved = getenv("MP_CONFIG_FILE");
	char *keep = saved ? td_xstrdup(saved) : NULL;
	setenv("MP_CONFIG_FILE", fx->ini, 1);
	char *got = expand(fx, own, "check_fake");
	assert_string_equal(got, "check_fake|--warning=5|-c|10|--brief");
	free(got);
	got = expand(fx, named, "check_fake");
	assert_string_equal(got, "check_fake|--port=8080|--password=s3cret word");
	free(got);
	got = expand(fx, empty, "check_fake");
	assert_string_equal(got, "check_fake|--warning=5|-c|10|--brief");
	free(got);

	unsetenv("MP_CONFIG_FILE");
	bool any = false;
	const char *const *paths = td_extra_opts_paths();
	assert_non_null(paths[0]);
	for (const char *const *p = paths; *p; p++)
		if (access(*p, R_OK) == 0)
			any = true;
	if (!any) {
		got = expand(fx, own, "check_fake");
		assert_int_equal(got[0], '!');
		assert_non_null(strstr(got, "no file given"));
		free(got);
	}
	if (keep)
		setenv("MP_CONFIG_FILE", keep, 1);
	free(keep);
}

/* ------------------------------------------------------------------- probe */

struct fake_cfg {
	char *warning, *password, *positional, *output;
	long port;
	bool all, brief, verify, portal;
	double seen_timeout;
};

/* Configs alive: every config_new must meet its config_free. */
static int fake_live;

static void *fake_config_new(void)
{
	struct fake_cfg *c = td_xcalloc(1, sizeof *c);
	c->port = -1;
	fake_live++;
	return c;
}

static void fake_config_free(void *p)
{
	struct fake_cfg *c = p;
	if (!c)
		return;
	free(c->warning);
	if (c->password)
		td_wipe(c->password, strlen(c->password));
	free(c->password);
	free(c->positional);
	free(c->output);
	free(c);
	fake_live--;
}

static void replace(char **slot, const char *arg)
{
	free(*slot);
	*slot = arg ? td_xstrdup(arg) : NULL;
}

static enum td_err fake_option(void *p, int id, const char *arg, char *err, size_t errlen)
{
	struct fake_cfg *c = p;
	struct td_range r;
	char why[128];
	unsigned long long port;
	switch (id) {
	case OPT_WARNING:
		if (td_range_parse(arg, 0, &r, why, sizeof why) != TD_OK)
			return td_errf(TD_E_USAGE, err, errlen, "-w: %s", why);
		replace(&c->warning, arg);
		return TD_OK;
	case OPT_CRITICAL:
		return TD_OK;
	case OPT_ALL:
		c->all = true;
		return TD_OK;
	case OPT_BRIEF:
		c->brief = true;
		return TD_OK;
	case OPT_PORT:
		if (td_parse_uint(arg, 1, 65535, &port) != TD_OK)
			return td_errf(TD_E_USAGE, err, errlen, "-p: \"%s\" is not a port", arg);
		c->port = (long)port;
		return TD_OK;
	case OPT_PORTAL:
		c->portal = true;
		return TD_OK;
	case OPT_VERIFY:
		c->verify = true;
		return TD_OK;
	case OPT_OUTPUT:
		replace(&c->output, arg ? arg : "-");
		return TD_OK;
	case OPT_PASSWORD:
		replace(&c->password, arg);
		return TD_OK;
	case TD_OPT_POSITIONAL:
		if (c->positional)
			return TD_E_USAGE; /* no message: the core names the word */
		replace(&c->positional, arg);
		return TD_OK;
	default:
		return TD_OK;
	}
}

static enum td_err fake_finish(void *p, const struct td_common *common, char *err, size_t errlen)
{
	struct fake_cfg *c = p;
	if (c->port < 0)
		c->port = 5666;
	c->seen_timeout = common->timeout;
	if (c->warning && !strcmp(c->warning, "99"))
		return td_errf(TD_E_USAGE, err, errlen, "-w 99 is refused by the probe");
	return TD_OK;
}

static enum td_err fake_run(const void *cfg, const struct td_run_ctx *ctx, struct td_result *res)
{
	(void)cfg;
	(void)ctx;
	(void)res;
	return TD_OK;
}

static const struct td_probe fake_probe = {
	.name = "fake",
	.label = "FAKE",
	.purpose = "Pretends to check something, for the tests.",
	.help_tail = "Examples:\n  check_fake -w 5 -c 10\n",
	.options = fake_options,
	.config_new = fake_config_new,
	.config_free = fake_config_free,
	.option = fake_option,
	.finish = fake_finish,
	.run = fake_run,
};

/* Parses words (argv[0] included) with the fake probe. */
static enum td_err parse(const struct fixture *fx, const char *const *words,
			 struct td_common *common, struct fake_cfg **cfg, char *err, size_t errlen)
{
	char *argv[MAXARGS + 1];
	int argc = 0;
	for (; words[argc]; argc++)
		argv[argc] = subst(fx, words[argc]);
	argv[argc] = NULL;
	void *c = (void *)&argc; /* must be replaced */
	enum td_err rc = td_probe_parse(&fake_probe, argc, argv, "check_fake", common, &c, err, errlen);
	*cfg = c;
	for (int i = 0; i < argc; i++)
		free(argv[i]);
	return rc;
}

static void test_probe_parse_basic(void **state)
{
	const struct fixture *fx = *state;
	static const char *const words[] = { "check_fake", "-w", "5", "-p", "80", "-vv", "-t",
					     "3:unknown", "host", "--verify", "-o", NULL };
	struct td_common common;
	struct fake_cfg *cfg;
	char err[256] = "";
	assert_int_equal(parse(fx, words, &common, &cfg, err, sizeof err), TD_OK);
	assert_non_null(cfg);
	assert_string_equal(cfg->warning, "5");
	assert_int_equal(cfg->port, 80);
	assert_string_equal(cfg->positional, "host");
	assert_string_equal(cfg->output, "-");
	assert_true(cfg->verify);
	assert_false(cfg->portal);
	assert_int_equal(common.verbose, 2);
	assert_true(common.timeout == 3);
	assert_int_equal(common.timeout_state, TD_STATE_UNKNOWN);
	assert_false(common.help);
	assert_false(common.version);
	assert_true(cfg->seen_timeout == 3); /* finish saw the common options */
	fake_config_free(cfg);
	assert_int_equal(fake_live, 0);
}

static void test_probe_parse_defaults(void **state)
{
	const struct fixture *fx = *state;
	static const char *const words[] = { "check_fake", NULL };
	static const char *const loud[] = { "check_fake", "-vvvvv", "-v", NULL };
	struct td_common common;
	struct fake_cfg *cfg;
	memset(&common, 0x5a, sizeof common); /* overwritten whole */
	assert_int_equal(parse(fx, words, &common, &cfg, NULL, 0), TD_OK);
	assert_true(common.timeout == 10);
	assert_int_equal(common.timeout_state, TD_STATE_CRITICAL);
	assert_int_equal(common.verbose, 0);
	assert_false(common.help);
	assert_false(common.version);
	assert_int_equal(cfg->port, 5666); /* finish ran */
	assert_null(cfg->warning);
	fake_config_free(cfg);
	assert_int_equal(parse(fx, loud, &common, &cfg, NULL, 0), TD_OK);
	assert_int_equal(common.verbose, 3);
	fake_config_free(cfg);
	assert_int_equal(fake_live, 0);
}

static void test_probe_parse_help_version(void **state)
{
	const struct fixture *fx = *state;
	static const struct {
		const char *argv[MAXARGS];
		bool help, version;
	} cases[] = {
		{ { "check_fake", "--help" }, true, false },
		{ { "check_fake", "-h" }, true, false },
		{ { "check_fake", "--hel" }, true, false },
		{ { "check_fake", "-V" }, false, true },
		{ { "check_fake", "--version" }, false, true },
		{ { "check_fake", "-hV" }, true, true },
		{ { "check_fake", "-w", "5", "--help", "-p", "80" }, true, false },
		{ { "check_fake", "-w", "99", "--help" }, true, false }, /* finish not run */
	};
	for (size_t i = 0; i < N(cases); i++) {
		struct td_common common;
		struct fake_cfg *cfg;
		char err[256] = "";
		enum td_err rc = parse(fx, cases[i].argv, &common, &cfg, err, sizeof err);
		if (rc != TD_OK || cfg != NULL || common.help != cases[i].help ||
		    common.version != cases[i].version)
			fail_msg("case %zu: rc %d cfg %p help %d version %d (%s)", i, rc, (void *)cfg,
				 common.help, common.version, err);
		assert_int_equal(fake_live, 0);
	}
}

static void test_probe_parse_errors(void **state)
{
	const struct fixture *fx = *state;
	static const struct {
		const char *argv[MAXARGS];
		const char *err;
	} cases[] = {
		{ { "check_fake", "--bogus" }, "unknown option \"--bogus\"" },
		{ { "check_fake", "-w" }, "option \"-w\" needs a value (RANGE)" },
		{ { "check_fake", "-w", "abc" }, "-w: \"abc\" is not a range" },
		{ { "check_fake", "-w", "10:x" }, "-w: \"10:x\" is not a range" },
		{ { "check_fake", "-p", "abc" }, "-p: \"abc\" is not a port" },
		{ { "check_fake", "-p", "65536" }, "-p: \"65536\" is not a port" },
		{ { "check_fake", "-t", "abc" }, "-t: \"abc\"" },
		{ { "check_fake", "-t", "0" }, "-t: \"0\"" },
		{ { "check_fake", "-t", "10:bogus" }, "-t: \"bogus\" is not a state" },
		{ { "check_fake", "one", "two" }, "unexpected argument \"two\"" },
		{ { "check_fake", "-w", "99" }, "-w 99 is refused by the probe" },
		{ { "check_fake", "--all=1" }, "option \"--all\" takes no value" },
		{ { "check_fake", "--extra-opts=@/nonexistent/td.ini" }, "/nonexistent/td.ini" },
		{ { "check_fake", "--extra-opts=nosuch@%F" }, "no section [nosuch]" },
		/* an abbreviated --extra-opts is refused, never silently ignored */
		{ { "check_fake", "--extra=other@%F" }, "--extra-opts" },
		{ { "check_fake", "--extra-o" }, "--extra-opts" },
		{ { "check_fake", "--help", "--bogus" }, "unknown option \"--bogus\"" },
	};
	for (size_t i = 0; i < N(cases); i++) {
		struct td_common common;
		struct fake_cfg *cfg;
		char err[256];
		snprintf(err, sizeof err, "stale text from an earlier call");
		enum td_err rc = parse(fx, cases[i].argv, &common, &cfg, err, sizeof err);
		char *want = subst(fx, cases[i].err);
		if (rc != TD_E_USAGE || cfg != NULL || !strstr(err, want) || strchr(err, '\n'))
			fail_msg("case %zu (%s): rc %d cfg %p \"%s\", wanted \"%s\"", i,
				 cases[i].argv[1], rc, (void *)cfg, err, want);
		free(want);
		assert_int_equal(fake_live, 0);
	}
}

/* Options from --extra-opts reach the probe; the command line wins. */
static void test_probe_parse_extra_opts(void **state)
{
	const struct fixture *fx = *state;
	static const char *const from_file[] = { "check_fake", "--extra-opts=@%F", NULL };
	static const char *const cmdline_wins[] = { "check_fake", "-w", "7", "--extra-opts=@%F",
						    NULL };
	static const char *const secrets[] = { "check_fake", "--extra-opts=other@%F", "-p", "9",
					       NULL };
	struct td_common common;
	struct fake_cfg *cfg;
	char err[256] = "";
	assert_int_equal(parse(fx, from_file, &common, &cfg, err, sizeof err), TD_OK);
	assert_string_equal(cfg->warning, "5");
	assert_true(cfg->brief);
	fake_config_free(cfg);
	assert_int_equal(parse(fx, cmdline_wins, &common, &cfg, err, sizeof err), TD_OK);
	assert_string_equal(cfg->warning, "7");
	fake_config_free(cfg);
	assert_int_equal(parse(fx, secrets, &common, &cfg, err, sizeof err), TD_OK);
	assert_string_equal(cfg->password, "s3cret word");
	assert_int_equal(cfg->port, 9);
	fake_config_free(cfg);
	assert_int_equal(fake_live, 0);
}

static void test_probe_help(void **state)
{
	(void)state;
	struct td_buf b;
	td_buf_init(&b, 0);
	td_probe_help(&fake_probe, "check_fake", &b);
	const char *s = td_buf_str(&b);
	assert_int_equal(strncmp(s, "check_fake (", 12), 0);
	assert_non_null(strstr(s, PACKAGE_VERSION));
	assert_non_null(strstr(s, "Pretends to check something, for the tests."));
	assert_non_null(strstr(s, "Usage: check_fake [OPTION]..."));
	assert_non_null(strstr(s, "Examples:\n  check_fake -w 5 -c 10\n"));
	assert_non_null(strstr(s, "Exit: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN."));
	/* every option of both tables, with its help */
	const struct td_option *tables[] = { fake_options, td_common_options };
	for (int t = 0; t < 2; t++)
		for (const struct td_option *o = tables[t]; o->id; o++) {
			char head[96], first[16];
			if (o->long_name)
				snprintf(head, sizeof head, "--%s", o->long_name);
			else
				snprintf(head, sizeof head, " -%c ", o->short_name);
			snprintf(first, sizeof first, "%.12s", o->help);
			if (!strstr(s, head) || !strstr(s, first))
				fail_msg("help lacks %s (\"%s\")", head, first);
		}
	/* and the default --extra-opts files */
	for (const char *const *p = td_extra_opts_paths(); *p; p++)
		assert_non_null(strstr(s, *p));
	td_buf_cleanup(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_getopt_table),
		cmocka_unit_test(test_getopt_probe_first),
		cmocka_unit_test(test_common_timeout_table),
		cmocka_unit_test(test_options_help),
		cmocka_unit_test(test_extra_opts_table),
		cmocka_unit_test(test_extra_opts_progname),
		cmocka_unit_test(test_extra_opts_default_file),
		cmocka_unit_test(test_probe_parse_basic),
		cmocka_unit_test(test_probe_parse_defaults),
		cmocka_unit_test(test_probe_parse_help_version),
		cmocka_unit_test(test_probe_parse_errors),
		cmocka_unit_test(test_probe_parse_extra_opts),
		cmocka_unit_test(test_probe_help),
	};
	return cmocka_run_group_tests(tests, fixture_setup, fixture_teardown);
}

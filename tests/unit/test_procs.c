/* test_procs.c - check_procs's parsers, options and matching, on a fake /proc. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <math.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "../../plugins/probes/procs.c"

/* A NUL-separated literal and its length without the literal's own NUL. */
#define RAW(s) s, sizeof s - 1

/* A stat line from the fields the probe reads; the rest as the kernel writes them. */
static char *stat_line(long long pid, const char *comm, char state, long long ppid,
		       long long session, long long flags, long long ticks, long long start,
		       long long vsize, long long rss)
{
	return td_xasprintf("%lld (%s) %c %lld %lld %lld 0 -1 %lld 0 0 0 0 %lld 0 0 0 20 0 1 0 %lld "
			    "%lld %lld 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n",
			    pid, comm, state, ppid, pid, session, flags, ticks, start, vsize, rss);
}

static void test_stat_table(void **state)
{
	(void)state;
	static const char tail[] = " 1 42 42 0 -1 4194560 10 0 0 0 300 100 0 0 20 -5 3 0 1000 "
				   "12345678 678 18446744073709551615 1 1";
	static const struct {
		const char *head; /* "PID (COMM) S", then tail; NULL: text is the whole line */
		const char *text;
		bool ok;
		const char *comm;
		char state;
	} cases[] = {
		{ "42 (nginx) S", NULL, true, "nginx", 'S' },
		{ "42 (my (odd) proc) S", NULL, true, "my (odd) proc", 'S' },
		{ "42 () ) ) R", NULL, true, ") ) ", 'R' },
		{ "42 (a) b) Z", NULL, true, "a) b", 'Z' },
		{ "42 () S", NULL, true, "", 'S' },
		{ "42 (a\nb\tc) D", NULL, true, "a?b?c", 'D' },
		{ "42 (kworker/u8:2-events_unbound) I", NULL, true, "kworker/u8:2-events_unbound", 'I' },
		{ "42 (x) t", NULL, true, "x", 't' },
		{ "42 (x) Q", NULL, true, "x", 'Q' },  /* a state of a later kernel */
		{ "42 (x) 7", NULL, false, NULL, 0 },  /* not a state */
		{ "42 (x)  ", NULL, false, NULL, 0 },  /* no state */
		{ "42 (x) SS", NULL, false, NULL, 0 }, /* two letters */
		{ "42(x) S", NULL, false, NULL, 0 },
		{ "(x) S", NULL, false, NULL, 0 },
		{ " (x) S", NULL, false, NULL, 0 },
		{ "x42 (x) S", NULL, false, NULL, 0 },
		{ "0 (x) S", NULL, false, NULL, 0 },
		{ "-5 (x) S", NULL, false, NULL, 0 },
		{ NULL, "", false, NULL, 0 },
		{ NULL, "garbage", false, NULL, 0 },
		{ NULL, "42 (x)", false, NULL, 0 },
		{ NULL, "42 (x) S", false, NULL, 0 },
		{ NULL, "42 x) S 1 42 42 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 0 0 0", false, NULL, 0 },
		{ NULL, "42 (x S 1 42 42 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 0 0 0", false, NULL, 0 },
		{ NULL, ") 42 (x S 1 42 42 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 0 0 0", false, NULL, 0 },
		/* truncated: 23 fields, then 24 */
		{ NULL, "42 (x) S 1 42 42 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 0 0", false, NULL, 0 },
		{ NULL, "42 (x) S 1 42 42 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 0 0 0", true, "x", 'S' },
		{ NULL, "42 (x) S 1 42 42 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 0 0 0\n", true, "x", 'S' },
		{ NULL, "42 (x) S 1 42 42 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 0 0 ", false, NULL, 0 },
		/* garbage inside: a word, a double space, a tab, a bare sign, overflow */
		{ NULL, "42 (x) S 1 a 42 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 0 0 0", false, NULL, 0 },
		{ NULL, "42 (x) S 1  42 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 0 0 0", false, NULL, 0 },
		{ NULL, "42 (x) S 1\t42 42 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 0 0 0", false, NULL, 0 },
		{ NULL, "42 (x) S 1 42 42 0 - 0 0 0 0 0 0 0 0 0 20 0 1 0 0 0 0", false, NULL, 0 },
		{ NULL, "42 (x) S 1 42 42 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 0 9223372036854775807 0", true,
		  "x", 'S' },
		{ NULL, "42 (x) S 1 42 42 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 0 9223372036854775808 0", false,
		  NULL, 0 },
		{ NULL, "42 (x) S 1 42 42 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 0 1e3 0", false, NULL, 0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct procs_proc p;
		char *text = cases[i].head ? td_xasprintf("%s%s", cases[i].head, tail)
					   : td_xstrdup(cases[i].text);
		bool ok = procs_parse_stat(text, &p);
		if (ok != cases[i].ok)
			fail_msg("case %zu \"%s\": %d, wanted %d", i, text, ok, cases[i].ok);
		if (ok) {
			assert_string_equal(p.comm, cases[i].comm);
			assert_int_equal(p.state, cases[i].state);
			assert_int_equal(p.pid, 42);
		}
		if (ok && cases[i].head) {
			assert_int_equal(p.ppid, 1);
			assert_int_equal(p.flags, 4194560);
			assert_int_equal(p.utime, 300);
			assert_int_equal(p.stime, 100);
			assert_int_equal(p.nice, -5);
			assert_int_equal(p.threads, 3);
			assert_int_equal(p.starttime, 1000);
			assert_int_equal(p.vsize, 12345678);
			assert_int_equal(p.rss, 678);
		}
		free(text);
	}

	/* A name longer than any the kernel writes is cut, not overflowed. */
	char longname[200];
	memset(longname, 'n', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	char *text = stat_line(7, longname, 'S', 1, 7, 0, 0, 0, 0, 0);
	struct procs_proc p;
	assert_true(procs_parse_stat(text, &p));
	assert_int_equal(strlen(p.comm), PROCS_COMM_MAX);
	free(text);
}

static void test_args_table(void **state)
{
	(void)state;
	struct procs_proc sleeping = { .state = 'S', .comm = "kthreadd" };
	struct procs_proc zombie = { .state = 'Z', .comm = "dead one" };
	static const struct {
		const char *raw;
		size_t n;
		bool zombie;
		const char *want;
	} cases[] = {
		{ RAW("nginx: worker process\0"), false, "nginx: worker process" },
		{ RAW("/bin/sleep\0" "300\0"), false, "/bin/sleep 300" },
		{ RAW("/bin/sleep\0" "300"), false, "/bin/sleep 300" }, /* no final NUL */
		{ RAW("a\0\0\0"), false, "a" },                     /* trailing NULs */
		{ RAW("a\0\0b\0"), false, "a  b" },                 /* an empty argument */
		{ RAW("tab\there\nnewline\x7f\0"), false, "tab?here?newline?" },
		{ RAW("caf\xc3\xa9\0"), false, "caf\xc3\xa9" }, /* UTF-8 kept as is */
		{ RAW(""), false, "[kthreadd]" },
		{ RAW("\0\0"), false, "[kthreadd]" },
		{ RAW(""), true, "[dead one] <defunct>" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char out[64];
		procs_args(cases[i].raw, cases[i].n, cases[i].zombie ? &zombie : &sleeping, out,
			   sizeof out);
		if (strcmp(out, cases[i].want))
			fail_msg("case %zu: \"%s\", wanted \"%s\"", i, out, cases[i].want);
	}
	/* Cut to the buffer, always terminated. */
	char small[6];
	procs_args(RAW("abcdefghij\0"), &sleeping, small, sizeof small);
	assert_string_equal(small, "abcde");
}

static void test_stat_flags(void **state)
{
	(void)state;
	static const struct {
		char st;
		long long pid, session, nice, threads, pgrp, tpgid;
		const char *want;
	} cases[] = {
		{ 'S', 5, 1, 0, 1, 1, -1, "S" },    { 'S', 5, 5, 0, 1, 5, -1, "Ss" },
		{ 'R', 5, 1, -10, 1, 1, -1, "R<" }, { 'S', 5, 1, 19, 1, 1, -1, "SN" },
		{ 'D', 5, 1, 0, 4, 1, -1, "Dl" },   { 'S', 5, 1, 0, 1, 7, 7, "S+" },
		{ 'S', 5, 5, -1, 2, 5, 5, "S<sl+" }, { 'Z', 5, 1, 0, 1, 1, -1, "Z" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct procs_proc p = { .state = cases[i].st, .pid = cases[i].pid,
					.session = cases[i].session, .nice = cases[i].nice,
					.threads = cases[i].threads, .pgrp = cases[i].pgrp,
					.tpgid = cases[i].tpgid };
		char out[8];
		procs_stat_flags(&p, out);
		assert_string_equal(out, cases[i].want);
	}
}

static void test_uid_table(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		bool ok;
		unsigned uid;
	} cases[] = {
		{ "Name:\tbash\nUmask:\t0022\nState:\tS (sleeping)\nUid:\t1000\t1000\t1000\t1000\n", true,
		  1000 },
		/* setuid: the effective uid, as ps -o user shows */
		{ "Name:\tpasswd\nUid:\t1000\t0\t0\t0\nGid:\t1000\t1000\t1000\t1000\n", true, 0 },
		{ "Uid:\t0\t4294967295\t0\t0\n", true, 4294967295u },
		{ "Uid: 7 8\n", true, 8 },
		{ "Uid:\t5\t6", true, 6 },
		{ "Name:\tUid:\t5\t5\t5\t5\nUid:\t9\t9\t9\t9\n", true, 9 }, /* only at a line start */
		{ "", false, 0 },
		{ "Name:\tbash\n", false, 0 },
		{ "Uid:\n", false, 0 },
		{ "Uid:\t1000\n", false, 0 },
		{ "Uid:\t1000\tabc\n", false, 0 },
		{ "Uid:\t1000\t-1\n", false, 0 },
		{ "Uid:\t1000\t4294967296\n", false, 0 },
		{ "XUid:\t1\t1\n", false, 0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uid_t uid = 12345;
		bool ok = procs_parse_uid(cases[i].text, &uid);
		if (ok != cases[i].ok)
			fail_msg("case %zu: %d, wanted %d", i, ok, cases[i].ok);
		if (ok)
			assert_int_equal(uid, cases[i].uid);
	}
}

static void test_wrapper_table(void **state)
{
	(void)state;
	static const char self[] = "/usr/lib/nagios/plugins/check_procs\0-a\0tok\0-c\0" "0\0";
	static const struct {
		const char *parent;
		size_t n;
		bool want;
	} cases[] = {
		/* exec wrappers: the parent's arguments end with ours */
		{ RAW("timeout\0-k\0" "5\0" "30\0/usr/lib/nagios/plugins/check_procs\0-a\0tok\0-c\0"
		      "0\0"),
		  true },
		{ RAW("sudo\0/usr/lib/nagios/plugins/check_procs\0-a\0tok\0-c\0" "0"), true },
		{ RAW("x/usr/lib/nagios/plugins/check_procs\0-a\0tok\0-c\0" "0\0"), false },
		{ RAW("/usr/lib/nagios/plugins/check_procs\0-a\0tok\0-c\0" "0\0"), false },
		{ RAW("timeout\0" "30\0check_procs\0-a\0tok\0-c\0" "0\0"), false }, /* other argv[0] */
		/* shells running a script that names the check with all its arguments */
		{ RAW("/bin/sh\0-c\0/usr/lib/nagios/plugins/check_procs -a tok -c 0\0"), true },
		{ RAW("sh\0-c\0check_procs -a 'tok' -c 0; echo $?\0"), true },
		{ RAW("bash\0-ec\0exec 2>&1; check_procs -a tok -c 0\0"), true },
		{ RAW("bash\0--norc\0-x\0-c\0check_procs -c 0 -a tok\0"), true },
		{ RAW("sh\0-c\0check_procs -a other -c 0\0"), false },
		{ RAW("sh\0-c\0check_load -a tok -c 0\0"), false },
		{ RAW("sh\0-c\0"), false },
		{ RAW("sh\0--c\0check_procs -a tok -c 0\0"), false },
		{ RAW("sh\0-c1\0check_procs -a tok -c 0\0"), false },
		{ RAW("sh\0script.sh\0check_procs -a tok -c 0\0"), false },
		{ RAW("bash\0"), false },
		{ RAW("vim\0tok\0"), false },
		{ RAW(""), false },
		{ RAW("\0\0"), false },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		bool got = procs_is_wrapper(cases[i].parent, cases[i].n, self, sizeof self - 1);
		if (got != cases[i].want)
			fail_msg("case %zu: %d, wanted %d", i, got, cases[i].want);
	}
	assert_false(procs_is_wrapper(RAW("sh\0-c\0x\0"), RAW("")));
}

static void test_command_match(void **state)
{
	(void)state;
	assert_true(procs_match_command("nginx", "nginx"));
	assert_false(procs_match_command("nginx", "nginx2"));
	assert_false(procs_match_command("ngin", "nginx"));
	assert_false(procs_match_command("nginx", "ngin"));
	/* the kernel keeps 15 bytes of a name */
	assert_true(procs_match_command("systemd-journald", "systemd-journal"));
	assert_false(procs_match_command("systemd-journalX", "systemd-journaX"));
	assert_false(procs_match_command("systemd-journal", "systemd-journald"));
	assert_false(procs_match_command("abcdefghijklmnop", "abcdefghijklmn"));
}

/* Parses a command line (NULL-terminated words after the program name). */
static enum td_err parse(const char *const *words, struct procs_config **cfg, char *err,
			 size_t errlen)
{
	char *argv[32] = { "check_procs" };
	int argc = 1;
	for (; words && words[argc - 1]; argc++)
		argv[argc] = (char *)words[argc - 1];
	struct td_common common;
	void *c = NULL;
	err[0] = '\0';
	enum td_err rc =
		td_probe_parse(&td_probe_procs, argc, argv, "check_procs", &common, &c, err, errlen);
	*cfg = c;
	return rc;
}

#define W(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void test_option_errors(void **state)
{
	(void)state;
	const struct {
		const char *const *words;
		const char *err; /* the start of the message */
	} cases[] = {
		{ W("-w", "abc"), "-w: \"abc\" is not a range" },
		{ W("-c", "10:x"), "-c: \"10:x\" is not a range" },
		{ W("-w", "1..2"), "-w: \"1..2\" is not a range" },
		{ W("-w", ""), "-w: an empty string is not a range" },
		{ W("-c", "10:5"), "-c: \"10:5\" is not a range: start is greater than end" },
		{ W("-w", "10MB"), "-w: \"10MB\" is not a range" }, /* counts have no unit */
		{ W("-m", "RSS", "-w", "10s"), "-w: " },
		{ W("-m", "CPU", "-c", "10MB"), "-c: " },
		{ W("-m", "ELAPSED", "-c", "5%"), "-c: " },
		{ W("-m", "BOGUS"), "-m: \"BOGUS\" is not a metric" },
		{ W("-m", ""), "-m: " },
		{ W("-s", ""), "-s: give one or more" },
		{ W("-s", "RQ"), "-s: \"RQ\": 'Q' is not a process state" },
		{ W("-s", "L"), "-s: " },
		{ W("-p", "abc"), "-p: \"abc\" is not a process id" },
		{ W("-p", "-1"), "-p: " },
		{ W("-p", "99999999999"), "-p: " },
		{ W("-p", ""), "-p: " },
		{ W("-z", "-5"), "-z: \"-5\" is not a size" },
		{ W("-r", "10xB"), "-r: \"10xB\" is not a size" },
		{ W("-r", ""), "-r: " },
		{ W("-r", "5%"), "-r: " },
		{ W("-P", "abc"), "-P: \"abc\" is not a percentage" },
		{ W("-P", "-1"), "-P: " },
		{ W("-P", "5MB"), "-P: " },
		{ W("-u", ""), "-u: \"\" is neither a user nor a uid" },
		{ W("-u", "nosuchuser-tandem"), "-u: \"nosuchuser-tandem\" is neither" },
		{ W("-u", "4294967295"), "-u: " },
		{ W("-u", "-1"), "-u: " },
		{ W("--ereg-argument-array", "("), "--ereg-argument-array: \"(\": " },
		{ W("--ereg-argument-array", "a{2,1}"), "--ereg-argument-array: " },
		{ W("-C", ""), "-C: the command name is empty" },
		{ W("stray"), "unexpected argument \"stray\"" },
		{ W("--foo"), "unknown option \"--foo\"" },
		{ W("-w"), "option \"-w\" needs a value" },
		{ W("-k=1"), "unknown option \"-=\"" },
		{ W("--no-kthreads=1"), "option \"--no-kthreads\" takes no value" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct procs_config *c;
		char err[512];
		enum td_err rc = parse(cases[i].words, &c, err, sizeof err);
		if (rc == TD_OK || c)
			fail_msg("case %zu (%s): accepted", i, cases[i].err);
		if (strncmp(err, cases[i].err, strlen(cases[i].err)))
			fail_msg("case %zu: \"%s\", wanted it to start with \"%s\"", i, err, cases[i].err);
		assert_null(strchr(err, '\n'));
	}
}

static void test_option_values(void **state)
{
	(void)state;
	struct procs_config *c;
	char err[512];

	assert_int_equal(parse(W("-w", "10", "-c", "1:1"), &c, err, sizeof err), TD_OK);
	assert_int_equal(c->metric, PROCS_M_PROCS);
	assert_true(c->warn.set && !c->warn.inside);
	assert_float_equal(c->warn.start, 0, 0);
	assert_float_equal(c->warn.end, 10, 0);
	assert_float_equal(c->crit.start, 1, 0);
	assert_float_equal(c->crit.end, 1, 0);
	procs_config_free(c);

	/* bare sizes are KiB, whether -w comes before or after -m */
	assert_int_equal(parse(W("-w", "100", "-m", "rss", "-c", "1GB"), &c, err, sizeof err), TD_OK);
	assert_int_equal(c->metric, PROCS_M_RSS);
	assert_float_equal(c->warn.end, 102400, 0);
	assert_float_equal(c->crit.end, 1073741824.0, 0);
	procs_config_free(c);

	assert_int_equal(parse(W("-m", "VSZ", "-w", "@1024:2048"), &c, err, sizeof err), TD_OK);
	assert_true(c->warn.inside);
	assert_float_equal(c->warn.start, 1048576, 0);
	assert_float_equal(c->warn.end, 2097152, 0);
	procs_config_free(c);

	assert_int_equal(parse(W("-m", "Elapsed", "-c", "1h:", "-w", "~:90"), &c, err, sizeof err),
			 TD_OK);
	assert_float_equal(c->crit.start, 3600, 0);
	assert_true(isinf(c->crit.end));
	assert_float_equal(c->warn.end, 90, 0);
	procs_config_free(c);

	assert_int_equal(parse(W("-m", "CPU", "-w", "50%", "-c", "90"), &c, err, sizeof err), TD_OK);
	assert_float_equal(c->warn.end, 50, 0);
	assert_float_equal(c->crit.end, 90, 0);
	procs_config_free(c);

	assert_int_equal(parse(W("-z", "1GB", "-r", "100", "-P", "5.5", "-p", "0", "-s",
				 "RSDTtZXxIPWK<Nsl+", "-k", "-T"),
			       &c, err, sizeof err),
			 TD_OK);
	assert_float_equal(c->vsz, 1073741824.0, 0);
	assert_float_equal(c->rss, 102400, 0);
	assert_float_equal(c->pcpu, 5.5, 0);
	assert_int_equal(c->ppid, 0);
	assert_true(c->no_kthreads && c->by_pid_only);
	procs_config_free(c);

	/* a repeated option replaces the earlier one (and leaks nothing) */
	assert_int_equal(parse(W("-C", "a", "-C", "b", "--ereg-argument-array=x", "--ereg=^y$", "-a",
				 "1", "-a", "2", "-u", "0", "-u", "root", "-s", "R", "-s", "Z"),
			       &c, err, sizeof err),
			 TD_OK);
	assert_string_equal(c->command, "b");
	assert_string_equal(c->ereg, "^y$");
	assert_int_equal(regexec(&c->re, "y", 0, NULL, 0), 0);
	assert_int_not_equal(regexec(&c->re, "x", 0, NULL, 0), 0);
	assert_string_equal(c->args, "2");
	assert_string_equal(c->states, "Z");
	assert_true(c->has_uid);
	assert_int_equal(c->uid, 0);
	assert_string_equal(c->user, "0 (root)");
	procs_config_free(c);

	/* a bad regex after a good one leaves none behind to free twice */
	assert_int_equal(parse(W("--ereg-argument-array=x", "--ereg-argument-array=("), &c, err,
			       sizeof err),
			 TD_E_USAGE);
	assert_null(c);
}

static void test_user_option(void **state)
{
	(void)state;
	struct procs_config *c;
	char err[512];
	assert_int_equal(parse(W("-u", "root"), &c, err, sizeof err), TD_OK);
	assert_int_equal(c->uid, 0);
	assert_string_equal(c->user, "0 (root)");
	procs_config_free(c);
	/* a uid with no passwd entry is taken as it is */
	assert_int_equal(parse(W("-u", "4294967294"), &c, err, sizeof err), TD_OK);
	assert_int_equal(c->uid, 4294967294u);
	assert_string_equal(c->user, "4294967294");
	procs_config_free(c);
	assert_int_equal(parse(W("-u", "007"), &c, err, sizeof err), TD_OK);
	assert_int_equal(c->uid, 7);
	procs_config_free(c);
}

static void test_describe(void **state)
{
	(void)state;
	struct procs_config *c;
	struct td_buf b;
	char err[512];
	assert_int_equal(parse(W("-C", "foo", "-a", "bar"), &c, err, sizeof err), TD_OK);
	td_buf_init(&b, 0);
	procs_describe(c, &b);
	assert_string_equal(td_buf_str(&b), " with command name 'foo', args 'bar'");
	td_buf_cleanup(&b);
	procs_config_free(c);

	assert_int_equal(parse(W("--ereg-argument-array=^x", "-u", "0", "-s", "Z", "-p", "1", "-z",
				 "1GB", "-r", "512", "-P", "2.5", "-k"),
			       &c, err, sizeof err),
			 TD_OK);
	td_buf_init(&b, 0);
	procs_describe(c, &b);
	assert_string_equal(td_buf_str(&b),
			    " with STATE = Z, PPID = 1, UID = 0 (root), VSZ >= 1 GiB, RSS >= 512 KiB, "
			    "PCPU >= 2.5%, regex args '^x', no kernel threads");
	td_buf_cleanup(&b);
	procs_config_free(c);

	assert_int_equal(parse(NULL, &c, err, sizeof err), TD_OK);
	td_buf_init(&b, 0);
	procs_describe(c, &b);
	assert_string_equal(td_buf_str(&b), "");
	td_buf_cleanup(&b);
	procs_config_free(c);
}

/* A fake /proc. */
struct fake_proc {
	long long pid, ppid;
	const char *comm;
	char state;
	long long flags, ticks, start, vsize, rss;
	unsigned uid;
	const char *cmdline;
	size_t cmdlen;
};
#define CMD(s) .cmdline = s, .cmdlen = sizeof s - 1

static void put(const char *dir, const char *name, const char *data, size_t n)
{
	char *path = td_xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
	free(path);
}

static void add_proc(const char *root, const struct fake_proc *fp)
{
	char *dir = td_xasprintf("%s/%lld", root, fp->pid);
	assert_int_equal(mkdir(dir, 0700), 0);
	/* kernel threads have no session; the others lead their own */
	char *line = stat_line(fp->pid, fp->comm, fp->state, fp->ppid,
			       fp->flags & PROCS_PF_KTHREAD ? 0 : fp->pid, fp->flags, fp->ticks,
			       fp->start, fp->vsize, fp->rss);
	put(dir, "stat", line, strlen(line));
	free(line);
	put(dir, "cmdline", fp->cmdline ? fp->cmdline : "", fp->cmdlen);
	char *status = td_xasprintf("Name:\t%s\nUmask:\t0022\nState:\t%c\nPid:\t%lld\nPPid:\t%lld\n"
				    "Uid:\t%u\t%u\t%u\t%u\nGid:\t0\t0\t0\t0\n",
				    fp->comm, fp->state, fp->pid, fp->ppid, fp->uid, fp->uid, fp->uid,
				    fp->uid);
	put(dir, "status", status, strlen(status));
	free(status);
	free(dir);
}

static char *make_root(void)
{
	char tmpl[] = "/tmp/tandem-procs.XXXXXX";
	assert_non_null(mkdtemp(tmpl));
	return td_xstrdup(tmpl);
}

static void rm_root(char *dir)
{
	char *cmd = td_xasprintf("rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(dir);
}

#define MiB (1024LL * 1024)

/*
 * nginx master and worker, an odd name, a kernel thread, a zombie, a
 * process with a garbage stat and one that vanished (a directory only).
 */
static char *make_tree(bool with_uptime)
{
	char *root = make_root();
	long long hz = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
	const struct fake_proc procs[] = {
		{ .pid = 100, .ppid = 1, .comm = "nginx", .state = 'S', .ticks = 50 * hz,
		  .start = 500 * hz, .vsize = 100 * MiB, .rss = 10 * MiB / page, .uid = 1000,
		  CMD("nginx: master process /usr/sbin/nginx\0") },
		{ .pid = 101, .ppid = 100, .comm = "nginx", .state = 'S', .ticks = 100 * hz,
		  .start = 500 * hz, .vsize = 200 * MiB, .rss = 50 * MiB / page, .uid = 33,
		  CMD("nginx: worker process\0") },
		{ .pid = 102, .ppid = 1, .comm = "my (odd) proc", .state = 'R', .ticks = 90 * hz,
		  .start = 900 * hz, .vsize = 1024 * MiB, .rss = 300 * MiB / page, .uid = 1000,
		  CMD("/opt/odd\0--flag\0") },
		{ .pid = 103, .ppid = 2, .comm = "kworker/0:1", .state = 'I',
		  .flags = PROCS_PF_KTHREAD, .uid = 0 },
		{ .pid = 104, .ppid = 100, .comm = "defunct", .state = 'Z', .start = 999 * hz,
		  .uid = 1000 },
	};
	for (size_t i = 0; i < sizeof procs / sizeof procs[0]; i++)
		add_proc(root, &procs[i]);
	char *dir = td_xasprintf("%s/105", root);
	assert_int_equal(mkdir(dir, 0700), 0);
	put(dir, "stat", RAW("105 (broken) S 1 2 3"));
	put(dir, "cmdline", RAW("broken\0"));
	free(dir);
	dir = td_xasprintf("%s/106", root);
	assert_int_equal(mkdir(dir, 0700), 0);
	free(dir);
	dir = td_xasprintf("%s/self", root);
	assert_int_equal(symlink("100", dir), 0);
	free(dir);
	if (with_uptime)
		put(root, "uptime", RAW("1000.00 3000.00\n"));
	return root;
}

/* Parses words with --proc-root=root and scans as process self; returns the state. */
static enum td_state scan(const char *root, long long self, double timeout, int verbose,
			  const char *const *words, struct td_result *res)
{
	const char *all[32];
	char *rootopt = td_xasprintf("--proc-root=%s", root);
	size_t n = 0;
	all[n++] = rootopt;
	for (size_t i = 0; words && words[i]; i++)
		all[n++] = words[i];
	all[n] = NULL;
	struct procs_config *c;
	char err[512];
	if (parse(all, &c, err, sizeof err) != TD_OK)
		fail_msg("parse: %s", err);
	struct td_run_ctx ctx = { .deadline = td_deadline_in(timeout), .verbose = verbose };
	td_result_init(res);
	enum td_err rc = procs_scan(c, &ctx, self, res);
	procs_config_free(c);
	free(rootopt);
	return td_result_finish(res, rc, TD_STATE_CRITICAL);
}

/* The plugin output of res, for comparing whole lines. */
static char *output(const struct td_result *res)
{
	struct td_buf out;
	td_buf_init(&out, 0);
	td_result_format(res, "PROCS", &out);
	return td_buf_steal(&out);
}

static void test_counts(void **state)
{
	(void)state;
	char *root = make_tree(true);
	const struct {
		const char *const *words;
		unsigned long count;
	} cases[] = {
		{ NULL, 5 },
		{ W("-C", "nginx"), 2 },
		{ W("-C", "my (odd) proc"), 1 },
		{ W("-C", "ngin"), 0 },
		{ W("-C", "broken"), 0 },
		{ W("-a", "nginx: worker"), 1 },
		{ W("-a", "worker"), 2 }, /* kworker too: a substring */
		{ W("-a", "master process /usr"), 1 },
		{ W("-a", "/opt/odd --flag"), 1 },
		{ W("-a", "[kworker/0:1]"), 1 },
		{ W("-a", "<defunct>"), 1 },
		{ W("-a", ""), 5 },
		{ W("--ereg-argument-array=^nginx: (master|worker)"), 2 },
		{ W("--ereg-argument-array=^\\[kworker/"), 1 },
		{ W("--ereg-argument-array=--flag$"), 1 },
		{ W("--ereg-argument-array=^$"), 0 },
		{ W("-u", "1000"), 3 },
		{ W("-u", "33", "-C", "nginx"), 1 },
		{ W("-u", "0"), 1 },
		{ W("-s", "Z"), 1 },
		{ W("-s", "RZ"), 2 },
		{ W("-s", "S"), 2 },
		{ W("-s", "s"), 4 },
		{ W("-s", "D"), 0 },
		{ W("-p", "100"), 2 },
		{ W("-p", "100", "-s", "S"), 1 },
		{ W("-k"), 4 },
		{ W("-P", "15"), 2 },   /* 20% and 90% */
		{ W("-P", "90%"), 1 },  /* at least */
		{ W("-z", "150MB"), 2 },
		{ W("-z", "153600"), 2 }, /* KiB */
		{ W("-z", "1GB"), 1 },
		{ W("-r", "100MB"), 1 },
		{ W("-r", "0"), 5 },
		{ W("-C", "nginx", "-a", "nginx: worker", "-u", "33", "-s", "S", "-p", "100"), 1 },
		{ W("-C", "nginx", "-a", "nginx: worker", "-u", "1000"), 0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct td_result res;
		scan(root, 999999, 5, 0, cases[i].words, &res);
		if (res.n_metrics != 1 || res.metrics[0].value != (double)cases[i].count)
			fail_msg("case %zu (%s ...): %s, wanted %lu", i,
				 cases[i].words ? cases[i].words[0] : "-", td_buf_str(&res.summary),
				 cases[i].count);
		td_result_cleanup(&res);
	}
	rm_root(root);
}

static void test_states_and_output(void **state)
{
	(void)state;
	char *root = make_tree(false);
	struct td_result res;
	char *out;

	assert_int_equal(scan(root, 999999, 5, 0, W("-C", "nginx"), &res), TD_STATE_OK);
	out = output(&res);
	assert_string_equal(out, "PROCS OK - 2 processes with command name 'nginx' | procs=2;;;0\n");
	free(out);
	td_result_cleanup(&res);

	assert_int_equal(scan(root, 999999, 5, 0, W("-w", "4", "-c", "10"), &res), TD_STATE_WARNING);
	out = output(&res);
	assert_string_equal(out, "PROCS WARNING - 5 processes | procs=5;4;10;0\n");
	free(out);
	td_result_cleanup(&res);

	assert_int_equal(scan(root, 999999, 5, 0, W("-w", "5"), &res), TD_STATE_OK); /* inclusive */
	td_result_cleanup(&res);
	assert_int_equal(scan(root, 999999, 5, 0, W("-w", "0", "-C", "nginx"), &res),
			 TD_STATE_WARNING);
	td_result_cleanup(&res);
	assert_int_equal(scan(root, 999999, 5, 0, W("-c", "1:1", "-C", "nginx"), &res),
			 TD_STATE_CRITICAL);
	td_result_cleanup(&res);
	assert_int_equal(scan(root, 999999, 5, 0, W("-c", "1:1", "-a", "nginx: worker"), &res),
			 TD_STATE_OK);
	td_result_cleanup(&res);
	assert_int_equal(scan(root, 999999, 5, 0, W("-w", "3:", "-C", "nginx"), &res),
			 TD_STATE_WARNING);
	td_result_cleanup(&res);
	assert_int_equal(scan(root, 999999, 5, 0, W("-c", "@1:2", "-C", "nginx"), &res),
			 TD_STATE_CRITICAL);
	td_result_cleanup(&res);

	assert_int_equal(scan(root, 999999, 5, 0, W("-c", "1:", "-C", "foo", "-a", "bar"), &res),
			 TD_STATE_CRITICAL);
	out = output(&res);
	assert_string_equal(out, "PROCS CRITICAL - 0 processes with command name 'foo', args 'bar' "
				 "| procs=0;;1:;0\n");
	free(out);
	td_result_cleanup(&res);

	assert_int_equal(scan(root, 999999, 5, 0, W("-a", "nginx: worker"), &res), TD_STATE_OK);
	assert_string_equal(td_buf_str(&res.summary), "1 process with args 'nginx: worker'");
	assert_int_equal(res.long_output.len, 0); /* listed only with -v */
	td_result_cleanup(&res);

	/* -v lists each process: pid, user, STAT, args */
	assert_int_equal(scan(root, 999999, 5, 1, W("-C", "nginx"), &res), TD_STATE_OK);
	const char *lo = td_buf_str(&res.long_output);
	assert_non_null(strstr(lo, "    PID USER     STAT  ARGS\n"));
	assert_non_null(strstr(lo, "    100 "));
	assert_non_null(strstr(lo, " Ss    nginx: master process /usr/sbin/nginx\n"));
	assert_non_null(strstr(lo, "    101 "));
	assert_non_null(strstr(lo, " nginx: worker process\n"));
	assert_null(strstr(lo, "odd"));
	td_result_cleanup(&res);

	/* a '|' in a name cannot start perfdata */
	assert_int_equal(scan(root, 999999, 5, 0, W("-a", "x|y"), &res), TD_STATE_OK);
	out = output(&res);
	assert_string_equal(out, "PROCS OK - 0 processes with args 'x/y' | procs=0;;;0\n");
	free(out);
	td_result_cleanup(&res);

	/* CPU needs uptime, which this tree lacks */
	assert_int_equal(scan(root, 999999, 5, 0, W("-P", "1"), &res), TD_STATE_UNKNOWN);
	assert_non_null(strstr(td_buf_str(&res.summary), "cannot read"));
	assert_non_null(strstr(td_buf_str(&res.summary), "/uptime"));
	td_result_cleanup(&res);
	rm_root(root);

	assert_int_equal(scan("/nonexistent-proc", 999999, 5, 0, NULL, &res), TD_STATE_UNKNOWN);
	assert_string_equal(td_buf_str(&res.summary),
			    "cannot read /nonexistent-proc: no such directory");
	assert_int_equal(res.n_metrics, 0);
	td_result_cleanup(&res);
}

static void test_metric_modes(void **state)
{
	(void)state;
	char *root = make_tree(true);
	struct td_result res;
	char *out;

	/* the worker's 50 MiB is over 20 MiB, the master's 10 MiB is not */
	assert_int_equal(scan(root, 999999, 5, 0, W("-m", "RSS", "-C", "nginx", "-w", "20MB", "-c",
						    "100MB"),
			      &res),
			 TD_STATE_WARNING);
	out = output(&res);
	static const char want[] = "PROCS WARNING - RSS: 1 warn out of 2 processes with command name "
				   "'nginx', largest 50 MiB | procs=2;;;0 procs_warn=1;0;;0 "
				   "procs_crit=0;;0;0 rss_max=52428800B;;;0\n"
				   "    PID USER     STAT         RSS STATE    ARGS\n"
				   "    101 ";
	if (strncmp(out, want, sizeof want - 1))
		fail_msg("got:\n%s", out);
	free(out);
	/* only the process out of range is listed without -v */
	assert_non_null(strstr(td_buf_str(&res.long_output), " 50 MiB WARNING  nginx: worker"));
	assert_null(strstr(td_buf_str(&res.long_output), "master"));
	td_result_cleanup(&res);

	/* bare sizes are KiB: 20480 KiB is 20 MiB */
	assert_int_equal(scan(root, 999999, 5, 0, W("-m", "RSS", "-C", "nginx", "-w", "20480"), &res),
			 TD_STATE_WARNING);
	td_result_cleanup(&res);

	assert_int_equal(scan(root, 999999, 5, 0, W("-m", "VSZ", "-c", "500MB", "-w", "150MB"), &res),
			 TD_STATE_CRITICAL);
	assert_string_equal(td_buf_str(&res.summary),
			    "VSZ: 1 crit, 1 warn out of 5 processes, largest 1 GiB");
	assert_float_equal(res.metrics[1].value, 1, 0);
	assert_float_equal(res.metrics[2].value, 1, 0);
	td_result_cleanup(&res);

	/* lifetime CPU: 50 s of 500 s is 10%, 100 s of 500 s 20% */
	assert_int_equal(scan(root, 999999, 5, 0, W("-m", "CPU", "-C", "nginx", "-w", "15"), &res),
			 TD_STATE_WARNING);
	assert_string_equal(td_buf_str(&res.summary),
			    "CPU: 1 warn out of 2 processes with command name 'nginx', largest 20%");
	assert_string_equal(res.metrics[3].label, "cpu_max");
	assert_float_equal(res.metrics[3].value, 20, 1e-9);
	td_result_cleanup(&res);

	/* both nginx started 500 s ago: younger than an hour is critical here */
	assert_int_equal(scan(root, 999999, 5, 1, W("-m", "ELAPSED", "-a", "nginx", "-c", "1h:"),
			      &res),
			 TD_STATE_CRITICAL);
	assert_string_equal(td_buf_str(&res.summary),
			    "ELAPSED: 2 crit, 0 warn out of 2 processes with args 'nginx', largest 500 s");
	out = output(&res);
	assert_non_null(strstr(out, "elapsed_max=500s;;;0\n"));
	assert_non_null(strstr(out, "    500 s CRITICAL nginx: master"));
	free(out);
	td_result_cleanup(&res);

	assert_int_equal(scan(root, 999999, 5, 0, W("-m", "ELAPSED", "-a", "nginx", "-c", "1h"),
			      &res),
			 TD_STATE_OK);
	assert_string_equal(td_buf_str(&res.summary),
			    "ELAPSED: 2 processes with args 'nginx', largest 500 s");
	assert_int_equal(res.long_output.len, 0);
	td_result_cleanup(&res);

	/* nothing matched: the largest value is unknown */
	assert_int_equal(scan(root, 999999, 5, 0, W("-m", "ELAPSED", "-C", "none", "-c", "1"), &res),
			 TD_STATE_OK);
	out = output(&res);
	assert_string_equal(out, "PROCS OK - ELAPSED: 0 processes with command name 'none' | "
				 "procs=0;;;0 procs_warn=0;0;;0 procs_crit=0;;0;0 elapsed_max=U;;;0\n");
	free(out);
	td_result_cleanup(&res);
	rm_root(root);
}

static void test_list_cap(void **state)
{
	(void)state;
	char *root = make_root();
	for (long long pid = 1000; pid < 1060; pid++) {
		struct fake_proc fp = { .pid = pid, .ppid = 1, .comm = "many", .state = 'S', .uid = 0,
					CMD("many\0--flag\0") };
		add_proc(root, &fp);
	}
	struct td_result res;
	assert_int_equal(scan(root, 999999, 5, 1, W("-C", "many"), &res), TD_STATE_OK);
	size_t lines = 0;
	for (const char *p = td_buf_str(&res.long_output); *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 1 + PROCS_LIST_MAX + 1);
	assert_non_null(strstr(td_buf_str(&res.long_output), "\n... and 10 more not listed\n"));
	char *out = output(&res);
	assert_true(strlen(out) < TD_OUTPUT_MAX);
	assert_non_null(strstr(out, "... and 10 more not listed\n"));
	free(out);
	td_result_cleanup(&res);
	rm_root(root);
}

/*
 * The check (500) was started by timeout (400), which a shell (300) ran
 * from an editor (200) whose arguments happen to hold the token too; 501 is
 * another copy of the check, 502 an unrelated process.
 */
static char *make_family(void)
{
	char *root = make_root();
	const struct fake_proc procs[] = {
		{ .pid = 200, .ppid = 1, .comm = "vim", .state = 'S', CMD("vim\0tok.txt\0") },
		{ .pid = 300, .ppid = 200, .comm = "sh", .state = 'S',
		  CMD("sh\0-c\0timeout -k 5 30 check_procs -a tok\0") },
		{ .pid = 400, .ppid = 300, .comm = "timeout", .state = 'S',
		  CMD("timeout\0-k\0" "5\0" "30\0check_procs\0-a\0tok\0") },
		{ .pid = 500, .ppid = 400, .comm = "check_procs", .state = 'R',
		  CMD("check_procs\0-a\0tok\0") },
		{ .pid = 501, .ppid = 1, .comm = "check_procs", .state = 'R',
		  CMD("check_procs\0-a\0tok\0") },
		{ .pid = 502, .ppid = 1, .comm = "other", .state = 'S', CMD("other\0tok\0") },
	};
	for (size_t i = 0; i < sizeof procs / sizeof procs[0]; i++)
		add_proc(root, &procs[i]);
	put(root, "bin-a", RAW("a"));
	put(root, "bin-b", RAW("b"));
	static const struct {
		const char *link, *target;
	} exes[] = { { "500/exe", "../bin-a" }, { "501/exe", "../bin-a" }, { "502/exe", "../bin-b" } };
	for (size_t i = 0; i < sizeof exes / sizeof exes[0]; i++) {
		char *path = td_xasprintf("%s/%s", root, exes[i].link);
		assert_int_equal(symlink(exes[i].target, path), 0);
		free(path);
	}
	return root;
}

static void test_never_itself(void **state)
{
	(void)state;
	char *root = make_family();
	struct td_result res;

	struct procs_self self;
	DIR *d = opendir(root);
	assert_non_null(d);
	procs_self_init(dirfd(d), 500, true, &self);
	closedir(d);
	assert_int_equal(self.n_wrappers, 2);
	assert_int_equal(self.wrappers[0], 400);
	assert_int_equal(self.wrappers[1], 300);
	assert_true(self.has_exe);

	/* seen from outside, all six hold "tok" */
	assert_int_equal(scan(root, 999999, 5, 0, W("-a", "tok"), &res), TD_STATE_OK);
	assert_float_equal(res.metrics[0].value, 6, 0);
	td_result_cleanup(&res);

	/* as 500: not itself, its wrappers or its copy; the editor and 502 are real */
	assert_int_equal(scan(root, 500, 5, 1, W("-a", "tok", "-c", "2:2"), &res), TD_STATE_OK);
	assert_float_equal(res.metrics[0].value, 2, 0);
	const char *lo = td_buf_str(&res.long_output);
	assert_non_null(strstr(lo, "    200 "));
	assert_non_null(strstr(lo, "    502 "));
	const char *skipped = strstr(lo, "not counted (this check, its copies and wrappers):");
	assert_non_null(skipped);
	assert_non_null(strstr(skipped, " 300"));
	assert_non_null(strstr(skipped, " 400"));
	assert_non_null(strstr(skipped, " 500"));
	assert_non_null(strstr(skipped, " 501"));
	td_result_cleanup(&res);

	/* -T: by process id only, so the other copy counts */
	assert_int_equal(scan(root, 500, 5, 0, W("-a", "tok", "-T"), &res), TD_STATE_OK);
	assert_float_equal(res.metrics[0].value, 3, 0);
	td_result_cleanup(&res);

	/* run by the editor directly, nothing wraps it */
	assert_int_equal(scan(root, 300, 5, 0, W("-a", "tok", "-T"), &res), TD_STATE_OK);
	assert_float_equal(res.metrics[0].value, 5, 0);
	td_result_cleanup(&res);

	/* On the real /proc: this test binary, seen from outside, then as itself.
	 * Its parent has no other child of that name. */
	d = opendir("/proc");
	assert_non_null(d);
	struct procs_entry *e = td_xmalloc(sizeof *e);
	assert_true(procs_load_stat(dirfd(d), getpid(), e));
	closedir(d);
	char ppid[32];
	snprintf(ppid, sizeof ppid, "%lld", (long long)getppid());
	assert_int_equal(scan("/proc", 999999999, 5, 0, W("-C", e->p.comm, "-p", ppid), &res),
			 TD_STATE_OK);
	assert_float_equal(res.metrics[0].value, 1, 0);
	td_result_cleanup(&res);
	assert_int_equal(scan("/proc", getpid(), 5, 0, W("-C", e->p.comm, "-p", ppid, "-T"), &res),
			 TD_STATE_OK);
	assert_float_equal(res.metrics[0].value, 0, 0);
	td_result_cleanup(&res);
	free(e);
	rm_root(root);
}

static void test_deadline(void **state)
{
	(void)state;
	char *root = make_tree(true);
	struct td_result res;
	assert_int_equal(scan(root, 999999, 0, 0, W("-C", "nginx"), &res), TD_STATE_CRITICAL);
	assert_non_null(strstr(td_buf_str(&res.summary), "timed out reading "));
	assert_int_equal(res.n_metrics, 0);
	td_result_cleanup(&res);
	rm_root(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stat_table),	 cmocka_unit_test(test_args_table),
		cmocka_unit_test(test_stat_flags),	 cmocka_unit_test(test_uid_table),
		cmocka_unit_test(test_wrapper_table),	 cmocka_unit_test(test_command_match),
		cmocka_unit_test(test_option_errors),	 cmocka_unit_test(test_option_values),
		cmocka_unit_test(test_user_option),	 cmocka_unit_test(test_describe),
		cmocka_unit_test(test_counts),		 cmocka_unit_test(test_states_and_output),
		cmocka_unit_test(test_metric_modes),	 cmocka_unit_test(test_list_cap),
		cmocka_unit_test(test_never_itself),	 cmocka_unit_test(test_deadline),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

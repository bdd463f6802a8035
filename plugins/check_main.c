/*
 * check_main.c - the one main every check_<probe> is built from.
 *
 * It adds what only a separate process needs: --help and --version, a hard
 * timer that ends the process with the timeout state whatever a library is
 * doing, the state file for stateful probes, the output, and the exit code.
 * The probe is named at build time: -DTD_PROBE=td_probe_load.
 */
#include "config.h"

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "tandem/probe.h"

#ifndef TD_PROBE
#error "TD_PROBE must name the probe descriptor, e.g. -DTD_PROBE=td_probe_load"
#endif
extern const struct td_probe TD_PROBE;

/* The probe's deadline is the timeout; the hard timer fires this much later. */
#define TD_GRACE_SECONDS 0.3

/* Preformatted so the signal handler only has to write(2) and _exit(2). */
static char td_alarm_msg[256];
static size_t td_alarm_len;
static int td_alarm_exit = TD_STATE_CRITICAL;

static void td_on_alarm(int sig)
{
	(void)sig;
	ssize_t n = write(STDOUT_FILENO, td_alarm_msg, td_alarm_len);
	(void)n;
	_exit(td_alarm_exit);
}

static void td_arm_timer(const char *label, const struct td_common *common)
{
	char num[TD_NUMBER_MAX];
	int n = snprintf(td_alarm_msg, sizeof td_alarm_msg, "%s %s - timed out after %s s\n", label,
			 td_state_name(common->timeout_state),
			 td_fmt_number(common->timeout, num, sizeof num));
	td_alarm_len = n > 0 && (size_t)n < sizeof td_alarm_msg ? (size_t)n : 0;
	td_alarm_exit = (int)common->timeout_state;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = td_on_alarm;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	double t = common->timeout + TD_GRACE_SECONDS;
	struct itimerval it = { .it_value = { .tv_sec = (time_t)t,
					      .tv_usec = (suseconds_t)((t - (double)(time_t)t) * 1e6) } };
	setitimer(ITIMER_REAL, &it, NULL);
}

/* State file: one per probe and command line (FNV-1a of the arguments). */
static char *td_state_path(const char *progname, int argc, char **argv)
{
	const char *dir = getenv("TANDEM_STATE_DIR");
	uint64_t h = 1469598103934665603ULL;
	for (int i = 1; i < argc; i++)
		for (const unsigned char *p = (const unsigned char *)argv[i];; p++) {
			h = (h ^ *p) * 1099511628211ULL;
			if (!*p)
				break;
		}
	return td_xasprintf("%s/%s-%016llx.state", dir && *dir ? dir : STATEDIR, progname,
			    (unsigned long long)h);
}

int main(int argc, char **argv)
{
	const struct td_probe *probe = &TD_PROBE;
	char progname[64], err[512] = "";
	struct td_common common;
	void *cfg = NULL;
	struct td_buf out;
	struct td_result res;
	struct td_store *store = NULL;
	char *state_path = NULL;

	snprintf(progname, sizeof progname, "check_%s", probe->name);
	signal(SIGPIPE, SIG_IGN);
	td_buf_init(&out, 0);

	enum td_err rc = td_probe_parse(probe, argc, argv, progname, &common, &cfg, err, sizeof err);
	if (rc != TD_OK) {
		printf("%s: %s\nUsage: %s [OPTION]... (see %s --help)\n", progname, err, progname, progname);
		return TD_STATE_UNKNOWN;
	}
	if (common.help) {
		td_probe_help(probe, progname, &out);
		fputs(td_buf_str(&out), stdout);
		td_buf_cleanup(&out);
		return TD_STATE_UNKNOWN;
	}
	if (common.version) {
		printf("%s (%s) %s\n", progname, PACKAGE_NAME, PACKAGE_VERSION);
		return TD_STATE_UNKNOWN;
	}

	td_arm_timer(probe->label, &common);
	struct td_run_ctx ctx = { .deadline = td_deadline_in(common.timeout),
				  .timeout = common.timeout,
				  .verbose = common.verbose };
	td_result_init(&res);
	if (probe->flags & TD_PROBE_STATEFUL) {
		state_path = td_state_path(progname, argc, argv);
		store = td_store_new();
		if (td_store_load(store, state_path, err, sizeof err) != TD_OK)
			td_result_line(&res, "state not read: %s", err);
		ctx.store = store;
	}
	rc = probe->run(cfg, &ctx, &res);
	struct itimerval off = { 0 };
	setitimer(ITIMER_REAL, &off, NULL);
	enum td_state st = td_result_finish(&res, rc, common.timeout_state);
	/* a run that changed nothing leaves the file alone: no write, no fsync */
	if (store && td_store_dirty(store) && td_store_save(store, state_path, err, sizeof err) != TD_OK)
		td_result_line(&res, "state not saved: %s", err);
	td_result_format(&res, probe->label, &out);
	fputs(td_buf_str(&out), stdout);
	fflush(stdout);

	td_store_free(store);
	free(state_path);
	td_result_cleanup(&res);
	td_buf_cleanup(&out);
	probe->config_free(cfg);
	return (int)st;
}

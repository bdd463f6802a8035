/*
 * exec.c - outside Nagios plugins, run as processes: no shell, own process
 * group (killed whole at the timeout), output capped, perfdata parsed by the
 * same contract code that prints it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tandem/collector.h"
#include "tandem/deadline.h"

extern char **environ;

#define TD_EXEC_MAX_OUTPUT (64 * 1024)

/* td_perfdata_parse's callback: each metric into the result. */
static void td_exec_metric(void *ctx, const struct td_metric *m)
{
	td_result_copy_metric(ctx, m);
}

/* Splits plugin output into summary, long output and perfdata (Nagios's rules). */
static void td_exec_parse(const char *out, struct td_result *res, unsigned *bad)
{
	const char *nl = strchr(out, '\n');
	size_t first_len = nl ? (size_t)(nl - out) : strlen(out);
	char *first = td_xstrndup(out, first_len);
	char *bar = strchr(first, '|');
	struct td_buf perf;
	td_buf_init(&perf, TD_EXEC_MAX_OUTPUT);
	if (bar) {
		*bar = '\0';
		td_buf_puts(&perf, bar + 1);
	}
	size_t n = strlen(first);
	while (n && (first[n - 1] == ' ' || first[n - 1] == '\r'))
		first[--n] = '\0';
	td_result_summary(res, "%s", first);
	if (nl) {
		/* long output; from the first '|' on, it is perfdata */
		const char *rest = nl + 1, *lbar = strchr(rest, '|');
		size_t text_len = lbar ? (size_t)(lbar - rest) : strlen(rest);
		if (text_len)
			td_buf_append(&res->long_output, rest, text_len);
		if (lbar) {
			td_buf_putc(&perf, ' ');
			for (const char *p = lbar + 1; *p; p++)
				td_buf_putc(&perf, *p == '\n' ? ' ' : *p);
		}
	}
	char err[256];
	if (td_perfdata_parse(td_buf_str(&perf), td_exec_metric, res, err, sizeof err) != TD_OK) {
		(*bad)++;
		td_result_line(res, "perfdata: %s", err);
	}
	td_buf_cleanup(&perf);
	free(first);
}

enum td_err td_exec_plugin(const char *path, char *const argv[], double timeout,
			   struct td_result *res, unsigned *bad_perfdata)
{
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) != 0) {
		td_result_summary(res, "pipe: %s", strerror(errno));
		return TD_E_IO;
	}
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], STDOUT_FILENO);
	posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
	posix_spawnattr_init(&attr);
	sigset_t none, all;
	sigemptyset(&none);
	sigfillset(&all);
	/* the daemon blocks its signals in every thread; the plugin must not inherit that */
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
						POSIX_SPAWN_SETSIGDEF);
	pid_t pid;
	int e = posix_spawn(&pid, path, &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(pfd[1]);
	if (e != 0) {
		close(pfd[0]);
		td_result_summary(res, "cannot run %s: %s", path, strerror(e));
		return TD_E_IO;
	}
	struct td_deadline dl = td_deadline_in(timeout);
	struct td_buf out;
	td_buf_init(&out, TD_EXEC_MAX_OUTPUT);
	bool timed_out = false;
	for (;;) {
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };
		int left = td_deadline_left_ms(&dl);
		int r = left > 0 ? poll(&p, 1, left) : 0;
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			timed_out = true;
			break;
		}
		char buf[4096];
		ssize_t n = read(pfd[0], buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		td_buf_append(&out, buf, (size_t)n); /* past the cap: counted as truncated */
	}
	close(pfd[0]);
	if (timed_out)
		kill(-pid, SIGKILL);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	/* leftovers of the group (a daemonised grandchild) go too */
	kill(-pid, SIGKILL);
	enum td_err rc = TD_OK;
	if (timed_out) {
		td_result_summary(res, "%s timed out after %g s", argv[0], timeout);
		rc = TD_E_TIMEOUT;
	} else {
		td_exec_parse(td_buf_str(&out), res, bad_perfdata);
		int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		if (code >= 0 && code <= 3) {
			res->state = (enum td_state)code;
		} else {
			res->state = TD_STATE_UNKNOWN;
			if (WIFSIGNALED(status))
				td_result_line(res, "%s killed by signal %d", argv[0], WTERMSIG(status));
			else
				td_result_line(res, "%s exited with %d", argv[0], code);
		}
		if (!res->summary.len)
			td_result_summary(res, "%s printed nothing", argv[0]);
	}
	td_buf_cleanup(&out);
	return rc;
}

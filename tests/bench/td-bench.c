/*
 * td-bench - runs a command N times and prints the median wall time, CPU
 * time (user + system, from wait4's rusage, which includes the children the
 * command waited for, e.g. a plugin that forks `uptime` or `ps`) and peak RSS
 * per invocation. Output: one line "wall_ms cpu_ms rss_kb exit".
 *
 *   td-bench N CMD [ARG]...        (TD_BENCH_STDERR=1: keep the command's stderr)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: td-bench N CMD [ARG]...\n");
		return 2;
	}
	char *end;
	long n = strtol(argv[1], &end, 10);
	if (*end || n < 1 || n > 100000) {
		fprintf(stderr, "td-bench: N must be 1..100000\n");
		return 2;
	}
	double *wall = calloc((size_t)n, sizeof *wall), *cpu = calloc((size_t)n, sizeof *cpu),
	       *rss = calloc((size_t)n, sizeof *rss);
	int last = 0;
	for (long i = 0; i < n; i++) {
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		pid_t pid = fork();
		if (pid == 0) {
			int devnull = open("/dev/null", O_WRONLY);
			dup2(devnull, STDOUT_FILENO);
			/* TD_BENCH_STDERR=1 keeps the command's stderr (a daemon's log) */
			const char *keep = getenv("TD_BENCH_STDERR");
			if (!keep || strcmp(keep, "1"))
				dup2(devnull, STDERR_FILENO);
			execvp(argv[2], argv + 2);
			_exit(127);
		}
		int status;
		struct rusage ru;
		if (pid < 0 || wait4(pid, &status, 0, &ru) < 0) {
			perror("td-bench");
			return 2;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		wall[i] = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
		cpu[i] = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
			 (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
		rss[i] = (double)ru.ru_maxrss;
		last = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	}
	printf("%.3f %.3f %.0f %d\n", median(wall, (int)n), median(cpu, (int)n), median(rss, (int)n),
	       last);
	free(wall);
	free(cpu);
	free(rss);
	return 0;
}

/*
 * td-bench-rrd - the floor: the cost of RRD updates through bare librrd,
 * with no collector around them. Creates FILES files (one GAUGE data source,
 * 1 s step, one small archive), then updates each with VALUES timestamps,
 * BATCH values per rrd_update_r call. Prints microseconds of CPU per value.
 *
 *   td-bench-rrd DIR FILES VALUES BATCH
 */
#define _GNU_SOURCE
#include <rrd.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

static double cpu(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: td-bench-rrd DIR FILES VALUES BATCH\n");
		return 2;
	}
	long files = atol(argv[2]), values = atol(argv[3]), batch = atol(argv[4]);
	if (files < 1 || values < 1 || batch < 1 || batch > values) {
		fprintf(stderr, "td-bench-rrd: bad numbers\n");
		return 2;
	}
	long t0 = (long)time(NULL) - values - 10;
	const char *args[] = { "DS:value:GAUGE:2:U:U", "RRA:AVERAGE:0.5:1:600", "RRA:MIN:0.5:1:600",
			       "RRA:MAX:0.5:1:600" };
	char path[4096];
	for (long f = 0; f < files; f++) {
		snprintf(path, sizeof path, "%s/f%ld.rrd", argv[1], f);
		if (rrd_create_r(path, 1, t0, 4, args) != 0) {
			fprintf(stderr, "td-bench-rrd: %s\n", rrd_get_error());
			return 1;
		}
	}
	char **vals = calloc((size_t)batch, sizeof *vals);
	for (long i = 0; i < batch; i++)
		vals[i] = malloc(64);
	double c0 = cpu();
	for (long f = 0; f < files; f++) {
		snprintf(path, sizeof path, "%s/f%ld.rrd", argv[1], f);
		for (long v = 0; v < values; v += batch) {
			int n = 0;
			for (long k = v; k < v + batch && k < values; k++)
				snprintf(vals[n++], 64, "%ld:%ld.5", t0 + 1 + k, k % 100);
			if (rrd_update_r(path, NULL, n, (const char **)vals) != 0) {
				fprintf(stderr, "td-bench-rrd: %s\n", rrd_get_error());
				return 1;
			}
		}
	}
	double used = cpu() - c0;
	printf("%.2f\n", used * 1e6 / (double)(files * values));
	return 0;
}

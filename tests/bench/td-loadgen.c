/*
 * td-loadgen - offers a steady load of metric values for the store
 * benchmark, in one of two forms:
 *
 *   td-loadgen nagios DIR RATE SECONDS SERVICES   Nagios perfdata files: every
 *       second one file of SERVICES lines (10 metrics each) moved into DIR,
 *       as Nagios's bulk mode does; RATE values per second in all.
 *   td-loadgen collectd - RATE SECONDS SERVICES   PUTVAL lines on stdout for
 *       collectd's exec plugin, the same values at the same rate.
 *
 * Values are spread evenly over each second; the last line says how many
 * values were offered.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define METRICS 10

static long num(const char *s)
{
	char *e;
	long v = strtol(s, &e, 10);
	if (*e || v <= 0) {
		fprintf(stderr, "td-loadgen: \"%s\" is not a positive number\n", s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	if (argc != 6) {
		fprintf(stderr, "usage: td-loadgen nagios|collectd DIR|- RATE SECONDS SERVICES\n");
		return 2;
	}
	int nagios = !strcmp(argv[1], "nagios");
	const char *dir = argv[2];
	long rate = num(argv[3]), secs = num(argv[4]), services = num(argv[5]);
	long lines_per_sec = rate / METRICS;
	long offered = 0;
	char host[64];
	gethostname(host, sizeof host);
	host[sizeof host - 1] = '\0';
	setvbuf(stdout, NULL, _IOFBF, 1 << 20);
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (long s = 0; s < secs; s++) {
		long now = (long)time(NULL);
		FILE *f = stdout;
		char tmp[4096], final[4096];
		if (nagios) {
			snprintf(tmp, sizeof tmp, "%s/.loadgen.tmp", dir);
			snprintf(final, sizeof final, "%s/service-perfdata.%ld.%ld", dir, now, s);
			f = fopen(tmp, "w");
			if (!f) {
				perror(tmp);
				return 1;
			}
		}
		for (long l = 0; l < lines_per_sec; l++) {
			long svc = l % services;
			if (nagios) {
				fprintf(f, "DATATYPE::SERVICEPERFDATA\tTIMET::%ld\tHOSTNAME::bench%ld\t"
					   "SERVICEDESC::svc%ld\tSERVICEPERFDATA::",
					now, svc / 100, svc);
				for (int m = 0; m < METRICS; m++)
					fprintf(f, "%sm%d=%ld.%ld;;;0", m ? " " : "", m, (s + m) % 97, l % 10);
				fputs("\tSERVICESTATE::OK\tSERVICEOUTPUT::OK\n", f);
			} else {
				for (int m = 0; m < METRICS; m++)
					fprintf(f, "PUTVAL \"%s/bench%ld-svc%ld/gauge-m%d\" interval=1 %ld:%ld.%ld\n",
						host, svc / 100, svc, m, now, (s + m) % 97, l % 10);
			}
			offered += METRICS;
			if (!nagios && l % 1000 == 999)
				fflush(f);
		}
		if (nagios) {
			fclose(f);
			rename(tmp, final);
		} else {
			fflush(f);
		}
		struct timespec next = { start.tv_sec + s + 1, start.tv_nsec };
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
	fprintf(stderr, "td-loadgen: offered %ld values\n", offered);
	return 0;
}

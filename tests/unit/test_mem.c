/* test_mem.c - check_mem's /proc/meminfo parser and its threshold forms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../plugins/probes/mem.c"

static const char meminfo_full[] = "MemTotal:       16000000 kB\n"
				   "MemFree:         1000000 kB\n"
				   "MemAvailable:    4000000 kB\n"
				   "Buffers:          100000 kB\n"
				   "Cached:          2000000 kB\n"
				   "SwapCached:            0 kB\n"
				   "Shmem:            200000 kB\n"
				   "SReclaimable:     300000 kB\n"
				   "SwapTotal:       2000000 kB\n"
				   "SwapFree:        1500000 kB\n"
				   "HugePages_Total:       0\n";

static void test_parse_table(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		enum td_err rc;
		double total, available;
	} cases[] = {
		{ meminfo_full, TD_OK, 16000000.0 * 1024, 4000000.0 * 1024 },
		/* no MemAvailable: free + buffers + cached + reclaimable - shmem */
		{ "MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 10 kB\nCached: 200 kB\n"
		  "Shmem: 50 kB\nSReclaimable: 40 kB\n",
		  TD_OK, 1000.0 * 1024, 300.0 * 1024 },
		/* available larger than total is clamped */
		{ "MemTotal: 10 kB\nMemFree: 5 kB\nMemAvailable: 20 kB\n", TD_OK, 10240, 10240 },
		{ "", TD_E_PARSE, 0, 0 },
		{ "MemFree: 5 kB\n", TD_E_PARSE, 0, 0 },
		{ "MemTotal: 0 kB\nMemFree: 0 kB\n", TD_E_PARSE, 0, 0 },
		{ "MemTotal: abc kB\nMemFree: 1 kB\n", TD_E_PARSE, 0, 0 },
		{ "MemTotal: -5 kB\nMemFree: 1 kB\n", TD_E_PARSE, 0, 0 },
		{ "MemTotal: 1e9 kB\nMemFree: 1 kB\n", TD_E_PARSE, 0, 0 },
		/* no trailing newline, unknown keys, a key that is a prefix of another */
		{ "Mem: 1\nMemTotal: 100 kB\nMemFreeX: 3 kB\nMemFree: 50 kB", TD_OK, 102400, 51200 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct mem_info mi;
		enum td_err rc = mem_parse(cases[i].text, &mi);
		if (rc != cases[i].rc)
			fail_msg("case %zu: rc %d, wanted %d", i, rc, cases[i].rc);
		if (rc == TD_OK) {
			assert_float_equal(mi.total, cases[i].total, 1e-6);
			assert_float_equal(mi.available, cases[i].available, 1e-6);
		}
	}
}

static char *write_meminfo(const char *text)
{
	char tmpl[] = "/tmp/tandem-mem.XXXXXX";
	int fd = mkstemp(tmpl);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return td_xstrdup(tmpl);
}

/* Runs check_mem on meminfo_full with extra args; returns the final state. */
static enum td_state run_mem(const char *path, const char *a1, const char *a2, const char *a3,
			     const char *a4, const char *a5, struct td_result *res)
{
	char *mi = td_xasprintf("--meminfo=%s", path);
	char *argv[8] = { "check_mem", mi };
	int argc = 2;
	const char *extra[] = { a1, a2, a3, a4, a5 };
	for (int i = 0; i < 5 && extra[i]; i++)
		argv[argc++] = (char *)extra[i];
	struct td_common common;
	void *cfg;
	char err[256];
	enum td_err rc = td_probe_parse(&td_probe_mem, argc, argv, "check_mem", &common, &cfg, err,
					sizeof err);
	free(mi);
	td_result_init(res);
	if (rc != TD_OK) {
		td_result_summary(res, "%s", err);
		return TD_STATE_UNKNOWN;
	}
	struct td_run_ctx ctx = { .deadline = td_deadline_in(5), .verbose = 1 };
	rc = td_probe_mem.run(cfg, &ctx, res);
	td_probe_mem.config_free(cfg);
	return td_result_finish(res, rc, TD_STATE_CRITICAL);
}

static void test_threshold_forms(void **state)
{
	(void)state;
	char *path = write_meminfo(meminfo_full); /* used 75%, available 25%, swap 25% */
	static const struct {
		const char *a[5];
		enum td_state want;
	} cases[] = {
		{ { NULL }, TD_STATE_OK },
		{ { "-w", "80", "-c", "90" }, TD_STATE_OK },
		{ { "-w", "70", "-c", "90" }, TD_STATE_WARNING },
		{ { "-w", "70%", "-c", "74%" }, TD_STATE_CRITICAL },
		{ { "-w", "11GB" }, TD_STATE_WARNING },  /* used 11.44 GiB */
		{ { "-w", "12GB" }, TD_STATE_OK },
		{ { "-w", "@70:80%" }, TD_STATE_WARNING },
		{ { "-w", "76:100" }, TD_STATE_WARNING }, /* below 76% used */
		{ { "-f", "-w", "30%" }, TD_STATE_WARNING }, /* available 25% < 30% */
		{ { "-w", "30%", "-f" }, TD_STATE_WARNING }, /* order does not matter */
		{ { "-f", "-w", "20%" }, TD_STATE_OK },
		{ { "-f", "-c", "4GB" }, TD_STATE_CRITICAL }, /* 3.8 GiB available */
		{ { "-f", "-c", "3GB" }, TD_STATE_OK },
		{ { "-f", "-w", "30:" }, TD_STATE_WARNING }, /* a range on available: below 30% */
		{ { "-f", "-w", "~:30%" }, TD_STATE_OK }, /* above 30% available */
		{ { "-W", "20%" }, TD_STATE_WARNING },
		{ { "-C", "400MB" }, TD_STATE_CRITICAL }, /* 488 MiB swap used */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct td_result res;
		enum td_state st = run_mem(path, cases[i].a[0], cases[i].a[1], cases[i].a[2],
					   cases[i].a[3], cases[i].a[4], &res);
		if (st != cases[i].want)
			fail_msg("case %zu (%s %s %s): state %d, wanted %d: %s", i,
				 cases[i].a[0] ? cases[i].a[0] : "", cases[i].a[1] ? cases[i].a[1] : "",
				 cases[i].a[2] ? cases[i].a[2] : "", st, cases[i].want,
				 td_buf_str(&res.summary));
		td_result_cleanup(&res);
	}
	unlink(path);
	free(path);
}

static void test_bad_thresholds(void **state)
{
	(void)state;
	static const char *const bad[] = { "abc", "101%", "-5%", "10:x", "", "5s", "80%%", "1..2" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct td_common common;
		void *cfg;
		char err[256] = "";
		char *argv[] = { "check_mem", "-w", (char *)bad[i] };
		assert_int_equal(td_probe_parse(&td_probe_mem, 3, argv, "check_mem", &common, &cfg, err,
						sizeof err),
				 TD_E_USAGE);
		assert_null(cfg);
		assert_non_null(strstr(err, "-w"));
	}
}

static void test_output(void **state)
{
	(void)state;
	char *path = write_meminfo(meminfo_full);
	struct td_result res;
	struct td_buf out;
	assert_int_equal(run_mem(path, "-f", "-w", "30%", "-c", "1GB", &res), TD_STATE_WARNING);
	td_buf_init(&out, 0);
	td_result_format(&res, "MEM", &out);
	const char *o = td_buf_str(&out);
	assert_non_null(strstr(o, "MEM WARNING - 75.0% used (11.4 GiB of 15.3 GiB), 3.8 GiB available; "
				  "swap 25.0% used (488.3 MiB of 1.9 GiB) | "));
	/* available below 30% is used above 70%; below 1 GiB is used above total - 1 GiB */
	assert_non_null(strstr(o, "mem_used_pct=75%;~:70;;0;100"));
	assert_non_null(strstr(o, "mem_used=12288000000B;;~:15310258176;0;16384000000"));
	assert_non_null(strstr(o, "\nfree 976.6 MiB, buffers 97.7 MiB"));
	td_buf_cleanup(&out);
	td_result_cleanup(&res);
	unlink(path);
	free(path);

	/* no swap: swap thresholds are ignored, the summary says so */
	path = write_meminfo("MemTotal: 1000 kB\nMemFree: 500 kB\nMemAvailable: 500 kB\n"
			     "SwapTotal: 0 kB\nSwapFree: 0 kB\n");
	assert_int_equal(run_mem(path, "-C", "1%", NULL, NULL, NULL, &res), TD_STATE_OK);
	assert_non_null(strstr(td_buf_str(&res.summary), "no swap"));
	td_result_cleanup(&res);
	unlink(path);
	free(path);
	assert_int_equal(run_mem("/nonexistent/meminfo", NULL, NULL, NULL, NULL, NULL, &res),
			 TD_STATE_UNKNOWN);
	assert_non_null(strstr(td_buf_str(&res.summary), "cannot read /nonexistent/meminfo"));
	td_result_cleanup(&res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_threshold_forms),
		cmocka_unit_test(test_bad_thresholds),
		cmocka_unit_test(test_output),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

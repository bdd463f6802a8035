/* test_tools.c - tools.c: the time syntax of the graph tools, and finding the data directory. */
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

#include "tandem/tools.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define NOW  1718000000LL /* 2024-06-10T06:13:20Z */

static void test_time_good(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		long long want;
	} cases[] = {
		{ "now", NOW },
		{ "0", 0 },
		{ "1718000000", 1718000000 },
		{ "253402300799", 253402300799LL }, /* 9999-12-31T23:59:59Z */
		{ "-1h", NOW - 3600 },
		{ "now-1h", NOW - 3600 },
		{ "-90m", NOW - 5400 },
		{ "-3600", NOW - 3600 },
		{ "-30s", NOW - 30 },
		{ "-2d", NOW - 2 * 86400 },
		{ "-1w", NOW - 7 * 86400 },
		{ "-1y", NOW - 365 * 86400 },
		{ "+10m", NOW + 600 },
		{ "now+1d", NOW + 86400 },
		{ "-0h", NOW },
		{ "2024-06-10T06:13:20Z", NOW },
		{ "2024-06-10T06:13Z", NOW - 20 },
		{ "2024-06-10Z", NOW - 6 * 3600 - 13 * 60 - 20 },
		{ "2024-02-29T00:00Z", 1709164800 },
		{ "1970-01-01T00:00:00Z", 0 },
		{ "2000-12-31T23:59:59Z", 978307199 },
	};
	for (size_t i = 0; i < N(cases); i++) {
		time_t t = 0;
		char err[256] = "";
		if (td_time_parse(cases[i].text, (time_t)NOW, &t, err, sizeof err) != TD_OK)
			fail_msg("\"%s\": %s", cases[i].text, err);
		if ((long long)t != cases[i].want)
			fail_msg("\"%s\": got %lld, want %lld", cases[i].text, (long long)t,
				 cases[i].want);
	}
}

static void test_time_local(void **state)
{
	(void)state;
	/* without Z the time is local: with TZ=UTC both forms agree */
	setenv("TZ", "UTC", 1);
	tzset();
	time_t a, b;
	char err[256];
	assert_int_equal(td_time_parse("2024-06-10T06:13:20", (time_t)NOW, &a, err, sizeof err),
			 TD_OK);
	assert_int_equal(td_time_parse("2024-06-10T06:13:20Z", (time_t)NOW, &b, err, sizeof err),
			 TD_OK);
	assert_int_equal(a, b);
	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	assert_int_equal(td_time_parse("2024-06-10T08:13:20", (time_t)NOW, &a, err, sizeof err),
			 TD_OK);
	assert_int_equal((long long)a, NOW); /* CEST is UTC+2 */
	char buf[32];
	assert_string_equal(td_time_format((time_t)NOW, buf, sizeof buf), "2024-06-10 08:13");
	unsetenv("TZ");
	tzset();
}

static void test_time_bad(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"",
		" ",
		"now ",
		" now",
		"NOW",
		"yesterday",
		"-",
		"+",
		"-h",
		"--1h",
		"-1x",
		"-1hh",
		"-1h30m",
		"1h",
		"now-",
		"now1h",
		"-1.5h",
		"-1e3",
		"0x10",
		"1e9",
		"12abc",
		"253402300800",
		"99999999999999999999",
		"-100000000y",
		"-3153600001",
		"2024-13-01",
		"2024-00-10",
		"2024-02-30",
		"2023-02-29",
		"2024-06-31",
		"2024-06-10T24:00",
		"2024-06-10T23:60",
		"2024-06-10T23:59:60",
		"2024-6-10",
		"2024-06-10 12:00",
		"2024-06-10T12",
		"2024-06-10T12:00:00ZZ",
		"1969-12-31T23:59:59Z",
		"2024-06-10T1:00",
		"2024-06-10T12:00:00+02:00",
		"+0000-01-01",
		"-1h\n",
		"now\x01",
		"-9999999999999y",
		"123456789012345678901234567890123",
	};
	for (size_t i = 0; i < N(bad); i++) {
		time_t t = 12345;
		char err[256] = "";
		if (td_time_parse(bad[i], (time_t)NOW, &t, err, sizeof err) != TD_E_USAGE)
			fail_msg("\"%s\" was accepted as %lld", bad[i], (long long)t);
		assert_int_equal(t, 12345);
		assert_non_null(strstr(err, "is not a time"));
	}
	/* an offset before 1970 is refused rather than wrapped */
	time_t t;
	char err[256];
	assert_int_equal(td_time_parse("-100y", 1000, &t, err, sizeof err), TD_E_USAGE);
}

static void test_store_loc(void **state)
{
	(void)state;
	struct td_store_loc loc;
	char err[256];
	assert_int_equal(td_store_loc_find(&loc, NULL, NULL, err, sizeof err), TD_OK);
	assert_string_equal(loc.data_dir, TD_DEFAULT_DATA_DIR);
	assert_null(loc.rrdcached);
	td_store_loc_cleanup(&loc);

	char path[] = "/tmp/test_tools.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	/* a line inih cannot take elsewhere in the file does not matter to us */
	const char conf[] = "[tandemd]\ndata_dir = /srv/rrd\nrrdcached = unix:/run/rrdcached.sock\n"
			    "[a/b]\ncommand = check_nonexistent -x\n"
			    "this line is not ini at all\n[other]\ndata_dir = /wrong\n";
	assert_int_equal(write(fd, conf, sizeof conf - 1), (ssize_t)(sizeof conf - 1));
	close(fd);
	assert_int_equal(td_store_loc_find(&loc, path, NULL, err, sizeof err), TD_OK);
	assert_string_equal(loc.data_dir, "/srv/rrd");
	assert_string_equal(loc.rrdcached, "unix:/run/rrdcached.sock");
	td_store_loc_cleanup(&loc);
	/* --data-dir wins over the file */
	assert_int_equal(td_store_loc_find(&loc, path, "/else", err, sizeof err), TD_OK);
	assert_string_equal(loc.data_dir, "/else");
	assert_string_equal(loc.rrdcached, "unix:/run/rrdcached.sock");
	td_store_loc_cleanup(&loc);
	unlink(path);
	assert_int_equal(td_store_loc_find(&loc, path, NULL, err, sizeof err), TD_E_IO);
	assert_non_null(strstr(err, path));
	td_store_loc_cleanup(&loc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time_good),
		cmocka_unit_test(test_time_local),
		cmocka_unit_test(test_time_bad),
		cmocka_unit_test(test_store_loc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

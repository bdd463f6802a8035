/*
 * test_deadline.c - deadline.c: absolute deadlines on the monotonic clock.
 * The timing checks allow for a slow machine (sanitizers, CI): they only
 * assert what must hold however late a call returns.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <limits.h>
#include <math.h>
#include <time.h>

#include "tandem/deadline.h"

static void sleep_seconds(double s)
{
	struct timespec ts = { .tv_sec = (time_t)s, .tv_nsec = (long)((s - floor(s)) * 1e9) };
	while (nanosleep(&ts, &ts) != 0)
		;
}

static void test_now_monotonic(void **state)
{
	(void)state;
	double a = td_now();
	sleep_seconds(0.01);
	double b = td_now();
	assert_true(a > 0);
	assert_true(b - a >= 0.0099);
	assert_true(b - a < 5);
}

static void test_future(void **state)
{
	(void)state;
	struct td_deadline d = td_deadline_in(10);
	double left = td_deadline_left(&d);
	assert_true(left <= 10);
	assert_true(left > 9);
	int ms = td_deadline_left_ms(&d);
	assert_true(ms <= 10000);
	assert_true(ms > 9000);
	assert_false(td_deadline_expired(&d));
}

/* Whole seconds plus a fraction: the nanoseconds carry into seconds. */
static void test_fraction_carry(void **state)
{
	(void)state;
	for (int i = 0; i < 50; i++) {
		struct td_deadline d = td_deadline_in(1.999999999);
		assert_true(d.at.tv_nsec >= 0);
		assert_true(d.at.tv_nsec < 1000000000L);
		double left = td_deadline_left(&d);
		assert_true(left <= 2.0);
		assert_true(left > 1.0);
	}
}

/* Milliseconds round up: a poll(2) never wakes before the deadline. */
static void test_ms_round_up(void **state)
{
	(void)state;
	struct td_deadline d = td_deadline_in(10.0005);
	int ms = td_deadline_left_ms(&d);
	double after = td_deadline_left(&d);
	/* after was measured later, so a rounded-up ms is never below it */
	assert_true((double)ms >= after * 1000.0);
	assert_true(ms <= 10001);
}

static void test_past_and_zero(void **state)
{
	(void)state;
	static const double cases[] = { 0, -1, -1e300, NAN, -INFINITY };
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct td_deadline d = td_deadline_in(cases[i]);
		if (!td_deadline_expired(&d))
			fail_msg("case %zu: deadline in %g not expired", i, cases[i]);
		assert_true(td_deadline_left(&d) == 0);
		assert_int_equal(td_deadline_left_ms(&d), 0);
	}
}

static void test_expires(void **state)
{
	(void)state;
	struct td_deadline d = td_deadline_in(0.05);
	sleep_seconds(0.06);
	assert_true(td_deadline_expired(&d));
	assert_true(td_deadline_left(&d) == 0);
	assert_int_equal(td_deadline_left_ms(&d), 0);
}

/* Far deadlines are clamped and fit poll's int. */
static void test_far(void **state)
{
	(void)state;
	static const double cases[] = { 1e7, 1e12, 1e300, INFINITY };
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct td_deadline d = td_deadline_in(cases[i]);
		assert_false(td_deadline_expired(&d));
		assert_true(td_deadline_left(&d) > 9e6);
		assert_true(td_deadline_left(&d) <= 1e9);
		assert_int_equal(td_deadline_left_ms(&d), INT_MAX);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_now_monotonic),
		cmocka_unit_test(test_future),
		cmocka_unit_test(test_fraction_carry),
		cmocka_unit_test(test_ms_round_up),
		cmocka_unit_test(test_past_and_zero),
		cmocka_unit_test(test_expires),
		cmocka_unit_test(test_far),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

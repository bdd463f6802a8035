/*
 * deadline.h - absolute deadlines on the monotonic clock.
 *
 * A probe gets one deadline for its whole run and bounds every blocking call
 * by what remains of it. Wall-clock changes (NTP steps) do not move it.
 */
#ifndef TANDEM_DEADLINE_H
#define TANDEM_DEADLINE_H

#include <stdbool.h>
#include <time.h>

struct td_deadline {
	struct timespec at; /* CLOCK_MONOTONIC */
};

/* Seconds on the monotonic clock, as a double. */
double td_now(void);
/* A deadline `seconds` from now (seconds may be fractional). */
struct td_deadline td_deadline_in(double seconds);
/* Seconds left, never negative. */
double td_deadline_left(const struct td_deadline *d);
/* Milliseconds left for poll(2): at least 0, at most INT_MAX, rounded up. */
int td_deadline_left_ms(const struct td_deadline *d);
bool td_deadline_expired(const struct td_deadline *d);

#endif

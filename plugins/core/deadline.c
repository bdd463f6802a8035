/* deadline.c - absolute deadlines on CLOCK_MONOTONIC. */
#include "config.h"

#include <limits.h>
#include <math.h>

#include "tandem/deadline.h"

double td_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct td_deadline td_deadline_in(double seconds)
{
	struct td_deadline d;
	clock_gettime(CLOCK_MONOTONIC, &d.at);
	if (!(seconds > 0))
		seconds = 0;
	if (seconds > 1e9)
		seconds = 1e9;
	double whole = floor(seconds);
	d.at.tv_sec += (time_t)whole;
	d.at.tv_nsec += (long)((seconds - whole) * 1e9);
	if (d.at.tv_nsec >= 1000000000L) {
		d.at.tv_sec++;
		d.at.tv_nsec -= 1000000000L;
	}
	return d;
}

double td_deadline_left(const struct td_deadline *d)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	double left = (double)(d->at.tv_sec - now.tv_sec) + (double)(d->at.tv_nsec - now.tv_nsec) / 1e9;
	return left > 0 ? left : 0;
}

int td_deadline_left_ms(const struct td_deadline *d)
{
	double ms = ceil(td_deadline_left(d) * 1000.0);
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

bool td_deadline_expired(const struct td_deadline *d)
{
	return td_deadline_left(d) <= 0;
}

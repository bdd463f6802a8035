/*
 * range.h - Nagios threshold ranges, `[@]start:end`, both ends inclusive.
 *
 *   10      alert below 0 or above 10      10:     alert below 10
 *   ~:10    alert above 10                  10:20   alert below 10 or above 20
 *   @10:20  alert from 10 to 20 inclusive
 *
 * start defaults to 0, `~` is minus infinity, an empty end plus infinity.
 * Garbage is an error naming the text, never read as 0. Numbers may carry a
 * unit (see unit.h) when the caller allows it; the range then holds base
 * units and records the family in `kind`. A range holds no pointers.
 */
#ifndef TANDEM_RANGE_H
#define TANDEM_RANGE_H

#include <stdbool.h>
#include <stddef.h>

#include "tandem/error.h"
#include "tandem/unit.h"

struct td_range {
	bool set;    /* false: no threshold, never alerts */
	bool inside; /* '@': alert inside [start, end] */
	double start; /* -INFINITY for '~' */
	double end;   /* +INFINITY when empty */
	enum td_unit_kind kind; /* unit family written, TD_UNIT_NONE for bare numbers */
};

/*
 * Parses text into *out. `accept` is the mask of unit families allowed
 * (0: bare numbers only). When both ends carry units they must agree; a bare
 * end takes the family of the other. On error, err holds e.g.
 * `"10:x" is not a range: "x" is not a number`.
 */
enum td_err td_range_parse(const char *text, unsigned accept, struct td_range *out, char *err,
			   size_t errlen);

/* True when a and b alert alike (and print alike). */
bool td_range_equal(const struct td_range *a, const struct td_range *b);

/* True when v is outside the range (inside for '@'). Never for unset ranges or NaN. */
bool td_range_alert(const struct td_range *r, double v);

/* Multiplies both finite ends by factor (> 0): bare numbers in a default unit. */
void td_range_scale(struct td_range *r, double factor);

/*
 * Prints the normalised form (`10`, `10:`, `~:10`, `10:20`, `@10:20`), or
 * "" for an unset range. buf needs TD_RANGE_MAX bytes. Returns buf.
 */
#define TD_RANGE_MAX (2 * TD_NUMBER_MAX + 4)
char *td_range_format(const struct td_range *r, char *buf, size_t len);

#endif

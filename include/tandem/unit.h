/*
 * unit.h - numbers with units, parsed strictly and printed for perfdata.
 *
 * Input: a plain decimal number (`-1.5`, `.5`, `80`), no exponent, no hex,
 * no `inf`/`nan`, optionally followed by a unit from one family:
 *   time     us ms s m h d           (base: seconds)
 *   bytes    B K KB KiB M MB MiB G GB GiB T TB TiB P PB PiB, case-insensitive
 *            (base: bytes; every multiple is binary, 1 KB = 1024 B, as
 *            monitoring-plugins' check_disk has always counted)
 *   percent  %
 * and converted to the family's base unit. Output: td_fmt_number prints a
 * double the way perfdata needs it, whatever the locale: `.` as the decimal
 * point, never exponent notation, integers exactly, fractions trimmed.
 */
#ifndef TANDEM_UNIT_H
#define TANDEM_UNIT_H

#include <stddef.h>

#include "tandem/error.h"

enum td_unit_kind {
	TD_UNIT_NONE = 0,
	TD_UNIT_TIME = 1 << 0,
	TD_UNIT_BYTES = 1 << 1,
	TD_UNIT_PERCENT = 1 << 2,
};
#define TD_UNIT_ANY (TD_UNIT_TIME | TD_UNIT_BYTES | TD_UNIT_PERCENT)

/*
 * Parses a plain decimal number from s up to end (or the NUL when end is
 * NULL). Returns TD_E_PARSE on anything else. Never reads past end.
 */
enum td_err td_parse_number(const char *s, const char *end, double *out);

/*
 * Parses "<number>[unit]" from s to end (or NUL). `accept` is a mask of
 * td_unit_kind values allowed; a unit outside it is an error. On success
 * *value is in the base unit and *kind says which family was written
 * (TD_UNIT_NONE for a bare number). err names the text.
 */
enum td_err td_parse_quantity(const char *s, const char *end, unsigned accept, double *value,
			      enum td_unit_kind *kind, char *err, size_t errlen);

/*
 * Parses an unsigned integer in [min, max] with no sign, space or trailing
 * junk, like OpenBSD's strtonum.
 */
enum td_err td_parse_uint(const char *s, unsigned long long min, unsigned long long max,
			  unsigned long long *out);

/* Parses a duration ("10", "1.5", "500ms", "2m") into seconds, > 0. */
enum td_err td_parse_seconds(const char *s, double *out, char *err, size_t errlen);

/*
 * Prints v into buf for perfdata: at most 10 significant digits, no
 * exponent, trailing zeros trimmed, "-0" printed as "0". NaN and infinities
 * print as "U". buf should hold TD_NUMBER_MAX bytes: without an exponent the
 * largest double has 309 digits. Returns buf.
 */
#define TD_NUMBER_MAX 320
char *td_fmt_number(double v, char *buf, size_t len);

/*
 * Human text for a size in bytes ("12.3 GiB", "512 B") for status lines;
 * not for perfdata. Returns buf.
 */
char *td_fmt_bytes(double bytes, char *buf, size_t len);

#endif

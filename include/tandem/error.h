/*
 * error.h - whether a measurement could be made.
 *
 * An error code says why a probe could not measure; it is not a service state.
 * Exactly one place (td_result_finish) turns an error into the UNKNOWN state,
 * or into the timeout state for TD_E_TIMEOUT. Library code returns these codes
 * and writes a human message into a buffer the caller owns; it never prints,
 * logs or exits.
 */
#ifndef TANDEM_ERROR_H
#define TANDEM_ERROR_H

#include <stddef.h>

enum td_err {
	TD_OK = 0,
	TD_E_USAGE,    /* bad option or argument given by the user */
	TD_E_PARSE,    /* input (file, server reply) could not be parsed */
	TD_E_NOMEM,    /* allocation failed where it is not fatal */
	TD_E_IO,       /* a system call failed */
	TD_E_TIMEOUT,  /* the deadline passed */
	TD_E_CONNECT,  /* the service could not be reached */
	TD_E_PROTO,    /* the service answered something unexpected */
	TD_E_TOOBIG,   /* input larger than the cap we accept */
	TD_E_NOTFOUND, /* a named thing (file, key, mount) does not exist */
	TD_E_INTERNAL, /* a bug: should not happen */
};

/* A short constant description, never NULL. */
const char *td_err_str(enum td_err err);

/*
 * Writes a printf-style message into err (size errlen, may be 0) and returns
 * code, so that `return td_errf(TD_E_USAGE, err, len, "...", ...)` reads as
 * one statement. The message is always NUL-terminated and truncated to fit.
 */
enum td_err td_errf(enum td_err code, char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif

/* error.c - error codes and their messages. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "tandem/error.h"

const char *td_err_str(enum td_err err)
{
	switch (err) {
	case TD_OK: return "success";
	case TD_E_USAGE: return "usage error";
	case TD_E_PARSE: return "could not parse";
	case TD_E_NOMEM: return "out of memory";
	case TD_E_IO: return "input/output error";
	case TD_E_TIMEOUT: return "timed out";
	case TD_E_CONNECT: return "could not connect";
	case TD_E_PROTO: return "unexpected answer";
	case TD_E_TOOBIG: return "too large";
	case TD_E_NOTFOUND: return "not found";
	case TD_E_INTERNAL: return "internal error";
	}
	return "unknown error";
}

enum td_err td_errf(enum td_err code, char *err, size_t errlen, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

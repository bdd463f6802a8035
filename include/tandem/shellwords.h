/*
 * shellwords.h - splitting a command line the way a POSIX shell would,
 * without any expansion.
 *
 * tandemd.conf's `command = check_http -H "shop.example" -u '/cart?x=1'` is
 * split into words exactly as sh would split it (single quotes literal,
 * double quotes with \ escaping only $ ` " \ and newline, a backslash outside
 * quotes escaping the next character), but nothing is expanded: no variables,
 * no globs, no command substitution, no ~. So one command line works the same
 * in Nagios, in a shell, and in tandemd, and no shell ever runs.
 */
#ifndef TANDEM_SHELLWORDS_H
#define TANDEM_SHELLWORDS_H

#include <stddef.h>

#include "tandem/error.h"

/* Most words and bytes accepted; a longer command is an error. */
#define TD_SHELL_MAX_WORDS 256
#define TD_SHELL_MAX_BYTES 65536

/*
 * Splits text into a NULL-terminated argv (free with td_argv_free(argc,
 * argv)). An empty command or an unterminated quote is TD_E_PARSE with a
 * message in err.
 */
enum td_err td_shell_split(const char *text, int *argc, char ***argv, char *err, size_t errlen);

#endif

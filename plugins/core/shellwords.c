/* shellwords.c - POSIX shell word splitting without expansion (see shellwords.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tandem/buf.h"
#include "tandem/options.h"
#include "tandem/shellwords.h"

enum td_err td_shell_split(const char *text, int *argc, char ***argv, char *err, size_t errlen)
{
	char **v = td_xcalloc(TD_SHELL_MAX_WORDS + 1, sizeof *v);
	int n = 0;
	struct td_buf w;
	enum td_err rc = TD_OK;
	const char *p = text;

	td_buf_init(&w, TD_SHELL_MAX_BYTES);
	if (strlen(text) > TD_SHELL_MAX_BYTES) {
		rc = td_errf(TD_E_PARSE, err, errlen, "command longer than %d bytes", TD_SHELL_MAX_BYTES);
		goto out;
	}
	for (;;) {
		/* a backslash-newline between words joins lines; it starts no word */
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' ||
		       (*p == '\\' && p[1] == '\n'))
			p += *p == '\\' ? 2 : 1;
		if (!*p)
			break;
		td_buf_reset(&w);
		bool in_word = false;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
			in_word = true;
			if (*p == '\'') {
				const char *close = strchr(p + 1, '\'');
				if (!close) {
					rc = td_errf(TD_E_PARSE, err, errlen, "unterminated ' quote");
					goto out;
				}
				td_buf_append(&w, p + 1, (size_t)(close - p - 1));
				p = close + 1;
			} else if (*p == '"') {
				p++;
				while (*p && *p != '"') {
					if (*p == '\\' && p[1] && strchr("$`\"\\\n", p[1])) {
						if (p[1] != '\n')
							td_buf_putc(&w, p[1]);
						p += 2;
					} else {
						td_buf_putc(&w, *p++);
					}
				}
				if (*p != '"') {
					rc = td_errf(TD_E_PARSE, err, errlen, "unterminated \" quote");
					goto out;
				}
				p++;
			} else if (*p == '\\') {
				if (!p[1]) {
					rc = td_errf(TD_E_PARSE, err, errlen, "a backslash ends the command");
					goto out;
				}
				if (p[1] != '\n') /* backslash-newline joins lines */
					td_buf_putc(&w, p[1]);
				p += 2;
			} else {
				td_buf_putc(&w, *p++);
			}
		}
		if (!in_word)
			continue;
		if (n == TD_SHELL_MAX_WORDS) {
			rc = td_errf(TD_E_PARSE, err, errlen, "more than %d words", TD_SHELL_MAX_WORDS);
			goto out;
		}
		v[n++] = td_xstrndup(td_buf_str(&w), w.len);
	}
	if (n == 0)
		rc = td_errf(TD_E_PARSE, err, errlen, "empty command");
out:
	td_buf_cleanup(&w);
	if (rc != TD_OK) {
		td_argv_free(n, v);
		return rc;
	}
	*argc = n;
	*argv = v;
	return TD_OK;
}

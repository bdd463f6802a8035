/*
 * buf.h - a growable text buffer with a hard cap.
 *
 * Every growing buffer in tandem has a cap: output that would pass it is
 * truncated (and `truncated` set) rather than grown without bound. The buffer
 * is always NUL-terminated once anything was appended. It owns its memory:
 * td_buf_cleanup frees it. Allocation failure is fatal (td_oom).
 */
#ifndef TANDEM_BUF_H
#define TANDEM_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct td_buf {
	char *data;     /* NUL-terminated text, or NULL while empty */
	size_t len;     /* bytes used, without the NUL */
	size_t size;    /* bytes allocated */
	size_t cap;     /* most bytes ever held (without the NUL); 0 = 1 MiB */
	bool truncated; /* something was cut to respect cap */
};

void td_buf_init(struct td_buf *b, size_t cap);
void td_buf_cleanup(struct td_buf *b);
void td_buf_reset(struct td_buf *b);
void td_buf_append(struct td_buf *b, const char *s, size_t n);
void td_buf_puts(struct td_buf *b, const char *s);
void td_buf_putc(struct td_buf *b, char c);
void td_buf_printf(struct td_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The text, "" when empty; valid until the next change. */
const char *td_buf_str(const struct td_buf *b);
/* Hands the text to the caller (free() it) and leaves the buffer empty. */
char *td_buf_steal(struct td_buf *b);

/* Memory helpers: abort through td_oom on failure, never return NULL. */
void *td_xmalloc(size_t n);
void *td_xcalloc(size_t n, size_t size);
void *td_xrealloc(void *p, size_t n);
char *td_xstrdup(const char *s);
char *td_xstrndup(const char *s, size_t n);
char *td_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Called when memory runs out; writes one line to stderr and aborts. */
void td_oom(void) __attribute__((noreturn));

/* Zeroes a secret before its memory is released (not optimised away). */
void td_wipe(void *p, size_t n);
/* Wipes and frees the string *s (a password, a community) and sets *s to NULL. */
void td_free_secret(char **s);

#endif

/* buf.c - growable, capped text buffers and the allocation helpers. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tandem/buf.h"

#define TD_BUF_DEFAULT_CAP (1024 * 1024)

void td_oom(void)
{
	static const char msg[] = "tandem: out of memory\n";
	ssize_t n = write(STDERR_FILENO, msg, sizeof msg - 1);
	(void)n;
	abort();
}

void *td_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		td_oom();
	return p;
}

void *td_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		td_oom();
	return p;
}

void *td_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		td_oom();
	return q;
}

char *td_xstrdup(const char *s)
{
	return td_xstrndup(s, strlen(s));
}

char *td_xstrndup(const char *s, size_t n)
{
	char *p = td_xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *td_xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;
	va_start(ap, fmt);
	int n = vasprintf(&p, fmt, ap);
	va_end(ap);
	if (n < 0)
		td_oom();
	return p;
}

void td_wipe(void *p, size_t n)
{
	if (p)
		explicit_bzero(p, n);
}

void td_free_secret(char **s)
{
	if (*s) {
		td_wipe(*s, strlen(*s));
		free(*s);
		*s = NULL;
	}
}

void td_buf_init(struct td_buf *b, size_t cap)
{
	memset(b, 0, sizeof *b);
	b->cap = cap ? cap : TD_BUF_DEFAULT_CAP;
}

void td_buf_cleanup(struct td_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->size = 0;
	b->truncated = false;
}

void td_buf_reset(struct td_buf *b)
{
	b->len = 0;
	b->truncated = false;
	if (b->data)
		b->data[0] = '\0';
}

/* Makes room for n more bytes plus the NUL, within cap; returns what fits. */
static size_t td_buf_reserve(struct td_buf *b, size_t n)
{
	if (b->cap == 0)
		b->cap = TD_BUF_DEFAULT_CAP;
	if (b->len + n > b->cap) {
		n = b->cap - b->len;
		b->truncated = true;
	}
	if (b->len + n + 1 > b->size) {
		size_t size = b->size ? b->size : 64;
		while (size < b->len + n + 1)
			size *= 2;
		b->data = td_xrealloc(b->data, size);
		b->size = size;
	}
	return n;
}

void td_buf_append(struct td_buf *b, const char *s, size_t n)
{
	n = td_buf_reserve(b, n);
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void td_buf_puts(struct td_buf *b, const char *s)
{
	td_buf_append(b, s, strlen(s));
}

void td_buf_putc(struct td_buf *b, char c)
{
	td_buf_append(b, &c, 1);
}

void td_buf_printf(struct td_buf *b, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof small) {
		td_buf_append(b, small, (size_t)n);
		return;
	}
	char *big = td_xmalloc((size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	td_buf_append(b, big, (size_t)n);
	free(big);
}

const char *td_buf_str(const struct td_buf *b)
{
	return b->data ? b->data : "";
}

char *td_buf_steal(struct td_buf *b)
{
	char *s = b->data ? b->data : td_xstrdup("");
	b->data = NULL;
	b->len = b->size = 0;
	b->truncated = false;
	return s;
}

/* layout.c - names to safe path components (see layout.h). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tandem/layout.h"

static bool td_layout_plain(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
	       c == '-' || c == '.';
}

void td_layout_component(struct td_buf *out, const char *name)
{
	static const char hex[] = "0123456789ABCDEF";
	/* the common case, a plain short name, is itself: no copy (once per metric per run) */
	size_t plain = 0;
	while (name[plain] && td_layout_plain((unsigned char)name[plain]))
		plain++;
	if (plain && !name[plain] && plain <= TD_COMPONENT_MAX && name[0] != '.') {
		td_buf_append(out, name, plain);
		return;
	}
	struct td_buf b;
	td_buf_init(&b, 4 * strlen(name) + 8);
	if (!*name)
		td_buf_puts(&b, "%");
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		if (td_layout_plain(*p) && !(*p == '.' && p == (const unsigned char *)name)) {
			td_buf_putc(&b, (char)*p);
		} else {
			char e[3] = { '%', hex[*p >> 4], hex[*p & 15] };
			td_buf_append(&b, e, 3);
		}
	}
	if (b.len > TD_COMPONENT_MAX) {
		uint64_t h = 1469598103934665603ULL;
		for (const unsigned char *p = (const unsigned char *)name; *p; p++)
			h = (h ^ *p) * 1099511628211ULL;
		size_t keep = TD_COMPONENT_MAX - 18;
		/* never cut inside a %XX escape */
		while (keep > 0 && (b.data[keep - 1] == '%' || (keep > 1 && b.data[keep - 2] == '%')))
			keep--;
		b.len = keep;
		b.data[keep] = '\0';
		td_buf_printf(&b, "~%016llx", (unsigned long long)h);
	}
	td_buf_puts(out, td_buf_str(&b));
	td_buf_cleanup(&b);
}

static int td_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int td_layout_decode(struct td_buf *out, const char *component)
{
	if (!strcmp(component, "%"))
		return 0;
	for (const char *p = component; *p; p++) {
		if (*p == '%') {
			int a = td_hexval(p[1]), b = a < 0 ? -1 : td_hexval(p[2]);
			if (b < 0)
				return -1;
			td_buf_putc(out, (char)(a * 16 + b));
			p += 2;
		} else if (td_layout_plain((unsigned char)*p) || *p == '~') {
			td_buf_putc(out, *p);
		} else {
			return -1;
		}
	}
	return 0;
}

char *td_layout_service_dir(const char *host, const char *service)
{
	struct td_buf b;
	td_buf_init(&b, 0);
	td_layout_component(&b, host);
	td_buf_putc(&b, '/');
	td_layout_component(&b, service);
	return td_buf_steal(&b);
}

char *td_layout_metric_file(const char *host, const char *service, const char *label)
{
	struct td_buf b;
	td_buf_init(&b, 0);
	td_layout_component(&b, host);
	td_buf_putc(&b, '/');
	td_layout_component(&b, service);
	td_buf_putc(&b, '/');
	td_layout_component(&b, label);
	td_buf_puts(&b, ".rrd");
	return td_buf_steal(&b);
}

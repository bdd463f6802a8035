/*
 * td-test-perfdata - checks perfdata text against CONTRACT.md, strictly:
 * each item `'label'=value[UOM];[warn];[crit];[min];[max]`, value a plain
 * decimal or U (no exponent, no comma), UOM from the guidelines' list,
 * warn/crit parseable ranges, min/max plain decimals. Exits 0 when valid,
 * else prints the offending item and exits 1. Used by every integration test.
 */
#include "config.h"

#include <regex.h>
#include <stdio.h>
#include <string.h>

#include "tandem/metric.h"

static const char *const uoms[] = { "", "s", "ms", "us", "%", "B", "KB", "MB", "TB", "c", NULL };

static int check_number(const char *s, size_t n, bool allow_u)
{
	double v;
	if (allow_u && n == 1 && *s == 'U')
		return 0;
	return td_parse_number(s, s + n, &v) == TD_OK ? 0 : -1;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: td-test-perfdata 'PERFDATA'\n");
		return 2;
	}
	const char *p = argv[1];
	regex_t item;
	/* label quoted or bare, then = and the rest up to a space */
	regcomp(&item, "^('([^']|'')+'|[^' =]+)=([^ ]*)", REG_EXTENDED);
	while (*p) {
		if (*p == ' ') {
			p++;
			continue;
		}
		regmatch_t m[4];
		if (regexec(&item, p, 4, m, 0) != 0) {
			printf("malformed item at: %s\n", p);
			return 1;
		}
		char fields[5][128];
		int nf = 0;
		const char *f = p + m[3].rm_so, *end = p + m[3].rm_eo;
		while (nf < 5) {
			const char *semi = memchr(f, ';', (size_t)(end - f));
			size_t n = (size_t)((semi ? semi : end) - f);
			if (n >= sizeof fields[0]) {
				printf("field too long in: %.*s\n", (int)(end - p), p);
				return 1;
			}
			memcpy(fields[nf], f, n);
			fields[nf++][n] = '\0';
			if (!semi)
				break;
			f = semi + 1;
			if (nf == 5) {
				printf("more than 5 fields in: %.*s\n", (int)(end - p), p);
				return 1;
			}
		}
		/* split value and UOM */
		char *v = fields[0];
		size_t vn = strspn(v, "-0123456789.");
		if (v[0] == 'U')
			vn = 1;
		const char *uom = v + vn;
		int known = 0;
		for (int i = 0; uoms[i]; i++)
			if (!strcmp(uom, uoms[i]))
				known = 1;
		if (!known || check_number(v, vn, true)) {
			printf("bad value or UOM \"%s\" in: %.*s\n", v, (int)(end - p), p);
			return 1;
		}
		for (int i = 1; i < nf; i++) {
			struct td_range r;
			if (!fields[i][0])
				continue;
			if (i <= 2 ? td_range_parse(fields[i], 0, &r, NULL, 0) != TD_OK
				   : check_number(fields[i], strlen(fields[i]), false)) {
				printf("bad field %d \"%s\" in: %.*s\n", i + 1, fields[i], (int)(end - p), p);
				return 1;
			}
		}
		if (nf > 1 && !fields[nf - 1][0]) {
			printf("trailing empty field in: %.*s\n", (int)(end - p), p);
			return 1;
		}
		p = end;
	}
	regfree(&item);
	return 0;
}

/*
 * mkman.c - writes a man page for every probe from the same option table its
 * --help comes from, so the two never disagree: td-mkman DIR writes
 * DIR/check_<name>.1 for each probe in the registry.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tandem/conf.h"
#include "tandem/options.h"

/* Text for troff: a leading '.' or '\'' would be a request, '\' an escape. */
static void mkman_text(FILE *f, const char *s)
{
	bool bol = true;
	for (; *s; s++) {
		if (bol && (*s == '.' || *s == '\''))
			fputs("\\&", f);
		if (*s == '\\')
			fputs("\\e", f);
		else if (*s == '-')
			fputs("\\-", f);
		else
			fputc(*s, f);
		bol = *s == '\n';
	}
}

static void mkman_options(FILE *f, const struct td_option *o)
{
	for (; o && o->id; o++) {
		fputs(".TP\n.B ", f);
		struct td_buf b;
		td_buf_init(&b, 0);
		if (o->short_name)
			td_buf_printf(&b, "-%c%s", o->short_name, o->long_name ? ", " : "");
		if (o->long_name)
			td_buf_printf(&b, "--%s", o->long_name);
		if (o->arg == TD_ARG_REQUIRED)
			td_buf_printf(&b, "%s%s", o->long_name ? "=" : " ", o->metavar ? o->metavar : "VALUE");
		else if (o->arg == TD_ARG_OPTIONAL)
			td_buf_printf(&b, "[=%s]", o->metavar ? o->metavar : "VALUE");
		mkman_text(f, td_buf_str(&b));
		td_buf_cleanup(&b);
		fputc('\n', f);
		mkman_text(f, o->help ? o->help : "");
		fputc('\n', f);
	}
}

static int mkman_probe(const char *dir, const struct td_probe *p)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/check_%s.1", dir, p->name);
	FILE *f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "td-mkman: %s: %s\n", path, strerror(errno));
		return 1;
	}
	fprintf(f, ".TH CHECK_%s 1 \"\" \"%s %s\" \"tandem plugins\"\n", p->label, PACKAGE_NAME,
		PACKAGE_VERSION);
	fprintf(f, ".SH NAME\ncheck_%s \\- ", p->name);
	mkman_text(f, p->purpose);
	fprintf(f, "\n.SH SYNOPSIS\n.B check_%s\n[\\fIOPTION\\fR]...\n", p->name);
	fputs(".SH DESCRIPTION\nA Nagios plugin: it prints one status line with performance data "
	      "and exits 0 (OK), 1 (WARNING), 2 (CRITICAL) or 3 (UNKNOWN). tandemd runs the same "
	      "probe in-process when its configuration names this command.\n", f);
	fputs(".SH OPTIONS\n", f);
	mkman_options(f, p->options);
	mkman_options(f, td_common_options);
	if (p->help_tail && *p->help_tail) {
		fputs(".SH NOTES\n.nf\n", f);
		mkman_text(f, p->help_tail);
		fputs("\n.fi\n", f);
	}
	fputs(".SH THRESHOLDS\nRanges are [@]START:END, both ends inclusive: 10 alerts below 0 or "
	      "above 10, 10: below 10, ~:10 above 10, 10:20 outside 10..20, @10:20 inside.\n", f);
	fputs(".SH SEE ALSO\n.BR tandemd (8),\n.BR tandemd.conf (5)\n", f);
	return fclose(f) == 0 ? 0 : 1;
}

/* check_tandemd reads tandemd's files; it is no probe tandemd runs, so not in the registry */
extern const struct td_probe td_probe_tandemd;

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: td-mkman DIR\n");
		return 2;
	}
	int rc = 0;
	for (size_t i = 0; td_probes[i]; i++)
		rc |= mkman_probe(argv[1], td_probes[i]);
	rc |= mkman_probe(argv[1], &td_probe_tandemd);
	return rc;
}

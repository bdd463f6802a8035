/*
 * snmp.c - check_snmp: values of one or more OIDs, in-process.
 *
 * monitoring-plugins' check_snmp forks snmpget and parses its text; this
 * probe asks the agent itself (snmp_session.c) and reads typed values, so a
 * string is compared as the agent sent it, a missing OID is never read as a
 * value, and a name loads MIB files only when the OID is not numeric.
 *
 * Per OID, by position: the k-th range of -w/-c, the k-th label (-l) and
 * unit (-u), and the k-th string test (-s/-r/-R, counted together, as the
 * peer counts them). Deliberate differences from the peer:
 *   - noSuchObject, noSuchInstance, endOfMibView and NULL are UNKNOWN,
 *     never OK (the peer says OK when no threshold is given);
 *   - no answer is CRITICAL (the contract's timeout state; the peer says
 *     UNKNOWN), and -t bounds the whole check, retries included;
 *   - the status line starts with SNMP whatever -l says; -l labels values;
 *   - every numeric value reaches perfdata (in the contract's units where
 *     -u names one: ms become s, KB become B), counters marked `c`.
 */
#include "config.h"

#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "tandem/probe.h"
#include "tandem/snmp.h"

enum {
	OPT_OID = 1,
	OPT_WARN,
	OPT_CRIT,
	OPT_LABEL,
	OPT_UNITS,
	OPT_STRING,
	OPT_REGEX,
	OPT_REGEXI,
	OPT_INVERT,
	OPT_RATE,
	OPT_RATE_MULT,
	OPT_MULT,
	OPT_OFFSET,
	OPT_NEXT,
	OPT_PERF_OIDS,
	OPT_OUT_DELIM,
	OPT_DELIM,
};

/* More OIDs would not fit one request to most agents, nor a readable status line. */
#define SNMP_MAX_OIDS TD_SNMP_GET_MAX

enum snmp_test_kind { SNMP_TEST_STRING, SNMP_TEST_REGEX };

struct snmp_test {
	enum snmp_test_kind kind;
	char *text;
	regex_t re;
};

struct snmp_item {
	char *text;		/* as given */
	struct td_snmp_oid oid; /* when numeric */
	bool numeric;
};

struct snmp_config {
	struct td_snmp_target target;
	struct snmp_item items[SNMP_MAX_OIDS];
	size_t n_items;
	struct td_range warn[SNMP_MAX_OIDS], crit[SNMP_MAX_OIDS];
	size_t n_warn, n_crit;
	char *labels[SNMP_MAX_OIDS], *units[SNMP_MAX_OIDS];
	size_t n_labels, n_units;
	struct snmp_test tests[SNMP_MAX_OIDS];
	size_t n_tests;
	bool invert, rate, next, perf_oids;
	double rate_mult, multiplier, offset;
	char *delim;
};

static const struct td_option snmp_options[] = {
	TD_SNMP_TARGET_OPTIONS,
	{ 'o', "oid", TD_ARG_REQUIRED, "OID[,OID...]",
	  "The OIDs to read, numeric (1.3.6.1.2.1.1.3.0) or by name (sysUpTime.0, needs MIB "
	  "files); a comma or space separated list, and -o may repeat. All go in one request.",
	  OPT_OID },
	{ 'w', "warning", TD_ARG_REQUIRED, "RANGE[,RANGE...]",
	  "Warning ranges, one per OID in order; an empty entry (`,5`) skips an OID.", OPT_WARN },
	{ 'c', "critical", TD_ARG_REQUIRED, "RANGE[,RANGE...]", "Critical ranges, as -w.",
	  OPT_CRIT },
	{ 'l', "label", TD_ARG_REQUIRED, "LABEL[,LABEL...]",
	  "Names for the values in the status line and perfdata, one per OID (default: the OID as "
	  "given).",
	  OPT_LABEL },
	{ 'u', "units", TD_ARG_REQUIRED, "UNIT[,UNIT...]",
	  "Units, one per OID, shown after the value. s, ms, us, %, B, KB, MB, GB, TB and c (a "
	  "counter) and their words (seconds, bytes, percent...) also reach perfdata, times in s "
	  "and sizes in B.",
	  OPT_UNITS },
	{ 's', "string", TD_ARG_REQUIRED, "STRING",
	  "CRITICAL unless the value is exactly STRING. The k-th -s, -r or -R tests the k-th OID.",
	  OPT_STRING },
	{ 'r', "ereg", TD_ARG_REQUIRED, "REGEX",
	  "CRITICAL unless the extended regular expression REGEX matches the value.", OPT_REGEX },
	{ 'R', "eregi", TD_ARG_REQUIRED, "REGEX", "As -r, ignoring case.", OPT_REGEXI },
	{ 0, "invert-search", TD_ARG_NONE, NULL, "CRITICAL when -s, -r or -R match instead.",
	  OPT_INVERT },
	{ 0, "rate", TD_ARG_NONE, NULL,
	  "Report the change per second since the previous run instead of the value (counters: "
	  "32-bit wraps counted, 64-bit resets detected). The first run stores a sample and "
	  "reports no value.",
	  OPT_RATE },
	{ 0, "rate-multiplier", TD_ARG_REQUIRED, "N",
	  "Multiply rates by N (60: per minute).", OPT_RATE_MULT },
	{ 'M', "multiplier", TD_ARG_REQUIRED, "N", "Multiply values by N before thresholds.",
	  OPT_MULT },
	{ 0, "offset", TD_ARG_REQUIRED, "N", "Add N to values (after -M).", OPT_OFFSET },
	{ 'n', "next", TD_ARG_NONE, NULL, "Use GETNEXT instead of GET.", OPT_NEXT },
	{ 'O', "perf-oids", TD_ARG_NONE, NULL,
	  "Label perfdata with the OIDs, not with -l's labels.", OPT_PERF_OIDS },
	{ 'D', "output-delimiter", TD_ARG_REQUIRED, "TEXT",
	  "Separates the values in the status line (default \", \").", OPT_OUT_DELIM },
	{ 'd', "delimiter", TD_ARG_REQUIRED, "TEXT",
	  "Accepted for compatibility and ignored: values are read typed, not parsed from text.",
	  OPT_DELIM },
	TD_OPTION_END,
};

static void *snmp_config_new(void)
{
	struct snmp_config *c = td_xcalloc(1, sizeof *c);
	td_snmp_target_init(&c->target);
	c->rate_mult = 1;
	c->multiplier = 1;
	return c;
}

static void snmp_config_free(void *cfg)
{
	struct snmp_config *c = cfg;
	if (!c)
		return;
	td_snmp_target_cleanup(&c->target);
	for (size_t i = 0; i < c->n_items; i++)
		free(c->items[i].text);
	for (size_t i = 0; i < c->n_labels; i++)
		free(c->labels[i]);
	for (size_t i = 0; i < c->n_units; i++)
		free(c->units[i]);
	for (size_t i = 0; i < c->n_tests; i++) {
		if (c->tests[i].kind == SNMP_TEST_REGEX)
			regfree(&c->tests[i].re);
		free(c->tests[i].text);
	}
	free(c->delim);
	free(c);
}

/* -o: a comma or space separated list of OIDs; numeric ones are parsed now. */
static enum td_err snmp_add_oids(struct snmp_config *c, const char *arg, char *err, size_t errlen)
{
	const char *p = arg;
	for (;;) {
		p += strspn(p, ", \t");
		if (!*p)
			break;
		size_t len = strcspn(p, ", \t");
		if (c->n_items == SNMP_MAX_OIDS)
			return td_errf(TD_E_USAGE, err, errlen, "-o: at most %d OIDs",
				       SNMP_MAX_OIDS);
		if (len > TD_SNMP_OID_TEXT_MAX)
			return td_errf(TD_E_USAGE, err, errlen, "-o: \"%.32s...\" is too long", p);
		struct snmp_item *it = &c->items[c->n_items];
		it->text = td_xstrndup(p, len);
		it->numeric = td_snmp_oid_parse(it->text, &it->oid) == TD_OK;
		/* a dotted number that is not an OID ("1..3", "5") is a typo, not a name */
		if (!it->numeric && strspn(it->text, "0123456789.") == len) {
			td_errf(TD_E_USAGE, err, errlen, "-o: \"%s\" is not an OID", it->text);
			free(it->text);
			it->text = NULL;
			return TD_E_USAGE;
		}
		c->n_items++;
		p += len;
	}
	return TD_OK;
}

/* -w/-c: "R1,R2,,R4"; an empty entry leaves that OID without a threshold. */
static enum td_err snmp_ranges(const char *opt, const char *arg, struct td_range *out, size_t *n,
			       char *err, size_t errlen)
{
	char part[80], why[200];
	const char *p = arg;
	size_t k = 0;
	/* entries may be empty (",5"), the whole option may not */
	if (!*arg)
		return td_errf(TD_E_USAGE, err, errlen, "%s: an empty string is not a range", opt);
	for (;;) {
		size_t len = strcspn(p, ",");
		if (k == SNMP_MAX_OIDS)
			return td_errf(TD_E_USAGE, err, errlen, "%s: more than %d ranges", opt,
				       SNMP_MAX_OIDS);
		if (len >= sizeof part)
			return td_errf(TD_E_USAGE, err, errlen, "%s: \"%.*s\" is not a range", opt,
				       (int)(len > 32 ? 32 : len), p);
		memcpy(part, p, len);
		part[len] = '\0';
		memset(&out[k], 0, sizeof out[k]);
		if (len && td_range_parse(part, 0, &out[k], why, sizeof why) != TD_OK)
			return td_errf(TD_E_USAGE, err, errlen, "%s: %s", opt, why);
		k++;
		if (!p[len])
			break;
		p += len + 1;
	}
	*n = k;
	return TD_OK;
}

/* -l/-u: comma separated; entries may be empty. */
static enum td_err snmp_list(const char *opt, const char *arg, char **out, size_t *n, char *err,
			     size_t errlen)
{
	for (size_t i = 0; i < *n; i++)
		free(out[i]);
	*n = 0;
	const char *p = arg;
	for (;;) {
		size_t len = strcspn(p, ",");
		if (*n == SNMP_MAX_OIDS)
			return td_errf(TD_E_USAGE, err, errlen, "%s: more than %d entries", opt,
				       SNMP_MAX_OIDS);
		if (len > 200)
			return td_errf(TD_E_USAGE, err, errlen,
				       "%s: an entry has at most 200 characters", opt);
		out[(*n)++] = td_xstrndup(p, len);
		if (!p[len])
			break;
		p += len + 1;
	}
	return TD_OK;
}

static enum td_err snmp_add_test(struct snmp_config *c, enum snmp_test_kind kind, bool icase,
				 const char *opt, const char *arg, char *err, size_t errlen)
{
	if (c->n_tests == SNMP_MAX_OIDS)
		return td_errf(TD_E_USAGE, err, errlen, "%s: more tests than OIDs", opt);
	if (strlen(arg) > 1024)
		return td_errf(TD_E_USAGE, err, errlen, "%s: at most 1024 characters", opt);
	struct snmp_test *t = &c->tests[c->n_tests];
	t->kind = kind;
	if (kind == SNMP_TEST_REGEX) {
		int rc = regcomp(&t->re, arg, REG_EXTENDED | REG_NOSUB | (icase ? REG_ICASE : 0));
		if (rc != 0) {
			char why[128];
			regerror(rc, &t->re, why, sizeof why);
			return td_errf(TD_E_USAGE, err, errlen,
				       "%s: \"%.64s\" is not a regular expression: %s", opt, arg,
				       why);
		}
	}
	t->text = td_xstrdup(arg);
	c->n_tests++;
	return TD_OK;
}

static enum td_err snmp_number_opt(const char *opt, const char *arg, bool positive, double *out,
				   char *err, size_t errlen)
{
	double v;
	if (td_parse_number(arg, NULL, &v) != TD_OK || (positive && !(v > 0)))
		return td_errf(TD_E_USAGE, err, errlen, "%s: \"%.64s\" is not a %snumber", opt, arg,
			       positive ? "positive " : "");
	*out = v;
	return TD_OK;
}

static enum td_err snmp_option(void *cfg, int id, const char *arg, char *err, size_t errlen)
{
	struct snmp_config *c = cfg;
	if (id >= TD_SNMP_OPT_BASE && id < TD_SNMP_OPT_LAST)
		return td_snmp_target_option(&c->target, id, arg, err, errlen);
	switch (id) {
	case OPT_OID: return snmp_add_oids(c, arg, err, errlen);
	case OPT_WARN: return snmp_ranges("-w", arg, c->warn, &c->n_warn, err, errlen);
	case OPT_CRIT: return snmp_ranges("-c", arg, c->crit, &c->n_crit, err, errlen);
	case OPT_LABEL: return snmp_list("-l", arg, c->labels, &c->n_labels, err, errlen);
	case OPT_UNITS: return snmp_list("-u", arg, c->units, &c->n_units, err, errlen);
	case OPT_STRING: return snmp_add_test(c, SNMP_TEST_STRING, false, "-s", arg, err, errlen);
	case OPT_REGEX: return snmp_add_test(c, SNMP_TEST_REGEX, false, "-r", arg, err, errlen);
	case OPT_REGEXI: return snmp_add_test(c, SNMP_TEST_REGEX, true, "-R", arg, err, errlen);
	case OPT_INVERT: c->invert = true; return TD_OK;
	case OPT_RATE: c->rate = true; return TD_OK;
	case OPT_RATE_MULT:
		return snmp_number_opt("--rate-multiplier", arg, true, &c->rate_mult, err, errlen);
	case OPT_MULT: return snmp_number_opt("-M", arg, false, &c->multiplier, err, errlen);
	case OPT_OFFSET: return snmp_number_opt("--offset", arg, false, &c->offset, err, errlen);
	case OPT_NEXT: c->next = true; return TD_OK;
	case OPT_PERF_OIDS: c->perf_oids = true; return TD_OK;
	case OPT_OUT_DELIM:
		if (strlen(arg) > 16)
			return td_errf(TD_E_USAGE, err, errlen, "-D: at most 16 characters");
		free(c->delim);
		c->delim = td_xstrdup(arg);
		return TD_OK;
	case OPT_DELIM: return TD_OK;
	}
	return td_errf(TD_E_USAGE, err, errlen, "unexpected argument \"%s\"", arg ? arg : "");
}

static enum td_err snmp_finish(void *cfg, const struct td_common *common, char *err, size_t errlen)
{
	struct snmp_config *c = cfg;
	(void)common;
	enum td_err rc = td_snmp_target_finish(&c->target, err, errlen);
	if (rc != TD_OK)
		return rc;
	if (c->n_items == 0)
		return td_errf(TD_E_USAGE, err, errlen, "-o: give at least one OID");
	if (c->n_warn > c->n_items || c->n_crit > c->n_items)
		return td_errf(TD_E_USAGE, err, errlen, "%s: %zu ranges for %zu OIDs",
			       c->n_warn > c->n_items ? "-w" : "-c",
			       c->n_warn > c->n_items ? c->n_warn : c->n_crit, c->n_items);
	if (c->n_tests > c->n_items)
		return td_errf(TD_E_USAGE, err, errlen, "-s/-r/-R: %zu tests for %zu OIDs",
			       c->n_tests, c->n_items);
	if (c->n_labels > c->n_items || c->n_units > c->n_items)
		return td_errf(TD_E_USAGE, err, errlen, "%s: more entries than OIDs",
			       c->n_labels > c->n_items ? "-l" : "-u");
	if (c->rate && c->next)
		return td_errf(TD_E_USAGE, err, errlen,
			       "--rate: not with -n (the OID could change)");
	return TD_OK;
}

/*
 * A -u unit into the contract's UOM and the factor that converts the value
 * to it ("ms" -> "s", 0.001). Units the contract has no UOM for ("C", "rpm")
 * give "": the text still shows them.
 */
static void snmp_uom(const char *unit, char uom[TD_UOM_MAX], double *factor)
{
	static const struct {
		const char *name;
		const char *uom;
		double factor;
		bool fold;
	} map[] = {
		{ "s", "s", 1, false },
		{ "sec", "s", 1, true },
		{ "sec.", "s", 1, true },
		{ "secs", "s", 1, true },
		{ "second", "s", 1, true },
		{ "seconds", "s", 1, true },
		{ "ms", "s", 1e-3, false },
		{ "msec", "s", 1e-3, true },
		{ "milliseconds", "s", 1e-3, true },
		{ "us", "s", 1e-6, false },
		{ "usec", "s", 1e-6, true },
		{ "microseconds", "s", 1e-6, true },
		{ "%", "%", 1, false },
		{ "percent", "%", 1, true },
		{ "B", "B", 1, false },
		{ "byte", "B", 1, true },
		{ "bytes", "B", 1, true },
		{ "octets", "B", 1, true },
		{ "KB", "B", 1024.0, true },
		{ "KiB", "B", 1024.0, true },
		{ "MB", "B", 1048576.0, true },
		{ "MiB", "B", 1048576.0, true },
		{ "GB", "B", 1073741824.0, true },
		{ "GiB", "B", 1073741824.0, true },
		{ "TB", "B", 1099511627776.0, true },
		{ "TiB", "B", 1099511627776.0, true },
		{ "c", "c", 1, false },
	};
	uom[0] = '\0';
	*factor = 1;
	if (!unit)
		return;
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (map[i].fold ? !strcasecmp(unit, map[i].name) : !strcmp(unit, map[i].name)) {
			snprintf(uom, TD_UOM_MAX, "%s", map[i].uom);
			*factor = map[i].factor;
			return;
		}
}

/*
 * A sample kept for --rate: "<type> <value>", the value an exact unsigned
 * integer for counters, a number otherwise.
 */
struct snmp_sample {
	enum td_snmp_type type;
	uint64_t u;
	double d;
};

static void snmp_sample_format(const struct snmp_sample *s, char *buf, size_t len)
{
	char num[TD_NUMBER_MAX];
	if (s->type == TD_SNMP_T_COUNTER32 || s->type == TD_SNMP_T_COUNTER64)
		snprintf(buf, len, "%d %llu", (int)s->type, (unsigned long long)s->u);
	else
		snprintf(buf, len, "%d %s", (int)s->type, td_fmt_number(s->d, num, sizeof num));
}

static bool snmp_sample_parse(const char *text, struct snmp_sample *out)
{
	const char *sp = strchr(text, ' ');
	unsigned long long type, u;
	char head[8];
	if (!sp || (size_t)(sp - text) >= sizeof head)
		return false;
	memcpy(head, text, (size_t)(sp - text));
	head[sp - text] = '\0';
	if (td_parse_uint(head, 1, TD_SNMP_T_ENDOFMIBVIEW, &type) != TD_OK)
		return false;
	out->type = (enum td_snmp_type)type;
	if (out->type == TD_SNMP_T_COUNTER32 || out->type == TD_SNMP_T_COUNTER64) {
		if (td_parse_uint(sp + 1, 0, UINT64_MAX, &u) != TD_OK)
			return false;
		out->u = u;
		out->d = (double)u;
		return true;
	}
	return td_parse_number(sp + 1, NULL, &out->d) == TD_OK;
}

enum snmp_rate_rc { SNMP_RATE_OK, SNMP_RATE_FIRST, SNMP_RATE_RESET, SNMP_RATE_NOTIME };

/* The per-second change from prev (taken at prev_when) to cur (at now). Pure. */
static enum snmp_rate_rc snmp_rate(const struct snmp_sample *prev, double prev_when,
				   const struct snmp_sample *cur, double now, double *rate)
{
	double dt = now - prev_when;
	if (prev->type != cur->type)
		return SNMP_RATE_FIRST; /* a different kind of value: start over */
	if (!(dt > 0))
		return SNMP_RATE_NOTIME;
	if (cur->type == TD_SNMP_T_COUNTER32 || cur->type == TD_SNMP_T_COUNTER64) {
		uint64_t delta;
		if (!td_snmp_counter_delta(cur->type, prev->u, cur->u, &delta))
			return SNMP_RATE_RESET;
		*rate = (double)delta / dt;
		return SNMP_RATE_OK;
	}
	*rate = (cur->d - prev->d) / dt;
	return SNMP_RATE_OK;
}

static double snmp_wall_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Is the test for this value passed? The value's text, as shown, is what is compared. */
static bool snmp_test_pass(const struct snmp_test *t, const struct td_snmp_value *v, bool invert)
{
	char text[1024];
	bool match;
	if (v->type == TD_SNMP_T_OCTETS) {
		/* the raw bytes, so a value with a NUL or a trailing newline compares exactly */
		size_t n = v->len && v->text[v->len - 1] == '\n' ? v->len - 1 : v->len;
		if (t->kind == SNMP_TEST_STRING)
			match = strlen(t->text) == n && !memcmp(t->text, v->text, n);
		else
			match = !memchr(v->text, '\0', n) &&
				regexec(&t->re, v->text, 0, NULL, 0) == 0;
	} else {
		td_snmp_value_text(v, text, sizeof text);
		match = t->kind == SNMP_TEST_STRING ? !strcmp(t->text, text)
						    : regexec(&t->re, text, 0, NULL, 0) == 0;
	}
	return match != invert;
}

static void snmp_timeticks(uint64_t ticks, char *buf, size_t len)
{
	uint64_t s = ticks / 100;
	snprintf(buf, len, "%llu (%llud %02llu:%02llu:%02llu.%02llu)", (unsigned long long)ticks,
		 (unsigned long long)(s / 86400), (unsigned long long)(s / 3600 % 24),
		 (unsigned long long)(s / 60 % 60), (unsigned long long)(s % 60),
		 (unsigned long long)(ticks % 100));
}

/* Evaluates one value into the result: its metric, its state, its part of the summary. */
static void snmp_eval(const struct snmp_config *c, const struct td_run_ctx *ctx, size_t i,
		      const struct td_snmp_value *v, const char *oidtxt, struct td_result *res,
		      struct td_buf *summary)
{
	/* with -n the agent's OID is the one measured, and names the value */
	const char *label = i < c->n_labels && *c->labels[i] ? c->labels[i]
			    : c->next			      ? oidtxt
							      : c->items[i].text;
	const char *perf_label = c->perf_oids ? oidtxt : label;
	const char *unit = i < c->n_units && *c->units[i] ? c->units[i] : NULL;
	const struct snmp_test *test = i < c->n_tests ? &c->tests[i] : NULL;
	bool has_th = (i < c->n_warn && c->warn[i].set) || (i < c->n_crit && c->crit[i].set);
	enum td_state st = TD_STATE_OK;
	char text[256], num[TD_NUMBER_MAX];
	double x;

	if (summary->len)
		td_buf_puts(summary, c->delim ? c->delim : ", ");
	if (td_snmp_value_missing(v)) {
		td_buf_printf(summary, "%s: %s (UNKNOWN)", label, td_snmp_type_name(v->type));
		td_result_line(res, "%s: the agent has no value for %s (%s)", label, oidtxt,
			       td_snmp_type_name(v->type));
		struct td_metric *m = td_result_metric(res, perf_label, 0, NULL);
		m->known = false;
		td_result_raise(res, TD_STATE_UNKNOWN);
		return;
	}
	if (ctx->verbose) {
		td_snmp_value_text(v, text, sizeof text);
		td_result_line(res, "%s = %s: %s", oidtxt, td_snmp_type_name(v->type), text);
	}
	bool numeric = td_snmp_value_number(v, &x);
	if (test) {
		if (!snmp_test_pass(test, v, c->invert))
			st = TD_STATE_CRITICAL;
		if (!has_th && !c->rate) {
			td_snmp_value_text(v, text, sizeof text);
			td_buf_printf(summary, "%s \"%s\"%s", label, text,
				      st == TD_STATE_OK ? "" : " (CRITICAL)");
			td_result_raise(res, st);
			return;
		}
	}
	if (!numeric) {
		td_snmp_value_text(v, text, sizeof text);
		if (has_th || c->rate) {
			td_buf_printf(summary, "%s \"%s\" is not a number (UNKNOWN)", label, text);
			td_result_raise(res, TD_STATE_UNKNOWN);
		} else {
			td_buf_printf(summary, "%s \"%s\"", label, text);
		}
		return;
	}

	char uom[TD_UOM_MAX];
	double factor;
	snmp_uom(unit, uom, &factor);
	bool counter = v->type == TD_SNMP_T_COUNTER32 || v->type == TD_SNMP_T_COUNTER64;
	bool known = true;
	if (c->rate) {
		struct snmp_sample cur = { .type = v->type, .u = v->u, .d = x }, prev;
		char key[TD_SNMP_OID_BUF + 32], sample[64], *old = NULL;
		double when = 0, now = snmp_wall_now();
		enum snmp_rate_rc rr = SNMP_RATE_FIRST;
		snprintf(key, sizeof key, "rate.%zu.%s", i, oidtxt);
		if (ctx->store && td_store_get(ctx->store, key, &old, &when) == TD_OK &&
		    snmp_sample_parse(old, &prev))
			rr = snmp_rate(&prev, when, &cur, now, &x);
		free(old);
		snmp_sample_format(&cur, sample, sizeof sample);
		if (ctx->store)
			td_store_set(ctx->store, key, sample, now);
		if (rr != SNMP_RATE_OK) {
			known = false;
			td_result_line(res, "%s: %s", label,
				       !ctx->store ? "no state store: no rate"
				       : rr == SNMP_RATE_RESET
					   ? "the counter was reset; rate from the next run"
				       : rr == SNMP_RATE_NOTIME
					   ? "no time passed since the last sample"
					   : "first sample stored; rate from the next run");
		} else {
			x *= c->rate_mult;
		}
		/* a rate is a gauge: its UOM would say "per second" and the contract has none */
		uom[0] = '\0';
	} else if (counter && !unit) {
		snprintf(uom, sizeof uom, "c");
	}
	x = x * c->multiplier + c->offset;

	struct td_metric *m = td_result_metric(res, perf_label, x * factor, uom);
	m->known = known;
	if (i < c->n_warn)
		m->warn = c->warn[i];
	if (i < c->n_crit)
		m->crit = c->crit[i];
	if (factor != 1) {
		td_range_scale(&m->warn, factor);
		td_range_scale(&m->crit, factor);
	}
	if (known)
		st = td_state_worst(st, td_metric_state(m));
	td_result_raise(res, st);

	if (!known)
		snprintf(text, sizeof text, "no rate yet");
	else if (v->type == TD_SNMP_T_TIMETICKS && !c->rate && c->multiplier == 1 && c->offset == 0)
		snmp_timeticks(v->u, text, sizeof text);
	else
		snprintf(text, sizeof text, "%s", td_fmt_number(x, num, sizeof num));
	td_buf_printf(summary, "%s %s%s%s%s%s", label, text, unit && known ? " " : "",
		      unit && known ? unit : "", c->rate && known ? "/s" : "",
		      st == TD_STATE_OK	       ? ""
		      : st == TD_STATE_WARNING ? " (WARNING)"
					       : " (CRITICAL)");
}

static enum td_err snmp_run(const void *cfg, const struct td_run_ctx *ctx, struct td_result *res)
{
	const struct snmp_config *c = cfg;
	struct td_snmp_oid oids[SNMP_MAX_OIDS];
	struct td_snmp_value vals[SNMP_MAX_OIDS];
	struct td_snmp_session *s = NULL;
	char err[512] = "", oidtxt[TD_SNMP_OID_BUF];
	enum td_err rc;
	size_t got = 0;

	for (size_t i = 0; i < c->n_items; i++) {
		if (c->items[i].numeric) {
			oids[i] = c->items[i].oid;
			continue;
		}
		if ((rc = td_snmp_resolve(c->items[i].text, c->target.mibs, &oids[i], err,
					  sizeof err)) != TD_OK) {
			td_result_summary(res, "%s", err);
			return rc;
		}
	}
	if ((rc = td_snmp_open(&c->target, &ctx->deadline, &s, err, sizeof err)) != TD_OK) {
		td_result_summary(res, "%s", err);
		return rc;
	}
	rc = td_snmp_get(s, c->next, oids, c->n_items, vals, &ctx->deadline, err, sizeof err);
	got = c->n_items;
	td_snmp_close(s);
	if (rc != TD_OK) {
		td_result_summary(res, "%s", err);
		goto out;
	}
	struct td_buf summary;
	td_buf_init(&summary, 1024);
	for (size_t i = 0; i < c->n_items; i++) {
		/* with -n the agent's OID is the one measured */
		td_snmp_oid_format(c->next ? &vals[i].oid : &oids[i], oidtxt, sizeof oidtxt);
		snmp_eval(c, ctx, i, &vals[i], oidtxt, res, &summary);
	}
	td_result_summary(res, "%s", td_buf_str(&summary));
	td_buf_cleanup(&summary);
out:
	for (size_t i = 0; i < got; i++)
		td_snmp_value_cleanup(&vals[i]);
	return rc;
}

const struct td_probe td_probe_snmp = {
	.name = "snmp",
	.label = "SNMP",
	.purpose = "check values read by SNMP (GET) against thresholds, strings or patterns",
	.help_tail =
		"Values, by type: numbers (INTEGER, Gauge32, Counter32/64, Timeticks, and strings\n"
		"that are plain numbers) are compared with -w/-c and reach perfdata; strings are\n"
		"compared with -s/-r/-R. An OID the agent does not have (noSuchObject,\n"
		"noSuchInstance, endOfMibView) is UNKNOWN; no answer within -t is CRITICAL.\n"
		"Communities and passphrases belong in an --extra-opts file, e.g.\n"
		"  [check_snmp]\n"
		"  community = s3cret\n"
		"\nExamples:\n"
		"  check_snmp -H 192.0.2.1 -o 1.3.6.1.4.1.2021.10.1.5.1 -w 200 -c 400 -l load1\n"
		"  check_snmp -H sw1 -o 1.3.6.1.2.1.1.5.0 -s core-sw1 --extra-opts=switches\n"
		"  check_snmp -H sw1 -P 3 -U mon -L authPriv -a SHA -A ... -x AES -X ... \\\n"
		"             -o 1.3.6.1.2.1.2.2.1.10.3 --rate -l in -u B -w 10000000\n",
	.options = snmp_options,
	.flags = TD_PROBE_STATEFUL,
	.config_new = snmp_config_new,
	.config_free = snmp_config_free,
	.option = snmp_option,
	.finish = snmp_finish,
	.run = snmp_run,
};

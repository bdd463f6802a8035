/*
 * snmp_if.c - check_snmp_if: is this interface up, how much traffic, how
 * many errors? One interface of an SNMP agent's IF-MIB, chosen by name
 * (ifName, then ifDescr), description, alias (ifAlias) or index.
 *
 * Status: administratively down is WARNING (-D), dormant is CRITICAL
 * (--dormant), any other operational state but up is CRITICAL, as
 * monitoring-plugins' check_ifoperstatus decides. Traffic: bits per second
 * from the 64-bit counters (ifHCInOctets...), the 32-bit ones when the
 * agent has no others (SNMPv1, old agents) or --32bit asks, utilisation in %
 * of ifSpeed (ifHighSpeed above 4.29 Gbit/s), errors and discards per
 * second. Rates come from the previous run's counters (the state store);
 * an agent restart (sysUpTime went back) starts over rather than report a
 * wild rate.
 *
 * One request per run: the index found by a walk is remembered, and the
 * name is checked again with every reading, so renumbered interfaces are
 * found again.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tandem/probe.h"
#include "tandem/snmp.h"

enum {
	OPT_NAME = 1,
	OPT_DESCR,
	OPT_ALIAS,
	OPT_INDEX,
	OPT_WARN,
	OPT_CRIT,
	OPT_BPS_WARN,
	OPT_BPS_CRIT,
	OPT_ERR_WARN,
	OPT_ERR_CRIT,
	OPT_DISC_WARN,
	OPT_DISC_CRIT,
	OPT_ADMIN_DOWN,
	OPT_DORMANT,
	OPT_SPEED,
	OPT_32BIT,
};

enum snmpif_by {
	SNMPIF_BY_NONE,
	SNMPIF_BY_NAME,
	SNMPIF_BY_DESCR,
	SNMPIF_BY_ALIAS,
	SNMPIF_BY_INDEX
};

struct snmpif_config {
	struct td_snmp_target target;
	enum snmpif_by by;
	char *select; /* the name, description or alias */
	uint32_t index;
	struct td_range util_warn, util_crit, bps_warn, bps_crit, err_warn, err_crit, disc_warn,
		disc_crit;
	enum td_state admin_down, dormant;
	double speed; /* bits/s, 0: from the agent */
	bool force32;
};

static const struct td_option snmpif_options[] = {
	TD_SNMP_TARGET_OPTIONS,
	{ 'i', "interface", TD_ARG_REQUIRED, "NAME",
	  "The interface whose ifName (else ifDescr) is NAME, e.g. eth0 or Gi0/1.", OPT_NAME },
	{ 'd', "descr", TD_ARG_REQUIRED, "TEXT", "The interface whose ifDescr is TEXT.",
	  OPT_DESCR },
	{ 0, "alias", TD_ARG_REQUIRED, "TEXT",
	  "The interface whose ifAlias (the description an operator gave it) is TEXT.", OPT_ALIAS },
	{ 'k', "index", TD_ARG_REQUIRED, "N", "The interface with ifIndex N.", OPT_INDEX },
	{ 'w', "warning", TD_ARG_REQUIRED, "RANGE",
	  "Warning range for the utilisation in % of the speed, in and out each (80: above 80%).",
	  OPT_WARN },
	{ 'c', "critical", TD_ARG_REQUIRED, "RANGE", "Critical range for the utilisation, as -w.",
	  OPT_CRIT },
	{ 0, "bps-warning", TD_ARG_REQUIRED, "RANGE",
	  "Warning range for the traffic in bits per second, in and out each.", OPT_BPS_WARN },
	{ 0, "bps-critical", TD_ARG_REQUIRED, "RANGE", "Critical range for the traffic.",
	  OPT_BPS_CRIT },
	{ 0, "errors-warning", TD_ARG_REQUIRED, "RANGE",
	  "Warning range for errors per second, in and out each.", OPT_ERR_WARN },
	{ 0, "errors-critical", TD_ARG_REQUIRED, "RANGE", "Critical range for errors per second.",
	  OPT_ERR_CRIT },
	{ 0, "discards-warning", TD_ARG_REQUIRED, "RANGE",
	  "Warning range for discarded packets per second, in and out each.", OPT_DISC_WARN },
	{ 0, "discards-critical", TD_ARG_REQUIRED, "RANGE",
	  "Critical range for discarded packets per second.", OPT_DISC_CRIT },
	{ 'D', "admin-down", TD_ARG_REQUIRED, "STATE",
	  "State when the interface is administratively down: ok (or i, ignore), warning "
	  "(default) or critical, as check_ifoperstatus -D.",
	  OPT_ADMIN_DOWN },
	{ 0, "dormant", TD_ARG_REQUIRED, "STATE",
	  "State when the interface is dormant (default CRITICAL; i, w, c as --admin-down).",
	  OPT_DORMANT },
	{ 0, "speed", TD_ARG_REQUIRED, "BITS",
	  "The interface's speed in bits per second (k, M, G: thousands...), for agents that "
	  "report none or a wrong one.",
	  OPT_SPEED },
	{ 0, "32bit", TD_ARG_NONE, NULL,
	  "Use the 32-bit octet counters even when the agent has 64-bit ones.", OPT_32BIT },
	TD_OPTION_END,
};

static void *snmpif_config_new(void)
{
	struct snmpif_config *c = td_xcalloc(1, sizeof *c);
	td_snmp_target_init(&c->target);
	c->admin_down = TD_STATE_WARNING;
	c->dormant = TD_STATE_CRITICAL;
	return c;
}

static void snmpif_config_free(void *cfg)
{
	struct snmpif_config *c = cfg;
	if (!c)
		return;
	td_snmp_target_cleanup(&c->target);
	free(c->select);
	free(c);
}

static enum td_err snmpif_range(const char *opt, const char *arg, struct td_range *out, char *err,
				size_t errlen)
{
	char why[200];
	if (td_range_parse(arg, 0, out, why, sizeof why) != TD_OK)
		return td_errf(TD_E_USAGE, err, errlen, "%s: %s", opt, why);
	return TD_OK;
}

/* "100M", "1.5G", "10000": bits per second, decimal multiples as network speeds are given. */
static enum td_err snmpif_parse_speed(const char *s, double *out)
{
	size_t n = strlen(s);
	double mult = 1, v;
	if (n == 0 || n > 32)
		return TD_E_PARSE;
	switch (s[n - 1]) {
	case 'k': case 'K': mult = 1e3; n--; break;
	case 'M': mult = 1e6; n--; break;
	case 'G': mult = 1e9; n--; break;
	case 'T': mult = 1e12; n--; break;
	}
	if (td_parse_number(s, s + n, &v) != TD_OK || !(v > 0))
		return TD_E_PARSE;
	*out = v * mult;
	return TD_OK;
}

static enum td_err snmpif_select(struct snmpif_config *c, enum snmpif_by by, const char *opt,
				 const char *arg, char *err, size_t errlen)
{
	if (c->by != SNMPIF_BY_NONE)
		return td_errf(TD_E_USAGE, err, errlen,
			       "%s: choose the interface once (-i, -d, --alias or -k)", opt);
	/* it becomes part of a state key, and agents' names are short */
	if (!*arg || strlen(arg) > 255 || strpbrk(arg, "\t\n\r"))
		return td_errf(TD_E_USAGE, err, errlen, "%s: \"%.64s\" is not an interface name",
			       opt, arg);
	c->by = by;
	free(c->select);
	c->select = td_xstrdup(arg);
	return TD_OK;
}

static enum td_err snmpif_option(void *cfg, int id, const char *arg, char *err, size_t errlen)
{
	struct snmpif_config *c = cfg;
	unsigned long long n;
	if (id >= TD_SNMP_OPT_BASE && id < TD_SNMP_OPT_LAST)
		return td_snmp_target_option(&c->target, id, arg, err, errlen);
	switch (id) {
	case OPT_NAME: return snmpif_select(c, SNMPIF_BY_NAME, "-i", arg, err, errlen);
	case OPT_DESCR: return snmpif_select(c, SNMPIF_BY_DESCR, "-d", arg, err, errlen);
	case OPT_ALIAS: return snmpif_select(c, SNMPIF_BY_ALIAS, "--alias", arg, err, errlen);
	case OPT_INDEX:
		if (c->by != SNMPIF_BY_NONE)
			return td_errf(TD_E_USAGE, err, errlen,
				       "-k: choose the interface once (-i, -d, --alias or -k)");
		if (td_parse_uint(arg, 1, 2147483647, &n) != TD_OK)
			return td_errf(TD_E_USAGE, err, errlen,
				       "-k: \"%.64s\" is not an ifIndex (1 or more)", arg);
		c->by = SNMPIF_BY_INDEX;
		c->index = (uint32_t)n;
		return TD_OK;
	case OPT_WARN: return snmpif_range("-w", arg, &c->util_warn, err, errlen);
	case OPT_CRIT: return snmpif_range("-c", arg, &c->util_crit, err, errlen);
	case OPT_BPS_WARN: return snmpif_range("--bps-warning", arg, &c->bps_warn, err, errlen);
	case OPT_BPS_CRIT: return snmpif_range("--bps-critical", arg, &c->bps_crit, err, errlen);
	case OPT_ERR_WARN: return snmpif_range("--errors-warning", arg, &c->err_warn, err, errlen);
	case OPT_ERR_CRIT: return snmpif_range("--errors-critical", arg, &c->err_crit, err, errlen);
	case OPT_DISC_WARN:
		return snmpif_range("--discards-warning", arg, &c->disc_warn, err, errlen);
	case OPT_DISC_CRIT:
		return snmpif_range("--discards-critical", arg, &c->disc_crit, err, errlen);
	case OPT_ADMIN_DOWN:
	case OPT_DORMANT: {
		enum td_state *slot = id == OPT_ADMIN_DOWN ? &c->admin_down : &c->dormant;
		/* check_ifoperstatus spells "ok" i (ignore) */
		if (!strcmp(arg, "i") || !strcmp(arg, "ignore"))
			*slot = TD_STATE_OK;
		else if (td_state_parse(arg, slot) != TD_OK)
			return td_errf(TD_E_USAGE, err, errlen,
				       "%s: \"%.64s\" is not ok (i), warning, critical or unknown",
				       id == OPT_ADMIN_DOWN ? "--admin-down" : "--dormant", arg);
		return TD_OK;
	}
	case OPT_SPEED:
		if (snmpif_parse_speed(arg, &c->speed) != TD_OK)
			return td_errf(TD_E_USAGE, err, errlen,
				       "--speed: \"%.64s\" is not a speed like 1G, 100M or 10000",
				       arg);
		return TD_OK;
	case OPT_32BIT: c->force32 = true; return TD_OK;
	}
	return td_errf(TD_E_USAGE, err, errlen, "unexpected argument \"%s\"", arg ? arg : "");
}

static enum td_err snmpif_finish(void *cfg, const struct td_common *common, char *err,
				 size_t errlen)
{
	struct snmpif_config *c = cfg;
	(void)common;
	enum td_err rc = td_snmp_target_finish(&c->target, err, errlen);
	if (rc != TD_OK)
		return rc;
	if (c->by == SNMPIF_BY_NONE)
		return td_errf(TD_E_USAGE, err, errlen,
			       "choose the interface: -i NAME, -d DESCR, --alias TEXT or -k INDEX");
	return TD_OK;
}

/* IF-MIB columns (RFC 2863), without the index. */
static const uint32_t snmpif_ifDescr[] = { 1, 3, 6, 1, 2, 1, 2, 2, 1, 2 };
static const uint32_t snmpif_ifName[] = { 1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 1 };
static const uint32_t snmpif_ifAlias[] = { 1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 18 };

struct snmpif_col {
	const uint32_t *sub;
	size_t len;
};
#define SNMPIF_COL(a) { a, sizeof a / sizeof a[0] }

enum {
	IF_UPTIME,
	IF_DESCR,
	IF_NAME,
	IF_ALIAS,
	IF_ADMIN,
	IF_OPER,
	IF_SPEED,
	IF_HIGHSPEED,
	IF_IN_ERRORS,
	IF_OUT_ERRORS,
	IF_IN_DISCARDS,
	IF_OUT_DISCARDS,
	IF_IN_OCTETS,
	IF_OUT_OCTETS,
	IF_HC_IN_OCTETS,
	IF_HC_OUT_OCTETS,
	IF_N,
};

static const struct {
	uint32_t sub[12];
	size_t len;
	bool indexed;
} snmpif_columns[IF_N] = {
	[IF_UPTIME] = { { 1, 3, 6, 1, 2, 1, 1, 3, 0 }, 9, false },
	[IF_DESCR] = { { 1, 3, 6, 1, 2, 1, 2, 2, 1, 2 }, 10, true },
	[IF_NAME] = { { 1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 1 }, 11, true },
	[IF_ALIAS] = { { 1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 18 }, 11, true },
	[IF_ADMIN] = { { 1, 3, 6, 1, 2, 1, 2, 2, 1, 7 }, 10, true },
	[IF_OPER] = { { 1, 3, 6, 1, 2, 1, 2, 2, 1, 8 }, 10, true },
	[IF_SPEED] = { { 1, 3, 6, 1, 2, 1, 2, 2, 1, 5 }, 10, true },
	[IF_HIGHSPEED] = { { 1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 15 }, 11, true },
	[IF_IN_ERRORS] = { { 1, 3, 6, 1, 2, 1, 2, 2, 1, 14 }, 10, true },
	[IF_OUT_ERRORS] = { { 1, 3, 6, 1, 2, 1, 2, 2, 1, 20 }, 10, true },
	[IF_IN_DISCARDS] = { { 1, 3, 6, 1, 2, 1, 2, 2, 1, 13 }, 10, true },
	[IF_OUT_DISCARDS] = { { 1, 3, 6, 1, 2, 1, 2, 2, 1, 19 }, 10, true },
	[IF_IN_OCTETS] = { { 1, 3, 6, 1, 2, 1, 2, 2, 1, 10 }, 10, true },
	[IF_OUT_OCTETS] = { { 1, 3, 6, 1, 2, 1, 2, 2, 1, 16 }, 10, true },
	[IF_HC_IN_OCTETS] = { { 1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 6 }, 11, true },
	[IF_HC_OUT_OCTETS] = { { 1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 10 }, 11, true },
};

/* The OIDs of one reading for interface idx; the 64-bit columns only when asked. */
static size_t snmpif_oids(uint32_t idx, bool hc, struct td_snmp_oid *out)
{
	size_t n = hc ? IF_N : IF_HC_IN_OCTETS;
	for (size_t i = 0; i < n; i++) {
		out[i].len = 0;
		td_snmp_oid_append(&out[i], snmpif_columns[i].sub, snmpif_columns[i].len);
		if (snmpif_columns[i].indexed)
			td_snmp_oid_append(&out[i], &idx, 1);
	}
	return n;
}

static bool snmpif_text_is(const struct td_snmp_value *v, const char *text)
{
	return v->type == TD_SNMP_T_OCTETS && v->len == strlen(text) &&
	       !memcmp(v->text, text, v->len);
}

/* Does this reading belong to the interface asked for? */
static bool snmpif_matches(const struct snmpif_config *c, const struct td_snmp_value *v)
{
	switch (c->by) {
	case SNMPIF_BY_NAME:
		return snmpif_text_is(&v[IF_NAME], c->select) ||
		       snmpif_text_is(&v[IF_DESCR], c->select);
	case SNMPIF_BY_DESCR: return snmpif_text_is(&v[IF_DESCR], c->select);
	case SNMPIF_BY_ALIAS: return snmpif_text_is(&v[IF_ALIAS], c->select);
	case SNMPIF_BY_INDEX: return !td_snmp_value_missing(&v[IF_OPER]);
	case SNMPIF_BY_NONE: break;
	}
	return false;
}

struct snmpif_find {
	const char *want;
	size_t root_len;
	uint32_t index;
	bool found;
	struct td_buf names; /* some names seen, for the message when nothing matches */
	size_t seen;
	bool list; /* collect names (the first column walked only) */
};

static bool snmpif_find_cb(void *ctx, const struct td_snmp_value *v)
{
	struct snmpif_find *f = ctx;
	if (v->oid.len != f->root_len + 1)
		return true;
	f->seen++;
	if (snmpif_text_is(v, f->want)) {
		f->index = v->oid.sub[f->root_len];
		f->found = true;
		return false;
	}
	if (f->list && v->type == TD_SNMP_T_OCTETS && v->len && f->names.len < 200) {
		char text[64];
		td_snmp_value_text(v, text, sizeof text);
		td_buf_printf(&f->names, "%s%s", f->names.len ? ", " : "", text);
	}
	return true;
}

/* Walks the column(s) the selector names and finds the interface's index. */
static enum td_err snmpif_walk_index(const struct snmpif_config *c, struct td_snmp_session *s,
				     const struct td_deadline *dl, uint32_t *index, char *err,
				     size_t errlen)
{
	struct snmpif_col cols[2] = { { NULL, 0 }, { NULL, 0 } };
	switch (c->by) {
	case SNMPIF_BY_NAME:
		cols[0] = (struct snmpif_col)SNMPIF_COL(snmpif_ifName);
		cols[1] = (struct snmpif_col)SNMPIF_COL(snmpif_ifDescr);
		break;
	case SNMPIF_BY_DESCR: cols[0] = (struct snmpif_col)SNMPIF_COL(snmpif_ifDescr); break;
	case SNMPIF_BY_ALIAS: cols[0] = (struct snmpif_col)SNMPIF_COL(snmpif_ifAlias); break;
	default: return td_errf(TD_E_INTERNAL, err, errlen, "no selector");
	}
	struct snmpif_find f = { .want = c->select };
	td_buf_init(&f.names, 256);
	enum td_err rc = TD_OK;
	for (int k = 0; k < 2 && cols[k].sub && !f.found; k++) {
		struct td_snmp_oid root = { .len = 0 };
		td_snmp_oid_append(&root, cols[k].sub, cols[k].len);
		f.root_len = root.len;
		f.list = k == 0;
		f.seen = k == 0 ? 0 : f.seen;
		rc = td_snmp_walk(s, &root, 100000, snmpif_find_cb, &f, dl, err, errlen);
		if (rc != TD_OK)
			break;
	}
	if (rc == TD_OK && !f.found)
		rc = td_errf(TD_E_NOTFOUND, err, errlen,
			     "%s: no interface %s \"%s\" among %zu (%s%s)", td_snmp_peer(s),
			     c->by == SNMPIF_BY_ALIAS	? "with alias"
			     : c->by == SNMPIF_BY_DESCR ? "described"
							: "named",
			     c->select, f.seen, f.seen ? td_buf_str(&f.names) : "none",
			     f.names.truncated || f.names.len >= 200 ? ", ..." : "");
	if (f.found)
		*index = f.index;
	td_buf_cleanup(&f.names);
	return rc;
}

/*
 * Status into a state and a word: admin down first (someone chose it), then
 * the operational state, as check_ifoperstatus does. Pure.
 */
static enum td_state snmpif_status(int64_t admin, int64_t oper, enum td_state admin_down,
				   enum td_state dormant, const char **word)
{
	static const char *const names[] = { "?",	"up",	   "down",	 "testing",
					     "unknown", "dormant", "notPresent", "lowerLayerDown" };
	*word = oper >= 1 && oper <= 7 ? names[oper] : "invalid";
	if (admin == 2) {
		*word = "administratively down";
		return admin_down;
	}
	if (admin == 3 && oper == 3)
		return TD_STATE_WARNING; /* testing, as an operator asked */
	switch (oper) {
	case 1: return TD_STATE_OK;
	case 5: return dormant;
	default: return TD_STATE_CRITICAL;
	}
}

/* The speed in bits/s: ifSpeed, or ifHighSpeed (Mbit/s) when ifSpeed is at its 32-bit cap. */
static double snmpif_speed(const struct td_snmp_value *speed, const struct td_snmp_value *high)
{
	double s = speed->type == TD_SNMP_T_UNSIGNED ? (double)speed->u : 0;
	double h = high->type == TD_SNMP_T_UNSIGNED ? (double)high->u * 1e6 : 0;
	if (s > 0 && s < 4294967295.0)
		return s;
	return h > 0 ? h : s;
}

/* "1.23 Gbit/s": decimal multiples, as links are sold. */
static char *snmpif_fmt_bits(double bps, char *buf, size_t len)
{
	static const char *const units[] = { "bit/s", "kbit/s", "Mbit/s", "Gbit/s", "Tbit/s" };
	size_t i = 0;
	while (fabs(bps) >= 1000 && i + 1 < sizeof units / sizeof units[0]) {
		bps /= 1000;
		i++;
	}
	char num[TD_NUMBER_MAX];
	snprintf(buf, len, "%s %s", td_fmt_number(round(bps * 100) / 100, num, sizeof num),
		 units[i]);
	return buf;
}

static double snmpif_wall_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One counter's per-second rate from the store; NAN when there is none yet. */
struct snmpif_rates {
	double in_bps, out_bps, in_err, out_err, in_disc, out_disc;
	const char *why; /* why rates are unknown, NULL when known */
};

/*
 * Rates of the six counters from the previous samples (prev, prev_when) to
 * the current ones (cur, now). Counter types must match (a switch from 64
 * to 32 bits starts over), sysUpTime must not go back (an agent restart
 * resets every counter). Pure: the unit tests feed it wraps and resets.
 */
struct snmpif_sample {
	uint64_t uptime;
	enum td_snmp_type type[6];
	uint64_t v[6]; /* in octets, out octets, in errors, out errors, in discards, out discards */
};

static void snmpif_rates(const struct snmpif_sample *prev, double prev_when,
			 const struct snmpif_sample *cur, double now, struct snmpif_rates *out)
{
	double r[6];
	double dt = now - prev_when;
	out->why = NULL;
	if (!(dt > 0))
		out->why = "no time passed since the last reading";
	else if (cur->uptime < prev->uptime)
		out->why = "the agent restarted (sysUpTime went back)";
	for (int i = 0; i < 6 && !out->why; i++) {
		uint64_t d;
		if (prev->type[i] != cur->type[i])
			out->why = "the counters changed (32/64 bits)";
		else if (!td_snmp_counter_delta(cur->type[i], prev->v[i], cur->v[i], &d))
			out->why = "a counter was reset";
		else
			r[i] = (double)d / dt;
	}
	if (out->why) {
		out->in_bps = out->out_bps = out->in_err = out->out_err = out->in_disc =
		    out->out_disc = NAN;
		return;
	}
	out->in_bps = r[0] * 8;
	out->out_bps = r[1] * 8;
	out->in_err = r[2];
	out->out_err = r[3];
	out->in_disc = r[4];
	out->out_disc = r[5];
}

/* Stored as "uptime t1 v1 t2 v2 ... t6 v6": types as numbers, counters exact. */
static void snmpif_sample_format(const struct snmpif_sample *s, struct td_buf *out)
{
	td_buf_printf(out, "%llu", (unsigned long long)s->uptime);
	for (int i = 0; i < 6; i++)
		td_buf_printf(out, " %d %llu", (int)s->type[i], (unsigned long long)s->v[i]);
}

static bool snmpif_sample_parse(const char *text, struct snmpif_sample *s)
{
	char word[32];
	unsigned long long n;
	const char *p = text;
	for (int k = 0; k < 13; k++) {
		size_t len = strcspn(p, " ");
		if (len == 0 || len >= sizeof word)
			return false;
		memcpy(word, p, len);
		word[len] = '\0';
		if (td_parse_uint(word, 0, UINT64_MAX, &n) != TD_OK)
			return false;
		if (k == 0)
			s->uptime = n;
		else if (k % 2 == 1)
			s->type[k / 2] = (enum td_snmp_type)n;
		else
			s->v[k / 2 - 1] = n;
		p += len;
		if (k < 12 && *p++ != ' ')
			return false;
	}
	return *p == '\0';
}

static bool snmpif_counter(const struct td_snmp_value *v)
{
	return v->type == TD_SNMP_T_COUNTER32 || v->type == TD_SNMP_T_COUNTER64;
}

/* Reads the interface at idx; vals[] hold IF_N values (cleaned by the caller). */
static enum td_err snmpif_read(const struct snmpif_config *c, struct td_snmp_session *s,
			       const struct td_deadline *dl, uint32_t idx,
			       struct td_snmp_value *vals, char *err, size_t errlen)
{
	struct td_snmp_oid oids[IF_N];
	bool hc = !c->force32 && c->target.version != TD_SNMP_V1;
	size_t n = snmpif_oids(idx, hc, oids);
	for (size_t i = n; i < IF_N; i++)
		memset(&vals[i], 0, sizeof vals[i]);
	return td_snmp_get(s, false, oids, n, vals, dl, err, errlen);
}

static void snmpif_clean(struct td_snmp_value *vals)
{
	for (size_t i = 0; i < IF_N; i++)
		td_snmp_value_cleanup(&vals[i]);
}

static struct td_metric *snmpif_metric(struct td_result *res, const char *label, double v,
				       const char *uom, const struct td_range *w,
				       const struct td_range *cr)
{
	struct td_metric *m = td_result_metric(res, label, isfinite(v) ? v : 0, uom);
	m->known = isfinite(v);
	m->warn = *w;
	m->crit = *cr;
	m->has_min = true;
	m->min = 0;
	return m;
}

static enum td_err snmpif_run(const void *cfg, const struct td_run_ctx *ctx, struct td_result *res)
{
	const struct snmpif_config *c = cfg;
	struct td_snmp_value vals[IF_N];
	struct td_snmp_session *s = NULL;
	char err[512] = "", key[320], *cached = NULL;
	enum td_err rc;
	uint32_t idx = c->index;
	bool from_cache = false, have_vals = false;

	memset(vals, 0, sizeof vals);
	if ((rc = td_snmp_open(&c->target, &ctx->deadline, &s, err, sizeof err)) != TD_OK) {
		td_result_summary(res, "%s", err);
		return rc;
	}
	if (c->by != SNMPIF_BY_INDEX) {
		unsigned long long n;
		snprintf(key, sizeof key, "index.%d.%s", (int)c->by, c->select);
		if (ctx->store && td_store_get(ctx->store, key, &cached, NULL) == TD_OK &&
		    td_parse_uint(cached, 1, 2147483647, &n) == TD_OK) {
			idx = (uint32_t)n;
			from_cache = true;
		}
		free(cached);
	}
	/* A remembered index is read and checked in one request; a wrong one costs a walk. */
	if (from_cache) {
		rc = snmpif_read(c, s, &ctx->deadline, idx, vals, err, sizeof err);
		have_vals = rc == TD_OK && snmpif_matches(c, vals);
		if (rc != TD_OK)
			goto out;
		if (!have_vals)
			snmpif_clean(vals);
	}
	if (!have_vals) {
		if (c->by != SNMPIF_BY_INDEX &&
		    (rc = snmpif_walk_index(c, s, &ctx->deadline, &idx, err, sizeof err)) != TD_OK)
			goto out;
		if ((rc = snmpif_read(c, s, &ctx->deadline, idx, vals, err, sizeof err)) != TD_OK)
			goto out;
		if (!snmpif_matches(c, vals)) {
			rc = td_errf(TD_E_NOTFOUND, err, sizeof err,
				     "%s: no interface with index %u", td_snmp_peer(s), idx);
			goto out;
		}
		if (c->by != SNMPIF_BY_INDEX && ctx->store) {
			char num[16];
			snprintf(num, sizeof num, "%u", idx);
			td_store_set(ctx->store, key, num, snmpif_wall_now());
		}
	}

	/* Which counters: 64-bit when the agent has both, else 32-bit. */
	bool hc = snmpif_counter(&vals[IF_HC_IN_OCTETS]) && snmpif_counter(&vals[IF_HC_OUT_OCTETS]);
	const struct td_snmp_value *cv[6] = {
	    &vals[hc ? IF_HC_IN_OCTETS : IF_IN_OCTETS],
	    &vals[hc ? IF_HC_OUT_OCTETS : IF_OUT_OCTETS],
	    &vals[IF_IN_ERRORS],
	    &vals[IF_OUT_ERRORS],
	    &vals[IF_IN_DISCARDS],
	    &vals[IF_OUT_DISCARDS],
	};
	struct snmpif_sample cur = { .uptime = vals[IF_UPTIME].u };
	bool counters = true;
	for (int i = 0; i < 6; i++) {
		counters = counters && snmpif_counter(cv[i]);
		cur.type[i] = cv[i]->type;
		cur.v[i] = cv[i]->u;
	}
	struct snmpif_rates rates = { .why = "first reading stored; rates from the next run" };
	double now = snmpif_wall_now();
	char rkey[64], *old = NULL;
	snprintf(rkey, sizeof rkey, "counters.%u", idx);
	if (!counters) {
		rates.why = "the agent has no octet, error or discard counters for it";
	} else if (ctx->store) {
		struct snmpif_sample prev = { .uptime = 0 };
		double when = 0;
		if (td_store_get(ctx->store, rkey, &old, &when) == TD_OK &&
		    snmpif_sample_parse(old, &prev))
			snmpif_rates(&prev, when, &cur, now, &rates);
		free(old);
		struct td_buf b;
		td_buf_init(&b, 512);
		snmpif_sample_format(&cur, &b);
		td_store_set(ctx->store, rkey, td_buf_str(&b), now);
		td_buf_cleanup(&b);
	} else {
		rates.why = "no state store: no rates";
	}
	if (rates.why)
		rates.in_bps = rates.out_bps = rates.in_err = rates.out_err = rates.in_disc =
			rates.out_disc = NAN;

	double speed = c->speed > 0 ? c->speed : snmpif_speed(&vals[IF_SPEED], &vals[IF_HIGHSPEED]);
	double in_util = speed > 0 ? 100.0 * rates.in_bps / speed : NAN;
	double out_util = speed > 0 ? 100.0 * rates.out_bps / speed : NAN;

	const char *word;
	enum td_state st =
	    snmpif_status(vals[IF_ADMIN].type == TD_SNMP_T_INTEGER ? vals[IF_ADMIN].i : 0,
			  vals[IF_OPER].type == TD_SNMP_T_INTEGER ? vals[IF_OPER].i : 0,
			  c->admin_down, c->dormant, &word);
	td_result_raise(res, st);

	struct td_metric *m;
	m = snmpif_metric(res, "in_bps", rates.in_bps, NULL, &c->bps_warn, &c->bps_crit);
	if (speed > 0)
		m->has_max = true, m->max = speed;
	m = snmpif_metric(res, "out_bps", rates.out_bps, NULL, &c->bps_warn, &c->bps_crit);
	if (speed > 0)
		m->has_max = true, m->max = speed;
	m = snmpif_metric(res, "in_util", in_util, "%", &c->util_warn, &c->util_crit);
	m->has_max = true, m->max = 100;
	m = snmpif_metric(res, "out_util", out_util, "%", &c->util_warn, &c->util_crit);
	m->has_max = true, m->max = 100;
	snmpif_metric(res, "in_errors", rates.in_err, NULL, &c->err_warn, &c->err_crit);
	snmpif_metric(res, "out_errors", rates.out_err, NULL, &c->err_warn, &c->err_crit);
	snmpif_metric(res, "in_discards", rates.in_disc, NULL, &c->disc_warn, &c->disc_crit);
	snmpif_metric(res, "out_discards", rates.out_disc, NULL, &c->disc_warn, &c->disc_crit);

	char name[128], alias[128], a[48], b[48], sp[48], num[TD_NUMBER_MAX], num2[TD_NUMBER_MAX];
	const struct td_snmp_value *nv = vals[IF_NAME].type == TD_SNMP_T_OCTETS && vals[IF_NAME].len
						 ? &vals[IF_NAME]
						 : &vals[IF_DESCR];
	td_snmp_value_text(nv, name, sizeof name);
	struct td_buf sum;
	td_buf_init(&sum, 1024);
	td_buf_printf(&sum, "%s (index %u) is %s", name, idx, word);
	if (!rates.why) {
		td_buf_printf(&sum, ", in %s", snmpif_fmt_bits(rates.in_bps, a, sizeof a));
		if (speed > 0)
			td_buf_printf(&sum, " (%.1f%%)", in_util);
		td_buf_printf(&sum, ", out %s", snmpif_fmt_bits(rates.out_bps, b, sizeof b));
		if (speed > 0)
			td_buf_printf(&sum, " (%.1f%%) of %s", out_util,
				      snmpif_fmt_bits(speed, sp, sizeof sp));
		td_buf_printf(&sum, ", errors %s/s, discards %s/s",
			      td_fmt_number(round((rates.in_err + rates.out_err) * 100) / 100, num,
					    sizeof num),
			      td_fmt_number(round((rates.in_disc + rates.out_disc) * 100) / 100,
					    num2, sizeof num2));
	} else {
		td_buf_printf(&sum, "; %s", rates.why);
	}
	td_result_summary(res, "%s", td_buf_str(&sum));
	td_buf_cleanup(&sum);
	if (vals[IF_ALIAS].type == TD_SNMP_T_OCTETS && vals[IF_ALIAS].len) {
		td_snmp_value_text(&vals[IF_ALIAS], alias, sizeof alias);
		td_result_line(res, "alias: %s", alias);
	}
	if (ctx->verbose) {
		td_snmp_value_text(&vals[IF_DESCR], alias, sizeof alias);
		td_result_line(res, "ifDescr: %s; %s counters; speed %s%s", alias,
			       hc ? "64-bit" : "32-bit",
			       speed > 0 ? snmpif_fmt_bits(speed, sp, sizeof sp) : "unknown",
			       c->speed > 0 ? " (--speed)" : "");
	}
	rc = TD_OK;
out:
	if (rc != TD_OK)
		td_result_summary(res, "%s", err);
	snmpif_clean(vals);
	td_snmp_close(s);
	return rc;
}

const struct td_probe td_probe_snmp_if = {
	.name = "snmp_if",
	.label = "IFACE",
	.purpose = "check a network interface by SNMP: status, traffic, utilisation, errors",
	.help_tail =
		"Perfdata: in_bps and out_bps (bits per second), in_util and out_util (% of the\n"
		"speed), in_errors, out_errors, in_discards and out_discards (per second). Rates\n"
		"come from the previous run; the first run reports the status only.\n"
		"\nExamples:\n"
		"  check_snmp_if -H sw1 -i Gi0/1 -w 80 -c 95 --errors-warning 1\n"
		"  check_snmp_if -H sw1 --alias uplink-isp --admin-down=critical\n"
		"  check_snmp_if -H 192.0.2.1 -P 3 -U mon -a SHA -A ... -x AES -X ... -k 3\n",
	.options = snmpif_options,
	.flags = TD_PROBE_STATEFUL,
	.config_new = snmpif_config_new,
	.config_free = snmpif_config_free,
	.option = snmpif_option,
	.finish = snmpif_finish,
	.run = snmpif_run,
};

/*
 * pgsql.c - check_pgsql: is PostgreSQL there, and how is it doing.
 *
 * Without --mode it is monitoring-plugins' check_pgsql: connect (to
 * template1 unless told otherwise), time it against -w/-c (default 2 and 8
 * seconds), and with -q run one query whose first column of the first row
 * is checked against -W/-C, with the peer's states for the odd cases (no
 * rows: WARNING; NULL, not a number, no result set, an error: CRITICAL).
 * --mode adds what a DBA watches: connections against max_connections,
 * replication lag, the database's size, the oldest open transaction,
 * backends waiting on locks, the buffer cache hit ratio and transaction ID
 * wraparound.
 *
 * Every query runs in a READ ONLY transaction whose statement_timeout ends
 * with the check's deadline (pg_conn.c); the -q query too, which, unlike the
 * peer's, must be a single statement. The work splits as the house style
 * wants: fetch (pgsql_run: SQL over pg_conn.c) and evaluate (pgsql_eval_*:
 * rows to metrics, pure, unit-tested with rows made by hand).
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tandem/pg.h"
#include "tandem/probe.h"

enum {
	OPT_WARN = 1,
	OPT_CRIT,
	OPT_MODE,
	OPT_QUERY,
	OPT_QWARN,
	OPT_QCRIT,
	OPT_QNAME,
	OPT_MIN_REPLICAS
};

enum pgsql_mode {
	PGSQL_CONNECTION,
	PGSQL_CONNECTIONS,
	PGSQL_REPLICATION,
	PGSQL_SIZE,
	PGSQL_OLDEST_XACT,
	PGSQL_LOCKS,
	PGSQL_CACHE_HIT,
	PGSQL_WRAPAROUND,
};

/* What -w/-c mean in each mode. */
static const struct pgsql_mode_def {
	const char *name;
	unsigned accept;	/* unit families a threshold may carry */
	enum td_unit_kind bare; /* what a bare number is */
	bool below;		/* a bare number N alerts below N (a ratio that should be high) */
} pgsql_modes[] = {
	[PGSQL_CONNECTION] = { "connection", TD_UNIT_TIME, TD_UNIT_TIME, false },
	[PGSQL_CONNECTIONS] = { "connections", TD_UNIT_PERCENT, TD_UNIT_NONE, false },
	[PGSQL_REPLICATION] = { "replication", TD_UNIT_TIME | TD_UNIT_BYTES, TD_UNIT_TIME, false },
	[PGSQL_SIZE] = { "size", TD_UNIT_BYTES, TD_UNIT_BYTES, false },
	[PGSQL_OLDEST_XACT] = { "oldest-xact", TD_UNIT_TIME, TD_UNIT_TIME, false },
	[PGSQL_LOCKS] = { "locks", TD_UNIT_TIME, TD_UNIT_NONE, false },
	[PGSQL_CACHE_HIT] = { "cache-hit", TD_UNIT_PERCENT, TD_UNIT_PERCENT, true },
	[PGSQL_WRAPAROUND] = { "wraparound", TD_UNIT_PERCENT, TD_UNIT_NONE, false },
};
#define PGSQL_NMODES (sizeof pgsql_modes / sizeof pgsql_modes[0])

/* Rows kept from a built-in query (waiting backends, replicas). */
#define PGSQL_ROWS_MAX 1000
/* Waiting backends listed in the long output. */
#define PGSQL_SHOW_WAITERS 5
/* Transaction IDs wrap around at 2^31. */
#define PGSQL_XID_WRAP 2147483648.0

struct pgsql_config {
	struct td_pg_params conn;
	enum pgsql_mode mode;
	char *warn_text, *crit_text; /* parsed in finish, once the mode is known */
	struct td_range warn, crit;
	char *query, *queryname;
	struct td_range qwarn, qcrit;
	unsigned long long min_replicas;
};

static const struct td_option pgsql_options[] = {
	TD_PG_CONN_OPTIONS,
	{ 'M', "mode", TD_ARG_REQUIRED, "MODE",
	  "What to check: connection (default), connections, replication, size, oldest-xact, "
	  "locks, cache-hit, wraparound. See below.",
	  OPT_MODE },
	{ 'w', "warning", TD_ARG_REQUIRED, "RANGE",
	  "Warning threshold on the mode's value (connection: seconds, default 2).", OPT_WARN },
	{ 'c', "critical", TD_ARG_REQUIRED, "RANGE",
	  "Critical threshold on the mode's value (connection: seconds, default 8).", OPT_CRIT },
	{ 'q', "query", TD_ARG_REQUIRED, "SQL",
	  "Also run SQL (one statement, read-only) and check the first column of its first row "
	  "against -W and -C.",
	  OPT_QUERY },
	{ 'W', "query-warning", TD_ARG_REQUIRED, "RANGE", "Warning range for the -q value.",
	  OPT_QWARN },
	{ 'C', "query-critical", TD_ARG_REQUIRED, "RANGE", "Critical range for the -q value.",
	  OPT_QCRIT },
	{ 0, "queryname", TD_ARG_REQUIRED, "NAME",
	  "Name the -q query NAME in the output instead of showing its text.", OPT_QNAME },
	{ 0, "min-replicas", TD_ARG_REQUIRED, "N",
	  "replication mode on a primary: CRITICAL when fewer than N replicas are connected "
	  "(default 0).",
	  OPT_MIN_REPLICAS },
	TD_OPTION_END,
};

static void *pgsql_config_new(void)
{
	struct pgsql_config *c = td_xcalloc(1, sizeof *c);
	td_pg_params_init(&c->conn);
	return c;
}

static void pgsql_config_free(void *cfg)
{
	struct pgsql_config *c = cfg;
	if (!c)
		return;
	td_pg_params_cleanup(&c->conn);
	free(c->warn_text);
	free(c->crit_text);
	free(c->query);
	free(c->queryname);
	free(c);
}

static enum td_err pgsql_set_text(char **slot, const char *arg)
{
	free(*slot);
	*slot = td_xstrdup(arg);
	return TD_OK;
}

static enum td_err pgsql_option(void *cfg, int id, const char *arg, char *err, size_t errlen)
{
	struct pgsql_config *c = cfg;
	char why[200];
	if (TD_PG_IS_CONN_OPTION(id))
		return td_pg_params_option(&c->conn, id, arg, err, errlen);
	switch (id) {
	case OPT_MODE:
		for (size_t i = 0; i < PGSQL_NMODES; i++)
			if (!strcmp(arg, pgsql_modes[i].name)) {
				c->mode = (enum pgsql_mode)i;
				return TD_OK;
			}
		return td_errf(TD_E_USAGE, err, errlen,
			       "--mode: \"%s\" is not one of connection, connections, replication, "
			       "size, oldest-xact, locks, cache-hit, wraparound",
			       arg);
	case OPT_WARN: return pgsql_set_text(&c->warn_text, arg);
	case OPT_CRIT: return pgsql_set_text(&c->crit_text, arg);
	case OPT_QUERY:
		if (!arg[strspn(arg, " \t\r\n;")])
			return td_errf(TD_E_USAGE, err, errlen, "-q: empty query");
		return pgsql_set_text(&c->query, arg);
	case OPT_QNAME: return pgsql_set_text(&c->queryname, arg);
	case OPT_QWARN:
	case OPT_QCRIT:
		if (td_range_parse(arg, 0, id == OPT_QWARN ? &c->qwarn : &c->qcrit, why,
				   sizeof why) != TD_OK)
			return td_errf(TD_E_USAGE, err, errlen, "%s: %s",
				       id == OPT_QWARN ? "-W" : "-C", why);
		return TD_OK;
	case OPT_MIN_REPLICAS:
		if (td_parse_uint(arg, 0, 1000, &c->min_replicas) != TD_OK)
			return td_errf(TD_E_USAGE, err, errlen,
				       "--min-replicas: \"%s\" is not a number from 0 to 1000",
				       arg);
		return TD_OK;
	}
	return td_errf(TD_E_USAGE, err, errlen, "unexpected argument \"%s\"", arg ? arg : "");
}

/* Parses -w/-c for the mode: units it accepts, what a bare number is, percentages 0..100. */
static enum td_err pgsql_threshold(const struct pgsql_mode_def *m, const char *opt,
				   const char *text, struct td_range *out, char *err, size_t errlen)
{
	char why[200];
	if (!text)
		return TD_OK;
	if (td_range_parse(text, m->accept, out, why, sizeof why) != TD_OK)
		return td_errf(TD_E_USAGE, err, errlen, "%s: %s (in --mode %s)", opt, why, m->name);
	if (out->kind == TD_UNIT_NONE)
		out->kind = m->bare;
	if (out->kind == TD_UNIT_PERCENT &&
	    ((isfinite(out->start) && (out->start < 0 || out->start > 100)) ||
	     (isfinite(out->end) && out->end > 100)))
		return td_errf(TD_E_USAGE, err, errlen, "%s: \"%s\": a percentage is from 0 to 100",
			       opt, text);
	if (m->below && !strpbrk(text, ":@~")) {
		out->start = out->end;
		out->end = INFINITY;
	}
	return TD_OK;
}

static enum td_err pgsql_finish(void *cfg, const struct td_common *common, char *err, size_t errlen)
{
	struct pgsql_config *c = cfg;
	const struct pgsql_mode_def *m = &pgsql_modes[c->mode];
	enum td_err rc;
	(void)common;
	if ((rc = pgsql_threshold(m, "-w", c->warn_text, &c->warn, err, errlen)) != TD_OK ||
	    (rc = pgsql_threshold(m, "-c", c->crit_text, &c->crit, err, errlen)) != TD_OK)
		return rc;
	if (c->mode == PGSQL_CONNECTION) {
		/* monitoring-plugins' defaults: warn above 2 s, critical above 8 s */
		if (!c->warn.set)
			td_range_parse("2", 0, &c->warn, NULL, 0);
		if (!c->crit.set)
			td_range_parse("8", 0, &c->crit, NULL, 0);
		c->warn.kind = c->crit.kind = TD_UNIT_TIME;
	}
	if ((c->qwarn.set || c->qcrit.set || c->queryname) && !c->query)
		return td_errf(TD_E_USAGE, err, errlen, "-W, -C and --queryname need a query (-q)");
	if (c->min_replicas && c->mode != PGSQL_REPLICATION)
		return td_errf(TD_E_USAGE, err, errlen, "--min-replicas is for --mode replication");
	/* The peer connects to template1 when no database is named. */
	td_pg_params_finish(&c->conn, "check_pgsql", "template1");
	return TD_OK;
}

/* ---- evaluate: rows to metrics ---- */

/* A numeric cell; false (and NAN) for NULL or anything that is not a number. */
static bool pgsql_num(const struct td_pg_rows *r, size_t row, size_t col, double *v)
{
	*v = NAN;
	return td_pg_parse_number(td_pg_cell(r, row, col), v) == TD_OK;
}

static const char *pgsql_text(const struct td_pg_rows *r, size_t row, size_t col)
{
	const char *s = td_pg_cell(r, row, col);
	return s ? s : "";
}

/* The -w/-c thresholds whose unit family is kind go on m. */
static void pgsql_attach(const struct pgsql_config *c, struct td_metric *m, enum td_unit_kind kind)
{
	if (c->warn.set && c->warn.kind == kind)
		m->warn = c->warn;
	if (c->crit.set && c->crit.kind == kind)
		m->crit = c->crit;
}

static struct td_metric *pgsql_metric(struct td_result *res, const char *label, double v,
				      const char *uom, bool known)
{
	struct td_metric *m = td_result_metric(res, label, known ? v : 0, uom);
	m->known = known;
	m->has_min = true;
	m->min = 0;
	return m;
}

/* "0.004 s", "12.5 s", "3.2 min", "5.0 h", "2.1 d" for status lines. */
static char *pgsql_fmt_secs(double s, char *buf, size_t len)
{
	if (!isfinite(s))
		snprintf(buf, len, "unknown");
	else if (s < 10)
		snprintf(buf, len, "%.3f s", s);
	else if (s < 120)
		snprintf(buf, len, "%.1f s", s);
	else if (s < 7200)
		snprintf(buf, len, "%.1f min", s / 60);
	else if (s < 172800)
		snprintf(buf, len, "%.1f h", s / 3600);
	else
		snprintf(buf, len, "%.1f d", s / 86400);
	return buf;
}

static enum td_err pgsql_shape(const struct td_pg_rows *r, size_t ncols, bool one_row,
			       struct td_result *res)
{
	if (r->ncols != ncols || (one_row && r->nrows != 1)) {
		td_result_summary(res, "unexpected answer: %zu rows of %zu columns", r->nrows,
				  r->ncols);
		return TD_E_PROTO;
	}
	return TD_OK;
}

/* total, active, idle, idle in transaction, max_connections, superuser_reserved_connections */
static enum td_err pgsql_eval_connections(const struct pgsql_config *c, const struct td_pg_rows *r,
					  struct td_result *res)
{
	double v[6];
	if (pgsql_shape(r, 6, true, res) != TD_OK)
		return TD_E_PROTO;
	for (size_t i = 0; i < 6; i++)
		if (!pgsql_num(r, 0, i, &v[i])) {
			td_result_summary(res, "unexpected answer: column %zu is not a number",
					  i + 1);
			return TD_E_PROTO;
		}
	/* Ordinary users run out when only the superusers' reserved slots are left. */
	double usable = v[4] - v[5] >= 1 ? v[4] - v[5] : 1;
	double pct = 100.0 * v[0] / usable;
	struct td_metric *m = pgsql_metric(res, "connections", v[0], NULL, true);
	m->has_max = true;
	m->max = usable;
	pgsql_attach(c, m, TD_UNIT_NONE);
	m = pgsql_metric(res, "connections_pct", pct, "%", true);
	m->has_max = true;
	m->max = 100;
	pgsql_attach(c, m, TD_UNIT_PERCENT);
	pgsql_metric(res, "active", v[1], NULL, true);
	pgsql_metric(res, "idle", v[2], NULL, true);
	pgsql_metric(res, "idle_in_transaction", v[3], NULL, true);
	td_result_summary(res,
			  "%.0f of %.0f connections (%.1f%%): %.0f active, %.0f idle, %.0f idle in "
			  "transaction",
			  v[0], usable, pct, v[1], v[2], v[3]);
	td_result_line(res,
		       "max_connections %.0f, of which %.0f reserved for superusers; this "
		       "check's own connection is not counted",
		       v[4], v[5]);
	return TD_OK;
}

/*
 * role ("standby", "primary" or "replica"), name, lag seconds, lag bytes,
 * state: one row for this server, one per replica streaming from it.
 */
static enum td_err pgsql_eval_replication(const struct pgsql_config *c, const struct td_pg_rows *r,
					  struct td_result *res)
{
	char a[64], b[64];
	if (pgsql_shape(r, 5, false, res) != TD_OK)
		return TD_E_PROTO;
	size_t self = r->nrows;
	for (size_t i = 0; i < r->nrows; i++)
		if (strcmp(pgsql_text(r, i, 0), "replica"))
			self = i;
	if (self == r->nrows) {
		td_result_summary(res, "unexpected answer: no row for this server");
		return TD_E_PROTO;
	}
	size_t replicas = r->nrows - 1;
	double secs, bytes;
	if (!strcmp(pgsql_text(r, self, 0), "standby")) {
		bool ks = pgsql_num(r, self, 2, &secs), kb = pgsql_num(r, self, 3, &bytes);
		const char *recv = td_pg_cell(r, self, 4);
		pgsql_attach(c, pgsql_metric(res, "lag", secs, "s", ks), TD_UNIT_TIME);
		pgsql_attach(c, pgsql_metric(res, "lag_bytes", bytes, "B", kb), TD_UNIT_BYTES);
		td_result_summary(res, "standby, replay %s behind%s%s%s",
				  pgsql_fmt_secs(secs, a, sizeof a), kb ? ", " : "",
				  kb ? td_fmt_bytes(bytes, b, sizeof b) : "",
				  kb ? " received but not replayed" : "");
		if (!ks)
			td_result_line(res, "no transaction replayed yet: the lag is unknown");
		if (!recv) {
			td_result_raise(res, TD_STATE_WARNING);
			td_result_line(res,
				       "not streaming: no WAL receiver (archive recovery, or the "
				       "primary is unreachable)");
		} else if (!strcmp(recv, "hidden")) {
			/* only pg_read_all_stats (pg_monitor) may see the receiver's status */
			td_result_line(res, "a WAL receiver runs; its status needs pg_monitor");
		} else if (strcmp(recv, "streaming")) {
			td_result_raise(res, TD_STATE_WARNING);
			td_result_line(res, "WAL receiver is %s, not streaming", recv);
		}
	} else {
		pgsql_metric(res, "replicas", (double)replicas, NULL, true);
		if (replicas == 0)
			td_result_summary(res, "primary, no replicas connected");
		else
			td_result_summary(res, "primary, %zu replica%s connected", replicas,
					  replicas == 1 ? "" : "s");
		if (replicas < c->min_replicas) {
			td_result_raise(res, TD_STATE_CRITICAL);
			td_result_summary(res, "primary, %zu replica%s connected, fewer than %llu",
					  replicas, replicas == 1 ? "" : "s", c->min_replicas);
		}
	}
	for (size_t i = 0; i < r->nrows; i++) {
		if (i == self)
			continue;
		char label[300];
		const char *name = pgsql_text(r, i, 1);
		bool ks = pgsql_num(r, i, 2, &secs), kb = pgsql_num(r, i, 3, &bytes);
		snprintf(label, sizeof label, "%s_lag", name);
		pgsql_attach(c, pgsql_metric(res, label, secs, "s", ks), TD_UNIT_TIME);
		snprintf(label, sizeof label, "%s_lag_bytes", name);
		pgsql_attach(c, pgsql_metric(res, label, bytes, "B", kb), TD_UNIT_BYTES);
		td_result_line(res, "replica %s: %s, %s behind, replay lag %s", name,
			       *pgsql_text(r, i, 4) ? pgsql_text(r, i, 4) : "state unknown",
			       kb ? td_fmt_bytes(bytes, a, sizeof a) : "unknown",
			       pgsql_fmt_secs(secs, b, sizeof b));
	}
	return TD_OK;
}

/* database name, size in bytes */
static enum td_err pgsql_eval_size(const struct pgsql_config *c, const struct td_pg_rows *r,
				   struct td_result *res)
{
	double v;
	char a[64];
	if (pgsql_shape(r, 2, true, res) != TD_OK)
		return TD_E_PROTO;
	if (!pgsql_num(r, 0, 1, &v)) {
		td_result_summary(res, "unexpected answer: size is not a number");
		return TD_E_PROTO;
	}
	pgsql_attach(c, pgsql_metric(res, "size", v, "B", true), TD_UNIT_BYTES);
	td_result_summary(res, "database %s is %s", pgsql_text(r, 0, 0),
			  td_fmt_bytes(v, a, sizeof a));
	return TD_OK;
}

/* kind ("xact" or "prepared"), age seconds, pid or gid, user, state: the oldest, or no row */
static enum td_err pgsql_eval_oldest_xact(const struct pgsql_config *c, const struct td_pg_rows *r,
					  struct td_result *res)
{
	double age = 0;
	char a[64];
	if (pgsql_shape(r, 5, false, res) != TD_OK)
		return TD_E_PROTO;
	if (r->nrows == 0) {
		pgsql_attach(c, pgsql_metric(res, "oldest_xact", 0, "s", true), TD_UNIT_TIME);
		td_result_summary(res, "no open transaction");
		return TD_OK;
	}
	bool known = pgsql_num(r, 0, 1, &age);
	pgsql_attach(c, pgsql_metric(res, "oldest_xact", age, "s", known), TD_UNIT_TIME);
	if (!strcmp(pgsql_text(r, 0, 0), "prepared"))
		td_result_summary(
			res, "oldest transaction: prepared transaction '%s' of %s, %s old",
			pgsql_text(r, 0, 2), pgsql_text(r, 0, 3), pgsql_fmt_secs(age, a, sizeof a));
	else
		td_result_summary(res, "oldest transaction %s old (pid %s, user %s, %s)",
				  pgsql_fmt_secs(age, a, sizeof a), pgsql_text(r, 0, 2),
				  *pgsql_text(r, 0, 3) ? pgsql_text(r, 0, 3) : "?",
				  *pgsql_text(r, 0, 4) ? pgsql_text(r, 0, 4) : "state hidden");
	return TD_OK;
}

/* pid, user, seconds waited, blocking pids, query: one row per waiting backend, longest first */
static enum td_err pgsql_eval_locks(const struct pgsql_config *c, const struct td_pg_rows *r,
				    struct td_result *res)
{
	double longest = 0, w;
	char a[64];
	if (pgsql_shape(r, 5, false, res) != TD_OK)
		return TD_E_PROTO;
	bool known = true;
	if (r->nrows > 0)
		known = pgsql_num(r, 0, 2, &longest);
	pgsql_attach(c, pgsql_metric(res, "waiting", (double)r->total, NULL, true), TD_UNIT_NONE);
	pgsql_attach(c, pgsql_metric(res, "longest_wait", longest, "s", known), TD_UNIT_TIME);
	if (r->total == 0) {
		td_result_summary(res, "no backend waiting on a lock");
		return TD_OK;
	}
	td_result_summary(res, "%zu backend%s waiting on locks, the longest for %s", r->total,
			  r->total == 1 ? "" : "s",
			  known ? pgsql_fmt_secs(longest, a, sizeof a) : "?");
	for (size_t i = 0; i < r->nrows && i < PGSQL_SHOW_WAITERS; i++) {
		bool kw = pgsql_num(r, i, 2, &w);
		td_result_line(res, "pid %s (%s) waits %s, blocked by %s: %s", pgsql_text(r, i, 0),
			       *pgsql_text(r, i, 1) ? pgsql_text(r, i, 1) : "?",
			       kw ? pgsql_fmt_secs(w, a, sizeof a) : "?",
			       *pgsql_text(r, i, 3) ? pgsql_text(r, i, 3) : "?",
			       pgsql_text(r, i, 4));
	}
	return TD_OK;
}

/* blocks hit, blocks read */
static enum td_err pgsql_eval_cache_hit(const struct pgsql_config *c, const struct td_pg_rows *r,
					struct td_result *res)
{
	double hit, read;
	if (pgsql_shape(r, 2, true, res) != TD_OK)
		return TD_E_PROTO;
	if (!pgsql_num(r, 0, 0, &hit) || !pgsql_num(r, 0, 1, &read)) {
		td_result_summary(res, "unexpected answer: block counts are not numbers");
		return TD_E_PROTO;
	}
	bool known = hit + read > 0;
	double pct = known ? 100.0 * hit / (hit + read) : 0;
	struct td_metric *m = pgsql_metric(res, "cache_hit", pct, "%", known);
	m->has_max = true;
	m->max = 100;
	pgsql_attach(c, m, TD_UNIT_PERCENT);
	if (known)
		td_result_summary(res,
				  "%.2f%% of block reads served from shared buffers (%.0f of "
				  "%.0f since the statistics were reset)",
				  pct, hit, hit + read);
	else
		td_result_summary(res, "no block read yet: hit ratio unknown");
	return TD_OK;
}

/* database, age(datfrozenxid), autovacuum_freeze_max_age: the oldest database */
static enum td_err pgsql_eval_wraparound(const struct pgsql_config *c, const struct td_pg_rows *r,
					 struct td_result *res)
{
	double age, freeze;
	if (pgsql_shape(r, 3, true, res) != TD_OK)
		return TD_E_PROTO;
	if (!pgsql_num(r, 0, 1, &age)) {
		td_result_summary(res, "unexpected answer: XID age is not a number");
		return TD_E_PROTO;
	}
	bool kf = pgsql_num(r, 0, 2, &freeze);
	double pct = 100.0 * age / PGSQL_XID_WRAP;
	struct td_metric *m = pgsql_metric(res, "xid_age", age, NULL, true);
	m->has_max = true;
	m->max = PGSQL_XID_WRAP;
	pgsql_attach(c, m, TD_UNIT_NONE);
	m = pgsql_metric(res, "xid_age_pct", pct, "%", true);
	m->has_max = true;
	m->max = 100;
	pgsql_attach(c, m, TD_UNIT_PERCENT);
	td_result_summary(res,
			  "oldest unfrozen XID is %.0f transactions old in database %s (%.2f%% "
			  "of the way to wraparound)",
			  age, pgsql_text(r, 0, 0), pct);
	if (kf)
		td_result_line(res,
			       "autovacuum forces a freeze at %.0f (autovacuum_freeze_max_age)",
			       freeze);
	return TD_OK;
}

/*
 * The -q value, with monitoring-plugins' check_pgsql's states: no row or no
 * column is WARNING, NULL or a value that is not a number CRITICAL.
 */
static void pgsql_eval_query(const struct pgsql_config *c, const struct td_pg_rows *r,
			     struct td_result *res, struct td_buf *summary)
{
	char shown[80], num[TD_NUMBER_MAX];
	if (c->queryname)
		snprintf(shown, sizeof shown, "%s", c->queryname);
	else
		snprintf(shown, sizeof shown, "'%.60s%s'", c->query,
			 strlen(c->query) > 60 ? "..." : "");
	if (!r->tuples) { /* a command such as SET: the peer's "Error with query" */
		td_result_raise(res, TD_STATE_CRITICAL);
		td_buf_printf(summary, "; query %s returned no result set", shown);
		return;
	}
	if (r->nrows == 0 || r->ncols == 0) {
		td_result_raise(res, TD_STATE_WARNING);
		td_buf_printf(summary, "; query %s returned %s", shown,
			      r->ncols ? "no rows" : "no columns");
		return;
	}
	const char *cell = td_pg_cell(r, 0, 0);
	double v;
	if (!cell || td_pg_parse_number(cell, &v) != TD_OK) {
		td_result_raise(res, TD_STATE_CRITICAL);
		td_buf_printf(summary, "; query %s returned %s%.40s%s, not a number", shown,
			      cell ? "\"" : "NULL", cell ? cell : "", cell ? "\"" : "");
		return;
	}
	struct td_metric *m = td_result_metric(res, "query", v, NULL);
	m->warn = c->qwarn;
	m->crit = c->qcrit;
	td_buf_printf(summary, "; query %s returned %s", shown, td_fmt_number(v, num, sizeof num));
}

/* ---- fetch ---- */

static const char pgsql_sql_connections[] =
	"SELECT count(*) FILTER (WHERE backend_type = 'client backend'),"
	" count(*) FILTER (WHERE backend_type = 'client backend' AND state = 'active'),"
	" count(*) FILTER (WHERE backend_type = 'client backend' AND state = 'idle'),"
	" count(*) FILTER (WHERE backend_type = 'client backend'"
	"   AND state LIKE 'idle in transaction%'),"
	" current_setting('max_connections')::int,"
	" current_setting('superuser_reserved_connections')::int"
	" FROM pg_stat_activity WHERE pid <> pg_backend_pid()";

/* On a standby with nothing left to replay the lag is 0, however long the primary was idle. */
static const char pgsql_sql_replication[] =
	"SELECT CASE WHEN pg_is_in_recovery() THEN 'standby' ELSE 'primary' END, NULL::text,"
	" CASE WHEN NOT pg_is_in_recovery() THEN NULL"
	"  WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
	"  ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END::float8,"
	" pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())::float8,"
	" (SELECT coalesce(status, 'hidden') FROM pg_stat_wal_receiver LIMIT 1)"
	" UNION ALL "
	"SELECT 'replica', coalesce(nullif(application_name, ''), host(client_addr), pid::text),"
	" extract(epoch FROM replay_lag)::float8,"
	" pg_wal_lsn_diff(CASE WHEN pg_is_in_recovery() THEN pg_last_wal_receive_lsn()"
	"  ELSE pg_current_wal_lsn() END, replay_lsn)::float8, state"
	" FROM pg_stat_replication";

static const char pgsql_sql_size[] =
	"SELECT current_database(), pg_database_size(current_database())::float8";

static const char pgsql_sql_oldest_xact[] =
	"SELECT 'xact', extract(epoch FROM now() - xact_start)::float8, pid::text,"
	" coalesce(usename::text, ''), coalesce(state, '')"
	" FROM pg_stat_activity WHERE xact_start IS NOT NULL AND pid <> pg_backend_pid()"
	" UNION ALL "
	"SELECT 'prepared', extract(epoch FROM now() - prepared)::float8, gid, owner::text,"
	" 'prepared'"
	" FROM pg_prepared_xacts ORDER BY 2 DESC LIMIT 1";

/* pg_locks.waitstart is PostgreSQL 14's; before, the wait is counted from the state change. */
static const char pgsql_sql_locks_14[] =
	"SELECT a.pid::text, coalesce(a.usename::text, ''),"
	" extract(epoch FROM now() - l.waitstart)::float8,"
	" array_to_string(pg_blocking_pids(a.pid), ','),"
	" left(regexp_replace(coalesce(a.query, ''), '\\s+', ' ', 'g'), 80)"
	" FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
	" WHERE NOT l.granted AND a.pid <> pg_backend_pid() ORDER BY 3 DESC NULLS LAST";
static const char pgsql_sql_locks_10[] =
	"SELECT a.pid::text, coalesce(a.usename::text, ''),"
	" extract(epoch FROM now() - a.state_change)::float8,"
	" array_to_string(pg_blocking_pids(a.pid), ','),"
	" left(regexp_replace(coalesce(a.query, ''), '\\s+', ' ', 'g'), 80)"
	" FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
	" WHERE NOT l.granted AND a.pid <> pg_backend_pid() ORDER BY 3 DESC NULLS LAST";

static const char pgsql_sql_cache_hit[] =
	"SELECT blks_hit::float8, blks_read::float8 FROM pg_stat_database"
	" WHERE datname = current_database()";

static const char pgsql_sql_wraparound[] = "SELECT datname::text, age(datfrozenxid)::float8,"
					   " current_setting('autovacuum_freeze_max_age')::float8"
					   " FROM pg_database ORDER BY 2 DESC LIMIT 1";

typedef enum td_err (*pgsql_eval_fn)(const struct pgsql_config *, const struct td_pg_rows *,
				     struct td_result *);

/* The mode's statement and evaluator; NULL for connection, which needs no query. */
static const char *pgsql_mode_sql(enum pgsql_mode mode, int server_version, pgsql_eval_fn *eval)
{
	switch (mode) {
	case PGSQL_CONNECTION: *eval = NULL; return NULL;
	case PGSQL_CONNECTIONS: *eval = pgsql_eval_connections; return pgsql_sql_connections;
	case PGSQL_REPLICATION: *eval = pgsql_eval_replication; return pgsql_sql_replication;
	case PGSQL_SIZE: *eval = pgsql_eval_size; return pgsql_sql_size;
	case PGSQL_OLDEST_XACT: *eval = pgsql_eval_oldest_xact; return pgsql_sql_oldest_xact;
	case PGSQL_LOCKS:
		*eval = pgsql_eval_locks;
		return server_version >= 140000 ? pgsql_sql_locks_14 : pgsql_sql_locks_10;
	case PGSQL_CACHE_HIT: *eval = pgsql_eval_cache_hit; return pgsql_sql_cache_hit;
	case PGSQL_WRAPAROUND: *eval = pgsql_eval_wraparound; return pgsql_sql_wraparound;
	}
	*eval = NULL;
	return NULL;
}

/*
 * A failed step: the server unreachable or gone is CRITICAL (as the peer),
 * the deadline gives the timeout state, anything else could not measure.
 */
static enum td_err pgsql_failed(enum td_err rc, const char *err, struct td_result *res)
{
	td_result_summary(res, "%s", err);
	if (rc == TD_E_CONNECT) {
		td_result_raise(res, TD_STATE_CRITICAL);
		return TD_OK;
	}
	return rc;
}

static enum td_err pgsql_run(const void *cfg, const struct td_run_ctx *ctx, struct td_result *res)
{
	const struct pgsql_config *c = cfg;
	struct td_pg *pg = NULL;
	struct td_pg_rows rows;
	struct td_buf summary;
	char err[768], who[512], num[64];
	double secs = 0;
	pgsql_eval_fn eval = NULL;
	enum td_err rc;

	td_buf_init(&summary, 1024);
	memset(&rows, 0, sizeof rows);
	rc = td_pg_connect(&c->conn, &ctx->deadline, &pg, &secs, err, sizeof err);
	if (rc != TD_OK) {
		rc = pgsql_failed(rc, err, res);
		goto out;
	}
	struct td_metric *m = pgsql_metric(res, "time", secs, "s", true);
	if (c->mode == PGSQL_CONNECTION)
		pgsql_attach(c, m, TD_UNIT_TIME);
	td_pg_describe(pg, who, sizeof who);
	if (ctx->verbose)
		td_result_line(res, "connected to %s in %s, server %s", who,
			       pgsql_fmt_secs(secs, num, sizeof num), td_pg_server_version(pg));

	const char *sql = pgsql_mode_sql(c->mode, td_pg_server_version_num(pg), &eval);
	if (sql || c->query)
		td_pg_begin_read_only(pg);
	if (!sql) {
		/* "15.4", not "15.4 (Debian 15.4-1.pgdg120+1)": the status line is short */
		const char *version = td_pg_server_version(pg);
		td_buf_printf(&summary, "connected to %s in %s (server %.*s)", who,
			      pgsql_fmt_secs(secs, num, sizeof num), (int)strcspn(version, " "),
			      version);
	} else {
		rc = td_pg_query(pg, sql, PGSQL_ROWS_MAX, &ctx->deadline, &rows, err, sizeof err);
		if (rc != TD_OK) {
			rc = pgsql_failed(rc, err, res);
			goto out;
		}
		rc = eval(c, &rows, res);
		td_pg_rows_cleanup(&rows);
		if (rc != TD_OK)
			goto out;
		td_buf_puts(&summary, td_buf_str(&res->summary));
	}
	if (c->query) {
		rc = td_pg_query(pg, c->query, 1, &ctx->deadline, &rows, err, sizeof err);
		if (rc == TD_E_PROTO) {
			/* the peer's answer to a query that fails */
			td_result_raise(res, TD_STATE_CRITICAL);
			td_buf_printf(&summary, "; %s", err);
			rc = TD_OK;
		} else if (rc != TD_OK) {
			rc = pgsql_failed(rc, err, res);
			goto out;
		} else {
			pgsql_eval_query(c, &rows, res, &summary);
		}
	}
	td_result_summary(res, "%s", td_buf_str(&summary));
out:
	td_pg_rows_cleanup(&rows);
	td_pg_close(pg);
	td_buf_cleanup(&summary);
	return rc;
}

const struct td_probe td_probe_pgsql = {
	.name = "pgsql",
	.label = "PGSQL",
	.purpose =
		"check a PostgreSQL server: connection time, connections, replication lag, size, "
		"old transactions, lock waits, cache hits, XID wraparound",
	.help_tail =
		"Modes (-w/-c apply to the value named; perfdata always starts with the\n"
		"connection time, time=...s):\n"
		"  connection    time to connect and log in (default; -w 2 -c 8 seconds unless\n"
		"                given). With -q, the query's value against -W/-C as well.\n"
		"  connections   client connections against max_connections less the slots\n"
		"                reserved for superusers: a bare number is a count, N% a share.\n"
		"  replication   on a standby: replay lag in seconds (caught up is 0 however idle\n"
		"                the primary) and bytes received but not replayed; on a primary:\n"
		"                each replica's lag in bytes (NAME_lag_bytes) and seconds\n"
		"                (NAME_lag). Bare numbers are seconds; 16MB is bytes. A primary\n"
		"                without replicas is OK unless --min-replicas says otherwise; a\n"
		"                standby that is not streaming is WARNING.\n"
		"  size          the database's size; bare numbers are bytes (or 10GB).\n"
		"  oldest-xact   age of the oldest open transaction (prepared ones included),\n"
		"                in seconds (or 5m, 1h).\n"
		"  locks         backends waiting on a lock: a bare number is their count, a time\n"
		"                (30s) the longest wait. The longest waiters are listed.\n"
		"  cache-hit     share of block reads served from shared buffers since the\n"
		"                statistics were reset; a bare -w 95 alerts BELOW 95%.\n"
		"  wraparound    age of the oldest unfrozen transaction ID of any database: a\n"
		"                bare number is the age, N% the share of the 2^31 limit.\n"
		"\n"
		"Every query (and -q, which must be one statement) runs in a READ ONLY\n"
		"transaction whose statement_timeout ends with -t; at the timeout a running query\n"
		"is cancelled. -q follows monitoring-plugins' check_pgsql: no rows is WARNING;\n"
		"NULL, a value that is not a number, a command or an error is CRITICAL. An\n"
		"unreachable server or a refused login is CRITICAL. A role with pg_monitor sees\n"
		"every session and the replication details; others see only their own sessions\n"
		"in connections, oldest-xact and locks.\n"
		"Unless -d, --conninfo, --service, PGDATABASE or PGSERVICE names one, the\n"
		"database is template1, as monitoring-plugins' check_pgsql.\n"
		"\n"
		"Examples:\n"
		"  check_pgsql -H db1 -l nagios -w 0.5 -c 2\n"
		"  check_pgsql --service=db1 -M connections -w 80% -c 95%\n"
		"  check_pgsql -H db2 -l nagios -M replication -w 30s -c 5m\n"
		"  check_pgsql -H db1 -l nagios -M replication -w 16MB -c 1GB --min-replicas=1\n"
		"  check_pgsql --conninfo='postgresql://nagios@db1/shop' -M size -w 50GB -c 80GB\n"
		"  check_pgsql -H db1 -d shop -q 'SELECT count(*) FROM queue' -W 100 -C 1000\n",
	.options = pgsql_options,
	.config_new = pgsql_config_new,
	.config_free = pgsql_config_free,
	.option = pgsql_option,
	.finish = pgsql_finish,
	.run = pgsql_run,
};

/*
 * sql.c - check_sql: business numbers from a PostgreSQL query.
 *
 * The query's result becomes metrics:
 *   one row, one column       one value: `SELECT count(*) AS orders_last_hour ...`
 *   rows of (label, value)    one metric per row, each checked against -w/-c:
 *                             `SELECT payment_method, count(*) ... GROUP BY 1`
 * and every odd shape gets a message that says what came back and a state
 * the user can choose where choosing makes sense: NULL (--null,
 * --null-value: a sum over no rows is NULL and often means 0), no rows
 * (--empty), more columns than two (--ignore-extra-columns). A value that is
 * not a number, or a result that is not a table, is UNKNOWN: the check is
 * wrong, not the business.
 *
 * The query runs in a READ ONLY transaction with a statement_timeout that
 * ends with the check's deadline, sent with the extended protocol, which
 * takes one statement only (pg_conn.c): a business check cannot change data
 * or run forever. Read-only does not stop side effects outside the data
 * (pg_terminate_backend, dblink): give the check a role that may only read.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tandem/pg.h"
#include "tandem/probe.h"

enum {
	OPT_QUERY = 1,
	OPT_LABEL,
	OPT_UOM,
	OPT_WARN,
	OPT_CRIT,
	OPT_NULL,
	OPT_NULL_VALUE,
	OPT_EMPTY,
	OPT_EXTRA_COLUMNS,
	OPT_MAX_ROWS,
};

#define SQL_MAX_ROWS_DEFAULT 100
#define SQL_MAX_ROWS_LIMIT   1000
/* Values named in the status line before it says "..." */
#define SQL_SUMMARY_ROOM 300

struct sql_config {
	struct td_pg_params conn;
	char *query;
	char *label; /* one value: its label; rows: a prefix for each row's label */
	char uom[TD_UOM_MAX];
	struct td_range warn, crit;
	enum td_state null_state, empty_state;
	bool null_value_set;
	double null_value;
	bool ignore_extra_columns;
	unsigned long long max_rows;
};

static const struct td_option sql_options[] = {
	TD_PG_CONN_OPTIONS,
	{ 'q', "query", TD_ARG_REQUIRED, "SQL",
	  "The query: one statement, returning one value, or rows of label and value. It runs "
	  "read-only.",
	  OPT_QUERY },
	{ 0, "label", TD_ARG_REQUIRED, "NAME",
	  "Label of the one value (default: the column's name), or a prefix for each row's label "
	  "(NAME_label).",
	  OPT_LABEL },
	{ 0, "uom", TD_ARG_REQUIRED, "UOM",
	  "Unit of the values in perfdata: s, ms, us, %, B, KB, MB, TB or c (default: none).",
	  OPT_UOM },
	{ 'w', "warning", TD_ARG_REQUIRED, "RANGE", "Warning range for every value.", OPT_WARN },
	{ 'c', "critical", TD_ARG_REQUIRED, "RANGE", "Critical range for every value.", OPT_CRIT },
	{ 0, "null", TD_ARG_REQUIRED, "STATE",
	  "State when a value is NULL: ok, warning, critical or unknown (default unknown).",
	  OPT_NULL },
	{ 0, "null-value", TD_ARG_REQUIRED, "NUMBER",
	  "Read a NULL value as NUMBER instead (e.g. 0 for a sum over no rows).", OPT_NULL_VALUE },
	{ 0, "empty", TD_ARG_REQUIRED, "STATE",
	  "State when the query returns no rows (default unknown).", OPT_EMPTY },
	{ 0, "ignore-extra-columns", TD_ARG_NONE, NULL,
	  "Use the first two columns (label, value) and ignore the others, instead of UNKNOWN.",
	  OPT_EXTRA_COLUMNS },
	{ 0, "max-rows", TD_ARG_REQUIRED, "N",
	  "At most N rows (default 100, at most 1000); more is UNKNOWN.", OPT_MAX_ROWS },
	TD_OPTION_END,
};

static void *sql_config_new(void)
{
	struct sql_config *c = td_xcalloc(1, sizeof *c);
	td_pg_params_init(&c->conn);
	c->null_state = TD_STATE_UNKNOWN;
	c->empty_state = TD_STATE_UNKNOWN;
	c->max_rows = SQL_MAX_ROWS_DEFAULT;
	return c;
}

static void sql_config_free(void *cfg)
{
	struct sql_config *c = cfg;
	if (!c)
		return;
	td_pg_params_cleanup(&c->conn);
	free(c->query);
	free(c->label);
	free(c);
}

/* The guidelines' units of measure; tandem adds none. */
static bool sql_uom_ok(const char *u)
{
	static const char *const uoms[] = { "", "s", "ms", "us", "%", "B", "KB", "MB", "TB", "c" };
	for (size_t i = 0; i < sizeof uoms / sizeof uoms[0]; i++)
		if (!strcmp(u, uoms[i]))
			return true;
	return false;
}

/* A state by name only: "0" here would read as a number someone meant for --null-value. */
static enum td_err sql_state_arg(const char *opt, const char *arg, enum td_state *out, char *err,
				 size_t errlen)
{
	if (strspn(arg, "0123456789") == strlen(arg) || td_state_parse(arg, out) != TD_OK)
		return td_errf(TD_E_USAGE, err, errlen,
			       "%s: \"%s\" is not a state (ok, warning, critical, unknown)", opt,
			       arg);
	return TD_OK;
}

static enum td_err sql_option(void *cfg, int id, const char *arg, char *err, size_t errlen)
{
	struct sql_config *c = cfg;
	char why[200];
	if (TD_PG_IS_CONN_OPTION(id))
		return td_pg_params_option(&c->conn, id, arg, err, errlen);
	switch (id) {
	case OPT_QUERY:
		if (!arg[strspn(arg, " \t\r\n;")])
			return td_errf(TD_E_USAGE, err, errlen, "-q: empty query");
		free(c->query);
		c->query = td_xstrdup(arg);
		return TD_OK;
	case OPT_LABEL:
		if (!*arg)
			return td_errf(TD_E_USAGE, err, errlen, "--label: empty label");
		free(c->label);
		c->label = td_xstrdup(arg);
		return TD_OK;
	case OPT_UOM:
		if (!sql_uom_ok(arg))
			return td_errf(
				TD_E_USAGE, err, errlen,
				"--uom: \"%s\" is not one of s, ms, us, %%, B, KB, MB, TB, c", arg);
		snprintf(c->uom, sizeof c->uom, "%s", arg);
		return TD_OK;
	case OPT_WARN:
	case OPT_CRIT:
		if (td_range_parse(arg, 0, id == OPT_WARN ? &c->warn : &c->crit, why, sizeof why) !=
		    TD_OK)
			return td_errf(TD_E_USAGE, err, errlen, "%s: %s",
				       id == OPT_WARN ? "-w" : "-c", why);
		return TD_OK;
	case OPT_NULL: return sql_state_arg("--null", arg, &c->null_state, err, errlen);
	case OPT_EMPTY: return sql_state_arg("--empty", arg, &c->empty_state, err, errlen);
	case OPT_NULL_VALUE:
		if (td_parse_number(arg, NULL, &c->null_value) != TD_OK)
			return td_errf(TD_E_USAGE, err, errlen,
				       "--null-value: \"%s\" is not a number", arg);
		c->null_value_set = true;
		return TD_OK;
	case OPT_EXTRA_COLUMNS: c->ignore_extra_columns = true; return TD_OK;
	case OPT_MAX_ROWS:
		if (td_parse_uint(arg, 1, SQL_MAX_ROWS_LIMIT, &c->max_rows) != TD_OK)
			return td_errf(TD_E_USAGE, err, errlen,
				       "--max-rows: \"%s\" is not a number from 1 to %d", arg,
				       SQL_MAX_ROWS_LIMIT);
		return TD_OK;
	}
	return td_errf(TD_E_USAGE, err, errlen, "unexpected argument \"%s\"", arg ? arg : "");
}

static enum td_err sql_finish(void *cfg, const struct td_common *common, char *err, size_t errlen)
{
	struct sql_config *c = cfg;
	(void)common;
	if (!c->query)
		return td_errf(TD_E_USAGE, err, errlen, "a query is required (-q SQL)");
	td_pg_params_finish(&c->conn, "check_sql", NULL);
	return TD_OK;
}

/* ---- evaluate ---- */

/*
 * The state of a failed query, from its SQLSTATE class: a query that cannot
 * work (syntax, privileges, a write refused as read-only, bad data in a
 * cast) means the check is wrong: UNKNOWN. Anything else (resources, the
 * server shutting down, corruption, a RAISE in a function) is the server's
 * trouble: CRITICAL.
 */
static enum td_state sql_error_state(const char *sqlstate)
{
	static const char *const check_wrong[] = { "0A", "0L", "0P", "21", "22", "25",
						   "26", "2F", "34", "38", "39", "42" };
	for (size_t i = 0; i < sizeof check_wrong / sizeof check_wrong[0]; i++)
		if (!strncmp(sqlstate, check_wrong[i], 2))
			return TD_STATE_UNKNOWN;
	return TD_STATE_CRITICAL;
}

/* What the user should know beyond the server's words. */
static const char *sql_error_hint(const char *sqlstate)
{
	if (!strcmp(sqlstate, "25006"))
		return " - check_sql runs every query read-only";
	if (!strcmp(sqlstate, "42601"))
		return " - check_sql runs exactly one statement";
	return "";
}

/* "42", "1.5 s", "12 B": a value for the status line. */
static void sql_put_value(struct td_buf *b, double v, bool known, const char *uom)
{
	char num[TD_NUMBER_MAX];
	if (!known) {
		td_buf_puts(b, "NULL");
		return;
	}
	td_buf_puts(b, td_fmt_number(v, num, sizeof num));
	if (*uom)
		td_buf_printf(b, "%s%s", strcmp(uom, "%") ? " " : "", uom);
}

/*
 * A value cell: NULL follows --null-value or --null (the metric is then
 * unknown); anything that is not a number is UNKNOWN. Returns false when
 * the value is not known; *why says why.
 */
static bool sql_value(const struct sql_config *c, const char *cell, double *v,
		      struct td_result *res, const char **why)
{
	*why = NULL;
	if (!cell) {
		if (c->null_value_set) {
			*v = c->null_value;
			return true;
		}
		td_result_raise(res, c->null_state);
		*why = "is NULL";
		return false;
	}
	if (td_pg_parse_number(cell, v) != TD_OK) {
		td_result_raise(res, TD_STATE_UNKNOWN);
		*why = "is not a number";
		return false;
	}
	return true;
}

static struct td_metric *sql_metric(const struct sql_config *c, struct td_result *res,
				    const char *label, double v, bool known)
{
	struct td_metric *m = td_result_metric(res, label, known ? v : 0, c->uom);
	m->known = known;
	m->warn = c->warn;
	m->crit = c->crit;
	return m;
}

/* One row of one column: one value. */
static void sql_eval_one(const struct sql_config *c, const struct td_pg_rows *r,
			 struct td_result *res)
{
	const char *col = r->names ? r->names[0] : "";
	/* An unnamed expression is "?column?" (or the function's name): not a label to graph. */
	const char *label = c->label ? c->label : *col && strcmp(col, "?column?") ? col : "value";
	const char *cell = td_pg_cell(r, 0, 0), *why;
	double v = 0;
	bool known = sql_value(c, cell, &v, res, &why);
	sql_metric(c, res, label, v, known);
	struct td_buf s;
	td_buf_init(&s, 512);
	td_buf_printf(&s, "%s = ", label);
	if (known)
		sql_put_value(&s, v, true, c->uom);
	else if (cell)
		td_buf_printf(&s, "\"%.60s\", not a number", cell);
	else
		td_buf_puts(&s, "NULL");
	td_result_summary(res, "%s", td_buf_str(&s));
	td_buf_cleanup(&s);
}

/* Rows of label, value: one metric each. */
static void sql_eval_rows(const struct sql_config *c, const struct td_pg_rows *r,
			  struct td_result *res)
{
	struct td_buf alerts, all, label;
	size_t n_alert = 0;
	td_buf_init(&alerts, 4096);
	td_buf_init(&all, 4096);
	td_buf_init(&label, 512);
	for (size_t i = 0; i < r->nrows; i++) {
		const char *name = td_pg_cell(r, i, 0), *cell = td_pg_cell(r, i, 1), *why;
		td_buf_reset(&label);
		if (c->label)
			td_buf_printf(&label, "%s_", c->label);
		td_buf_puts(&label, name ? name : "NULL");
		for (size_t j = 0; j < i; j++) {
			const char *other = td_pg_cell(r, j, 0);
			if ((!name && !other) || (name && other && !strcmp(name, other))) {
				td_result_raise(res, TD_STATE_UNKNOWN);
				td_result_summary(res,
						  "label \"%.100s\" appears in more than one row",
						  name ? name : "NULL");
				goto out;
			}
		}
		double v = 0;
		bool known = sql_value(c, cell, &v, res, &why);
		const struct td_metric *m = sql_metric(c, res, td_buf_str(&label), v, known);
		enum td_state st = td_metric_state(m);
		struct td_buf *into = &all;
		if (!known || st != TD_STATE_OK) {
			into = &alerts;
			n_alert++;
		}
		td_buf_printf(into, "%s%s=", into->len ? ", " : "", td_buf_str(&label));
		if (known)
			sql_put_value(into, v, true, c->uom);
		else if (cell)
			td_buf_printf(into, "\"%.40s\" (not a number)", cell);
		else
			td_buf_puts(into, "NULL");
		if (known && st != TD_STATE_OK)
			td_buf_printf(into, " (%s)", td_state_name(st));
		if (!known)
			td_result_line(res, "%s %s", td_buf_str(&label), why);
	}
	/* What is wrong first; the status line is all a pager shows. */
	char head[64];
	if (n_alert)
		snprintf(head, sizeof head, "%zu of %zu values need attention: ", n_alert,
			 r->nrows);
	else
		snprintf(head, sizeof head, "%zu value%s: ", r->nrows, r->nrows == 1 ? "" : "s");
	struct td_buf s;
	td_buf_init(&s, SQL_SUMMARY_ROOM + 64);
	td_buf_puts(&s, head);
	td_buf_puts(&s, td_buf_str(&alerts));
	if (alerts.len && all.len)
		td_buf_puts(&s, "; ");
	td_buf_puts(&s, td_buf_str(&all));
	if (s.len > SQL_SUMMARY_ROOM) {
		s.len = SQL_SUMMARY_ROOM;
		s.data[s.len] = '\0';
		td_buf_puts(&s, "...");
	}
	td_result_summary(res, "%s", td_buf_str(&s));
	td_buf_cleanup(&s);
out:
	td_buf_cleanup(&alerts);
	td_buf_cleanup(&all);
	td_buf_cleanup(&label);
}

/* Turns the query's result into metrics and states; pure. */
static void sql_evaluate(const struct sql_config *c, const struct td_pg_rows *r,
			 struct td_result *res)
{
	if (!r->tuples) {
		td_result_raise(res, TD_STATE_UNKNOWN);
		td_result_summary(res,
				  "the query returned no result set (a command, not a SELECT)");
		return;
	}
	if (r->ncols == 0) {
		td_result_raise(res, TD_STATE_UNKNOWN);
		td_result_summary(res, "the query returned no columns");
		return;
	}
	if (r->ncols > 2 && !c->ignore_extra_columns) {
		td_result_raise(res, TD_STATE_UNKNOWN);
		td_result_summary(
			res,
			"the query returned %zu columns: expected 1 (a value) or 2 (label, "
			"value); --ignore-extra-columns uses the first two",
			r->ncols);
		return;
	}
	if (r->total == 0) {
		td_result_raise(res, c->empty_state);
		td_result_summary(res, "the query returned no rows");
		return;
	}
	if (r->total > c->max_rows) {
		td_result_raise(res, TD_STATE_UNKNOWN);
		td_result_summary(res, "the query returned %zu rows, more than %llu (--max-rows)",
				  r->total, c->max_rows);
		return;
	}
	if (r->ncols == 1) {
		if (r->total > 1) {
			td_result_raise(res, TD_STATE_UNKNOWN);
			td_result_summary(
				res,
				"the query returned %zu rows of one column: return one value, "
				"or rows of label, value",
				r->total);
			return;
		}
		sql_eval_one(c, r, res);
		return;
	}
	sql_eval_rows(c, r, res);
}

/* ---- fetch ---- */

static enum td_err sql_run(const void *cfg, const struct td_run_ctx *ctx, struct td_result *res)
{
	const struct sql_config *c = cfg;
	struct td_pg *pg = NULL;
	struct td_pg_rows rows;
	char err[768], who[512];
	double secs = 0;
	enum td_err rc;

	memset(&rows, 0, sizeof rows);
	rc = td_pg_connect(&c->conn, &ctx->deadline, &pg, &secs, err, sizeof err);
	if (rc == TD_OK && ctx->verbose) {
		td_pg_describe(pg, who, sizeof who);
		td_result_line(res, "connected to %s in %.3f s, server %s", who, secs,
			       td_pg_server_version(pg));
	}
	if (rc == TD_OK)
		td_pg_begin_read_only(pg);
	/* Rows past --max-rows are counted as they arrive, not kept. */
	if (rc == TD_OK)
		rc = td_pg_query(pg, c->query, (size_t)c->max_rows, &ctx->deadline, &rows, err,
				 sizeof err);
	switch (rc) {
	case TD_OK: sql_evaluate(c, &rows, res); break;
	case TD_E_PROTO:
		td_result_raise(res, sql_error_state(td_pg_sqlstate(pg)));
		td_result_summary(res, "%s%s", err, sql_error_hint(td_pg_sqlstate(pg)));
		rc = TD_OK;
		break;
	case TD_E_CONNECT: /* unreachable, login refused, or the connection lost */
		td_result_raise(res, TD_STATE_CRITICAL);
		td_result_summary(res, "%s", err);
		rc = TD_OK;
		break;
	default: td_result_summary(res, "%s", err); break;
	}
	td_pg_rows_cleanup(&rows);
	td_pg_close(pg);
	return rc;
}

const struct td_probe td_probe_sql = {
	.name = "sql",
	.label = "SQL",
	.purpose = "turn the result of a PostgreSQL query into checked metrics",
	.help_tail =
		"Result shapes:\n"
		"  one row, one column      one value, labelled --label or the column's name\n"
		"  rows of (label, value)   one metric per row, each checked against -w/-c;\n"
		"                           --label NAME makes the labels NAME_<label>\n"
		"Values are numbers as PostgreSQL prints them (integers, numeric, float).\n"
		"A NULL value is UNKNOWN unless --null or --null-value say otherwise; no rows is\n"
		"UNKNOWN unless --empty says otherwise; a value that is not a number, more than\n"
		"two columns (unless --ignore-extra-columns), more rows than --max-rows, a\n"
		"duplicate label or a statement that returns no table are UNKNOWN. A query\n"
		"error is UNKNOWN when the check is at fault (syntax, privileges, a write, bad\n"
		"data), CRITICAL when the server is (resources, shutdown, a RAISE in a\n"
		"function); an unreachable server or a refused login is CRITICAL.\n"
		"\n"
		"The query runs in a READ ONLY transaction, alone (one statement: a second one\n"
		"after `;` is refused), with a statement_timeout that ends with -t, so it can\n"
		"neither write nor run on after the check. Side effects outside the tables\n"
		"(pg_terminate_backend, dblink) are not stopped by read-only: connect as a role\n"
		"that may only read.\n"
		"\n"
		"Examples:\n"
		"  check_sql --service=shop -q \"SELECT count(*) AS orders_last_hour FROM orders\n"
		"      WHERE created_at > now() - interval '1 hour'\" -w 10: -c 1:\n"
		"  check_sql -H db1 -d shop -l report -q \"SELECT payment_method, count(*) FROM\n"
		"      orders WHERE created_at > now() - interval '1 hour' GROUP BY 1\" -c 1:\n"
		"  check_sql -H db1 -d shop -q \"SELECT sum(amount) AS revenue FROM orders WHERE\n"
		"      created_at > current_date\" --null-value=0 -w 1000:\n",
	.options = sql_options,
	.config_new = sql_config_new,
	.config_free = sql_config_free,
	.option = sql_option,
	.finish = sql_finish,
	.run = sql_run,
};

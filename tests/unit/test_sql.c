/*
 * test_sql.c - check_sql's options and how it turns a result into metrics
 * and states: one value, label/value rows, and every odd shape (NULL, no
 * rows, not a number, too many columns or rows, duplicate labels), with
 * rows made by hand. Against a real server: tests/integration/check_sql.test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../plugins/probes/sql.c"

#define END NULL

static struct sql_config *parse(enum td_err *rc, char *err, size_t errlen, const char *const *args)
{
	char *argv[32] = { "check_sql" };
	int argc = 1;
	for (; args[argc - 1]; argc++)
		argv[argc] = (char *)args[argc - 1];
	struct td_common common;
	void *cfg = NULL;
	*rc = td_probe_parse(&td_probe_sql, argc, argv, "check_sql", &common, &cfg, err, errlen);
	return cfg;
}

static void test_options(void **state)
{
	(void)state;
	static const struct {
		const char *args[10];
		enum td_err rc;
		const char *err;
	} cases[] = {
		{ { "-q", "SELECT 1", END }, TD_OK, NULL },
		{ { END }, TD_E_USAGE, "a query is required" },
		{ { "-q", "", END }, TD_E_USAGE, "-q: empty" },
		{ { "-q", "\n;\t", END }, TD_E_USAGE, "-q: empty" },
		{ { "-q", "x", "--uom", "s", END }, TD_OK, NULL },
		{ { "-q", "x", "--uom", "%", END }, TD_OK, NULL },
		{ { "-q", "x", "--uom", "c", END }, TD_OK, NULL },
		{ { "-q", "x", "--uom", "GB", END }, TD_E_USAGE, "--uom: \"GB\" is not one of" },
		{ { "-q", "x", "--uom", "seconds", END }, TD_E_USAGE, "--uom: " },
		{ { "-q", "x", "--label", "", END }, TD_E_USAGE, "--label: empty" },
		{ { "-q", "x", "-w", "10:", "-c", "@0:5", END }, TD_OK, NULL },
		{ { "-q", "x", "-w", "10s", END }, TD_E_USAGE, "-w: " },
		{ { "-q", "x", "-c", "", END }, TD_E_USAGE, "-c: " },
		{ { "-q", "x", "--null", "critical", END }, TD_OK, NULL },
		{ { "-q", "x", "--null", "OK", END }, TD_OK, NULL },
		{ { "-q", "x", "--null", "0", END }, TD_E_USAGE, "--null: \"0\" is not a state" },
		{ { "-q", "x", "--null", "bad", END }, TD_E_USAGE, "--null: " },
		{ { "-q", "x", "--null-value", "0", END }, TD_OK, NULL },
		{ { "-q", "x", "--null-value", "-1.5", END }, TD_OK, NULL },
		{ { "-q", "x", "--null-value", "zero", END }, TD_E_USAGE, "--null-value: " },
		{ { "-q", "x", "--empty", "warning", END }, TD_OK, NULL },
		{ { "-q", "x", "--empty", "2", END }, TD_E_USAGE, "--empty: " },
		{ { "-q", "x", "--max-rows", "1", END }, TD_OK, NULL },
		{ { "-q", "x", "--max-rows", "1000", END }, TD_OK, NULL },
		{ { "-q", "x", "--max-rows", "0", END }, TD_E_USAGE, "--max-rows: " },
		{ { "-q", "x", "--max-rows", "1001", END }, TD_E_USAGE, "--max-rows: " },
		{ { "-q", "x", "--ignore-extra-columns", END }, TD_OK, NULL },
		{ { "-q", "x", "--conninfo", "postgresql://u@h/db", "-p", "secret", END }, TD_OK,
		  NULL },
		{ { "-q", "x", "-o", "bogus", END }, TD_E_USAGE, "-o: " },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char err[256] = "";
		enum td_err rc;
		struct sql_config *c = parse(&rc, err, sizeof err, cases[i].args);
		if (rc != cases[i].rc)
			fail_msg("case %zu: rc %d (%s), wanted %d", i, rc, err, cases[i].rc);
		if (cases[i].err && strncmp(err, cases[i].err, strlen(cases[i].err)))
			fail_msg("case %zu: \"%s\" does not start with \"%s\"", i, err,
				 cases[i].err);
		sql_config_free(c);
	}
	/* check_sql leaves the database to libpq (template1 is check_pgsql's, for the peer) */
	char err[256];
	enum td_err rc;
	unsetenv("PGDATABASE");
	struct sql_config *c = parse(&rc, err, sizeof err, (const char *[]){ "-q", "x", END });
	assert_null(c->conn.default_dbname);
	sql_config_free(c);
}

static struct td_pg_rows rows_of(size_t ncols, size_t nrows, const char *const *names,
				 const char *const *cells)
{
	struct td_pg_rows r = { .tuples = true, .ncols = ncols, .nrows = nrows, .total = nrows };
	r.cells = td_xcalloc(ncols * nrows + 1, sizeof *r.cells);
	for (size_t i = 0; i < ncols * nrows; i++)
		r.cells[i] = cells[i] ? td_xstrdup(cells[i]) : NULL;
	r.names = td_xcalloc(ncols + 1, sizeof *r.names);
	for (size_t i = 0; i < ncols; i++)
		r.names[i] = td_xstrdup(names && names[i] ? names[i] : "?column?");
	return r;
}

struct eval_case {
	const char *args[8];
	size_t ncols, nrows, total; /* total 0: as nrows */
	const char *names[3];
	const char *cells[12];
	enum td_state state;
	const char *summary; /* the whole summary */
	const char *perf;    /* the whole perfdata, NULL: none */
};

static void test_evaluate(void **state)
{
	(void)state;
	static const struct eval_case cases[] = {
		/* one value */
		{ { END }, 1, 1, 0, { "orders" }, { "42" }, TD_STATE_OK, "orders = 42",
		  "orders=42" },
		{ { "-w", "50", "-c", "100", END }, 1, 1, 0, { "orders" }, { "42" }, TD_STATE_OK,
		  "orders = 42", "orders=42;50;100" },
		{ { "-w", "@40:45", END }, 1, 1, 0, { "orders" }, { "42" }, TD_STATE_WARNING, NULL,
		  NULL },
		{ { "-c", "50:", END }, 1, 1, 0, { "orders" }, { "42" }, TD_STATE_CRITICAL, NULL,
		  NULL },
		{ { "--label", "revenue", "--uom", "B", END }, 1, 1, 0, { "sum" }, { "1.5e+20" },
		  TD_STATE_OK, "revenue = 150000000000000000000 B",
		  "revenue=150000000000000000000B" },
		{ { "--uom", "%", END }, 1, 1, 0, { NULL }, { "12.5" }, TD_STATE_OK,
		  "value = 12.5%", "value=12.5%" },
		{ { END }, 1, 1, 0, { "?column?" }, { "-3" }, TD_STATE_OK, "value = -3",
		  "value=-3" },
		/* NULL */
		{ { END }, 1, 1, 0, { "sum" }, { NULL }, TD_STATE_UNKNOWN, "sum = NULL", "sum=U" },
		{ { "--null", "critical", END }, 1, 1, 0, { "sum" }, { NULL }, TD_STATE_CRITICAL,
		  "sum = NULL", NULL },
		{ { "--null", "ok", "-c", "5", END }, 1, 1, 0, { "sum" }, { NULL }, TD_STATE_OK,
		  NULL, "sum=U;;5" },
		{ { "--null-value", "0", "-c", "1:", END }, 1, 1, 0, { "sum" }, { NULL },
		  TD_STATE_CRITICAL, "sum = 0", "sum=0;;1:" },
		/* not a number */
		{ { "--null", "ok", END }, 1, 1, 0, { "v" }, { "abc" }, TD_STATE_UNKNOWN,
		  "v = \"abc\", not a number", "v=U" },
		{ { END }, 1, 1, 0, { "v" }, { "NaN" }, TD_STATE_UNKNOWN, NULL, NULL },
		{ { END }, 1, 1, 0, { "v" }, { "" }, TD_STATE_UNKNOWN, NULL, NULL },
		{ { END }, 1, 1, 0, { "v" }, { "t" }, TD_STATE_UNKNOWN, NULL, NULL },
		/* no rows */
		{ { END }, 1, 0, 0, { "v" }, { NULL }, TD_STATE_UNKNOWN,
		  "the query returned no rows",
		  NULL },
		{ { "--empty", "ok", END }, 2, 0, 0, { "l", "v" }, { NULL }, TD_STATE_OK,
		  "the query returned no rows", NULL },
		{ { "--empty", "critical", END }, 1, 0, 0, { "v" }, { NULL }, TD_STATE_CRITICAL,
		  NULL,
		  NULL },
		/* shapes */
		{ { END }, 1, 3, 0, { "v" }, { "1", "2", "3" }, TD_STATE_UNKNOWN,
		  "the query returned 3 rows of one column: return one value, or rows of label, "
		  "value",
		  NULL },
		{ { END }, 3, 1, 0, { "a", "b", "c" }, { "x", "1", "2" }, TD_STATE_UNKNOWN,
		  "the query returned 3 columns: expected 1 (a value) or 2 (label, value); "
		  "--ignore-extra-columns uses the first two",
		  NULL },
		{ { "--ignore-extra-columns", END }, 3, 2, 0, { "a", "b", "c" },
		  { "x", "1", "junk", "y", "2",
		    "junk" }, TD_STATE_OK, "2 values: x=1, y=2", "x=1 y=2" },
		{ { "--max-rows", "2", END }, 2, 3, 0, { "l", "v" }, { "a", "1", "b", "2", "c",
								       "3" },
		  TD_STATE_UNKNOWN, "the query returned 3 rows, more than 2 (--max-rows)", NULL },
		/* rows beyond the copy were counted */
		{ { "--max-rows", "2", END }, 2, 2, 500, { "l", "v" }, { "a", "1", "b", "2" },
		  TD_STATE_UNKNOWN, "the query returned 500 rows, more than 2 (--max-rows)", NULL },
		/* label, value rows */
		{ { "-w", "4", "-c", "8", END }, 2, 3, 0, { "payment_method", "count" },
		  { "card", "5", "invoice", "1", "paypal", "3" }, TD_STATE_WARNING,
		  "1 of 3 values need attention: card=5 (WARNING); invoice=1, paypal=3",
		  "card=5;4;8 invoice=1;4;8 paypal=3;4;8" },
		{ { "-c", "1:", "--label", "orders", END }, 2, 2, 0, { "m", "n" },
		  { "card", "5", "bank transfer", "0" }, TD_STATE_CRITICAL,
		  "1 of 2 values need attention: orders_bank transfer=0 (CRITICAL); orders_card=5",
		  "orders_card=5;;1: 'orders_bank transfer'=0;;1:" },
		{ { END }, 2, 1, 0, { "l", "v" }, { "only", "7" }, TD_STATE_OK, "1 value: only=7",
		  "only=7" },
		{ { END }, 2, 2, 0, { "l", "v" }, { "a", "1", NULL, "2" }, TD_STATE_OK,
		  "2 values: a=1, NULL=2", "a=1 NULL=2" },
		{ { END }, 2, 2, 0, { "l", "v" }, { "a", NULL, "b", "2" }, TD_STATE_UNKNOWN,
		  "1 of 2 values need attention: a=NULL; b=2", "a=U b=2" },
		{ { "--null-value", "0", END }, 2, 2, 0, { "l", "v" }, { "a", NULL, "b", "2" },
		  TD_STATE_OK, "2 values: a=0, b=2", "a=0 b=2" },
		{ { "--null", "warning", END }, 2, 2, 0, { "l", "v" }, { "a", NULL, "b", "2" },
		  TD_STATE_WARNING, NULL, NULL },
		{ { END }, 2, 2, 0, { "l", "v" }, { "a", "x1", "b", "2" }, TD_STATE_UNKNOWN,
		  "1 of 2 values need attention: a=\"x1\" (not a number); b=2", "a=U b=2" },
		{ { END }, 2, 3, 0, { "l", "v" }, { "a", "1", "b", "2", "a", "3" },
		  TD_STATE_UNKNOWN,
		  "label \"a\" appears in more than one row", NULL },
		{ { END }, 2, 2, 0, { "l", "v" }, { NULL, "1", NULL, "2" }, TD_STATE_UNKNOWN,
		  "label \"NULL\" appears in more than one row", NULL },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct eval_case *k = &cases[i];
		const char *args[12] = { "-q", "SELECT" };
		for (size_t a = 0; k->args[a]; a++)
			args[a + 2] = k->args[a];
		char err[256];
		enum td_err rc;
		struct sql_config *c = parse(&rc, err, sizeof err, args);
		if (rc != TD_OK)
			fail_msg("case %zu: %s", i, err);
		struct td_pg_rows r = rows_of(k->ncols, k->nrows, k->names, k->cells);
		if (k->total)
			r.total = k->total;
		struct td_result res;
		td_result_init(&res);
		sql_evaluate(c, &r, &res);
		enum td_state st = td_result_finish(&res, TD_OK, TD_STATE_CRITICAL);
		struct td_buf out;
		td_buf_init(&out, 0);
		td_result_format(&res, "SQL", &out);
		const char *line = td_buf_str(&out), *bar = strstr(line, " | ");
		char perf[512] = "";
		if (bar)
			snprintf(perf, sizeof perf, "%.*s", (int)strcspn(bar + 3, "\n"), bar + 3);
		if (st != k->state)
			fail_msg("case %zu: %s, wanted %s: %s", i, td_state_name(st),
				 td_state_name(k->state), line);
		if (k->summary && strcmp(td_buf_str(&res.summary), k->summary))
			fail_msg("case %zu: summary\n  \"%s\", wanted\n  \"%s\"", i,
				 td_buf_str(&res.summary), k->summary);
		if (k->perf && strcmp(perf, k->perf))
			fail_msg("case %zu: perfdata \"%s\", wanted \"%s\"", i, perf, k->perf);
		if (!k->perf && k->summary && *perf && st == TD_STATE_UNKNOWN && !res.n_metrics)
			fail_msg("case %zu: unexpected perfdata \"%s\"", i, perf);
		td_buf_cleanup(&out);
		td_result_cleanup(&res);
		td_pg_rows_cleanup(&r);
		sql_config_free(c);
	}
}

static void test_not_a_table(void **state)
{
	(void)state;
	char err[256];
	enum td_err rc;
	struct sql_config *c = parse(&rc, err, sizeof err, (const char *[]){ "-q", "SET x = 1",
									     END });
	struct td_pg_rows r = { .tuples = false };
	struct td_result res;
	td_result_init(&res);
	sql_evaluate(c, &r, &res);
	assert_int_equal(td_result_finish(&res, TD_OK, TD_STATE_CRITICAL), TD_STATE_UNKNOWN);
	assert_string_equal(td_buf_str(&res.summary),
			    "the query returned no result set (a command, not a SELECT)");
	td_result_cleanup(&res);
	r.tuples = true; /* a SELECT with no column: SELECT FROM t */
	td_result_init(&res);
	sql_evaluate(c, &r, &res);
	assert_int_equal(td_result_finish(&res, TD_OK, TD_STATE_CRITICAL), TD_STATE_UNKNOWN);
	assert_string_equal(td_buf_str(&res.summary), "the query returned no columns");
	td_result_cleanup(&res);
	sql_config_free(c);
}

/* A long list is cut in the status line; every metric stays in perfdata. */
static void test_long_summary(void **state)
{
	(void)state;
	char err[256];
	enum td_err rc;
	struct sql_config *c = parse(&rc, err, sizeof err, (const char *[]){ "-q", "x", END });
	const char *cells[200];
	char names[100][32];
	for (size_t i = 0; i < 100; i++) {
		snprintf(names[i], sizeof names[i], "a_rather_long_label_%zu", i);
		cells[2 * i] = names[i];
		cells[2 * i + 1] = "1";
	}
	struct td_pg_rows r = rows_of(2, 100, NULL, cells);
	struct td_result res;
	td_result_init(&res);
	sql_evaluate(c, &r, &res);
	assert_int_equal(td_result_finish(&res, TD_OK, TD_STATE_CRITICAL), TD_STATE_OK);
	assert_int_equal(res.n_metrics, 100);
	assert_true(res.summary.len <= SQL_SUMMARY_ROOM + 3);
	assert_string_equal(td_buf_str(&res.summary) + res.summary.len - 3, "...");
	td_result_cleanup(&res);
	td_pg_rows_cleanup(&r);
	sql_config_free(c);
}

static void test_error_state(void **state)
{
	(void)state;
	static const struct {
		const char *sqlstate;
		enum td_state want;
		const char *hint;
	} cases[] = {
		{ "25006", TD_STATE_UNKNOWN, " - check_sql runs every query read-only" },
		{ "42601", TD_STATE_UNKNOWN, " - check_sql runs exactly one statement" },
		{ "42P01", TD_STATE_UNKNOWN, "" },
		{ "42501", TD_STATE_UNKNOWN, "" }, /* permission denied */
		{ "22012", TD_STATE_UNKNOWN, "" }, /* division by zero */
		{ "0A000", TD_STATE_UNKNOWN, "" }, /* COPY */
		{ "25001", TD_STATE_UNKNOWN, "" }, /* VACUUM inside a transaction */
		{ "P0001", TD_STATE_CRITICAL, "" }, /* RAISE EXCEPTION */
		{ "53100", TD_STATE_CRITICAL, "" }, /* disk full */
		{ "57P01", TD_STATE_CRITICAL, "" }, /* admin shutdown */
		{ "57014", TD_STATE_CRITICAL, "" }, /* cancelled by someone else */
		{ "XX001", TD_STATE_CRITICAL, "" }, /* data corrupted */
		{ "40P01", TD_STATE_CRITICAL, "" }, /* deadlock */
		{ "", TD_STATE_CRITICAL, "" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (sql_error_state(cases[i].sqlstate) != cases[i].want)
			fail_msg("case %zu: %s", i, cases[i].sqlstate);
		assert_string_equal(sql_error_hint(cases[i].sqlstate), cases[i].hint);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_evaluate),
		cmocka_unit_test(test_not_a_table),
		cmocka_unit_test(test_long_summary),
		cmocka_unit_test(test_error_state),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

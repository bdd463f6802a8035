/*
 * test_pgsql.c - check_pgsql's options and its evaluation of each mode's
 * rows, with rows made by hand (the SQL itself runs in tests/integration).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../plugins/probes/pgsql.c"

#define END NULL

/* Parses check_pgsql ARGS... (NULL-terminated); returns the config or NULL with err. */
static struct pgsql_config *parse(enum td_err *rc, char *err, size_t errlen,
				  const char *const *args)
{
	char *argv[32] = { "check_pgsql" };
	int argc = 1;
	for (; args[argc - 1]; argc++)
		argv[argc] = (char *)args[argc - 1];
	struct td_common common;
	void *cfg = NULL;
	*rc = td_probe_parse(&td_probe_pgsql, argc, argv, "check_pgsql", &common, &cfg, err,
			     errlen);
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
		{ { END }, TD_OK, NULL },
		{ { "-H", "127.0.0.1", "-P", "5432", "-d", "shop", "-l", "monitor", END }, TD_OK,
		  NULL },
		{ { "-w", "0.5", "-c", "2", END }, TD_OK, NULL },
		{ { "-w", "500ms", END }, TD_OK, NULL },
		{ { "-w", "abc", END }, TD_E_USAGE, "-w: " },
		{ { "-w", "10GB", END }, TD_E_USAGE, "-w: " },
		{ { "--mode", "bogus", END }, TD_E_USAGE, "--mode: \"bogus\" is not one of" },
		{ { "-M", "connections", "-w", "80%", "-c", "95%", END }, TD_OK, NULL },
		{ { "-M", "connections", "-w", "80", END }, TD_OK, NULL },
		{ { "-M", "connections", "-w", "5s", END }, TD_E_USAGE, "-w: " },
		{ { "-M", "connections", "-c", "101%", END }, TD_E_USAGE,
		  "-c: \"101%\": a percentage" },
		{ { "-M", "replication", "-w", "30s", "-c", "16MB", END }, TD_OK, NULL },
		{ { "-M", "replication", "-w", "10%", END }, TD_E_USAGE, "-w: " },
		{ { "-M", "replication", "--min-replicas", "2", END }, TD_OK, NULL },
		{ { "--min-replicas", "1", END }, TD_E_USAGE, "--min-replicas is for" },
		{ { "-M", "replication", "--min-replicas", "x", END }, TD_E_USAGE,
		  "--min-replicas: " },
		{ { "-M", "size", "-w", "10GB", END }, TD_OK, NULL },
		{ { "-M", "size", "-w", "10s", END }, TD_E_USAGE, "-w: " },
		{ { "-M", "oldest-xact", "-w", "5m", "-c", "1h", END }, TD_OK, NULL },
		{ { "-M", "locks", "-w", "3", "-c", "30s", END }, TD_OK, NULL },
		{ { "-M", "cache-hit", "-w", "95", "-c", "90", END }, TD_OK, NULL },
		{ { "-M", "cache-hit", "-w", "120", END }, TD_E_USAGE, "-w: " },
		{ { "-M", "wraparound", "-w", "50%", "-c", "1000000000", END }, TD_OK, NULL },
		{ { "-q", "SELECT 1", "-W", "1", "-C", "2", "--queryname", "one", END }, TD_OK,
		  NULL },
		{ { "-W", "1", END }, TD_E_USAGE, "-W, -C and --queryname need a query" },
		{ { "--queryname", "x", END }, TD_E_USAGE, "-W, -C" },
		{ { "-q", "", END }, TD_E_USAGE, "-q: empty" },
		{ { "-q", " ; ", END }, TD_E_USAGE, "-q: empty" },
		{ { "-q", "SELECT 1", "-C", "1..2", END }, TD_E_USAGE, "-C: " },
		{ { "-P", "0", END }, TD_E_USAGE, "-P: " },
		{ { "--conninfo", "host='x", END }, TD_E_USAGE, "--conninfo: " },
		{ { "stray", END }, TD_E_USAGE, "unexpected argument" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char err[256] = "";
		enum td_err rc;
		struct pgsql_config *c = parse(&rc, err, sizeof err, cases[i].args);
		if (rc != cases[i].rc)
			fail_msg("case %zu: rc %d (%s), wanted %d", i, rc, err, cases[i].rc);
		if (cases[i].err && strncmp(err, cases[i].err, strlen(cases[i].err)))
			fail_msg("case %zu: \"%s\" does not start with \"%s\"", i, err,
				 cases[i].err);
		pgsql_config_free(c);
	}
}

static void test_threshold_meaning(void **state)
{
	(void)state;
	char err[256];
	enum td_err rc;
	unsetenv("PGDATABASE");
	unsetenv("PGSERVICE");
	/* connection: the peer's defaults, seconds */
	struct pgsql_config *c = parse(&rc, err, sizeof err, (const char *[]){ END });
	assert_int_equal(rc, TD_OK);
	assert_true(c->warn.set && c->crit.set);
	assert_float_equal(c->warn.end, 2, 0);
	assert_float_equal(c->crit.end, 8, 0);
	assert_int_equal(c->warn.kind, TD_UNIT_TIME);
	assert_string_equal(c->conn.default_dbname, "template1");
	pgsql_config_free(c);
	c = parse(&rc, err, sizeof err, (const char *[]){ "-w", "500ms", "-d", "shop", END });
	assert_float_equal(c->warn.end, 0.5, 1e-12);
	assert_float_equal(c->crit.end, 8, 0);
	assert_null(c->conn.default_dbname);
	pgsql_config_free(c);
	/* the mode may come after -w: a bare 1 in size mode is bytes */
	c = parse(&rc, err, sizeof err, (const char *[]){ "-w", "1", "-M", "size", END });
	assert_int_equal(c->warn.kind, TD_UNIT_BYTES);
	assert_false(c->crit.set);
	pgsql_config_free(c);
	/* cache-hit: a bare number alerts below it; a range keeps its meaning */
	c = parse(&rc, err, sizeof err, (const char *[]){ "-M", "cache-hit", "-w", "95", "-c",
							  "~:99", END });
	assert_float_equal(c->warn.start, 95, 0);
	assert_true(isinf(c->warn.end));
	assert_true(isinf(c->crit.start) && c->crit.end == 99);
	pgsql_config_free(c);
	/* connections: bare is a count, % a share */
	c = parse(&rc, err, sizeof err, (const char *[]){ "-M", "connections", "-w", "50", "-c",
							  "90%", END });
	assert_int_equal(c->warn.kind, TD_UNIT_NONE);
	assert_int_equal(c->crit.kind, TD_UNIT_PERCENT);
	pgsql_config_free(c);
}

/* Rows as a query would return them; NULL cells are SQL NULL. */
static struct td_pg_rows rows_of(size_t ncols, size_t nrows, const char *const *cells)
{
	struct td_pg_rows r = { .tuples = true, .ncols = ncols, .nrows = nrows, .total = nrows };
	r.cells = td_xcalloc(ncols * nrows + 1, sizeof *r.cells);
	for (size_t i = 0; i < ncols * nrows; i++)
		r.cells[i] = cells[i] ? td_xstrdup(cells[i]) : NULL;
	r.names = td_xcalloc(ncols + 1, sizeof *r.names);
	for (size_t i = 0; i < ncols; i++)
		r.names[i] = td_xasprintf("c%zu", i + 1);
	return r;
}

struct eval_case {
	const char *args[8];
	size_t ncols, nrows;
	const char *cells[20];
	enum td_err rc;
	enum td_state state;
	const char *summary; /* a substring */
};

static const struct td_metric *find_metric(const struct td_result *res, const char *label)
{
	for (size_t i = 0; i < res->n_metrics; i++)
		if (!strcmp(res->metrics[i].label, label))
			return &res->metrics[i];
	return NULL;
}

/* Runs the evaluator of the case's mode; leaves the result in res for more checks. */
static void eval_one(const struct eval_case *k, size_t i, struct td_result *res)
{
	char err[256];
	enum td_err rc;
	struct pgsql_config *c = parse(&rc, err, sizeof err, k->args);
	if (rc != TD_OK)
		fail_msg("case %zu: %s", i, err);
	pgsql_eval_fn eval;
	pgsql_mode_sql(c->mode, 150000, &eval);
	assert_non_null(eval);
	struct td_pg_rows r = rows_of(k->ncols, k->nrows, k->cells);
	td_result_init(res);
	rc = eval(c, &r, res);
	enum td_state st = td_result_finish(res, rc, TD_STATE_CRITICAL);
	if (rc != k->rc || (rc == TD_OK && st != k->state))
		fail_msg("case %zu: rc %d state %s (%s), wanted rc %d state %s", i, rc,
			 td_state_name(st), td_buf_str(&res->summary), k->rc,
			 td_state_name(k->state));
	if (k->summary && !strstr(td_buf_str(&res->summary), k->summary))
		fail_msg("case %zu: summary \"%s\" lacks \"%s\"", i, td_buf_str(&res->summary),
			 k->summary);
	td_pg_rows_cleanup(&r);
	pgsql_config_free(c);
}

static void run_cases(const struct eval_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct td_result res;
		eval_one(&cases[i], i, &res);
		td_result_cleanup(&res);
	}
}

static void test_connections(void **state)
{
	(void)state;
	static const struct eval_case cases[] = {
		{ { "-M", "connections", END }, 6, 1, { "12", "3", "8", "1", "100", "3" }, TD_OK,
		  TD_STATE_OK,
		  "12 of 97 connections (12.4%): 3 active, 8 idle, 1 idle in transaction" },
		{ { "-M", "connections", "-w", "10", "-c", "20", END }, 6, 1,
		  { "12", "3", "8", "1", "100", "3" }, TD_OK, TD_STATE_WARNING, NULL },
		{ { "-M", "connections", "-w", "10%", "-c", "12%", END }, 6, 1,
		  { "12", "3", "8", "1", "100", "3" }, TD_OK, TD_STATE_CRITICAL, NULL },
		{ { "-M", "connections", "-w", "13%", END }, 6, 1, { "12", "3", "8", "1", "100",
								     "3" },
		  TD_OK, TD_STATE_OK, NULL },
		/* all slots reserved: the share is against one, not a division by zero */
		{ { "-M", "connections", END }, 6, 1, { "2", "0", "0", "0", "3", "3" }, TD_OK,
		  TD_STATE_OK, "2 of 1 connections (200.0%)" },
		{ { "-M", "connections", END }, 5, 1, { "1", "2", "3", "4", "5" }, TD_E_PROTO, 0,
		  "unexpected answer" },
		{ { "-M", "connections", END }, 6, 1, { "1", "x", "3", "4", "5", "6" }, TD_E_PROTO,
		  0,
		  "column 2 is not a number" },
		{ { "-M", "connections", END }, 6, 0, { NULL }, TD_E_PROTO, 0, "0 rows" },
	};
	run_cases(cases, sizeof cases / sizeof cases[0]);
	struct td_result res;
	eval_one(&cases[2], 2, &res);
	const struct td_metric *m = find_metric(&res, "connections_pct");
	assert_non_null(m);
	assert_float_equal(m->value, 1200.0 / 97, 1e-9);
	assert_true(m->crit.set);
	assert_false(find_metric(&res, "connections")->crit.set);
	assert_non_null(find_metric(&res, "idle_in_transaction"));
	td_result_cleanup(&res);
}

static void test_replication(void **state)
{
	(void)state;
	static const struct eval_case cases[] = {
		{ { "-M", "replication", END }, 5, 1, { "standby", NULL, "0", "0", "streaming" },
		  TD_OK,
		  TD_STATE_OK, "standby, replay 0.000 s behind, 0 B received but not replayed" },
		{ { "-M", "replication", "-w", "30", "-c", "60", END }, 5, 1,
		  { "standby", NULL, "45.5", "1048576",
		    "streaming" }, TD_OK, TD_STATE_WARNING, NULL },
		{ { "-M", "replication", "-w", "512KB", END }, 5, 1,
		  { "standby", NULL, "45.5", "1048576",
		    "streaming" }, TD_OK, TD_STATE_WARNING, NULL },
		{ { "-M", "replication", "-c", "1MB", END }, 5, 1,
		  { "standby", NULL, "45.5", "1048576", "streaming" }, TD_OK, TD_STATE_OK, NULL },
		{ { "-M", "replication", "-c", "1m", END }, 5, 1,
		  { "standby", NULL, "61", "0",
		    "streaming" }, TD_OK, TD_STATE_CRITICAL, "61.0 s behind" },
		/* no WAL receiver: archive recovery, or the primary is gone */
		{ { "-M", "replication", END }, 5, 1, { "standby", NULL, "10", NULL, NULL }, TD_OK,
		  TD_STATE_WARNING, "standby, replay 10.0 s behind" },
		{ { "-M", "replication", END }, 5, 1, { "standby", NULL, "0", "0", "stopping" },
		  TD_OK,
		  TD_STATE_WARNING, NULL },
		/* without pg_read_all_stats the receiver's status is hidden, not missing */
		{ { "-M", "replication", END }, 5, 1, { "standby", NULL, "0", "0", "hidden" },
		  TD_OK,
		  TD_STATE_OK, NULL },
		{ { "-M", "replication", "-c", "1", END }, 5, 1, { "standby", NULL, NULL, "0",
								   "streaming" },
		  TD_OK, TD_STATE_OK, "replay unknown behind" },
		{ { "-M", "replication", END }, 5, 1, { "primary", NULL, NULL, NULL, NULL }, TD_OK,
		  TD_STATE_OK, "primary, no replicas connected" },
		{ { "-M", "replication", "--min-replicas", "1", END }, 5, 1,
		  { "primary", NULL, NULL, NULL, NULL }, TD_OK, TD_STATE_CRITICAL,
		  "primary, 0 replicas connected, fewer than 1" },
		{ { "-M", "replication", "-w", "16MB", "--min-replicas", "2", END }, 5, 3,
		  { "primary", NULL, NULL, NULL, NULL, "replica", "s1", "0.5", "100", "streaming",
		    "replica", "s2", NULL, "20000000", "catchup" },
		  TD_OK, TD_STATE_WARNING, "primary, 2 replicas connected" },
		{ { "-M", "replication", "-c", "1", END }, 5, 3,
		  { "replica", "s1", "0.5", "100", "streaming", "primary", NULL, NULL, NULL, NULL,
		    "replica", "s2", "2.5", "0", "streaming" },
		  TD_OK, TD_STATE_CRITICAL, NULL },
		{ { "-M", "replication", END }, 5, 1, { "replica", "s1", "0", "0", "streaming" },
		  TD_E_PROTO, 0, "no row for this server" },
		{ { "-M", "replication", END }, 4, 1, { "primary", NULL, NULL, NULL }, TD_E_PROTO,
		  0,
		  NULL },
	};
	run_cases(cases, sizeof cases / sizeof cases[0]);
	struct td_result res;
	eval_one(&cases[11], 11, &res);
	const struct td_metric *m = find_metric(&res, "s2_lag_bytes");
	assert_non_null(m);
	assert_true(m->warn.set && m->known);
	m = find_metric(&res, "s2_lag");
	assert_non_null(m);
	assert_false(m->known); /* replay_lag NULL: U, not 0 */
	assert_false(m->warn.set);
	assert_float_equal(find_metric(&res, "replicas")->value, 2, 0);
	assert_non_null(strstr(td_buf_str(&res.long_output),
			       "replica s2: catchup, 19.1 MiB behind"));
	td_result_cleanup(&res);
}

static void test_size_xact_locks(void **state)
{
	(void)state;
	static const struct eval_case cases[] = {
		{ { "-M", "size", END }, 2, 1, { "shop", "7880039" }, TD_OK, TD_STATE_OK,
		  "database shop is 7.5 MiB" },
		{ { "-M", "size", "-w", "5MB", "-c", "1GB", END }, 2, 1, { "shop", "7880039" },
		  TD_OK,
		  TD_STATE_WARNING, NULL },
		{ { "-M", "size", "-c", "7000000", END }, 2, 1, { "shop", "7880039" }, TD_OK,
		  TD_STATE_CRITICAL, NULL },
		{ { "-M", "size", END }, 2, 1, { "shop", NULL }, TD_E_PROTO, 0, NULL },
		{ { "-M", "oldest-xact", "-w", "1", END }, 5, 0, { NULL }, TD_OK, TD_STATE_OK,
		  "no open transaction" },
		{ { "-M", "oldest-xact", "-w", "60", "-c", "300", END }, 5, 1,
		  { "xact", "125.5", "1234", "app",
		    "idle in transaction" }, TD_OK, TD_STATE_WARNING,
		  "oldest transaction 2.1 min old (pid 1234, user app, idle in transaction)" },
		{ { "-M", "oldest-xact", "-w", "2m", "-c", "2h", END }, 5, 1,
		  { "xact", "125.5", "1234", "",
		    "" }, TD_OK, TD_STATE_WARNING, "user ?, state hidden" },
		{ { "-M", "oldest-xact", "-c", "1d", END }, 5, 1,
		  { "prepared", "90000", "tx1", "app", "prepared" }, TD_OK, TD_STATE_CRITICAL,
		  "prepared transaction 'tx1' of app, 25.0 h old" },
		{ { "-M", "locks", "-w", "0", END }, 5, 0, { NULL }, TD_OK, TD_STATE_OK,
		  "no backend waiting on a lock" },
		{ { "-M", "locks", "-w", "1", END }, 5, 2,
		  { "11", "app", "12.5", "10", "UPDATE t SET x = 1", "12", "app", NULL, "11",
		    "LOCK t" },
		  TD_OK, TD_STATE_WARNING, "2 backends waiting on locks, the longest for 12.5 s" },
		{ { "-M", "locks", "-w", "5", "-c", "10s", END }, 5, 1,
		  { "11", "app", "12.5", "10",
		    "UPDATE t SET x = 1" }, TD_OK, TD_STATE_CRITICAL, NULL },
		{ { "-M", "locks", "-c", "10s", END }, 5, 1, { "11", "", NULL, "", "" }, TD_OK,
		  TD_STATE_OK, "the longest for ?" },
	};
	run_cases(cases, sizeof cases / sizeof cases[0]);
	struct td_result res;
	eval_one(&cases[9], 9, &res);
	assert_non_null(strstr(td_buf_str(&res.long_output),
			       "pid 11 (app) waits 12.5 s, blocked by 10: UPDATE t SET x = 1"));
	td_result_cleanup(&res);
}

static void test_cache_wraparound(void **state)
{
	(void)state;
	static const struct eval_case cases[] = {
		{ { "-M", "cache-hit", END }, 2, 1, { "990", "10" }, TD_OK, TD_STATE_OK,
		  "99.00% of block" },
		{ { "-M", "cache-hit", "-w", "99.5", "-c", "90", END }, 2, 1, { "990", "10" },
		  TD_OK,
		  TD_STATE_WARNING, NULL },
		{ { "-M", "cache-hit", "-w", "95", "-c", "90", END }, 2, 1, { "990", "10" }, TD_OK,
		  TD_STATE_OK, NULL },
		{ { "-M", "cache-hit", "-c", "99.5%", END }, 2, 1, { "990", "10" }, TD_OK,
		  TD_STATE_CRITICAL, NULL },
		{ { "-M", "cache-hit", "-c", "99", END }, 2, 1, { "0", "0" }, TD_OK, TD_STATE_OK,
		  "no block read yet" },
		{ { "-M", "cache-hit", END }, 2, 1, { "x", "0" }, TD_E_PROTO, 0, NULL },
		{ { "-M", "wraparound", END }, 3, 1, { "postgres", "1500000000", "200000000" },
		  TD_OK,
		  TD_STATE_OK, "1500000000 transactions old in database postgres (69.85%" },
		{ { "-M", "wraparound", "-w", "50%", END }, 3, 1, { "db", "1500000000",
								    "200000000" },
		  TD_OK, TD_STATE_WARNING, NULL },
		{ { "-M", "wraparound", "-c", "1000000000", END }, 3, 1, { "db", "1500000000",
									   NULL },
		  TD_OK, TD_STATE_CRITICAL, NULL },
		{ { "-M", "wraparound", END }, 3, 1, { "db", NULL, NULL }, TD_E_PROTO, 0, NULL },
	};
	run_cases(cases, sizeof cases / sizeof cases[0]);
	struct td_result res;
	eval_one(&cases[4], 4, &res);
	assert_false(res.metrics[0].known);
	td_result_cleanup(&res);
}

/* The -q value keeps monitoring-plugins' check_pgsql's states. */
static void test_query_value(void **state)
{
	(void)state;
	static const struct {
		bool tuples;
		size_t ncols, nrows;
		const char *cell;
		enum td_state want;
		const char *summary;
	} cases[] = {
		{ true, 1, 1, "5", TD_STATE_WARNING, "; query 'SELECT x' returned 5" },
		{ true, 1, 1, "0", TD_STATE_OK, NULL },
		{ true, 1, 1, "11", TD_STATE_CRITICAL, NULL },
		{ true, 1, 1, NULL, TD_STATE_CRITICAL, "returned NULL, not a number" },
		{ true, 1, 1, "abc", TD_STATE_CRITICAL, "returned \"abc\", not a number" },
		{ true, 1, 1, "", TD_STATE_CRITICAL, NULL },
		{ true, 1, 0, NULL, TD_STATE_WARNING, "returned no rows" },
		{ true, 0, 0, NULL, TD_STATE_WARNING, "returned no columns" },
		{ false, 0, 0, NULL, TD_STATE_CRITICAL, "returned no result set" },
	};
	char err[256];
	enum td_err rc;
	struct pgsql_config *c =
		parse(&rc, err, sizeof err, (const char *[]){ "-q", "SELECT x", "-W", "3", "-C",
							      "10", END });
	assert_int_equal(rc, TD_OK);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *cells[1] = { cases[i].cell };
		struct td_pg_rows r = rows_of(cases[i].ncols, cases[i].nrows, cells);
		r.tuples = cases[i].tuples;
		struct td_result res;
		struct td_buf s;
		td_buf_init(&s, 0);
		td_result_init(&res);
		pgsql_eval_query(c, &r, &res, &s);
		enum td_state st = td_result_finish(&res, TD_OK, TD_STATE_CRITICAL);
		if (st != cases[i].want)
			fail_msg("case %zu: %s (%s)", i, td_state_name(st), td_buf_str(&s));
		if (cases[i].summary && strcmp(td_buf_str(&s), cases[i].summary) &&
		    !strstr(td_buf_str(&s), cases[i].summary))
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, td_buf_str(&s),
				 cases[i].summary);
		td_buf_cleanup(&s);
		td_result_cleanup(&res);
		td_pg_rows_cleanup(&r);
	}
	pgsql_config_free(c);
	/* --queryname replaces the query's text; a long text is cut */
	c = parse(&rc, err, sizeof err,
		  (const char *[]){ "-q",
				    "SELECT 1 /* a very long comment that goes on and on and on */",
				    "--queryname", "queue depth", END });
	const char *cells[1] = { "1" };
	struct td_pg_rows r = rows_of(1, 1, cells);
	struct td_result res;
	struct td_buf s;
	td_buf_init(&s, 0);
	td_result_init(&res);
	pgsql_eval_query(c, &r, &res, &s);
	assert_string_equal(td_buf_str(&s), "; query queue depth returned 1");
	td_buf_cleanup(&s);
	td_result_cleanup(&res);
	td_pg_rows_cleanup(&r);
	pgsql_config_free(c);
}

static void test_mode_sql(void **state)
{
	(void)state;
	pgsql_eval_fn eval;
	assert_null(pgsql_mode_sql(PGSQL_CONNECTION, 150000, &eval));
	assert_null(eval);
	assert_ptr_equal(pgsql_mode_sql(PGSQL_LOCKS, 140000, &eval), pgsql_sql_locks_14);
	assert_ptr_equal(pgsql_mode_sql(PGSQL_LOCKS, 130011, &eval), pgsql_sql_locks_10);
	for (size_t m = 1; m < PGSQL_NMODES; m++) {
		const char *sql = pgsql_mode_sql((enum pgsql_mode)m, 150000, &eval);
		assert_non_null(sql);
		assert_non_null(eval);
		assert_null(strchr(sql,
				   ';')); /* one statement: the extended protocol takes no more */
	}
}

static void test_fmt_secs(void **state)
{
	(void)state;
	static const struct {
		double s;
		const char *want;
	} cases[] = {
		{ 0.0042, "0.004 s" }, { 9.9994, "9.999 s" }, { 10, "10.0 s" },     { 119.94,
										      "119.9 s" },
		{ 120, "2.0 min" },    { 7199, "120.0 min" }, { 7200, "2.0 h" },     { 172800,
										       "2.0 d" },
		{ NAN, "unknown" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char buf[32];
		assert_string_equal(pgsql_fmt_secs(cases[i].s, buf, sizeof buf), cases[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_threshold_meaning),
		cmocka_unit_test(test_connections),
		cmocka_unit_test(test_replication),
		cmocka_unit_test(test_size_xact_locks),
		cmocka_unit_test(test_cache_wraparound),
		cmocka_unit_test(test_query_value),
		cmocka_unit_test(test_mode_sql),
		cmocka_unit_test(test_fmt_secs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * pg_conn.c - the one file that talks to libpq (see tandem/pg.h).
 *
 * libpq's blocking calls (PQconnectdb, PQexec) wait as long as the server
 * or the network decides; connect_timeout has a two second minimum and
 * nothing bounds a query. Here every step is started asynchronously and the
 * socket is polled with what is left of the deadline, so a server that
 * accepts and never answers costs the check its timeout and not a second
 * more. Statements go out with the extended protocol, which refuses a string
 * holding more than one statement: "SELECT 1; DELETE FROM t" cannot sneak a
 * write past the read-only transaction opened by td_pg_begin_read_only.
 */
#include "config.h"

#include <errno.h>
#include <libpq-fe.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tandem/buf.h"
#include "tandem/pg.h"
#include "tandem/unit.h"

/* statement_timeout ends this long before the deadline: the server's message beats our cancel. */
#define PG_TIMEOUT_MARGIN_MS 50
/* A 57014 (query_canceled) this close to the deadline was our statement_timeout. */
#define PG_TIMEOUT_WINDOW 0.25

struct td_pg {
	PGconn *conn;
	char sqlstate[6];
	bool broken;      /* cancelled or lost mid-statement: only td_pg_close is left */
	bool guard;       /* the next statement opens the read-only transaction */
	bool timeout_set; /* statement_timeout is ours: a 57014 near the deadline was it */
};

/* ---- parameters ---- */

void td_pg_params_init(struct td_pg_params *p)
{
	memset(p, 0, sizeof *p);
}

void td_pg_params_cleanup(struct td_pg_params *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->keys[i]);
		td_free_secret(&p->values[i]);
	}
	free(p->keys);
	free(p->values);
	free(p->explicit);
	free(p->appname);
	free(p->default_dbname);
	memset(p, 0, sizeof *p);
}

/* Appends keyword=value; explicit ones (-H, -P, ...) override connection strings and -o. */
static void pg_params_push(struct td_pg_params *p, const char *key, const char *value,
			   bool explicit)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 16;
		p->keys = td_xrealloc(p->keys, p->cap * sizeof *p->keys);
		p->values = td_xrealloc(p->values, p->cap * sizeof *p->values);
		p->explicit = td_xrealloc(p->explicit, p->cap * sizeof *p->explicit);
	}
	p->keys[p->n] = td_xstrdup(key);
	p->values[p->n] = td_xstrdup(value);
	p->explicit[p->n] = explicit;
	p->n++;
}

/* "5432" or, for several hosts, "5432,5433," (an empty item is the default). */
static bool pg_port_list_ok(const char *s)
{
	unsigned long long port;
	char item[16];
	for (;;) {
		size_t len = strcspn(s, ",");
		if (len >= sizeof item)
			return false;
		memcpy(item, s, len);
		item[len] = '\0';
		if (len && td_parse_uint(item, 1, 65535, &port) != TD_OK)
			return false;
		if (!s[len])
			return true;
		s += len + 1;
	}
}

/*
 * A conninfo string or URI: every keyword it sets, validated by libpq
 * itself, except a port, which libpq only reads when connecting: a typo
 * there would look like a server down.
 */
static enum td_err pg_params_conninfo(struct td_pg_params *p, const char *opt, const char *text,
				      char *err, size_t errlen)
{
	char *msg = NULL;
	PQconninfoOption *opts = PQconninfoParse(text, &msg);
	if (!opts) {
		char clean[256] = "not a connection string";
		if (msg) {
			snprintf(clean, sizeof clean, "%s", msg);
			clean[strcspn(clean, "\n")] = '\0';
			td_wipe(msg, strlen(msg)); /* it may quote a piece of a password */
			PQfreemem(msg);
		}
		return td_errf(TD_E_USAGE, err, errlen, "%s: %s", opt, clean);
	}
	enum td_err rc = TD_OK;
	for (PQconninfoOption *o = opts; o->keyword; o++) {
		if (!o->val)
			continue;
		if (!strcmp(o->keyword, "port") && !pg_port_list_ok(o->val) && rc == TD_OK)
			rc = td_errf(TD_E_USAGE, err, errlen,
				     "%s: \"%s\" is not a port (1 to 65535)", opt, o->val);
		pg_params_push(p, o->keyword, o->val, false);
		td_wipe(o->val, strlen(o->val)); /* it may be a password */
	}
	PQconninfoFree(opts);
	return rc;
}

enum td_err td_pg_params_option(struct td_pg_params *p, int id, const char *arg, char *err,
				size_t errlen)
{
	unsigned long long port;
	switch (id) {
	case TD_PG_OPT_HOST:
		if (!*arg)
			return td_errf(TD_E_USAGE, err, errlen, "-H: empty host name");
		pg_params_push(p, "host", arg, true);
		return TD_OK;
	case TD_PG_OPT_PORT:
		if (td_parse_uint(arg, 1, 65535, &port) != TD_OK)
			return td_errf(TD_E_USAGE, err, errlen,
				       "-P: \"%s\" is not a port (1 to 65535)", arg);
		pg_params_push(p, "port", arg, true);
		return TD_OK;
	case TD_PG_OPT_DBNAME:
		if (!*arg)
			return td_errf(TD_E_USAGE, err, errlen, "-d: empty database name");
		pg_params_push(p, "dbname", arg, true);
		return TD_OK;
	case TD_PG_OPT_USER:
		if (!*arg)
			return td_errf(TD_E_USAGE, err, errlen, "-l: empty user name");
		pg_params_push(p, "user", arg, true);
		return TD_OK;
	case TD_PG_OPT_PASSWORD: pg_params_push(p, "password", arg, true); return TD_OK;
	case TD_PG_OPT_OPTION: return pg_params_conninfo(p, "-o", arg, err, errlen);
	case TD_PG_OPT_CONNINFO: return pg_params_conninfo(p, "--conninfo", arg, err, errlen);
	case TD_PG_OPT_SERVICE:
		if (!*arg)
			return td_errf(TD_E_USAGE, err, errlen, "--service: empty service name");
		pg_params_push(p, "service", arg, true);
		return TD_OK;
	}
	return td_errf(TD_E_INTERNAL, err, errlen, "not a connection option");
}

const char *td_pg_params_get(const struct td_pg_params *p, const char *keyword)
{
	for (int pass = 1; pass >= 0; pass--)
		for (size_t i = p->n; i-- > 0;)
			if (p->explicit[i] == (pass == 1) && !strcmp(p->keys[i], keyword))
				return p->values[i];
	return NULL;
}

void td_pg_params_finish(struct td_pg_params *p, const char *appname, const char *default_dbname)
{
	free(p->appname);
	p->appname = appname ? td_xstrdup(appname) : NULL;
	free(p->default_dbname);
	p->default_dbname = NULL;
	/* A service or PGDATABASE may name the database: an explicit default would override it. */
	const char *env_db = getenv("PGDATABASE"), *env_svc = getenv("PGSERVICE");
	if (default_dbname && !td_pg_params_get(p, "dbname") && !td_pg_params_get(p, "service") &&
	    !(env_db && *env_db) && !(env_svc && *env_svc))
		p->default_dbname = td_xstrdup(default_dbname);
}

/*
 * The keyword and value arrays for PQconnectStartParams: the default
 * database, connection strings and -o in order, then explicit options, then
 * the application name. The strings stay owned by p.
 */
static void pg_params_arrays(const struct td_pg_params *p, const char ***keys, const char ***vals)
{
	size_t n = 0;
	const char **k = td_xcalloc(p->n + 3, sizeof *k), **v = td_xcalloc(p->n + 3, sizeof *v);
	if (p->default_dbname) {
		k[n] = "dbname";
		v[n++] = p->default_dbname;
	}
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < p->n; i++)
			if (p->explicit[i] == (pass == 1)) {
				k[n] = p->keys[i];
				v[n++] = p->values[i];
			}
	if (p->appname) {
		k[n] = "fallback_application_name";
		v[n++] = p->appname;
	}
	k[n] = NULL;
	v[n] = NULL;
	*keys = k;
	*vals = v;
}

/* ---- messages ---- */

/*
 * libpq's messages span lines ("...failed: FATAL:  password...\n") and
 * repeat the target; this makes one line: whitespace runs become one space,
 * the "connection to server at ... failed: " preamble, "FATAL: " and a
 * LOCATION line go. With verbose errors (set while connecting) the server's
 * SQLSTATE follows the severity: it is moved to sqlstate (6 bytes, may be
 * NULL), "" when there is none.
 */
static void pg_clean_message(const char *msg, char *out, size_t len, char *sqlstate)
{
	const char *s = msg ? msg : "";
	const char *pre = strstr(s, " failed: ");
	if (sqlstate)
		sqlstate[0] = '\0';
	if (!strncmp(s, "connection to server ", 21) && pre)
		s = pre + 9;
	while (*s == ' ' || *s == '\t' || *s == '\n')
		s++;
	if (!strncmp(s, "FATAL:", 6)) {
		s += 6;
		while (*s == ' ')
			s++;
		if (strspn(s, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ") == 5 && s[5] == ':') {
			if (sqlstate)
				snprintf(sqlstate, 6, "%.5s", s);
			s += 6;
		}
	}
	const char *stop = strstr(s, "\nLOCATION:");
	size_t n = 0;
	bool space = true; /* drops leading spaces and squeezes runs */
	for (; *s && s != stop && n + 1 < len; s++) {
		char c = *s;
		if (c == '\n' || c == '\t' || c == '\r' || c == ' ') {
			if (!space)
				out[n++] = ' ';
			space = true;
			continue;
		}
		out[n++] = c;
		space = false;
	}
	while (n > 0 && out[n - 1] == ' ')
		n--;
	if (len)
		out[n] = '\0';
}

/* "127.0.0.1:5432", or "socket /run/postgresql/.s.PGSQL.5432". */
static void pg_target(PGconn *conn, char *buf, size_t len)
{
	const char *host = PQhost(conn), *port = PQport(conn);
	if (!host || !*host)
		host = "localhost";
	if (!port || !*port)
		port = "5432";
	if (host[0] == '/' || host[0] == '@')
		snprintf(buf, len, "socket %s/.s.PGSQL.%s", host, port);
	else
		snprintf(buf, len, "%s:%s", host, port);
}

/* ---- waiting ---- */

/* Waits until fd is ready for events or the deadline passes; *revents gets what happened. */
static enum td_err pg_wait(int fd, short events, const struct td_deadline *dl, short *revents)
{
	if (fd < 0) {
		errno = EBADF; /* libpq has no socket: nothing to wait for */
		return TD_E_IO;
	}
	for (;;) {
		int ms = td_deadline_left_ms(dl);
		if (ms <= 0)
			return TD_E_TIMEOUT;
		struct pollfd pfd = { .fd = fd, .events = events };
		int n = poll(&pfd, 1, ms);
		if (n > 0) {
			if (revents)
				*revents = pfd.revents;
			return TD_OK;
		}
		if (n < 0 && errno != EINTR)
			return TD_E_IO;
	}
}

/* ---- connecting ---- */

static enum td_err pg_connect_failed(PGconn *conn, ConnStatusType phase, char *err, size_t errlen)
{
	char target[300], msg[512], state[6];
	const char *user = PQuser(conn);
	pg_target(conn, target, sizeof target);
	pg_clean_message(PQerrorMessage(conn), msg, sizeof msg, state);
	if (PQconnectionNeedsPassword(conn))
		return td_errf(
			TD_E_CONNECT, err, errlen,
			"authentication as %s on %s failed: %s (the server wants a password: "
			"put it in ~/.pgpass, PGPASSFILE, a service file or --extra-opts)",
			user ? user : "?", target, msg);
	/*
	 * Class 28 is the server refusing who we are (pg_hba.conf, password,
	 * role). Without a SQLSTATE (an old server), a refusal while the server
	 * was deciding that counts too.
	 */
	if (!strncmp(state, "28", 2) || (!*state && phase == CONNECTION_AWAITING_RESPONSE))
		return td_errf(TD_E_CONNECT, err, errlen, "authentication as %s on %s failed: %s",
			       user ? user : "?", target, msg);
	return td_errf(TD_E_CONNECT, err, errlen, "connect to %s failed: %s", target, msg);
}

enum td_err td_pg_connect(const struct td_pg_params *p, const struct td_deadline *dl,
			  struct td_pg **out, double *seconds, char *err, size_t errlen)
{
	const char **keys, **vals;
	char target[300];
	enum td_err rc;
	double t0 = td_now();

	*out = NULL;
	pg_params_arrays(p, &keys, &vals);
	PGconn *conn = PQconnectStartParams(keys, vals, 0);
	free(keys);
	free(vals);
	if (!conn)
		td_oom();
	/* Verbose errors carry the SQLSTATE: it tells a refused login from a missing database. */
	PQsetErrorVerbosity(conn, PQERRORS_VERBOSE);
	/* Before the first poll libpq wants the socket writable (the TCP connect). */
	ConnStatusType phase = PQstatus(conn);
	PostgresPollingStatusType st =
		phase == CONNECTION_BAD ? PGRES_POLLING_FAILED : PGRES_POLLING_WRITING;
	while (st != PGRES_POLLING_OK) {
		if (st == PGRES_POLLING_FAILED) {
			rc = pg_connect_failed(conn, phase, err, errlen);
			goto fail;
		}
		rc = pg_wait(PQsocket(conn), st == PGRES_POLLING_READING ? POLLIN : POLLOUT, dl,
			     NULL);
		if (rc != TD_OK) {
			int saved = errno;
			pg_target(conn, target, sizeof target);
			if (rc == TD_E_TIMEOUT)
				td_errf(rc, err, errlen, "connect to %s: %s within %.3g s", target,
					phase == CONNECTION_STARTED ? "no TCP connection"
								    : "no answer from the server",
					td_now() - t0);
			else
				td_errf(rc, err, errlen, "connect to %s: poll: %s", target,
					strerror(saved));
			goto fail;
		}
		phase = PQstatus(conn);
		st = PQconnectPoll(conn);
	}
	PQsetErrorVerbosity(conn, PQERRORS_DEFAULT);
	if (PQsetnonblocking(conn, 1) != 0) {
		rc = td_errf(TD_E_INTERNAL, err, errlen,
			     "libpq: cannot make the connection non-blocking");
		goto fail;
	}
	if (seconds)
		*seconds = td_now() - t0;
	struct td_pg *c = td_xcalloc(1, sizeof *c);
	c->conn = conn;
	*out = c;
	return TD_OK;
fail:
	PQfinish(conn);
	return rc;
}

void td_pg_close(struct td_pg *c)
{
	if (!c)
		return;
	PQfinish(c->conn);
	free(c);
}

void td_pg_describe(const struct td_pg *c, char *buf, size_t len)
{
	char target[300];
	const char *db = PQdb(c->conn), *user = PQuser(c->conn);
	pg_target(c->conn, target, sizeof target);
	snprintf(buf, len, "%s on %s as %s", db ? db : "?", target, user ? user : "?");
}

const char *td_pg_server_version(const struct td_pg *c)
{
	const char *v = PQparameterStatus(c->conn, "server_version");
	return v ? v : "?";
}

int td_pg_server_version_num(const struct td_pg *c)
{
	return PQserverVersion(c->conn);
}

const char *td_pg_sqlstate(const struct td_pg *c)
{
	return c->sqlstate;
}

/* ---- statements ---- */

/*
 * At the deadline: ask the server to stop the statement (else it runs on
 * after we are gone, holding locks and a CPU). PQcancel opens its own short
 * connection to the postmaster.
 */
static void pg_cancel(struct td_pg *c)
{
	char buf[256];
	PGcancel *cancel = PQgetCancel(c->conn);
	if (cancel) {
		PQcancel(cancel, buf, (int)sizeof buf);
		PQfreeCancel(cancel);
	}
	c->broken = true;
}

static enum td_err pg_lost(struct td_pg *c, char *err, size_t errlen)
{
	char msg[512];
	pg_clean_message(PQerrorMessage(c->conn), msg, sizeof msg, NULL);
	c->broken = true;
	return td_errf(TD_E_CONNECT, err, errlen, "query failed: %s",
		       *msg ? msg : "connection lost");
}

/* Sends what libpq buffered, reading meanwhile so a server that talks back cannot stall us. */
static enum td_err pg_flush(struct td_pg *c, const struct td_deadline *dl, double t0, char *err,
			    size_t errlen)
{
	int f;
	while ((f = PQflush(c->conn)) == 1) {
		short rev = 0;
		enum td_err rc = pg_wait(PQsocket(c->conn), POLLIN | POLLOUT, dl, &rev);
		if (rc == TD_E_TIMEOUT) {
			pg_cancel(c);
			return td_errf(rc, err, errlen, "query not sent within %.3g s; cancelled",
				       td_now() - t0);
		}
		if (rc != TD_OK)
			return td_errf(rc, err, errlen, "query failed: poll: %s", strerror(errno));
		if ((rev & POLLIN) && !PQconsumeInput(c->conn))
			return pg_lost(c, err, errlen);
	}
	return f < 0 ? pg_lost(c, err, errlen) : TD_OK;
}

/* Reads until a result is ready without blocking; cancels at the deadline. */
static enum td_err pg_await(struct td_pg *c, const struct td_deadline *dl, double t0, char *err,
			    size_t errlen)
{
	while (PQisBusy(c->conn)) {
		enum td_err rc = pg_wait(PQsocket(c->conn), POLLIN, dl, NULL);
		if (rc == TD_E_TIMEOUT) {
			pg_cancel(c);
			return td_errf(rc, err, errlen, "query cancelled: no result within %.3g s",
				       td_now() - t0);
		}
		if (rc != TD_OK)
			return td_errf(rc, err, errlen, "query failed: poll: %s", strerror(errno));
		if (!PQconsumeInput(c->conn))
			return pg_lost(c, err, errlen);
	}
	return TD_OK;
}

/* A server error: its primary message and SQLSTATE, on one line. */
static enum td_err pg_result_error(struct td_pg *c, const PGresult *r, const struct td_deadline *dl,
				   double t0, char *err, size_t errlen)
{
	const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	const char *primary = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
	char msg[512];
	snprintf(c->sqlstate, sizeof c->sqlstate, "%s", state ? state : "");
	pg_clean_message(primary ? primary : PQresultErrorMessage(r), msg, sizeof msg, NULL);
	if (!strcmp(c->sqlstate, "57014") && c->timeout_set &&
	    td_deadline_left(dl) < PG_TIMEOUT_WINDOW)
		return td_errf(
			TD_E_TIMEOUT, err, errlen,
			"query cancelled after %.3g s by statement_timeout (the check's timeout)",
			td_now() - t0);
	if (*c->sqlstate)
		return td_errf(TD_E_PROTO, err, errlen, "query failed: %s (SQLSTATE %s)", msg,
			       c->sqlstate);
	return td_errf(TD_E_PROTO, err, errlen, "query failed: %s", *msg ? msg : "no message");
}

struct pg_copy {
	size_t bytes;
	size_t rows_cap;
};

/* Copies the columns' names once, from the first result that has them. */
static enum td_err pg_take_names(const PGresult *r, struct td_pg_rows *out, char *err,
				 size_t errlen)
{
	if (out->names)
		return TD_OK;
	int nf = PQnfields(r);
	if (nf > TD_PG_COLS_MAX)
		return td_errf(TD_E_TOOBIG, err, errlen, "query returned %d columns (at most %d)",
			       nf, TD_PG_COLS_MAX);
	out->ncols = (size_t)nf;
	out->names = td_xcalloc(out->ncols + 1, sizeof *out->names);
	for (int i = 0; i < nf; i++) {
		const char *name = PQfname(r, i);
		out->names[i] = td_xstrdup(name ? name : "");
	}
	return TD_OK;
}

/* Keeps the rows of r while there is room for them. */
static enum td_err pg_take_rows(const PGresult *r, size_t max_rows, struct pg_copy *cp,
				struct td_pg_rows *out, char *err, size_t errlen)
{
	int nt = PQntuples(r);
	for (int row = 0; row < nt; row++) {
		out->total++;
		if (out->nrows >= max_rows)
			continue;
		if (out->nrows == cp->rows_cap) {
			cp->rows_cap = cp->rows_cap ? cp->rows_cap * 2 : 16;
			out->cells = td_xrealloc(out->cells, cp->rows_cap *
								     (out->ncols ? out->ncols : 1) *
								     sizeof *out->cells);
		}
		char **cells = out->cells + out->nrows * out->ncols;
		for (size_t col = 0; col < out->ncols; col++) {
			cells[col] = NULL;
			if (PQgetisnull(r, row, (int)col))
				continue;
			size_t len = (size_t)PQgetlength(r, row, (int)col);
			cp->bytes += len + 1;
			if (cp->bytes > TD_PG_RESULT_MAX) {
				/* keep the table consistent for td_pg_rows_cleanup */
				for (size_t k = col; k < out->ncols; k++)
					cells[k] = NULL;
				out->nrows++;
				return td_errf(TD_E_TOOBIG, err, errlen,
					       "query result larger than %d KiB",
					       TD_PG_RESULT_MAX / 1024);
			}
			cells[col] = td_xstrndup(PQgetvalue(r, row, (int)col), len);
		}
		out->nrows++;
	}
	return TD_OK;
}

/*
 * Reads the results of one statement until libpq's NULL, copying rows into
 * out (may be NULL). Returns the first error; TD_E_TOOBIG, COPY and the like
 * stop at once and leave the connection to be closed.
 */
static enum td_err pg_collect(struct td_pg *c, size_t max_rows, const struct td_deadline *dl,
			      double t0, struct td_pg_rows *out, char *err, size_t errlen)
{
	enum td_err rc = TD_OK, first_error = TD_OK;
	struct pg_copy cp = { 0 };
	for (;;) {
		if ((rc = pg_await(c, dl, t0, err, errlen)) != TD_OK)
			return rc;
		PGresult *r = PQgetResult(c->conn);
		if (!r)
			break;
		ExecStatusType st = PQresultStatus(r);
		switch (st) {
		case PGRES_SINGLE_TUPLE:
		case PGRES_TUPLES_OK:
			if (out && first_error == TD_OK) {
				out->tuples = true;
				rc = pg_take_names(r, out, err, errlen);
				if (rc == TD_OK)
					rc = pg_take_rows(r, max_rows, &cp, out, err, errlen);
			}
			break;
		case PGRES_COMMAND_OK: break;
		case PGRES_EMPTY_QUERY:
			if (first_error == TD_OK)
				first_error = td_errf(TD_E_PROTO, err, errlen,
						      "query failed: empty query");
			break;
		case PGRES_FATAL_ERROR:
		case PGRES_NONFATAL_ERROR:
		case PGRES_BAD_RESPONSE:
			if (first_error == TD_OK)
				first_error = pg_result_error(c, r, dl, t0, err, errlen);
			break;
		case PGRES_PIPELINE_ABORTED:
			/* an earlier statement of the pipeline failed and said why */
			if (first_error == TD_OK)
				first_error = td_errf(TD_E_PROTO, err, errlen,
						      "query not run: the transaction failed");
			break;
		default:
			/* COPY: the connection cannot go on; 0A000 is feature_not_supported. */
			PQclear(r);
			c->broken = true;
			snprintf(c->sqlstate, sizeof c->sqlstate, "0A000");
			return td_errf(TD_E_PROTO, err, errlen, "query failed: %s is not supported",
				       PQresStatus(st));
		}
		PQclear(r);
		if (rc != TD_OK) {
			/* Too big: stop reading; the caller closes the connection. */
			c->broken = true;
			return rc;
		}
	}
	return first_error;
}

/*
 * The statement behind BEGIN READ ONLY and SET LOCAL statement_timeout, all
 * three in one pipeline: one round trip instead of two. A failed BEGIN
 * aborts the rest, so the statement never runs outside the transaction.
 */
static enum td_err pg_run_guarded(struct td_pg *c, const char *sql, size_t max_rows,
				  const struct td_deadline *dl, double t0, struct td_pg_rows *out,
				  char *err, size_t errlen)
{
	char set[64];
	enum td_err rc, first = TD_OK;
	int ms = td_deadline_left_ms(dl) - PG_TIMEOUT_MARGIN_MS;
	if (ms < 1)
		ms = 1; /* 0 would mean no timeout at all */
	snprintf(set, sizeof set, "SET LOCAL statement_timeout = %d", ms);
	const char *const sqls[3] = { "BEGIN READ ONLY", set, sql };

	c->guard = false;
	c->broken = true; /* until the pipeline is done with */
	if (!PQenterPipelineMode(c->conn))
		return pg_lost(c, err, errlen);
	for (int i = 0; i < 3; i++)
		if (!PQsendQueryParams(c->conn, sqls[i], 0, NULL, NULL, NULL, NULL, 0))
			return pg_lost(c, err, errlen);
	if (!PQpipelineSync(c->conn))
		return pg_lost(c, err, errlen);
	if ((rc = pg_flush(c, dl, t0, err, errlen)) != TD_OK)
		return rc;
	for (int i = 0; i < 3; i++) {
		char later[512];
		bool tell = first == TD_OK; /* the first failure is the one worth telling */
		if (i == 2) {
			c->timeout_set = first == TD_OK;
			/* One row at a time: a huge result is counted, not held. */
			if (out)
				PQsetSingleRowMode(c->conn);
		}
		rc = pg_collect(c, i == 2 ? max_rows : 0, dl, t0, i == 2 ? out : NULL,
				tell ? err : later, tell ? errlen : sizeof later);
		if (rc == TD_OK)
			continue;
		if (rc != TD_E_PROTO) { /* the deadline, a lost connection, too much data */
			if (!tell)
				snprintf(err, errlen, "%s", later);
			return rc;
		}
		if (first == TD_OK)
			first = rc;
	}
	/* The sync ends the pipeline; the transaction stays open for what follows. */
	if ((rc = pg_await(c, dl, t0, err, errlen)) != TD_OK)
		return rc;
	PGresult *r = PQgetResult(c->conn);
	bool synced = r && PQresultStatus(r) == PGRES_PIPELINE_SYNC;
	PQclear(r);
	if (!synced || !PQexitPipelineMode(c->conn))
		return first != TD_OK ? first : pg_lost(c, err, errlen);
	c->broken = false;
	return first;
}

/* Sends one statement and collects its results into out (may be NULL). */
static enum td_err pg_run(struct td_pg *c, const char *sql, size_t max_rows,
			  const struct td_deadline *dl, struct td_pg_rows *out, char *err,
			  size_t errlen)
{
	enum td_err rc;
	double t0 = td_now();

	c->sqlstate[0] = '\0';
	if (c->broken)
		return td_errf(TD_E_INTERNAL, err, errlen,
			       "query on a connection already given up");
	if (td_deadline_expired(dl))
		return td_errf(TD_E_TIMEOUT, err, errlen, "no time left to send the query");
	if (c->guard)
		return pg_run_guarded(c, sql, max_rows, dl, t0, out, err, errlen);
	if (!PQsendQueryParams(c->conn, sql, 0, NULL, NULL, NULL, NULL, 0))
		return pg_lost(c, err, errlen);
	/* One row at a time: a huge result is counted, not held. */
	if (out)
		PQsetSingleRowMode(c->conn);
	if ((rc = pg_flush(c, dl, t0, err, errlen)) != TD_OK)
		return rc;
	return pg_collect(c, max_rows, dl, t0, out, err, errlen);
}

void td_pg_begin_read_only(struct td_pg *c)
{
	/* Sent with the next statement (pg_run_guarded), so it costs no round trip of its own. */
	c->guard = true;
}

enum td_err td_pg_query(struct td_pg *c, const char *sql, size_t max_rows,
			const struct td_deadline *dl, struct td_pg_rows *out, char *err,
			size_t errlen)
{
	memset(out, 0, sizeof *out);
	return pg_run(c, sql, max_rows, dl, out, err, errlen);
}

const char *td_pg_cell(const struct td_pg_rows *r, size_t row, size_t col)
{
	if (row >= r->nrows || col >= r->ncols)
		return NULL;
	return r->cells[row * r->ncols + col];
}

void td_pg_rows_cleanup(struct td_pg_rows *r)
{
	for (size_t i = 0; r->cells && i < r->nrows * r->ncols; i++)
		free(r->cells[i]);
	free(r->cells);
	for (size_t i = 0; r->names && i < r->ncols; i++)
		free(r->names[i]);
	free(r->names);
	memset(r, 0, sizeof *r);
}

/* ---- numbers ---- */

enum td_err td_pg_parse_number(const char *s, double *out)
{
	if (!s)
		return TD_E_PARSE;
	const char *e = s + strcspn(s, "eE");
	double mant;
	if (td_parse_number(s, e, &mant) != TD_OK)
		return TD_E_PARSE;
	if (!*e) {
		*out = mant;
		return TD_OK;
	}
	/* float4/float8 print large and small values with an exponent: "1e+20", "1.5e-07". */
	const char *x = e + 1;
	bool neg = *x == '-';
	if (*x == '-' || *x == '+')
		x++;
	unsigned long long ex;
	if (td_parse_uint(x, 0, 400, &ex) != TD_OK)
		return TD_E_PARSE;
	/* Powers of ten by table, not pow(): this file should not be what needs libm. */
	static const double p10[] = { 1e0,  1e1,  1e2,	1e3,  1e4,  1e5,  1e6,	1e7,
				      1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
				      1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22 };
	double v = mant;
	for (; ex > 22; ex -= 22)
		v = neg ? v / 1e22 : v * 1e22;
	v = neg ? v / p10[ex] : v * p10[ex];
	if (!isfinite(v))
		return TD_E_PARSE;
	*out = v;
	return TD_OK;
}

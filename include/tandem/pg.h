/*
 * pg.h - PostgreSQL connections for the probes, with libpq behind one file.
 *
 * pg_conn.c is the only file that includes libpq-fe.h; check_pgsql and
 * check_sql see this interface. A connection is started without blocking
 * (PQconnectStartParams, PQconnectPoll) and every statement is sent with the
 * extended protocol (PQsendQueryParams), which accepts exactly one statement
 * per string; the socket is polled against the run's deadline throughout. At
 * the deadline a running statement is cancelled (PQcancel) and the call
 * returns TD_E_TIMEOUT. td_pg_begin_read_only puts the statements in a READ
 * ONLY transaction whose statement_timeout ends just before the deadline, so
 * a monitoring query can neither write nor outlive its check.
 *
 * Errors come back as td_err codes with one line of text that names the step
 * that failed and carries the server's own words:
 *   TD_E_CONNECT  "connect failed: ..." (unreachable, refused, no database)
 *                 "authentication failed: ..." (rejected before login)
 *   TD_E_PROTO    "query failed: <server message> (SQLSTATE 42P01)"
 *   TD_E_TIMEOUT  "... no answer within 2 s" / "query cancelled after 2 s"
 *
 * Nothing here is global: a struct td_pg is one connection, used by one
 * thread at a time; libpq itself is thread-safe.
 *
 * Left out, on purpose: host names are resolved by libpq inside
 * PQconnectStartParams, which may block (give an address for a hard bound;
 * check_* also has its own timer); libpq 15's PQcancel waits for the
 * postmaster to close the cancel connection, so a postmaster that accepts and
 * then hangs holds the caller until check_*'s timer. COPY, LISTEN and large
 * objects are not supported.
 *
 * Ownership: td_pg_params owns copies of every string (td_pg_params_cleanup
 * wipes them: they may hold a password); td_pg_close frees a connection;
 * td_pg_rows_cleanup frees what td_pg_query filled.
 */
#ifndef TANDEM_PG_H
#define TANDEM_PG_H

#include <stdbool.h>
#include <stddef.h>

#include "tandem/deadline.h"
#include "tandem/error.h"
#include "tandem/options.h"

/* Connection options every PostgreSQL probe accepts; ids handed to td_pg_params_option. */
enum {
	TD_PG_OPT_HOST = 200,
	TD_PG_OPT_PORT,
	TD_PG_OPT_DBNAME,
	TD_PG_OPT_USER,
	TD_PG_OPT_PASSWORD,
	TD_PG_OPT_OPTION,
	TD_PG_OPT_CONNINFO,
	TD_PG_OPT_SERVICE,
};
#define TD_PG_IS_CONN_OPTION(id) ((id) >= TD_PG_OPT_HOST && (id) <= TD_PG_OPT_SERVICE)

/* Entries for a probe's option table (the same letters as monitoring-plugins' check_pgsql). */
#define TD_PG_CONN_OPTIONS                                                                         \
	{ 'H', "hostname", TD_ARG_REQUIRED, "HOST",                                                \
	  "Server address or name, or the directory of its Unix socket (an absolute path). "     \
	  "Default: libpq's (PGHOST, else the local socket).",                                    \
	  TD_PG_OPT_HOST },                                                                        \
	{ 'P', "port", TD_ARG_REQUIRED, "PORT", "Server port (default: PGPORT, else 5432).",       \
	  TD_PG_OPT_PORT },                                                                        \
	{ 'd', "database", TD_ARG_REQUIRED, "NAME", "Database to connect to.", TD_PG_OPT_DBNAME }, \
	{ 'l', "logname", TD_ARG_REQUIRED, "USER", "User to connect as.", TD_PG_OPT_USER },        \
	{ 0, "user", TD_ARG_REQUIRED, "USER", "Same as --logname.", TD_PG_OPT_USER },              \
	{ 'p', "password", TD_ARG_REQUIRED, "PASSWORD",                                            \
	  "Password. Anyone on the machine can read it in the process list: prefer ~/.pgpass "   \
	  "(or PGPASSFILE), a service file entry, PGPASSWORD, or password = ... in an "           \
	  "--extra-opts file.",                                                                    \
	  TD_PG_OPT_PASSWORD },                                                                    \
	{ 'o', "option", TD_ARG_REQUIRED, "KEY=VALUE",                                             \
	  "More libpq connection parameters, e.g. sslmode=require or 'connect_timeout=5 "         \
	  "sslmode=verify-full'; may repeat.",                                                     \
	  TD_PG_OPT_OPTION },                                                                      \
	{ 0, "conninfo", TD_ARG_REQUIRED, "CONNINFO",                                              \
	  "A libpq connection string or URI (\"host=db1 dbname=shop\", "                           \
	  "\"postgresql://monitor@db1/shop?sslmode=require\"); -H, -P, -d, -l and -p override "   \
	  "its parts.",                                                                            \
	  TD_PG_OPT_CONNINFO },                                                                    \
	{ 0, "service", TD_ARG_REQUIRED, "NAME",                                                   \
	  "Take connection parameters from section NAME of the service file (PGSERVICEFILE, "     \
	  "~/.pg_service.conf, then the system's pg_service.conf).",                              \
	  TD_PG_OPT_SERVICE }

/* Where to connect: what the user gave, validated; owns every string. */
struct td_pg_params {
	char **keys, **values; /* libpq keywords in the order given */
	bool *explicit;        /* from -H/-P/-d/-l/-p/--service: win over conninfo and -o */
	size_t n, cap;
	char *appname;         /* fallback_application_name: the check's name */
	char *default_dbname;  /* used when nothing names a database */
};

void td_pg_params_init(struct td_pg_params *p);
/* Wipes every value (a password may be among them) and frees. */
void td_pg_params_cleanup(struct td_pg_params *p);
/* One connection option (TD_PG_OPT_*). Usage errors name the option and text. */
enum td_err td_pg_params_option(struct td_pg_params *p, int id, const char *arg, char *err,
				size_t errlen);
/*
 * After all options. appname is shown in pg_stat_activity; default_dbname
 * (may be NULL: libpq's default) is used when no option, service or
 * PGDATABASE/PGSERVICE names a database.
 */
void td_pg_params_finish(struct td_pg_params *p, const char *appname, const char *default_dbname);
/* The value last given for keyword, or NULL. */
const char *td_pg_params_get(const struct td_pg_params *p, const char *keyword);

struct td_pg;

/*
 * Connects before the deadline. On success *out is the connection and
 * *seconds (may be NULL) how long it took. On failure *out is NULL.
 */
enum td_err td_pg_connect(const struct td_pg_params *p, const struct td_deadline *dl,
			  struct td_pg **out, double *seconds, char *err, size_t errlen);
/* Closes and frees; NULL is a no-op. */
void td_pg_close(struct td_pg *c);

/* "shop on 127.0.0.1:5432 as monitor" (never a password). */
void td_pg_describe(const struct td_pg *c, char *buf, size_t len);
/* server_version as the server reports it ("15.4 (Debian 15.4-1)"), and as a number (150004). */
const char *td_pg_server_version(const struct td_pg *c);
int td_pg_server_version_num(const struct td_pg *c);

/*
 * Makes the next td_pg_query open a READ ONLY transaction first, with
 * statement_timeout set to what is then left of its deadline (less a small
 * margin, so the server's own timeout usually ends a slow statement and says
 * so). BEGIN, SET and the statement go out in one pipeline: one round trip.
 * Every later statement on c runs inside the same transaction.
 */
void td_pg_begin_read_only(struct td_pg *c);

/* A statement's result, copied out of libpq. Cells are text; NULL for SQL NULL. */
struct td_pg_rows {
	bool tuples;    /* the statement returned rows (false: a command such as SET) */
	size_t ncols;
	size_t nrows;   /* rows kept: at most the max_rows asked for */
	size_t total;   /* rows the statement returned */
	char **names;   /* ncols column names */
	char **cells;   /* nrows * ncols, row by row */
};

/* Caps on what td_pg_query copies: TD_E_TOOBIG beyond. */
#define TD_PG_RESULT_MAX (1024 * 1024)
#define TD_PG_COLS_MAX 100

/*
 * Runs exactly one statement (a string holding two is refused by the
 * server) and copies at most max_rows rows; later rows are counted in total
 * and dropped as they arrive. On error, td_pg_sqlstate tells the SQLSTATE.
 */
enum td_err td_pg_query(struct td_pg *c, const char *sql, size_t max_rows,
			const struct td_deadline *dl, struct td_pg_rows *out, char *err,
			size_t errlen);
/* The cell, or NULL for SQL NULL (and out of range). */
const char *td_pg_cell(const struct td_pg_rows *r, size_t row, size_t col);
void td_pg_rows_cleanup(struct td_pg_rows *r);

/* SQLSTATE of the last failed statement on c ("42P01"), or "" . */
const char *td_pg_sqlstate(const struct td_pg *c);

/*
 * Parses a number as PostgreSQL prints it (int, numeric, float: "42",
 * "-1.5", "1e+20", "1.5e-07"); NaN, Infinity, "", spaces and anything else
 * are TD_E_PARSE. Locale-independent.
 */
enum td_err td_pg_parse_number(const char *s, double *out);

#endif

/*
 * cgi.h - tandem-graph as a CGI: an index of hosts and services, a page per
 * service with day, week, month and year graphs, and the images.
 *
 *   (no query)                                   the index
 *   ?host=H&service=S[&tag=T]                    a service's page
 *   ?host=H&service=S&format=png|svg[&metric=L]...[&start=-1d][&end=now]
 *                     [&width=600][&height=150][&tag=T]   an image
 *
 * Every parameter is checked before anything is read: only the names above,
 * each once (metric up to 8 times), no raw or encoded control byte or NUL,
 * values of at most TD_CGI_VALUE_MAX bytes, a host without '/', no name
 * "." or "..", sizes and times within graph.h's bounds, times only in
 * tools.h's syntax. Names are then encoded into path components
 * (layout.h), which cannot leave their directory, and the service directory
 * must resolve inside the data directory. A bad query is 400, a name that
 * does not exist 404. Nothing runs a shell or another program.
 *
 * The data directory comes from the environment the web server sets:
 * TANDEM_DATA_DIR, else TANDEM_CONF (a tandemd.conf), else the default;
 * never from the query.
 */
#ifndef TANDEM_CGI_H
#define TANDEM_CGI_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "tandem/buf.h"
#include "tandem/error.h"
#include "tandem/graph.h"

#define TD_CGI_QUERY_MAX 4096 /* bytes of QUERY_STRING */
#define TD_CGI_VALUE_MAX 255  /* bytes of one decoded value */
#define TD_CGI_TAGS_MAX	 8    /* tags in one tag= list */

enum td_cgi_view { TD_CGI_INDEX, TD_CGI_PAGE, TD_CGI_IMAGE };

struct td_cgi_query {
	enum td_cgi_view view;
	char *host, *service;
	char *metrics[TD_GRAPH_METRICS_MAX];
	size_t n_metrics;
	char *start_text, *end_text; /* as given (validated), for links; NULL: default */
	long long start, end;
	unsigned width, height;
	enum td_graph_format format;
	char *tags; /* validated comma-separated tags, or NULL for every tag */
};

/*
 * Parses QUERY_STRING qs (NULL or "" is the index). On error TD_E_USAGE
 * and a message for the 400 page; q is then cleaned up.
 */
enum td_err td_cgi_query_parse(const char *qs, time_t now, struct td_cgi_query *q, char *err,
			       size_t errlen);
void td_cgi_query_cleanup(struct td_cgi_query *q);

/* Appends s percent-encoded for a query value (every byte but A-Z a-z 0-9 - . _ ~). */
void td_cgi_url_encode(struct td_buf *out, const char *s);
/* Appends s with & < > " ' as entities; control bytes and broken UTF-8 as '?'. */
void td_cgi_html_escape(struct td_buf *out, const char *s);

/* One request, as the web server describes it. */
struct td_cgi_request {
	const char *method;	   /* REQUEST_METHOD */
	const char *query;	   /* QUERY_STRING */
	const char *if_none_match; /* HTTP_IF_NONE_MATCH, or NULL */
	const char *data_dir;
	const char *rrdcached; /* or NULL */
	time_t now;
};

struct td_cgi_response {
	int status;
	struct td_buf headers; /* "Name: value\r\n" lines, without Status */
	unsigned char *body;
	size_t body_len;
	bool head;     /* a HEAD request: headers only */
	char log[512]; /* for the web server's error log (stderr), or "" */
};

/* Answers rq into rs (td_cgi_response_cleanup it). Never prints. */
void td_cgi_handle(const struct td_cgi_request *rq, struct td_cgi_response *rs);
void td_cgi_response_cleanup(struct td_cgi_response *rs);

/* The CGI's main: reads the environment, answers on stdout. Returns the exit code. */
int td_cgi_main(void);

#endif

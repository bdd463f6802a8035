/*
 * tcp.c - check_tcp: connect to a TCP port, optionally send a string and
 * wait for expected strings in the answer, and report the response time.
 *
 * The options are monitoring-plugins' check_tcp's: -H -p -4 -6 -s -e -A -q
 * -E -r -M -m -d -j -w -c, with -t from the core. Differences a user may see:
 *   - -E applies to -s and -q wherever it stands on the command line (the
 *     peer honours it only before them), and an unknown escape or a lone
 *     trailing backslash is a usage error instead of being dropped or read
 *     past the end of the string.
 *   - -w and -c are ranges with units (`-w 500ms`, `-w 1:2`); a bare number N
 *     still alerts above N seconds, as the peer's -w N did.
 *   - -S and -D (TLS) are refused with a clear message: TLS comes with the
 *     libcurl transport.
 *   - When -e is waited for and nothing at all arrives before the deadline,
 *     the run ends with TD_E_TIMEOUT (the -t state, CRITICAL by default),
 *     summary "no answer within N s". Once some bytes did arrive, the answer
 *     is judged as the peer judges it: more is awaited only while data keeps
 *     coming (TCP_IDLE_MS between reads, the peer's READ_TIMEOUT) and the
 *     deadline allows, then an answer without the strings is a mismatch (-M
 *     state): what the server said is more useful than "timed out".
 *
 * The `time` metric runs from name resolution to the end of the exchange
 * (quit string included), minus the -d delay, as the peer measures it. Its
 * max is the -t timeout, recorded from the common options when the command
 * line is parsed. It is reported whenever a connection was made and the
 * exchange ended before the deadline; a refused or timed-out check has no
 * response time to report.
 *
 * Every socket call is non-blocking and polled against the run's deadline.
 * Name resolution is the exception: getaddrinfo(3) cannot be bounded, so a
 * numeric host skips DNS (AI_NUMERICHOST), and for a name check_main's hard
 * timer (timeout plus a grace) is what ends a hung resolver.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tandem/probe.h"

/* Default cap on the bytes read while waiting for -e strings. */
#define TCP_MAXBYTES_DEFAULT (64 * 1024)
/* -m can raise the cap this far; the answer is held in memory. */
#define TCP_MAXBYTES_MAX (1024 * 1024)
/* Once an answer started, how long a pause ends it (the peer's READ_TIMEOUT). */
#define TCP_IDLE_MS 2000
/* More -e strings than anyone needs; a cap keeps the config bounded. */
#define TCP_EXPECT_MAX 64
/* Longest -s, -q or -e text accepted. */
#define TCP_TEXT_MAX 4096
/* Server text shown in the status line: a banner, or a mismatched answer. */
#define TCP_BANNER_MAX 80
#define TCP_ANSWER_MAX 160

enum {
	OPT_HOST = 1,
	OPT_PORT,
	OPT_IPV4,
	OPT_IPV6,
	OPT_SEND,
	OPT_EXPECT,
	OPT_ALL,
	OPT_QUIT,
	OPT_ESCAPE,
	OPT_REFUSE,
	OPT_MISMATCH,
	OPT_MAXBYTES,
	OPT_DELAY,
	OPT_JAIL,
	OPT_WARN,
	OPT_CRIT,
	OPT_SSL,
	OPT_CERT,
};

struct tcp_config {
	char *host;		   /* as given, [brackets] removed */
	bool numeric;		   /* host is an address literal: no DNS */
	unsigned port;		   /* 1..65535; 0 until -p */
	char service[8];	   /* the port as text, for getaddrinfo */
	int family;		   /* AF_UNSPEC, AF_INET or AF_INET6 */
	char *send_arg, *quit_arg; /* as given; finish turns them into send/quit */
	char *send, *quit;	   /* what goes on the wire, NULL for nothing */
	char **expect;
	size_t n_expect;
	bool all, escape, jail;
	enum td_state refuse_state, mismatch_state;
	size_t maxbytes;
	double delay; /* seconds between sending and reading */
	struct td_range warn, crit;
	double timeout; /* -t, for perfdata max and messages */
};

static const struct td_option tcp_options[] = {
	{ 'H', "hostname", TD_ARG_REQUIRED, "HOST",
	  "Host name or address to connect to; an IPv6 address may be written with or without "
	  "[brackets] (default: 127.0.0.1, or ::1 with -6).",
	  OPT_HOST },
	{ 'p', "port", TD_ARG_REQUIRED, "PORT", "TCP port, 1 to 65535 (required).", OPT_PORT },
	{ '4', "use-ipv4", TD_ARG_NONE, NULL, "Connect over IPv4 only.", OPT_IPV4 },
	{ '6', "use-ipv6", TD_ARG_NONE, NULL, "Connect over IPv6 only.", OPT_IPV6 },
	{ 's', "send", TD_ARG_REQUIRED, "STRING",
	  "String to send once connected (nothing is added).", OPT_SEND },
	{ 'e', "expect", TD_ARG_REQUIRED, "STRING",
	  "String to expect anywhere in the answer; may be repeated. With several, one is "
	  "enough unless -A is given.",
	  OPT_EXPECT },
	{ 'A', "all", TD_ARG_NONE, NULL, "Every -e string must occur in the answer.", OPT_ALL },
	{ 'q', "quit", TD_ARG_REQUIRED, "STRING",
	  "String to send before closing, followed by \\r\\n (nothing added with -E).", OPT_QUIT },
	{ 'E', "escape", TD_ARG_NONE, NULL,
	  "Read \\n, \\r, \\t and \\\\ in the -s and -q strings as newline, carriage return, tab "
	  "and backslash.",
	  OPT_ESCAPE },
	{ 'r', "refuse", TD_ARG_REQUIRED, "ok|warn|crit",
	  "State when the connection is refused (default: crit).", OPT_REFUSE },
	{ 'M', "mismatch", TD_ARG_REQUIRED, "ok|warn|crit",
	  "State when the answer lacks the -e strings (default: warn).", OPT_MISMATCH },
	{ 'm', "maxbytes", TD_ARG_REQUIRED, "N",
	  "Stop reading the answer after N bytes (default: 65536, at most 1048576).",
	  OPT_MAXBYTES },
	{ 'd', "delay", TD_ARG_REQUIRED, "SECONDS",
	  "Wait this long between sending and reading the answer; not counted in the response "
	  "time.",
	  OPT_DELAY },
	{ 'j', "jail", TD_ARG_NONE, NULL, "Do not show the server's answer in the status line.",
	  OPT_JAIL },
	{ 'w', "warning", TD_ARG_REQUIRED, "RANGE",
	  "Response time range for WARNING, in seconds unless a unit is given (500ms); a bare "
	  "number N alerts above N.",
	  OPT_WARN },
	{ 'c', "critical", TD_ARG_REQUIRED, "RANGE", "Response time range for CRITICAL, as -w.",
	  OPT_CRIT },
	{ 'S', "ssl", TD_ARG_NONE, NULL,
	  "Not supported yet (TLS comes with the libcurl transport): exits UNKNOWN.", OPT_SSL },
	{ 'D', "certificate", TD_ARG_REQUIRED, "DAYS[,DAYS]",
	  "Not supported yet (TLS comes with the libcurl transport): exits UNKNOWN.", OPT_CERT },
	TD_OPTION_END,
};

static void *tcp_config_new(void)
{
	struct tcp_config *c = td_xcalloc(1, sizeof *c);
	c->family = AF_UNSPEC;
	c->refuse_state = TD_STATE_CRITICAL;
	c->mismatch_state = TD_STATE_WARNING;
	c->maxbytes = TCP_MAXBYTES_DEFAULT;
	return c;
}

static void tcp_config_free(void *cfg)
{
	struct tcp_config *c = cfg;
	if (!c)
		return;
	free(c->host);
	free(c->send_arg);
	free(c->quit_arg);
	free(c->send);
	free(c->quit);
	for (size_t i = 0; i < c->n_expect; i++)
		free(c->expect[i]);
	free(c->expect);
	free(c);
}

/* -r and -M: the peer's ok, warn and crit, and the core's spellings of them. */
static enum td_err tcp_parse_state(const char *opt, const char *arg, enum td_state *out, char *err,
				   size_t errlen)
{
	enum td_state s;
	if (td_state_parse(arg, &s) != TD_OK || s == TD_STATE_UNKNOWN)
		return td_errf(TD_E_USAGE, err, errlen, "%s: \"%s\" is not ok, warn or crit", opt,
			       arg);
	*out = s;
	return TD_OK;
}

/*
 * The -E escapes: \n \r \t \\. Anything else after a backslash, or a
 * backslash at the end, is an error rather than a guess. *out is malloc'd.
 */
static enum td_err tcp_unescape(const char *opt, const char *in, char **out, char *err,
				size_t errlen)
{
	char *s = td_xmalloc(strlen(in) + 1), *o = s;
	for (const char *p = in; *p; p++) {
		if (*p != '\\') {
			*o++ = *p;
			continue;
		}
		switch (p[1]) {
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case '\\': *o++ = '\\'; break;
		case '\0':
			free(s);
			return td_errf(TD_E_USAGE, err, errlen,
				       "%s: \"%s\" ends with a lone backslash", opt, in);
		default:
			free(s);
			return td_errf(TD_E_USAGE, err, errlen,
				       "%s: \"\\%c\" is not an escape (use \\n, \\r, \\t or \\\\)",
				       opt, p[1]);
		}
		p++;
	}
	*o = '\0';
	*out = s;
	return TD_OK;
}

static enum td_err tcp_set_text(const char *opt, const char *arg, char **dst, char *err,
				size_t errlen)
{
	if (strlen(arg) > TCP_TEXT_MAX)
		return td_errf(TD_E_USAGE, err, errlen, "%s: longer than %d bytes", opt,
			       TCP_TEXT_MAX);
	free(*dst);
	*dst = td_xstrdup(arg);
	return TD_OK;
}

static enum td_err tcp_set_host(struct tcp_config *c, const char *arg, char *err, size_t errlen)
{
	const char *h = arg;
	size_t n = strlen(arg);
	/* [::1] as in URLs: the brackets are not part of the address. */
	if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
		h++;
		n -= 2;
	}
	if (n == 0 || n > 1024)
		return td_errf(TD_E_USAGE, err, errlen, "-H: \"%s\" is not a host name or address",
			       arg);
	free(c->host);
	c->host = td_xstrndup(h, n);
	return TD_OK;
}

static enum td_err tcp_parse_range(const char *opt, const char *arg, struct td_range *out,
				   char *err, size_t errlen)
{
	char why[200];
	if (td_range_parse(arg, TD_UNIT_TIME, out, why, sizeof why) != TD_OK)
		return td_errf(TD_E_USAGE, err, errlen, "%s: %s", opt, why);
	return TD_OK;
}

static enum td_err tcp_option(void *cfg, int id, const char *arg, char *err, size_t errlen)
{
	struct tcp_config *c = cfg;
	unsigned long long n;
	char why[200];
	switch (id) {
	case OPT_HOST: return tcp_set_host(c, arg, err, errlen);
	case TD_OPT_POSITIONAL:
		/* The peer takes a first bare word as the host when -H is absent. */
		if (c->host)
			return td_errf(TD_E_USAGE, err, errlen, "unexpected argument \"%s\"", arg);
		return tcp_set_host(c, arg, err, errlen);
	case OPT_PORT:
		if (td_parse_uint(arg, 1, 65535, &n) != TD_OK)
			return td_errf(TD_E_USAGE, err, errlen,
				       "-p: \"%s\" is not a port from 1 to 65535", arg);
		c->port = (unsigned)n;
		snprintf(c->service, sizeof c->service, "%u", c->port);
		return TD_OK;
	case OPT_IPV4: c->family = AF_INET; return TD_OK;
	case OPT_IPV6: c->family = AF_INET6; return TD_OK;
	case OPT_SEND: return tcp_set_text("-s", arg, &c->send_arg, err, errlen);
	case OPT_QUIT: return tcp_set_text("-q", arg, &c->quit_arg, err, errlen);
	case OPT_EXPECT:
		if (c->n_expect == TCP_EXPECT_MAX)
			return td_errf(TD_E_USAGE, err, errlen, "-e: more than %d strings",
				       TCP_EXPECT_MAX);
		if (strlen(arg) > TCP_TEXT_MAX)
			return td_errf(TD_E_USAGE, err, errlen, "-e: longer than %d bytes",
				       TCP_TEXT_MAX);
		c->expect = td_xrealloc(c->expect, (c->n_expect + 1) * sizeof *c->expect);
		c->expect[c->n_expect++] = td_xstrdup(arg);
		return TD_OK;
	case OPT_ALL: c->all = true; return TD_OK;
	case OPT_ESCAPE: c->escape = true; return TD_OK;
	case OPT_JAIL: c->jail = true; return TD_OK;
	case OPT_REFUSE: return tcp_parse_state("-r", arg, &c->refuse_state, err, errlen);
	case OPT_MISMATCH: return tcp_parse_state("-M", arg, &c->mismatch_state, err, errlen);
	case OPT_MAXBYTES:
		if (td_parse_uint(arg, 1, TCP_MAXBYTES_MAX, &n) != TD_OK)
			return td_errf(TD_E_USAGE, err, errlen,
				       "-m: \"%s\" is not a number from 1 to %d", arg,
				       TCP_MAXBYTES_MAX);
		c->maxbytes = (size_t)n;
		return TD_OK;
	case OPT_DELAY:
		if (td_parse_seconds(arg, &c->delay, why, sizeof why) != TD_OK)
			return td_errf(TD_E_USAGE, err, errlen, "-d: %s", why);
		return TD_OK;
	case OPT_WARN: return tcp_parse_range("-w", arg, &c->warn, err, errlen);
	case OPT_CRIT: return tcp_parse_range("-c", arg, &c->crit, err, errlen);
	case OPT_SSL:
		return td_errf(TD_E_USAGE, err, errlen,
			       "-S: TLS is not supported yet (it comes with libcurl)");
	case OPT_CERT:
		return td_errf(TD_E_USAGE, err, errlen,
			       "-D: certificate checks need TLS, which is not supported yet");
	}
	return td_errf(TD_E_USAGE, err, errlen, "unexpected argument \"%s\"", arg ? arg : "");
}

/* True when text is an address of family af (AF_INET or AF_INET6). */
static bool tcp_is_address(const char *text, int af)
{
	unsigned char a[sizeof(struct in6_addr)];
	return inet_pton(af, text, a) == 1;
}

static enum td_err tcp_finish(void *cfg, const struct td_common *common, char *err, size_t errlen)
{
	struct tcp_config *c = cfg;
	enum td_err rc;
	if (c->port == 0)
		return td_errf(TD_E_USAGE, err, errlen, "-p PORT is required (1 to 65535)");
	if (!c->host)
		c->host = td_xstrdup(c->family == AF_INET6 ? "::1" : "127.0.0.1");
	bool v4 = tcp_is_address(c->host, AF_INET), v6 = tcp_is_address(c->host, AF_INET6);
	if ((c->family == AF_INET && v6) || (c->family == AF_INET6 && v4))
		return td_errf(TD_E_USAGE, err, errlen, "%s given, but \"%s\" is an IPv%d address",
			       c->family == AF_INET ? "-4" : "-6", c->host, v4 ? 4 : 6);
	c->numeric = v4 || v6;
	/* Escapes are applied here, so -E works wherever it stands. */
	free(c->send);
	free(c->quit);
	c->send = c->quit = NULL;
	if (c->send_arg) {
		if (!c->escape)
			c->send = td_xstrdup(c->send_arg);
		else if ((rc = tcp_unescape("-s", c->send_arg, &c->send, err, errlen)) != TD_OK)
			return rc;
	}
	if (c->quit_arg) {
		if (!c->escape)
			c->quit = td_xasprintf("%s\r\n", c->quit_arg);
		else if ((rc = tcp_unescape("-q", c->quit_arg, &c->quit, err, errlen)) != TD_OK)
			return rc;
	}
	c->timeout = common ? common->timeout : 0;
	return TD_OK;
}

/*
 * Marks in found[] each expected string that occurs in data[0..len). Only
 * the bytes from `from` on are new, so the search starts just early enough
 * to catch a string split across two reads. Returns true when the answer is
 * complete: every string found with `all`, else any.
 */
static bool tcp_expect_scan(char *const *expect, size_t n, bool all, bool *found, const char *data,
			    size_t len, size_t from)
{
	size_t hits = 0;
	for (size_t i = 0; i < n; i++) {
		if (!found[i]) {
			size_t elen = strlen(expect[i]);
			size_t start = from >= elen ? from - elen + 1 : 0;
			if (start > len)
				start = len;
			found[i] = memmem(data + start, len - start, expect[i], elen) != NULL;
		}
		hits += found[i];
	}
	return all ? hits == n : hits > 0;
}

/*
 * Server text as one short printable line: leading and trailing white space
 * dropped, runs of white space (CR and LF included) made one space, other
 * control bytes and non-ASCII bytes shown as '?'. With first_line, stops at
 * the first line break after some text. Longer than max characters, it is
 * cut and ends with "...". out needs max + 4 bytes.
 */
static void tcp_sanitize(const char *in, size_t len, bool first_line, size_t max, char *out)
{
	size_t o = 0;
	bool space = false;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)in[i];
		bool ws =
		    ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == '\v' || ch == '\f';
		if (ws) {
			if (first_line && o > 0 && (ch == '\r' || ch == '\n'))
				break;
			space = o > 0;
			continue;
		}
		if (space) {
			if (o == max)
				goto cut;
			out[o++] = ' ';
			space = false;
		}
		if (o == max)
			goto cut;
		out[o++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	out[o] = '\0';
	return;
cut:
	memcpy(out + o, "...", 4);
}

/* How an exchange with a connected server ended. */
enum tcp_outcome {
	TCP_CONNECTED, /* nothing was to be read (no -e) */
	TCP_MATCHED,   /* the expected strings arrived */
	TCP_MISMATCH,  /* an answer came without them */
	TCP_NO_DATA,   /* the server closed without a byte */
};

struct tcp_answer {
	enum tcp_outcome outcome;
	const char *data; /* what was read, not NUL-terminated */
	size_t len;
	double elapsed; /* seconds, the -d delay taken out */
};

/* Turns a finished exchange into summary, state and the time metric. */
static void tcp_evaluate(const struct tcp_config *c, const struct tcp_answer *a,
			 struct td_result *res)
{
	char text[TCP_ANSWER_MAX + 4];
	struct td_metric *m = td_result_metric(res, "time", a->elapsed, "s");
	m->warn = c->warn;
	m->crit = c->crit;
	m->has_min = true;
	m->min = 0;
	if (c->timeout > 0) {
		m->has_max = true;
		m->max = c->timeout;
	}
	switch (a->outcome) {
	case TCP_NO_DATA:
		td_result_raise(res, TD_STATE_CRITICAL);
		td_result_summary(res, "No data received from %s port %u", c->host, c->port);
		return;
	case TCP_MISMATCH:
		td_result_raise(res, c->mismatch_state);
		if (c->jail) {
			td_result_summary(res, "Unexpected response from host/socket on %s port %u",
					  c->host, c->port);
		} else {
			tcp_sanitize(a->data, a->len, false, TCP_ANSWER_MAX, text);
			td_result_summary(res, "Unexpected response from host/socket: %s", text);
		}
		return;
	case TCP_CONNECTED:
	case TCP_MATCHED: break; /* below */
	}
	if (a->outcome == TCP_MATCHED && !c->jail && a->len) {
		tcp_sanitize(a->data, a->len, true, TCP_BANNER_MAX, text);
		td_result_summary(res, "%.3f second response time on %s port %u [%s]", a->elapsed,
				  c->host, c->port, text);
	} else {
		td_result_summary(res, "%.3f second response time on %s port %u", a->elapsed,
				  c->host, c->port);
	}
}

/* The numeric address of ai, for messages. */
static void tcp_addr_text(const struct addrinfo *ai, char *buf, size_t len)
{
	if (getnameinfo(ai->ai_addr, ai->ai_addrlen, buf, (socklen_t)len, NULL, 0, NI_NUMERICHOST))
		snprintf(buf, len, "?");
}

/* The earlier of two deadlines, in milliseconds for poll(2). */
static int tcp_left_ms(const struct td_deadline *a, const struct td_deadline *b)
{
	int x = td_deadline_left_ms(a), y = b ? td_deadline_left_ms(b) : x;
	return x < y ? x : y;
}

/*
 * Waits for events on fd until the deadline (and the optional earlier one).
 * Returns poll's revents, 0 when time ran out, -1 with errno on failure.
 */
static int tcp_wait(int fd, short events, const struct td_deadline *d, const struct td_deadline *d2)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = events };
		int n = poll(&p, 1, tcp_left_ms(d, d2));
		if (n > 0)
			return p.revents;
		if (n == 0) {
			if (td_deadline_expired(d) || (d2 && td_deadline_expired(d2)))
				return 0;
			continue; /* poll's clock and ours may differ by a tick: wait the rest */
		}
		if (errno != EINTR)
			return -1;
	}
}

/*
 * One non-blocking connect, given until `until`. Returns the socket, or -1
 * with *error set (ETIMEDOUT when the time ran out).
 */
static int tcp_connect_one(const struct addrinfo *ai, const struct td_deadline *d,
			   const struct td_deadline *until, int *error)
{
	int fd =
	    socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
	if (fd < 0) {
		*error = errno;
		return -1;
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return fd;
	if (errno != EINPROGRESS && errno != EINTR) {
		*error = errno;
		close(fd);
		return -1;
	}
	int ev = tcp_wait(fd, POLLOUT, d, until);
	if (ev <= 0) {
		*error = ev == 0 ? ETIMEDOUT : errno;
		close(fd);
		return -1;
	}
	int soerr = 0;
	socklen_t sl = sizeof soerr;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
		soerr = errno;
	if (soerr) {
		*error = soerr;
		close(fd);
		return -1;
	}
	return fd;
}

/* Why no connection was made, when none was. */
enum tcp_connect_fail {
	TCP_FAIL_NONE,
	TCP_FAIL_REFUSED, /* some address refused: the host is up, the port closed */
	TCP_FAIL_TIMEOUT, /* the run's deadline passed */
	TCP_FAIL_LOCAL,	  /* no socket could even be made */
	TCP_FAIL_OTHER,	  /* unreachable, reset, ... (last_error) */
};

/*
 * Tries each address in turn. While others remain, one attempt gets an
 * equal share of the time left, so a black-holed first address (IPv6 that
 * routes nowhere) does not eat the whole deadline.
 */
static int tcp_connect(const struct addrinfo *list, const struct td_run_ctx *ctx,
		       struct td_result *res, bool tell, enum tcp_connect_fail *why,
		       int *last_error)
{
	size_t n = 0, i = 0;
	bool refused = false, tried = false;
	char addr[INET6_ADDRSTRLEN + 8];
	for (const struct addrinfo *ai = list; ai; ai = ai->ai_next)
		n++;
	*last_error = 0;
	for (const struct addrinfo *ai = list; ai; ai = ai->ai_next, i++) {
		if (td_deadline_expired(&ctx->deadline))
			break;
		struct td_deadline until =
		    td_deadline_in(td_deadline_left(&ctx->deadline) / (double)(n - i));
		int error = 0, fd = tcp_connect_one(ai, &ctx->deadline, &until, &error);
		tcp_addr_text(ai, addr, sizeof addr);
		if (fd >= 0) {
			if (ctx->verbose)
				td_result_line(res, "connected to %s", addr);
			*why = TCP_FAIL_NONE;
			return fd;
		}
		if (tell)
			td_result_line(res, "%s: %s", addr, strerror(error));
		if (error == ECONNREFUSED)
			refused = true;
		if (error != EAFNOSUPPORT && error != EPROTONOSUPPORT)
			tried = true;
		*last_error = error;
	}
	if (refused)
		*why = TCP_FAIL_REFUSED;
	else if (td_deadline_expired(&ctx->deadline))
		*why = TCP_FAIL_TIMEOUT;
	else
		*why = tried ? TCP_FAIL_OTHER : TCP_FAIL_LOCAL;
	return -1;
}

/* Sends all of data before the deadline; 0, or an errno (ETIMEDOUT). */
static int tcp_send_all(int fd, const char *data, size_t len, const struct td_deadline *d)
{
	while (len > 0) {
		ssize_t n = send(fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			data += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return errno;
		int ev = tcp_wait(fd, POLLOUT, d, NULL);
		if (ev == 0)
			return ETIMEDOUT;
		if (ev < 0)
			return errno;
	}
	return 0;
}

/* Sleeps up to seconds, not past the deadline; returns the time slept. */
static double tcp_sleep(double seconds, const struct td_deadline *d)
{
	double t0 = td_now();
	struct td_deadline until = td_deadline_in(seconds);
	while (!td_deadline_expired(&until) && !td_deadline_expired(d))
		poll(NULL, 0, tcp_left_ms(d, &until));
	return td_now() - t0;
}

/*
 * Reads the answer into buf (c->maxbytes) until the expected strings are
 * in it, the server closes, the cap is reached, or the answer pauses for
 * TCP_IDLE_MS. TD_E_TIMEOUT when the deadline passes before any byte came.
 */
static enum td_err tcp_read_answer(const struct tcp_config *c, int fd, const struct td_deadline *d,
				   char *buf, size_t *len, enum tcp_outcome *outcome)
{
	bool *found = td_xcalloc(c->n_expect, sizeof *found);
	enum td_err rc = TD_OK;
	int saved = 0;
	*len = 0;
	*outcome = TCP_MISMATCH;
	while (*len < c->maxbytes) {
		struct td_deadline idle = td_deadline_in(TCP_IDLE_MS / 1000.0);
		int ev = tcp_wait(fd, POLLIN, d, *len ? &idle : NULL);
		if (ev == 0) {
			if (*len == 0)
				rc = TD_E_TIMEOUT;
			break;
		}
		if (ev < 0) {
			saved = errno;
			rc = TD_E_IO;
			break;
		}
		ssize_t n = recv(fd, buf + *len, c->maxbytes - *len, MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
			continue;
		if (n <= 0) /* end of stream, or reset: judge what came */
			break;
		size_t from = *len;
		*len += (size_t)n;
		if (tcp_expect_scan(c->expect, c->n_expect, c->all, found, buf, *len, from)) {
			*outcome = TCP_MATCHED;
			break;
		}
	}
	if (rc == TD_OK && *len == 0)
		*outcome = TCP_NO_DATA;
	free(found);
	errno = saved; /* for the caller's message when poll failed */
	return rc;
}

static enum td_err tcp_resolve(const struct tcp_config *c, struct addrinfo **list,
			       struct td_result *res)
{
	struct addrinfo hints;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = c->family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	hints.ai_flags = AI_NUMERICSERV | (c->numeric ? AI_NUMERICHOST : 0);
	int g = getaddrinfo(c->host, c->service, &hints, list);
	if (g == 0)
		return TD_OK;
	*list = NULL;
	td_result_summary(res, "cannot resolve %s: %s", c->host,
			  g == EAI_SYSTEM ? strerror(errno) : gai_strerror(g));
	if (g != EAI_NONAME)
		return TD_E_IO; /* the resolver failed: UNKNOWN */
	/* A name that does not exist is a target that cannot be reached (the peer's view). */
	td_result_raise(res, TD_STATE_CRITICAL);
	return TD_OK;
}

static enum td_err tcp_run(const void *cfg, const struct td_run_ctx *ctx, struct td_result *res)
{
	const struct tcp_config *c = cfg;
	struct addrinfo *list = NULL;
	char *buf = NULL, secs[TD_NUMBER_MAX];
	int fd = -1, error;
	enum td_err rc;
	enum tcp_connect_fail why;
	struct tcp_answer a = { .outcome = TCP_CONNECTED };
	double slept = 0, t0 = td_now();
	double limit = ctx->timeout > 0 ? ctx->timeout : c->timeout;
	td_fmt_number(limit > 0 ? limit : td_deadline_left(&ctx->deadline), secs, sizeof secs);

	if ((rc = tcp_resolve(c, &list, res)) != TD_OK || !list)
		goto out;
	fd = tcp_connect(list, ctx, res, ctx->verbose > 0 || (list->ai_next != NULL), &why, &error);
	if (fd < 0) {
		switch (why) {
		case TCP_FAIL_REFUSED:
			td_result_raise(res, c->refuse_state);
			td_result_summary(res, "Connection refused on %s port %u", c->host,
					  c->port);
			break;
		case TCP_FAIL_TIMEOUT:
			td_result_summary(res, "no connection to %s port %u within %s s", c->host,
					  c->port, secs);
			rc = TD_E_TIMEOUT;
			break;
		case TCP_FAIL_LOCAL:
			td_result_summary(res, "cannot create a socket for %s: %s", c->host,
					  strerror(error));
			rc = TD_E_IO;
			break;
		case TCP_FAIL_NONE:
		case TCP_FAIL_OTHER:
			td_result_raise(res, TD_STATE_CRITICAL);
			td_result_summary(res, "Connection to %s port %u failed: %s", c->host,
					  c->port, strerror(error));
			break;
		}
		goto out;
	}
	if (ctx->verbose)
		td_result_line(res, "resolved and connected in %.6f s", td_now() - t0);

	if (c->send && (error = tcp_send_all(fd, c->send, strlen(c->send), &ctx->deadline))) {
		if (error == ETIMEDOUT) {
			td_result_summary(res, "could not send to %s port %u within %s s", c->host,
					  c->port, secs);
			rc = TD_E_TIMEOUT;
		} else {
			td_result_raise(res, TD_STATE_CRITICAL);
			td_result_summary(res, "Sending to %s port %u failed: %s", c->host, c->port,
					  strerror(error));
		}
		goto out;
	}
	if (c->delay > 0)
		slept = tcp_sleep(c->delay, &ctx->deadline);
	if (c->n_expect) {
		buf = td_xmalloc(c->maxbytes);
		rc = tcp_read_answer(c, fd, &ctx->deadline, buf, &a.len, &a.outcome);
		if (rc == TD_E_TIMEOUT) {
			td_result_summary(res, "no answer within %s s", secs);
			goto out;
		}
		if (rc != TD_OK) {
			td_result_summary(res, "reading from %s port %u failed: %s", c->host,
					  c->port, strerror(errno));
			goto out;
		}
		a.data = buf;
		if (ctx->verbose) {
			char text[TCP_ANSWER_MAX + 4];
			tcp_sanitize(buf, a.len, false, TCP_ANSWER_MAX, text);
			td_result_line(res, "received %zu bytes: %s", a.len, text);
		}
	}
	/* The quit string is a courtesy: the measurement is already made. */
	if (c->quit)
		tcp_send_all(fd, c->quit, strlen(c->quit), &ctx->deadline);
	/* Whole microseconds: finer digits would only be the clock's noise. */
	a.elapsed = round((td_now() - t0 - slept) * 1e6) / 1e6;
	if (a.elapsed < 0)
		a.elapsed = 0;
	tcp_evaluate(c, &a, res);
out:
	if (fd >= 0)
		close(fd);
	if (list)
		freeaddrinfo(list);
	free(buf);
	return rc;
}

const struct td_probe td_probe_tcp = {
	.name = "tcp",
	.label = "TCP",
	.purpose = "check that a TCP port accepts connections and answers as expected",
	.help_tail =
	    "The response time runs from name resolution to the end of the exchange, without\n"
	    "the -d delay. A refused connection is CRITICAL unless -r says otherwise; an\n"
	    "answer without the -e strings is WARNING unless -M says otherwise (once an\n"
	    "answer has started, a pause of 2 s ends it); no answer at all before the\n"
	    "timeout takes the -t state.\n"
	    "\n"
	    "Examples:\n"
	    "  check_tcp -H db.example -p 5432 -w 0.5 -c 2     response time in seconds\n"
	    "  check_tcp -H mail.example -p 25 -e 220 -q QUIT  expect an SMTP greeting\n"
	    "  check_tcp -H ::1 -p 6379 -E -s 'PING\\r\\n' -e +PONG -w 50ms\n",
	.options = tcp_options,
	.config_new = tcp_config_new,
	.config_free = tcp_config_free,
	.option = tcp_option,
	.finish = tcp_finish,
	.run = tcp_run,
};

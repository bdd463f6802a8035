/*
 * snmp_session.c - the one file that talks to net-snmp (see snmp.h).
 *
 * Requests go out with net-snmp's single-session API (snmp_sess_*), and the
 * wait for an answer is our own poll(2) on the session's socket, bounded by
 * the caller's deadline; net-snmp only says when its next retransmission is
 * due (snmp_sess_select_info2) and does it (snmp_sess_timeout). No SIGALRM,
 * no select() limited to FD_SETSIZE, no blocking call without a bound.
 *
 * net-snmp is initialised once (pthread_once) without reading snmp.conf,
 * without persistent files, without logging to stderr, and with an empty
 * MIB search path, so a check with numeric OIDs opens no MIB file at all.
 * MIB directories and modules are loaded the first time a name has to be
 * resolved.
 */
#include "config.h"

/* net-snmp's configuration header defines autoconf's PACKAGE_* too. */
#undef PACKAGE_BUGREPORT
#undef PACKAGE_NAME
#undef PACKAGE_STRING
#undef PACKAGE_TARNAME
#undef PACKAGE_URL
#undef PACKAGE_VERSION

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/library/large_fd_set.h>

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tandem/buf.h"
#include "tandem/snmp.h"
#include "tandem/unit.h"

/* ---- target options (pure) ---------------------------------------------------------------- */

#define SNMP_SECRET_MAX 1024
#define SNMP_NAME_MAX 255

void td_snmp_target_init(struct td_snmp_target *t)
{
	memset(t, 0, sizeof *t);
	t->port = 161;
	t->version = TD_SNMP_V2C;
	t->auth = TD_SNMP_AUTH_MD5;
	t->priv = TD_SNMP_PRIV_DES;
	t->retries = 5;
}

void td_snmp_target_cleanup(struct td_snmp_target *t)
{
	if (!t)
		return;
	td_free_secret(&t->community);
	td_free_secret(&t->auth_pass);
	td_free_secret(&t->priv_pass);
	free(t->host);
	free(t->user);
	free(t->context);
	free(t->mibs);
	memset(t, 0, sizeof *t);
}

static void snmp_set(char **slot, const char *arg)
{
	free(*slot);
	*slot = td_xstrdup(arg);
}

static void snmp_set_secret(char **slot, const char *arg)
{
	td_free_secret(slot);
	*slot = td_xstrdup(arg);
}

/* A host as net-snmp takes it after "udp:": a name or an address, nothing it would re-parse. */
static bool snmp_host_ok(const char *h)
{
	size_t n = strlen(h);
	if (n == 0 || n > SNMP_NAME_MAX || h[0] == '-')
		return false;
	for (const char *p = h; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr(".-_:%[]", *p))
			return false;
	return true;
}

static const struct {
	const char *name;
	enum td_snmp_auth auth;
} snmp_auth_names[] = {
	{ "MD5", TD_SNMP_AUTH_MD5 },	   { "SHA", TD_SNMP_AUTH_SHA1 },
	{ "SHA1", TD_SNMP_AUTH_SHA1 },	   { "SHA-1", TD_SNMP_AUTH_SHA1 },
	{ "SHA-224", TD_SNMP_AUTH_SHA224 }, { "SHA224", TD_SNMP_AUTH_SHA224 },
	{ "SHA-256", TD_SNMP_AUTH_SHA256 }, { "SHA256", TD_SNMP_AUTH_SHA256 },
	{ "SHA-384", TD_SNMP_AUTH_SHA384 }, { "SHA384", TD_SNMP_AUTH_SHA384 },
	{ "SHA-512", TD_SNMP_AUTH_SHA512 }, { "SHA512", TD_SNMP_AUTH_SHA512 },
};

static const struct {
	const char *name;
	enum td_snmp_priv priv;
} snmp_priv_names[] = {
	{ "DES", TD_SNMP_PRIV_DES },	     { "AES", TD_SNMP_PRIV_AES128 },
	{ "AES128", TD_SNMP_PRIV_AES128 },  { "AES-128", TD_SNMP_PRIV_AES128 },
	{ "AES192", TD_SNMP_PRIV_AES192 },  { "AES-192", TD_SNMP_PRIV_AES192 },
	{ "AES256", TD_SNMP_PRIV_AES256 },  { "AES-256", TD_SNMP_PRIV_AES256 },
};

static enum td_err snmp_passphrase(char **slot, const char *opt, const char *arg, char *err,
				   size_t errlen)
{
	size_t n = strlen(arg);
	/* net-snmp refuses shorter ones (USM_LENGTH_P_MIN); the text is never echoed. */
	if (n < 8)
		return td_errf(TD_E_USAGE, err, errlen,
			       "%s: a passphrase has at least 8 characters", opt);
	if (n > SNMP_SECRET_MAX)
		return td_errf(TD_E_USAGE, err, errlen,
			       "%s: a passphrase has at most %d characters", opt, SNMP_SECRET_MAX);
	snmp_set_secret(slot, arg);
	return TD_OK;
}

enum td_err td_snmp_target_option(struct td_snmp_target *t, int id, const char *arg, char *err,
				  size_t errlen)
{
	unsigned long long n;
	switch (id) {
	case TD_SNMP_OPT_HOST:
		if (!snmp_host_ok(arg))
			return td_errf(TD_E_USAGE, err, errlen,
				       "-H: \"%.64s\" is not a host name or an address", arg);
		snmp_set(&t->host, arg);
		return TD_OK;
	case TD_SNMP_OPT_PORT:
		if (td_parse_uint(arg, 1, 65535, &n) != TD_OK)
			return td_errf(TD_E_USAGE, err, errlen,
				       "-p: \"%.64s\" is not a port (1 to 65535)", arg);
		t->port = (unsigned)n;
		return TD_OK;
	case TD_SNMP_OPT_IPV4: t->ipv6 = false; return TD_OK;
	case TD_SNMP_OPT_IPV6: t->ipv6 = true; return TD_OK;
	case TD_SNMP_OPT_COMMUNITY:
		if (strlen(arg) > SNMP_NAME_MAX)
			return td_errf(TD_E_USAGE, err, errlen,
				       "-C: a community has at most %d characters", SNMP_NAME_MAX);
		snmp_set_secret(&t->community, arg);
		return TD_OK;
	case TD_SNMP_OPT_VERSION:
		if (!strcmp(arg, "1") || !strcasecmp(arg, "v1"))
			t->version = TD_SNMP_V1;
		else if (!strcmp(arg, "2") || !strcasecmp(arg, "2c") || !strcasecmp(arg, "v2c"))
			t->version = TD_SNMP_V2C;
		else if (!strcmp(arg, "3") || !strcasecmp(arg, "v3"))
			t->version = TD_SNMP_V3;
		else
			return td_errf(TD_E_USAGE, err, errlen, "-P: \"%.64s\" is not 1, 2c or 3",
				       arg);
		t->version_set = true;
		return TD_OK;
	case TD_SNMP_OPT_LEVEL:
		if (!strcasecmp(arg, "noAuthNoPriv"))
			t->level = TD_SNMP_NOAUTH;
		else if (!strcasecmp(arg, "authNoPriv"))
			t->level = TD_SNMP_AUTHNOPRIV;
		else if (!strcasecmp(arg, "authPriv"))
			t->level = TD_SNMP_AUTHPRIV;
		else
			return td_errf(TD_E_USAGE, err, errlen,
				       "-L: \"%.64s\" is not noAuthNoPriv, authNoPriv or authPriv",
				       arg);
		t->level_set = true;
		return TD_OK;
	case TD_SNMP_OPT_USER:
		if (!*arg || strlen(arg) > 32)
			return td_errf(TD_E_USAGE, err, errlen,
				       "-U: a user name has 1 to 32 characters");
		snmp_set(&t->user, arg);
		return TD_OK;
	case TD_SNMP_OPT_CONTEXT:
		if (strlen(arg) > 32)
			return td_errf(TD_E_USAGE, err, errlen,
				       "-N: a context name has at most 32 characters");
		snmp_set(&t->context, arg);
		return TD_OK;
	case TD_SNMP_OPT_AUTH:
		for (size_t i = 0; i < sizeof snmp_auth_names / sizeof snmp_auth_names[0]; i++)
			if (!strcasecmp(arg, snmp_auth_names[i].name)) {
				t->auth = snmp_auth_names[i].auth;
				return TD_OK;
			}
		return td_errf(
		    TD_E_USAGE, err, errlen,
		    "-a: \"%.64s\" is not MD5, SHA, SHA-224, SHA-256, SHA-384 or SHA-512", arg);
	case TD_SNMP_OPT_PRIV:
		for (size_t i = 0; i < sizeof snmp_priv_names / sizeof snmp_priv_names[0]; i++)
			if (!strcasecmp(arg, snmp_priv_names[i].name)) {
				t->priv = snmp_priv_names[i].priv;
				return TD_OK;
			}
		return td_errf(TD_E_USAGE, err, errlen,
			       "-x: \"%.64s\" is not DES, AES, AES-192 or AES-256", arg);
	case TD_SNMP_OPT_AUTH_PASS: return snmp_passphrase(&t->auth_pass, "-A", arg, err, errlen);
	case TD_SNMP_OPT_PRIV_PASS: return snmp_passphrase(&t->priv_pass, "-X", arg, err, errlen);
	case TD_SNMP_OPT_RETRIES:
		if (td_parse_uint(arg, 0, 10, &n) != TD_OK)
			return td_errf(TD_E_USAGE, err, errlen,
				       "-e: \"%.64s\" is not a number from 0 to 10", arg);
		t->retries = (unsigned)n;
		return TD_OK;
	case TD_SNMP_OPT_MIBS:
		if (!*arg || strlen(arg) > 1024 ||
		    strspn(arg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
				"-_.:/+") != strlen(arg))
			return td_errf(TD_E_USAGE, err, errlen,
				       "-m: \"%.64s\" is not a list of MIB modules like "
				       "IF-MIB:HOST-RESOURCES-MIB "
				       "or ALL",
				       arg);
		snmp_set(&t->mibs, arg);
		return TD_OK;
	}
	return td_errf(TD_E_INTERNAL, err, errlen, "unknown SNMP option %d", id);
}

enum td_err td_snmp_target_finish(struct td_snmp_target *t, char *err, size_t errlen)
{
	if (!t->host)
		return td_errf(TD_E_USAGE, err, errlen, "-H: the agent's address is required");
	if (t->user && !t->version_set)
		t->version = TD_SNMP_V3;
	if (t->version != TD_SNMP_V3) {
		if (t->user || t->auth_pass || t->priv_pass || t->level_set)
			return td_errf(TD_E_USAGE, err, errlen,
				       "-U, -L, -A and -X are SNMPv3 options: add -P 3");
		if (!t->community)
			t->community = td_xstrdup("public");
		return TD_OK;
	}
	if (!t->user)
		return td_errf(TD_E_USAGE, err, errlen, "-P 3: -U names the SNMPv3 user");
	if (!t->level_set)
		t->level = t->priv_pass ? TD_SNMP_AUTHPRIV
			   : t->auth_pass ? TD_SNMP_AUTHNOPRIV
					  : TD_SNMP_NOAUTH;
	if (t->level >= TD_SNMP_AUTHNOPRIV && !t->auth_pass)
		return td_errf(TD_E_USAGE, err, errlen,
			       "-L %s: -A gives the authentication passphrase",
			       t->level == TD_SNMP_AUTHPRIV ? "authPriv" : "authNoPriv");
	if (t->level == TD_SNMP_AUTHPRIV && !t->priv_pass)
		return td_errf(TD_E_USAGE, err, errlen,
			       "-L authPriv: -X gives the privacy passphrase");
	return TD_OK;
}

/* ---- OIDs and values (pure) ---------------------------------------------------------------- */

enum td_err td_snmp_oid_parse(const char *text, struct td_snmp_oid *out)
{
	const char *p = text;
	struct td_snmp_oid o = { .len = 0 };
	if (!p || strlen(p) > TD_SNMP_OID_TEXT_MAX)
		return TD_E_PARSE;
	if (*p == '.')
		p++;
	for (;;) {
		const char *e = p;
		while (*e >= '0' && *e <= '9')
			e++;
		if (e == p || e - p > 10 || (e - p > 1 && *p == '0'))
			return TD_E_PARSE;
		uint64_t v = 0;
		for (const char *q = p; q < e; q++)
			v = v * 10 + (uint64_t)(*q - '0');
		if (v > UINT32_MAX || o.len == TD_SNMP_OID_MAX)
			return TD_E_PARSE;
		o.sub[o.len++] = (uint32_t)v;
		if (*e == '\0')
			break;
		if (*e != '.')
			return TD_E_PARSE;
		p = e + 1;
	}
	/* The first arc is 0, 1 or 2 (X.660); "5" alone is a typo, not an OID. */
	if (o.len < 2 || o.sub[0] > 2)
		return TD_E_PARSE;
	*out = o;
	return TD_OK;
}

char *td_snmp_oid_format(const struct td_snmp_oid *oid, char *buf, size_t len)
{
	size_t used = 0;
	if (len == 0)
		return buf;
	buf[0] = '\0';
	for (size_t i = 0; i < oid->len && used < len; i++) {
		int n = snprintf(buf + used, len - used, "%s%" PRIu32, i ? "." : "", oid->sub[i]);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	return buf;
}

int td_snmp_oid_cmp(const struct td_snmp_oid *a, const struct td_snmp_oid *b)
{
	size_t n = a->len < b->len ? a->len : b->len;
	for (size_t i = 0; i < n; i++)
		if (a->sub[i] != b->sub[i])
			return a->sub[i] < b->sub[i] ? -1 : 1;
	return (a->len > b->len) - (a->len < b->len);
}

bool td_snmp_oid_under(const struct td_snmp_oid *oid, const struct td_snmp_oid *root)
{
	return oid->len > root->len && !memcmp(oid->sub, root->sub, root->len * sizeof oid->sub[0]);
}

bool td_snmp_oid_append(struct td_snmp_oid *oid, const uint32_t *sub, size_t n)
{
	if (n > TD_SNMP_OID_MAX - oid->len)
		return false;
	memcpy(oid->sub + oid->len, sub, n * sizeof *sub);
	oid->len += n;
	return true;
}

void td_snmp_value_cleanup(struct td_snmp_value *v)
{
	if (!v)
		return;
	free(v->text);
	v->text = NULL;
	v->len = 0;
	v->type = TD_SNMP_T_NONE;
}

const char *td_snmp_type_name(enum td_snmp_type t)
{
	switch (t) {
	case TD_SNMP_T_NONE: return "no value";
	case TD_SNMP_T_INTEGER: return "INTEGER";
	case TD_SNMP_T_UNSIGNED: return "Gauge32";
	case TD_SNMP_T_COUNTER32: return "Counter32";
	case TD_SNMP_T_COUNTER64: return "Counter64";
	case TD_SNMP_T_TIMETICKS: return "Timeticks";
	case TD_SNMP_T_FLOAT: return "Opaque float";
	case TD_SNMP_T_OCTETS: return "STRING";
	case TD_SNMP_T_OID: return "OID";
	case TD_SNMP_T_IPADDR: return "IpAddress";
	case TD_SNMP_T_NULL: return "NULL";
	case TD_SNMP_T_NOSUCHOBJECT: return "noSuchObject";
	case TD_SNMP_T_NOSUCHINSTANCE: return "noSuchInstance";
	case TD_SNMP_T_ENDOFMIBVIEW: return "endOfMibView";
	}
	return "unknown type";
}

bool td_snmp_value_missing(const struct td_snmp_value *v)
{
	return v->type == TD_SNMP_T_NONE || v->type == TD_SNMP_T_NULL ||
	       v->type == TD_SNMP_T_NOSUCHOBJECT || v->type == TD_SNMP_T_NOSUCHINSTANCE ||
	       v->type == TD_SNMP_T_ENDOFMIBVIEW;
}

bool td_snmp_value_number(const struct td_snmp_value *v, double *out)
{
	switch (v->type) {
	case TD_SNMP_T_INTEGER: *out = (double)v->i; return true;
	case TD_SNMP_T_UNSIGNED:
	case TD_SNMP_T_COUNTER32:
	case TD_SNMP_T_COUNTER64:
	case TD_SNMP_T_TIMETICKS: *out = (double)v->u; return true;
	case TD_SNMP_T_FLOAT: *out = v->d; return isfinite(v->d);
	case TD_SNMP_T_OCTETS: {
		if (!v->text || v->len > 64 || memchr(v->text, '\0', v->len))
			return false;
		const char *s = v->text, *e = v->text + v->len;
		while (s < e && isspace((unsigned char)*s))
			s++;
		while (e > s && isspace((unsigned char)e[-1]))
			e--;
		return e > s && td_parse_number(s, e, out) == TD_OK;
	}
	default: return false;
	}
}

bool td_snmp_counter_delta(enum td_snmp_type type, uint64_t prev, uint64_t cur, uint64_t *delta)
{
	if (cur >= prev) {
		*delta = cur - prev;
		return true;
	}
	if (type == TD_SNMP_T_COUNTER32 && prev <= UINT32_MAX) {
		*delta = (uint64_t)(uint32_t)((uint32_t)cur - (uint32_t)prev);
		return true;
	}
	if (type == TD_SNMP_T_COUNTER64 && prev >= (UINT64_C(1) << 63)) {
		*delta = cur - prev; /* modulo 2^64 */
		return true;
	}
	return false;
}

static bool snmp_printable(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		/* a trailing newline (extend scripts) is still text */
		if ((c < 0x20 && c != '\t' && !(c == '\n' && i + 1 == n)) || c == 0x7f)
			return false;
	}
	return true;
}

void td_snmp_value_text(const struct td_snmp_value *v, char *buf, size_t len)
{
	char num[TD_NUMBER_MAX];
	if (len == 0)
		return;
	switch (v->type) {
	case TD_SNMP_T_INTEGER: snprintf(buf, len, "%" PRId64, v->i); return;
	case TD_SNMP_T_UNSIGNED:
	case TD_SNMP_T_COUNTER32:
	case TD_SNMP_T_COUNTER64:
	case TD_SNMP_T_TIMETICKS: snprintf(buf, len, "%" PRIu64, v->u); return;
	case TD_SNMP_T_FLOAT:
		snprintf(buf, len, "%s", td_fmt_number(v->d, num, sizeof num));
		return;
	case TD_SNMP_T_OCTETS:
		if (snmp_printable(v->text, v->len)) {
			size_t n = v->len && v->text[v->len - 1] == '\n' ? v->len - 1 : v->len;
			snprintf(buf, len, "%.*s", (int)(n < len ? n : len - 1), v->text);
			return;
		}
		/* binary (a MAC address, a bitmap): hex, as colon-separated octets */
		buf[0] = '\0';
		for (size_t i = 0, used = 0; i < v->len && used + 4 < len; i++)
			used += (size_t)snprintf(buf + used, len - used, "%s%02x", i ? ":" : "",
						 (unsigned char)v->text[i]);
		return;
	case TD_SNMP_T_OID:
	case TD_SNMP_T_IPADDR: snprintf(buf, len, "%s", v->text ? v->text : ""); return;
	default: snprintf(buf, len, "%s", td_snmp_type_name(v->type)); return;
	}
}

/* ---- net-snmp ------------------------------------------------------------------------------ */

/*
 * The lock, the once-control and two flags are the only mutable statics:
 * net-snmp's own state is global, and these serialise what touches it (see
 * snmp.h).
 */
static pthread_once_t snmp_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t snmp_lock = PTHREAD_MUTEX_INITIALIZER;
static bool snmp_full_done;	/* init_snmp ran; under snmp_lock */
static bool snmp_mib_done;	/* the MIB tree exists; under snmp_lock */
static bool snmp_mibdirs_added; /* under snmp_lock */

/*
 * What every use needs: settings, no output. SNMPv1 and v2c sessions need
 * nothing more (snmp_sess_init sets up the transports), and skipping
 * init_snmp saves 1.5 ms of OpenSSL and MIB set-up per check.
 */
static void snmp_base_once(void)
{
	/*
	 * Library code never prints. net-snmp logs to stderr when no handler is
	 * registered, so register one that drops everything.
	 */
	netsnmp_register_loghandler(NETSNMP_LOGHANDLER_NONE, LOG_DEBUG);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
	/* check_main owns SIGALRM; net-snmp must not arm alarm(2) for its own timers. */
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_ALARM_DONT_USE_SIG, 1);
	/*
	 * init_snmp creates <persistent dir>/cert_indexes (for TLS transports we
	 * never use) under /var/lib/snmp; a path below a device that can never be
	 * a directory keeps it off the disk. Nothing else of ours is persistent.
	 */
	netsnmp_ds_set_string(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_PERSISTENT_DIR,
			      "/dev/null/tandem-snmp");
	/* No MIB directory: init_snmp then finds no module, whatever $MIBS asks for. */
	netsnmp_ds_set_string(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_MIBDIRS, "");
}

/* The full library, for SNMPv3 (USM, crypto) and MIB names. Locked. */
static void snmp_full_init(void)
{
	if (snmp_full_done)
		return;
	snmp_full_done = true;
	snmp_mib_done = true;
	init_snmp("tandem"); /* its netsnmp_init_mib does nothing when the tree exists */
	/* init_snmp sets its defaults; MIB parse errors cost time and go nowhere */
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_MIB_ERRORS, 0);
	netsnmp_ds_set_int(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_MIB_WARNINGS, 0);
}

/*
 * The MIB tree alone, for names with v1/v2c: init_snmp's crypto and TLS set-up
 * would double the cost of such a check. Locked.
 */
static void snmp_mib_init(void)
{
	if (snmp_mib_done)
		return;
	snmp_mib_done = true;
	netsnmp_init_mib();
}

void td_snmp_init(void)
{
	pthread_once(&snmp_once, snmp_base_once);
	pthread_mutex_lock(&snmp_lock);
	snmp_full_init();
	pthread_mutex_unlock(&snmp_lock);
}

/* Takes the lock, waiting no later than the deadline. */
static bool snmp_lock_until(const struct td_deadline *dl)
{
	return pthread_mutex_clocklock(&snmp_lock, CLOCK_MONOTONIC, &dl->at) == 0;
}

static void snmp_unlock(void)
{
	pthread_mutex_unlock(&snmp_lock);
}

/* Adds the MIB directories ($MIBDIRS, else net-snmp's default) and loads modules. Locked. */
static void snmp_load_mibs(const char *mibs)
{
	if (!snmp_mibdirs_added) {
		snmp_mibdirs_added = true;
		netsnmp_ds_set_string(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_MIBDIRS, NULL);
		netsnmp_fixup_mib_directory();
		const char *dirs = netsnmp_get_mib_directory();
		char *copy = td_xstrdup(dirs ? dirs : "");
		for (char *p = copy, *colon; p && *p; p = colon ? colon + 1 : NULL) {
			colon = strchr(p, ':');
			if (colon)
				*colon = '\0';
			if (*p)
				add_mibdir(p);
		}
		free(copy);
	}
	const char *list = mibs ? mibs : getenv("MIBS");
	if (!list || !*list)
		list = "ALL";
	char *copy = td_xstrdup(*list == '+' ? list + 1 : list);
	for (char *p = copy, *colon; p && *p; p = colon ? colon + 1 : NULL) {
		colon = strchr(p, ':');
		if (colon)
			*colon = '\0';
		if (!strcmp(p, "ALL"))
			read_all_mibs();
		else if (strchr(p, '/'))
			read_mib(p);
		else if (*p)
			netsnmp_read_module(p);
	}
	free(copy);
}

/* get_node knows `label.suffix` anywhere in the tree and MODULE::label; read_objid full paths. */
static bool snmp_lookup(const char *name, oid *buf, size_t *len)
{
	size_t cap = *len;
	if (get_node(name, buf, len))
		return true;
	*len = cap;
	if (read_objid(name, buf, len))
		return true;
	*len = cap;
	return false;
}

enum td_err td_snmp_resolve(const char *name, const char *mibs, struct td_snmp_oid *out,
			    char *err, size_t errlen)
{
	oid buf[MAX_OID_LEN];
	size_t len = MAX_OID_LEN;
	if (td_snmp_oid_parse(name, out) == TD_OK)
		return TD_OK;
	pthread_once(&snmp_once, snmp_base_once);
	if (strlen(name) > TD_SNMP_OID_TEXT_MAX)
		return td_errf(TD_E_USAGE, err, errlen, "-o: an OID has at most %d characters",
			       TD_SNMP_OID_TEXT_MAX);
	pthread_mutex_lock(&snmp_lock);
	snmp_mib_init();
	/* Names under the built-in root (iso.3.6...) need no file; others load the MIBs once. */
	bool found = snmp_lookup(name, buf, &len);
	if (!found) {
		snmp_load_mibs(mibs);
		len = MAX_OID_LEN;
		found = snmp_lookup(name, buf, &len);
	}
	char *dirs = found ? NULL : td_xstrdup(netsnmp_get_mib_directory());
	snmp_unlock();
	if (!found) {
		const char *list = mibs ? mibs : getenv("MIBS");
		td_errf(TD_E_NOTFOUND, err, errlen,
			"OID \"%.128s\": no loaded MIB defines this name (modules %.64s from "
			"%.200s); give "
			"the numeric OID, or install the MIB files (Debian: snmp-mibs-downloader)",
			name, list && *list ? list : "ALL", dirs && *dirs ? dirs : "no directory");
		free(dirs);
		return TD_E_NOTFOUND;
	}
	if (len < 2 || len > TD_SNMP_OID_MAX)
		return td_errf(TD_E_NOTFOUND, err, errlen,
			       "OID \"%.128s\": resolves to %zu sub-identifiers", name, len);
	out->len = len;
	for (size_t i = 0; i < len; i++) {
		if (buf[i] > UINT32_MAX)
			return td_errf(TD_E_NOTFOUND, err, errlen,
				       "OID \"%.128s\": a sub-identifier is too large", name);
		out->sub[i] = (uint32_t)buf[i];
	}
	return TD_OK;
}

/*
 * What one request is waiting for. It starts with net-snmp's own synch_state
 * because some net-snmp versions write `waiting` through the callback's
 * argument when a report ends a request; the session owns it so that a
 * late callback (on close) never writes into a finished stack frame.
 */
struct snmp_wait {
	struct synch_state synch;
	long reqid;
	bool done;
	int status; /* STAT_SUCCESS, STAT_ERROR, STAT_TIMEOUT */
	int report; /* SNMPERR_* of an SNMPv3 report, 0 if none */
	netsnmp_pdu *pdu;
};

struct td_snmp_session {
	void *sessp;
	unsigned retries;
	enum td_snmp_version version;
	char peer[SNMP_NAME_MAX + 16];
	char user[40];
	struct snmp_wait wait;
};

const char *td_snmp_peer(const struct td_snmp_session *s)
{
	return s->peer;
}

static int snmp_on_response(int op, netsnmp_session *ss, int reqid, netsnmp_pdu *pdu, void *magic)
{
	struct snmp_wait *w = magic;
	(void)ss;
	/*
	 * A report answers an SNMPv3 request whose PDU the agent could not read
	 * (wrong key), so its request id is not ours to compare; net-snmp has
	 * matched its message id to this request already.
	 */
	bool report = op == NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE && pdu &&
		      pdu->command == SNMP_MSG_REPORT;
	if (w->done || (reqid != w->reqid && !report))
		return 1;
	if (op == NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE && pdu) {
		if (pdu->command == SNMP_MSG_REPORT) {
			w->report = snmpv3_get_report_type(pdu);
			/* net-snmp resends by itself after notInTimeWindow (clock sync) */
			if (w->report != SNMPERR_NOT_IN_TIME_WINDOW) {
				w->status = STAT_ERROR;
				w->done = true;
			}
		} else if (pdu->command == SNMP_MSG_RESPONSE) {
			w->pdu = snmp_clone_pdu(pdu);
			w->status = w->pdu ? STAT_SUCCESS : STAT_ERROR;
			w->done = true;
		}
	} else if (op == NETSNMP_CALLBACK_OP_TIMED_OUT) {
		w->status = STAT_TIMEOUT;
		w->done = true;
	} else if (op == NETSNMP_CALLBACK_OP_DISCONNECT) {
		w->status = STAT_ERROR;
		w->done = true;
	}
	return 1;
}

static void snmp_auth_proto(enum td_snmp_auth a, oid **proto, size_t *len)
{
	switch (a) {
	case TD_SNMP_AUTH_MD5:
		*proto = usmHMACMD5AuthProtocol;
		*len = OID_LENGTH(usmHMACMD5AuthProtocol);
		return;
	case TD_SNMP_AUTH_SHA1:
		*proto = usmHMACSHA1AuthProtocol;
		*len = OID_LENGTH(usmHMACSHA1AuthProtocol);
		return;
	case TD_SNMP_AUTH_SHA224:
		*proto = usmHMAC128SHA224AuthProtocol;
		*len = OID_LENGTH(usmHMAC128SHA224AuthProtocol);
		return;
	case TD_SNMP_AUTH_SHA256:
		*proto = usmHMAC192SHA256AuthProtocol;
		*len = OID_LENGTH(usmHMAC192SHA256AuthProtocol);
		return;
	case TD_SNMP_AUTH_SHA384:
		*proto = usmHMAC256SHA384AuthProtocol;
		*len = OID_LENGTH(usmHMAC256SHA384AuthProtocol);
		return;
	case TD_SNMP_AUTH_SHA512:
		*proto = usmHMAC384SHA512AuthProtocol;
		*len = OID_LENGTH(usmHMAC384SHA512AuthProtocol);
		return;
	}
}

static bool snmp_priv_proto(enum td_snmp_priv p, oid **proto, size_t *len)
{
	switch (p) {
	case TD_SNMP_PRIV_DES:
#ifndef NETSNMP_DISABLE_DES
		*proto = usmDESPrivProtocol;
		*len = OID_LENGTH(usmDESPrivProtocol);
		return true;
#else
		return false;
#endif
	case TD_SNMP_PRIV_AES128:
		*proto = usmAESPrivProtocol;
		*len = OID_LENGTH(usmAESPrivProtocol);
		return true;
	case TD_SNMP_PRIV_AES192:
	case TD_SNMP_PRIV_AES256:
#ifdef NETSNMP_DRAFT_BLUMENTHAL_AES_04
		*proto = p == TD_SNMP_PRIV_AES192 ? usmAES192PrivProtocol : usmAES256PrivProtocol;
		*len = OID_LENGTH(usmAES192PrivProtocol);
		return true;
#else
		return false;
#endif
	}
	return false;
}

/* Fills tmpl's SNMPv3 fields; keys are derived from the passphrases (RFC 3414 password to key). */
static enum td_err snmp_v3_setup(const struct td_snmp_target *t, netsnmp_session *tmpl, char *err,
				 size_t errlen)
{
	tmpl->securityName = t->user;
	tmpl->securityNameLen = strlen(t->user);
	tmpl->securityModel = SNMP_SEC_MODEL_USM;
	tmpl->securityLevel = t->level == TD_SNMP_AUTHPRIV	? SNMP_SEC_LEVEL_AUTHPRIV
			      : t->level == TD_SNMP_AUTHNOPRIV ? SNMP_SEC_LEVEL_AUTHNOPRIV
								: SNMP_SEC_LEVEL_NOAUTH;
	if (t->context) {
		tmpl->contextName = t->context;
		tmpl->contextNameLen = strlen(t->context);
	}
	if (t->level == TD_SNMP_NOAUTH)
		return TD_OK;
	oid *proto = NULL;
	size_t plen = 0;
	snmp_auth_proto(t->auth, &proto, &plen);
	tmpl->securityAuthProto = proto;
	tmpl->securityAuthProtoLen = plen;
	tmpl->securityAuthKeyLen = USM_AUTH_KU_LEN;
	if (generate_Ku(proto, (u_int)plen, (const u_char *)t->auth_pass, strlen(t->auth_pass),
			tmpl->securityAuthKey, &tmpl->securityAuthKeyLen) != SNMPERR_SUCCESS)
		return td_errf(
		    TD_E_USAGE, err, errlen,
		    "-A: net-snmp cannot derive a key with this authentication protocol");
	if (t->level != TD_SNMP_AUTHPRIV)
		return TD_OK;
	oid *pproto = NULL;
	size_t pplen = 0;
	if (!snmp_priv_proto(t->priv, &pproto, &pplen))
		return td_errf(TD_E_USAGE, err, errlen,
			       "-x: this net-snmp build has no such protocol");
	tmpl->securityPrivProto = pproto;
	tmpl->securityPrivProtoLen = pplen;
	tmpl->securityPrivKeyLen = USM_PRIV_KU_LEN;
	if (generate_Ku(proto, (u_int)plen, (const u_char *)t->priv_pass, strlen(t->priv_pass),
			tmpl->securityPrivKey, &tmpl->securityPrivKeyLen) != SNMPERR_SUCCESS)
		return td_errf(TD_E_USAGE, err, errlen, "-X: net-snmp cannot derive a privacy key");
	return TD_OK;
}

enum td_err td_snmp_open(const struct td_snmp_target *t, const struct td_deadline *dl,
			 struct td_snmp_session **out, char *err, size_t errlen)
{
	enum td_err rc = TD_OK;
	netsnmp_session tmpl;
	struct td_snmp_session *s = td_xcalloc(1, sizeof *s);
	char host[SNMP_NAME_MAX + 1];

	*out = NULL;
	memset(&tmpl, 0, sizeof tmpl);
	pthread_once(&snmp_once, snmp_base_once);
	/* SNMPv3 needs the full library before its keys can be derived */
	if (!snmp_lock_until(dl)) {
		free(s);
		return td_errf(TD_E_TIMEOUT, err, errlen, "no time left to open an SNMP session");
	}
	if (t->version == TD_SNMP_V3)
		snmp_full_init();
	snmp_sess_init(&tmpl);
	snmp_unlock();
	s->retries = t->retries;
	s->version = t->version;
	snprintf(s->user, sizeof s->user, "%s", t->user ? t->user : "");
	/* "[::1]" and "::1" alike; an address with ':' is IPv6, and net-snmp wants it bracketed */
	size_t hl = strlen(t->host);
	if (t->host[0] == '[' && hl > 2 && t->host[hl - 1] == ']')
		snprintf(host, sizeof host, "%.*s", (int)(hl - 2), t->host + 1);
	else
		snprintf(host, sizeof host, "%s", t->host);
	if (strchr(host, ':'))
		snprintf(s->peer, sizeof s->peer, "udp6:[%s]:%u", host, t->port);
	else
		snprintf(s->peer, sizeof s->peer, "%s:%s:%u", t->ipv6 ? "udp6" : "udp", host,
			 t->port);
	tmpl.peername = s->peer;
	tmpl.retries = (int)t->retries;
	tmpl.timeout = 1000000L;
	switch (t->version) {
	case TD_SNMP_V1: tmpl.version = SNMP_VERSION_1; break;
	case TD_SNMP_V2C: tmpl.version = SNMP_VERSION_2c; break;
	case TD_SNMP_V3: tmpl.version = SNMP_VERSION_3; break;
	}
	if (t->version == TD_SNMP_V3) {
		if ((rc = snmp_v3_setup(t, &tmpl, err, errlen)) != TD_OK)
			goto out;
	} else {
		tmpl.community = (u_char *)t->community;
		tmpl.community_len = strlen(t->community);
	}
	if (!snmp_lock_until(dl)) {
		rc = td_errf(TD_E_TIMEOUT, err, errlen, "%s: no time left to open a session",
			     s->peer);
		goto out;
	}
	s->sessp = snmp_sess_open(&tmpl);
	if (!s->sessp) {
		int liberr = 0, syserr = 0;
		char *msg = NULL;
		snmp_error(&tmpl, &liberr, &syserr, &msg);
		rc = td_errf(TD_E_CONNECT, err, errlen, "%s: cannot open a session: %s", s->peer,
			     msg ? msg : "unknown error");
		free(msg);
	}
	snmp_unlock();
out:
	/* snmp_sess_open copied what it needs; wipe the template's keys */
	td_wipe(tmpl.securityAuthKey, sizeof tmpl.securityAuthKey);
	td_wipe(tmpl.securityPrivKey, sizeof tmpl.securityPrivKey);
	if (rc != TD_OK) {
		free(s);
		return rc;
	}
	*out = s;
	return TD_OK;
}

void td_snmp_close(struct td_snmp_session *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&snmp_lock);
	netsnmp_session *ss = snmp_sess_session(s->sessp);
	if (ss) {
		if (ss->community)
			td_wipe(ss->community, ss->community_len);
		td_wipe(ss->securityAuthKey, sizeof ss->securityAuthKey);
		td_wipe(ss->securityPrivKey, sizeof ss->securityPrivKey);
	}
	snmp_sess_close(s->sessp);
	if (s->wait.pdu)
		snmp_free_pdu(s->wait.pdu);
	snmp_unlock();
	free(s);
}

static const char *snmp_report_text(int report)
{
	switch (report) {
	case SNMPERR_AUTHENTICATION_FAILURE:
		return "authentication failed: wrong passphrase (-A) or protocol (-a)";
	case SNMPERR_UNKNOWN_USER_NAME: return "the agent knows no such user (-U)";
	case SNMPERR_UNSUPPORTED_SEC_LEVEL:
		return "the user is not configured for this security level (-L)";
	case SNMPERR_DECRYPTION_ERR:
		return "decryption failed: wrong privacy passphrase (-X) or protocol (-x)";
	case SNMPERR_NOT_IN_TIME_WINDOW: return "not in the agent's time window";
	case SNMPERR_UNKNOWN_ENG_ID: return "unknown engine ID";
	default: return snmp_api_errstring(report);
	}
}

/* Why nothing came back, for the message: a community cannot be told from a dead agent. */
static enum td_err snmp_no_answer(const struct td_snmp_session *s, double started, char *err,
				  size_t errlen)
{
	const char *hint =
	    s->version == TD_SNMP_V3
		? "agent down, or a wrong privacy passphrase (-X): agents drop what "
		  "they cannot decrypt"
		: "agent down, or a wrong community (-C): agents do not answer those";
	return td_errf(TD_E_TIMEOUT, err, errlen,
		       "no answer from %s after %.1f s and %u tries (%s)", s->peer,
		       td_now() - started, s->retries + 1, hint);
}

/*
 * Sends pdu (always consumed) and waits for its answer until the deadline.
 * On TD_OK, *resp is the response (snmp_free_pdu it under the lock).
 */
static enum td_err snmp_exchange(struct td_snmp_session *s, netsnmp_pdu *pdu, netsnmp_pdu **resp,
				 const struct td_deadline *dl, char *err, size_t errlen)
{
	struct snmp_wait *w = &s->wait;
	double started = td_now();
	*resp = NULL;
	if (!snmp_lock_until(dl)) {
		snmp_free_pdu(pdu);
		return snmp_no_answer(s, started, err, errlen);
	}
	if (w->pdu)
		snmp_free_pdu(w->pdu);
	memset(w, 0, sizeof *w);
	w->synch.waiting = 1;
	w->reqid = pdu->reqid;
	/* The tries share what is left: each gets 1/(retries+1) of it. */
	netsnmp_session *ss = snmp_sess_session(s->sessp);
	long per_try = (long)(td_deadline_left(dl) * 1e6 / (double)(s->retries + 1));
	ss->timeout = per_try > 10000 ? per_try : 10000;
	ss->retries = (int)s->retries;
	if (!snmp_sess_async_send(s->sessp, pdu, snmp_on_response, w)) {
		int liberr = 0, syserr = 0;
		char *msg = NULL;
		snmp_sess_error(s->sessp, &liberr, &syserr, &msg);
		snmp_free_pdu(pdu);
		snmp_unlock();
		enum td_err rc;
		/* SNMPv3 engine discovery happens inside the first send */
		if (liberr == SNMPERR_TIMEOUT)
			rc = snmp_no_answer(s, started, err, errlen);
		else
			rc = td_errf(TD_E_IO, err, errlen, "%s: cannot send: %s", s->peer,
				     msg ? msg : "unknown error");
		free(msg);
		return rc;
	}
	netsnmp_transport *tr = snmp_sess_transport(s->sessp);
	int sock = tr ? tr->sock : -1;
	snmp_unlock();
	if (sock < 0)
		return td_errf(TD_E_IO, err, errlen, "%s: no socket", s->peer);

	netsnmp_large_fd_set fds;
	netsnmp_large_fd_set_init(&fds, sock + 1 > FD_SETSIZE ? sock + 1 : FD_SETSIZE);
	enum td_err rc = TD_OK;
	for (;;) {
		if (!snmp_lock_until(dl)) {
			rc = snmp_no_answer(s, started, err, errlen);
			break;
		}
		/* block = 1 on input: no timeout of ours for net-snmp to compare with */
		int numfds = 0, block = 1;
		struct timeval tv = { 0, 0 };
		if (!w->done) {
			NETSNMP_LARGE_FD_ZERO(&fds);
			snmp_sess_select_info2(s->sessp, &numfds, &fds, &tv, &block);
		}
		snmp_unlock();
		if (w->done || block) /* answered, or net-snmp gave up (no request left) */
			break;
		if (td_deadline_expired(dl)) {
			rc = snmp_no_answer(s, started, err, errlen);
			break;
		}
		long next_ms = (long)tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000;
		int wait_ms = td_deadline_left_ms(dl);
		if (next_ms < wait_ms)
			wait_ms = (int)next_ms;
		struct pollfd p = { .fd = sock, .events = POLLIN };
		int r = poll(&p, 1, wait_ms);
		if (r < 0 && errno != EINTR) {
			rc =
			    td_errf(TD_E_IO, err, errlen, "%s: poll: %s", s->peer, strerror(errno));
			break;
		}
		if (!snmp_lock_until(dl)) {
			rc = snmp_no_answer(s, started, err, errlen);
			break;
		}
		if (r > 0) {
			NETSNMP_LARGE_FD_ZERO(&fds);
			NETSNMP_LARGE_FD_SET(sock, &fds);
			snmp_sess_read2(s->sessp, &fds);
		} else if (r == 0) {
			snmp_sess_timeout(s->sessp);
		}
		snmp_unlock();
	}
	netsnmp_large_fd_set_cleanup(&fds);
	if (rc != TD_OK)
		return rc;
	if (w->done && w->status == STAT_SUCCESS) {
		*resp = w->pdu;
		w->pdu = NULL;
		return TD_OK;
	}
	if (w->report)
		return td_errf(TD_E_PROTO, err, errlen, "%s: SNMPv3 user \"%s\": %s", s->peer,
			       s->user, snmp_report_text(w->report));
	if (w->done && w->status == STAT_ERROR)
		return td_errf(TD_E_PROTO, err, errlen, "%s: the request failed", s->peer);
	return snmp_no_answer(s, started, err, errlen);
}

static void snmp_free_locked(netsnmp_pdu *pdu)
{
	pthread_mutex_lock(&snmp_lock);
	snmp_free_pdu(pdu);
	snmp_unlock();
}

static void snmp_to_oid(const struct td_snmp_oid *in, oid *out)
{
	for (size_t i = 0; i < in->len; i++)
		out[i] = in->sub[i];
}

/* One varbind into a value; text copies are capped at 64 KiB (an agent is not trusted). */
static void snmp_convert(const netsnmp_variable_list *v, struct td_snmp_value *out)
{
	char buf[TD_SNMP_OID_BUF];
	memset(out, 0, sizeof *out);
	size_t n = v->name_length < TD_SNMP_OID_MAX ? v->name_length : TD_SNMP_OID_MAX;
	for (size_t i = 0; i < n; i++)
		out->oid.sub[i] = (uint32_t)v->name[i];
	out->oid.len = n;
	switch (v->type) {
	case ASN_INTEGER:
		out->type = TD_SNMP_T_INTEGER;
		out->i = v->val.integer ? (int64_t)*v->val.integer : 0;
		break;
	case ASN_GAUGE: /* == ASN_UNSIGNED */
	case ASN_UINTEGER:
		out->type = TD_SNMP_T_UNSIGNED;
		out->u = v->val.integer ? (uint64_t)(*v->val.integer & 0xffffffffUL) : 0;
		break;
	case ASN_COUNTER:
		out->type = TD_SNMP_T_COUNTER32;
		out->u = v->val.integer ? (uint64_t)(*v->val.integer & 0xffffffffUL) : 0;
		break;
	case ASN_TIMETICKS:
		out->type = TD_SNMP_T_TIMETICKS;
		out->u = v->val.integer ? (uint64_t)(*v->val.integer & 0xffffffffUL) : 0;
		break;
	case ASN_COUNTER64:
#ifdef NETSNMP_WITH_OPAQUE_SPECIAL_TYPES
	case ASN_OPAQUE_COUNTER64:
	case ASN_OPAQUE_U64:
#endif
		out->type = TD_SNMP_T_COUNTER64;
		if (v->val.counter64)
			out->u = ((uint64_t)(v->val.counter64->high & 0xffffffffUL) << 32) |
				 (uint64_t)(v->val.counter64->low & 0xffffffffUL);
		break;
#ifdef NETSNMP_WITH_OPAQUE_SPECIAL_TYPES
	case ASN_OPAQUE_I64:
		out->type = TD_SNMP_T_INTEGER;
		if (v->val.counter64)
			out->i =
			    (int64_t)(((uint64_t)(v->val.counter64->high & 0xffffffffUL) << 32) |
				      (uint64_t)(v->val.counter64->low & 0xffffffffUL));
		break;
	case ASN_OPAQUE_FLOAT:
		out->type = TD_SNMP_T_FLOAT;
		out->d = v->val.floatVal ? (double)*v->val.floatVal : NAN;
		break;
	case ASN_OPAQUE_DOUBLE:
		out->type = TD_SNMP_T_FLOAT;
		out->d = v->val.doubleVal ? *v->val.doubleVal : NAN;
		break;
#endif
	case ASN_OBJECT_ID: {
		struct td_snmp_oid o = { .len = 0 };
		size_t k = v->val_len / sizeof(oid);
		for (size_t i = 0; i < k && i < TD_SNMP_OID_MAX && v->val.objid; i++)
			o.sub[o.len++] = (uint32_t)v->val.objid[i];
		out->type = TD_SNMP_T_OID;
		out->text = td_xstrdup(td_snmp_oid_format(&o, buf, sizeof buf));
		out->len = strlen(out->text);
		break;
	}
	case ASN_IPADDRESS:
		out->type = TD_SNMP_T_IPADDR;
		if (v->val_len == 4 && v->val.string)
			snprintf(buf, sizeof buf, "%u.%u.%u.%u", v->val.string[0], v->val.string[1],
				 v->val.string[2], v->val.string[3]);
		else
			snprintf(buf, sizeof buf, "?");
		out->text = td_xstrdup(buf);
		out->len = strlen(out->text);
		break;
	case ASN_NULL: out->type = TD_SNMP_T_NULL; break;
	case SNMP_NOSUCHOBJECT: out->type = TD_SNMP_T_NOSUCHOBJECT; break;
	case SNMP_NOSUCHINSTANCE: out->type = TD_SNMP_T_NOSUCHINSTANCE; break;
	case SNMP_ENDOFMIBVIEW: out->type = TD_SNMP_T_ENDOFMIBVIEW; break;
	default: {
		/* OCTET STRING, and the rare BITS/Opaque/NsapAddress as their bytes */
		size_t len = v->val_len < 65536 ? v->val_len : 65536;
		out->type = TD_SNMP_T_OCTETS;
		out->text = td_xmalloc(len + 1);
		if (len && v->val.string)
			memcpy(out->text, v->val.string, len);
		out->text[len] = '\0';
		out->len = len;
		break;
	}
	}
}

enum td_err td_snmp_get(struct td_snmp_session *s, bool next, const struct td_snmp_oid *oids,
			size_t n, struct td_snmp_value *out, const struct td_deadline *dl,
			char *err, size_t errlen)
{
	bool pending[TD_SNMP_GET_MAX];
	size_t map[TD_SNMP_GET_MAX];
	oid buf[TD_SNMP_OID_MAX];
	enum td_err rc = TD_OK;

	for (size_t i = 0; i < n && i < TD_SNMP_GET_MAX; i++) {
		memset(&out[i], 0, sizeof out[i]);
		out[i].oid = oids[i];
		pending[i] = true;
	}
	if (n == 0 || n > TD_SNMP_GET_MAX)
		return td_errf(TD_E_INTERNAL, err, errlen, "%zu OIDs in one request", n);
	/* Each round answers all, or (SNMPv1) removes the one the agent refused. */
	for (size_t round = 0; round <= n; round++) {
		size_t count = 0;
		if (!snmp_lock_until(dl))
			return snmp_no_answer(s, td_now(), err, errlen);
		netsnmp_pdu *pdu = snmp_pdu_create(next ? SNMP_MSG_GETNEXT : SNMP_MSG_GET);
		snmp_unlock();
		if (!pdu)
			td_oom();
		for (size_t i = 0; i < n; i++) {
			if (!pending[i])
				continue;
			snmp_to_oid(&oids[i], buf);
			snmp_add_null_var(pdu, buf, oids[i].len);
			map[count++] = i;
		}
		if (count == 0)
			return TD_OK;
		netsnmp_pdu *resp;
		if ((rc = snmp_exchange(s, pdu, &resp, dl, err, errlen)) != TD_OK)
			return rc;
		if (resp->errstat == SNMP_ERR_NOERROR) {
			size_t k = 0;
			for (netsnmp_variable_list *v = resp->variables; v && k < count;
			     v = v->next_variable)
				snmp_convert(v, &out[map[k++]]);
			if (k < count)
				rc = td_errf(TD_E_PROTO, err, errlen,
					     "%s answered %zu of %zu values", s->peer, k, count);
			snmp_free_locked(resp);
			return rc;
		}
		long status = resp->errstat, index = resp->errindex;
		snmp_free_locked(resp);
		if (status == SNMP_ERR_NOSUCHNAME && index >= 1 && (size_t)index <= count) {
			/* SNMPv1 refuses the whole request for one missing OID: mark it, ask the
			 * rest */
			size_t i = map[index - 1];
			out[i].type = next ? TD_SNMP_T_ENDOFMIBVIEW : TD_SNMP_T_NOSUCHOBJECT;
			pending[i] = false;
			continue;
		}
		if (status == SNMP_ERR_TOOBIG)
			return td_errf(
			    TD_E_PROTO, err, errlen,
			    "%s: the answer to %zu OIDs is too big for the agent (tooBig): ask "
			    "fewer at a time",
			    s->peer, count);
		return td_errf(TD_E_PROTO, err, errlen, "%s answered with an error: %s (index %ld)",
			       s->peer, snmp_errstring((int)status), index);
	}
	return TD_OK;
}

enum td_err td_snmp_walk(struct td_snmp_session *s, const struct td_snmp_oid *root, size_t max,
			 bool (*fn)(void *ctx, const struct td_snmp_value *v), void *ctx,
			 const struct td_deadline *dl, char *err, size_t errlen)
{
	struct td_snmp_oid cur = *root;
	oid buf[TD_SNMP_OID_MAX];
	size_t seen = 0;
	char txt[TD_SNMP_OID_BUF];
	for (;;) {
		if (!snmp_lock_until(dl))
			return snmp_no_answer(s, td_now(), err, errlen);
		netsnmp_pdu *pdu =
		    snmp_pdu_create(s->version == TD_SNMP_V1 ? SNMP_MSG_GETNEXT : SNMP_MSG_GETBULK);
		snmp_unlock();
		if (!pdu)
			td_oom();
		if (s->version != TD_SNMP_V1) {
			pdu->non_repeaters = 0;
			pdu->max_repetitions = 25;
		}
		snmp_to_oid(&cur, buf);
		snmp_add_null_var(pdu, buf, cur.len);
		netsnmp_pdu *resp;
		enum td_err rc = snmp_exchange(s, pdu, &resp, dl, err, errlen);
		if (rc != TD_OK)
			return rc;
		if (resp->errstat != SNMP_ERR_NOERROR) {
			long status = resp->errstat;
			snmp_free_locked(resp);
			if (status == SNMP_ERR_NOSUCHNAME) /* SNMPv1's end of the MIB */
				return TD_OK;
			return td_errf(TD_E_PROTO, err, errlen, "%s answered with an error: %s",
				       s->peer, snmp_errstring((int)status));
		}
		bool more = resp->variables != NULL;
		for (netsnmp_variable_list *v = resp->variables; v && more; v = v->next_variable) {
			struct td_snmp_value val;
			snmp_convert(v, &val);
			if (val.type == TD_SNMP_T_ENDOFMIBVIEW ||
			    !td_snmp_oid_under(&val.oid, root)) {
				more = false;
			} else if (td_snmp_oid_cmp(&val.oid, &cur) <= 0) {
				rc = td_errf(TD_E_PROTO, err, errlen,
					     "%s: OIDs not increasing after %s in a walk", s->peer,
					     td_snmp_oid_format(&cur, txt, sizeof txt));
				more = false;
			} else if (++seen > max) {
				rc = td_errf(TD_E_TOOBIG, err, errlen,
					     "%s: more than %zu rows under %s", s->peer, max,
					     td_snmp_oid_format(root, txt, sizeof txt));
				more = false;
			} else {
				cur = val.oid;
				more = fn(ctx, &val);
			}
			td_snmp_value_cleanup(&val);
		}
		snmp_free_locked(resp);
		if (rc != TD_OK || !more)
			return rc;
	}
}

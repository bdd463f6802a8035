/*
 * snmp.h - SNMP GET, GETNEXT and walks for the SNMP probes, over net-snmp.
 *
 * plugins/probes/snmp_session.c is the one file that includes net-snmp's
 * headers; check_snmp and check_snmp_if see only this interface. It offers:
 *
 *   - the target: host, port, version, community or SNMPv3 user, retries,
 *     declared once as options (TD_SNMP_TARGET_OPTIONS) that both probes put
 *     in their tables, and parsed here (pure: no net-snmp call, no globals);
 *   - OIDs: numeric text parsed here (pure); names resolved through MIB
 *     files, which are loaded only the first time a name needs them;
 *   - a session: open, get, getnext, walk, close. Every call is bounded by
 *     the caller's deadline: the time left is split between the tries
 *     (1 + retries), and waiting is poll(2) on the session's socket.
 *
 * Threads: net-snmp (as Debian builds it, without --enable-reentrant) keeps
 * the SNMPv3 user list, the MIB tree and request ids in unlocked globals.
 * Calls that touch them take one process-wide lock, acquired before the
 * caller's deadline or not at all (TD_E_TIMEOUT), and never hold it while
 * waiting for an answer, except during SNMPv3 engine discovery, which
 * net-snmp does synchronously inside the first request of a session.
 * td_snmp_init may be called early (tandemd before it starts workers);
 * every other call does it on first use.
 *
 * Secrets: the community and the v3 passphrases live in the target, are
 * wiped by td_snmp_target_cleanup, and wiped from net-snmp's copy of the
 * session when it is closed. Nothing here prints or logs; error messages
 * never contain a secret.
 *
 * Ownership: a target owns its strings; values own their text
 * (td_snmp_value_cleanup); a session is freed by td_snmp_close.
 */
#ifndef TANDEM_SNMP_H
#define TANDEM_SNMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tandem/deadline.h"
#include "tandem/error.h"
#include "tandem/options.h"

/* Longest OID accepted, in sub-identifiers (net-snmp's MAX_OID_LEN). */
#define TD_SNMP_OID_MAX 128
/* Longest OID text accepted on a command line. */
#define TD_SNMP_OID_TEXT_MAX 1024
/* Room for an OID printed as dotted decimal. */
#define TD_SNMP_OID_BUF (TD_SNMP_OID_MAX * 11 + 1)

struct td_snmp_oid {
	uint32_t sub[TD_SNMP_OID_MAX];
	size_t len;
};

enum td_snmp_version { TD_SNMP_V1, TD_SNMP_V2C, TD_SNMP_V3 };
enum td_snmp_level { TD_SNMP_NOAUTH, TD_SNMP_AUTHNOPRIV, TD_SNMP_AUTHPRIV };
enum td_snmp_auth {
	TD_SNMP_AUTH_MD5,
	TD_SNMP_AUTH_SHA1,
	TD_SNMP_AUTH_SHA224,
	TD_SNMP_AUTH_SHA256,
	TD_SNMP_AUTH_SHA384,
	TD_SNMP_AUTH_SHA512,
};
enum td_snmp_priv {
	TD_SNMP_PRIV_DES,
	TD_SNMP_PRIV_AES128,
	TD_SNMP_PRIV_AES192,
	TD_SNMP_PRIV_AES256,
};

struct td_snmp_target {
	char *host;
	unsigned port;
	enum td_snmp_version version;
	char *community; /* secret; "public" when not given */
	char *user, *context;
	enum td_snmp_level level;
	bool level_set;
	enum td_snmp_auth auth;
	enum td_snmp_priv priv;
	char *auth_pass, *priv_pass; /* secrets */
	unsigned retries;
	bool ipv6;        /* -6: resolve a host name to IPv6 */
	bool version_set; /* -P given (-U alone implies 3) */
	char *mibs; /* -m: modules to load when a name needs them; NULL: $MIBS, else ALL */
};

/* Option ids of the target; probes forward them to td_snmp_target_option. */
enum {
	TD_SNMP_OPT_BASE = 1000,
	TD_SNMP_OPT_HOST = TD_SNMP_OPT_BASE,
	TD_SNMP_OPT_PORT,
	TD_SNMP_OPT_COMMUNITY,
	TD_SNMP_OPT_VERSION,
	TD_SNMP_OPT_LEVEL,
	TD_SNMP_OPT_USER,
	TD_SNMP_OPT_AUTH,
	TD_SNMP_OPT_AUTH_PASS,
	TD_SNMP_OPT_PRIV,
	TD_SNMP_OPT_PRIV_PASS,
	TD_SNMP_OPT_CONTEXT,
	TD_SNMP_OPT_RETRIES,
	TD_SNMP_OPT_MIBS,
	TD_SNMP_OPT_IPV4,
	TD_SNMP_OPT_IPV6,
	TD_SNMP_OPT_LAST,
};

/* The target's entries for a probe's option table (monitoring-plugins' letters). */
#define TD_SNMP_TARGET_OPTIONS                                                                     \
	{ 'H', "hostname", TD_ARG_REQUIRED, "HOST",                                                \
	  "The agent: a name, an IPv4 address or an IPv6 address.", TD_SNMP_OPT_HOST },            \
	{ 'p', "port", TD_ARG_REQUIRED, "PORT", "UDP port of the agent (default 161).",          \
	  TD_SNMP_OPT_PORT },                                                                      \
	{ '4', "use-ipv4", TD_ARG_NONE, NULL, "Accepted for compatibility; the address decides.",  \
	  TD_SNMP_OPT_IPV4 },                                                                      \
	{ '6', "use-ipv6", TD_ARG_NONE, NULL, "Use IPv6 for a host name.", TD_SNMP_OPT_IPV6 },     \
	{ 'P', "protocol", TD_ARG_REQUIRED, "1|2c|3", "SNMP version (default 2c).",               \
	  TD_SNMP_OPT_VERSION },                                                                   \
	{ 'C', "community", TD_ARG_REQUIRED, "STRING",                                             \
	  "Community for SNMPv1 and v2c (default \"public\"). Put it in an --extra-opts file to "  \
	  "keep it out of the process list.",                                                      \
	  TD_SNMP_OPT_COMMUNITY },                                                                 \
	{ 'L', "seclevel", TD_ARG_REQUIRED, "LEVEL",                                               \
	  "SNMPv3 security level: noAuthNoPriv, authNoPriv or authPriv (default: authPriv with "   \
	  "-X, authNoPriv with -A, else noAuthNoPriv).",                                           \
	  TD_SNMP_OPT_LEVEL },                                                                     \
	{ 'U', "secname", TD_ARG_REQUIRED, "USER", "SNMPv3 user name.", TD_SNMP_OPT_USER },        \
	{ 'a', "authproto", TD_ARG_REQUIRED, "PROTO",                                              \
	  "SNMPv3 authentication: MD5, SHA, SHA-224, SHA-256, SHA-384 or SHA-512 (default MD5, "  \
	  "as monitoring-plugins).",                                                               \
	  TD_SNMP_OPT_AUTH },                                                                      \
	{ 'A', "authpasswd", TD_ARG_REQUIRED, "PASSPHRASE",                                        \
	  "SNMPv3 authentication passphrase (8 characters or more).", TD_SNMP_OPT_AUTH_PASS },     \
	{ 'x', "privproto", TD_ARG_REQUIRED, "PROTO",                                              \
	  "SNMPv3 privacy: DES, AES (128 bits), AES-192 or AES-256 (default DES, as "             \
	  "monitoring-plugins; give -x AES for anything newer).",                                  \
	  TD_SNMP_OPT_PRIV },                                                                      \
	{ 'X', "privpasswd", TD_ARG_REQUIRED, "PASSPHRASE",                                        \
	  "SNMPv3 privacy passphrase (8 characters or more).", TD_SNMP_OPT_PRIV_PASS },            \
	{ 'N', "context", TD_ARG_REQUIRED, "CONTEXT", "SNMPv3 context name.",                    \
	  TD_SNMP_OPT_CONTEXT },                                                                   \
	{ 'e', "retries", TD_ARG_REQUIRED, "N",                                                    \
	  "Send a request up to N more times when no answer comes (default 5). The tries share "   \
	  "the --timeout.",                                                                        \
	  TD_SNMP_OPT_RETRIES },                                                                   \
	{ 'm', "miblist", TD_ARG_REQUIRED, "MODULES",                                              \
	  "MIB modules to load when an OID is given by name, ':'-separated, or ALL (default: "     \
	  "$MIBS, else ALL), from the directories in $MIBDIRS. Numeric OIDs load no MIB.",       \
	  TD_SNMP_OPT_MIBS }

void td_snmp_target_init(struct td_snmp_target *t);
/* Frees the strings, wiping the community and the passphrases first. */
void td_snmp_target_cleanup(struct td_snmp_target *t);
/* One target option (id TD_SNMP_OPT_*), validated; the message names the option. */
enum td_err td_snmp_target_option(struct td_snmp_target *t, int id, const char *arg, char *err,
				  size_t errlen);
/* After all options: -H given, v3 has a user and the passphrases its level needs. */
enum td_err td_snmp_target_finish(struct td_snmp_target *t, char *err, size_t errlen);

/* Parses a numeric OID (`1.3.6.1.2.1.1.3.0`, a leading dot allowed); TD_E_PARSE otherwise. */
enum td_err td_snmp_oid_parse(const char *text, struct td_snmp_oid *out);
/* Dotted decimal into buf (TD_SNMP_OID_BUF bytes are always enough); returns buf. */
char *td_snmp_oid_format(const struct td_snmp_oid *oid, char *buf, size_t len);
/* True when oid lies strictly under root. */
bool td_snmp_oid_under(const struct td_snmp_oid *oid, const struct td_snmp_oid *root);
/* <0, 0, >0 in lexicographic order, as agents sort them. */
int td_snmp_oid_cmp(const struct td_snmp_oid *a, const struct td_snmp_oid *b);
/* Appends sub-identifiers (e.g. an ifIndex) to oid; false when it would be too long. */
bool td_snmp_oid_append(struct td_snmp_oid *oid, const uint32_t *sub, size_t n);

/*
 * Resolves a name (`sysUpTime.0`, `IF-MIB::ifDescr.1`) through the MIB
 * modules `mibs` (NULL: $MIBS, else ALL), loading them on first use. A name
 * no loaded MIB defines fails with TD_E_NOTFOUND and a message that says
 * where MIB files were searched and what to do instead.
 */
enum td_err td_snmp_resolve(const char *name, const char *mibs, struct td_snmp_oid *out,
			    char *err, size_t errlen);

enum td_snmp_type {
	TD_SNMP_T_NONE = 0,
	TD_SNMP_T_INTEGER,   /* INTEGER, Integer32: i */
	TD_SNMP_T_UNSIGNED,  /* Gauge32, Unsigned32: u */
	TD_SNMP_T_COUNTER32, /* u */
	TD_SNMP_T_COUNTER64, /* u */
	TD_SNMP_T_TIMETICKS, /* u, hundredths of a second */
	TD_SNMP_T_FLOAT,     /* Opaque float or double: d */
	TD_SNMP_T_OCTETS,    /* text (raw bytes, NUL added), len */
	TD_SNMP_T_OID,       /* text: dotted decimal */
	TD_SNMP_T_IPADDR,    /* text: dotted quad */
	TD_SNMP_T_NULL,
	TD_SNMP_T_NOSUCHOBJECT,
	TD_SNMP_T_NOSUCHINSTANCE,
	TD_SNMP_T_ENDOFMIBVIEW,
};

struct td_snmp_value {
	struct td_snmp_oid oid; /* the OID the agent answered for */
	enum td_snmp_type type;
	int64_t i;
	uint64_t u;
	double d;
	char *text; /* owned; NULL for numbers */
	size_t len; /* bytes in text, without the NUL */
};

void td_snmp_value_cleanup(struct td_snmp_value *v);
/* "Counter32", "noSuchObject", ... */
const char *td_snmp_type_name(enum td_snmp_type t);
/* True for noSuchObject, noSuchInstance, endOfMibView and NULL: the agent has no value. */
bool td_snmp_value_missing(const struct td_snmp_value *v);
/*
 * The value as a number: numeric types as they are; an OCTET STRING when it
 * is a plain decimal number (surrounding blanks and a trailing newline
 * allowed), as `extend` scripts return them. False otherwise.
 */
bool td_snmp_value_number(const struct td_snmp_value *v, double *out);
/* Printable text for a status line: strings as they are when printable, else hex. */
void td_snmp_value_text(const struct td_snmp_value *v, char *buf, size_t len);

/*
 * The increase of a counter from prev to cur, into *delta. A Counter32 that
 * went down wrapped at 2^32. A Counter64 wraps only from its upper half: one
 * that goes down from below 2^63 was reset (an agent restart, a cleared
 * interface), and the function returns false, as for any other type that
 * went down.
 */
bool td_snmp_counter_delta(enum td_snmp_type type, uint64_t prev, uint64_t cur, uint64_t *delta);

struct td_snmp_session;

void td_snmp_init(void);

/*
 * Opens a session to the target (no packet is sent yet). For SNMPv3 the
 * keys are derived from the passphrases here. Errors: TD_E_USAGE for a
 * passphrase net-snmp refuses, TD_E_CONNECT for an address that cannot be
 * resolved, TD_E_TIMEOUT when the lock was not free in time.
 */
enum td_err td_snmp_open(const struct td_snmp_target *t, const struct td_deadline *dl,
			 struct td_snmp_session **out, char *err, size_t errlen);
void td_snmp_close(struct td_snmp_session *s);

/*
 * GET (or GETNEXT when next) of n OIDs (at most 64) in one request; out[i]
 * answers oids[i] and is cleaned up by the caller, also on error. A value
 * the agent does not have comes back as its exception type, never as an
 * error: with SNMPv1, whose agents refuse the whole request, the missing
 * OID is marked noSuchObject and the rest asked again. Errors: TD_E_TIMEOUT
 * (no answer), TD_E_PROTO (an error status, an SNMPv3 report such as a
 * wrong passphrase), TD_E_IO.
 */
#define TD_SNMP_GET_MAX 64
enum td_err td_snmp_get(struct td_snmp_session *s, bool next, const struct td_snmp_oid *oids,
			size_t n, struct td_snmp_value *out, const struct td_deadline *dl,
			char *err, size_t errlen);

/*
 * Walks the subtree under root with GETBULK (GETNEXT for SNMPv1), calling
 * fn for each value in order; fn returns false to stop. At most max values
 * (TD_E_TOOBIG beyond). Stops at the end of the subtree, and with
 * TD_E_PROTO when an agent does not return increasing OIDs.
 */
enum td_err td_snmp_walk(struct td_snmp_session *s, const struct td_snmp_oid *root, size_t max,
			 bool (*fn)(void *ctx, const struct td_snmp_value *v), void *ctx,
			 const struct td_deadline *dl, char *err, size_t errlen);

/* "udp:HOST:PORT" as shown in messages (no secret in it). */
const char *td_snmp_peer(const struct td_snmp_session *s);

#endif

/*
 * registry.c - the probes tandemd runs in-process, by a command's base name:
 * `check_http`, `/usr/lib/nagios/plugins/check_http` and `http` all name
 * td_probe_http. Which probes exist depends on the libraries configure found
 * (TD_HAVE_* from the build), so this table is the one place that knows.
 */
#include "config.h"

#include <string.h>

#include "tandem/conf.h"

extern const struct td_probe td_probe_load, td_probe_mem, td_probe_disk, td_probe_procs,
	td_probe_tcp;
#ifdef TD_HAVE_CURL
extern const struct td_probe td_probe_http;
#endif
#ifdef TD_HAVE_JSON
extern const struct td_probe td_probe_json;
#endif
#ifdef TD_HAVE_PQ
extern const struct td_probe td_probe_pgsql, td_probe_sql;
#endif
#ifdef TD_HAVE_SNMP
extern const struct td_probe td_probe_snmp, td_probe_snmp_if;
#endif

const struct td_probe *const td_probes[] = {
	&td_probe_load,
	&td_probe_mem,
	&td_probe_disk,
	&td_probe_procs,
	&td_probe_tcp,
#ifdef TD_HAVE_CURL
	&td_probe_http,
#endif
#ifdef TD_HAVE_JSON
	&td_probe_json,
#endif
#ifdef TD_HAVE_PQ
	&td_probe_pgsql,
	&td_probe_sql,
#endif
#ifdef TD_HAVE_SNMP
	&td_probe_snmp,
	&td_probe_snmp_if,
#endif
	NULL,
};

const struct td_probe *td_probe_lookup(const char *argv0)
{
	const char *base = strrchr(argv0, '/');
	base = base ? base + 1 : argv0;
	if (!strncmp(base, "check_", 6))
		base += 6;
	for (size_t i = 0; td_probes[i]; i++)
		if (!strcmp(td_probes[i]->name, base))
			return td_probes[i];
	return NULL;
}

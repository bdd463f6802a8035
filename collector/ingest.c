/* ingest.c - parsing Nagios perfdata file lines (see ingest.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tandem/ingest.h"
#include "tandem/unit.h"

#define TD_PERF_LINE_MAX (64 * 1024)

/* td_perfdata_parse's callback: each metric into the result. */
static void td_perf_metric(void *ctx, const struct td_metric *m)
{
	td_result_copy_metric(ctx, m);
}

void td_perf_line_cleanup(struct td_perf_line *l)
{
	free(l->host);
	free(l->service);
	free(l->command);
	td_result_cleanup(&l->res);
	l->host = l->service = l->command = NULL;
}

/* The value of KEY:: in the tab-separated line, or NULL; *len set. */
static const char *td_perf_field(const char *line, const char *key, size_t *len)
{
	size_t kl = strlen(key);
	for (const char *p = line; *p;) {
		const char *tab = strchr(p, '\t');
		size_t fl = tab ? (size_t)(tab - p) : strlen(p);
		if (fl >= kl + 2 && !strncmp(p, key, kl) && p[kl] == ':' && p[kl + 1] == ':') {
			*len = fl - kl - 2;
			return p + kl + 2;
		}
		p += fl + (tab ? 1 : 0);
	}
	return NULL;
}

static char *td_perf_dup(const char *line, const char *key)
{
	size_t n;
	const char *v = td_perf_field(line, key, &n);
	return v ? td_xstrndup(v, n) : NULL;
}

enum td_err td_perf_line_parse(const char *line, struct td_perf_line *out, char *err,
			       size_t errlen)
{
	memset(out, 0, sizeof *out);
	td_result_init(&out->res);
	if (strlen(line) > TD_PERF_LINE_MAX)
		return td_errf(TD_E_PARSE, err, errlen, "line longer than %d bytes", TD_PERF_LINE_MAX);
	char *type = td_perf_dup(line, "DATATYPE");
	bool host_line = type && !strcmp(type, "HOSTPERFDATA");
	free(type);
	char *timet = td_perf_dup(line, "TIMET");
	unsigned long long t;
	bool time_ok = timet && td_parse_uint(timet, 1, 1ULL << 40, &t) == TD_OK;
	free(timet);
	if (!time_ok)
		return td_errf(TD_E_PARSE, err, errlen, "no TIMET::seconds field");
	out->time = (long)t;
	out->host = td_perf_dup(line, "HOSTNAME");
	out->service = host_line ? td_xstrdup("_HOST_") : td_perf_dup(line, "SERVICEDESC");
	if (!out->host || !*out->host || !out->service || !*out->service)
		return td_errf(TD_E_PARSE, err, errlen, "no HOSTNAME:: or SERVICEDESC:: field");
	out->command = td_perf_dup(line, host_line ? "HOSTCHECKCOMMAND" : "SERVICECHECKCOMMAND");
	char *state = td_perf_dup(line, host_line ? "HOSTSTATE" : "SERVICESTATE");
	enum td_state st = TD_STATE_UNKNOWN;
	if (state && td_state_parse(state, &st) != TD_OK) {
		/* hosts are UP, DOWN or UNREACHABLE */
		st = !strcmp(state, "UP") ? TD_STATE_OK : TD_STATE_CRITICAL;
	}
	free(state);
	out->res.state = st;
	char *output = td_perf_dup(line, host_line ? "HOSTOUTPUT" : "SERVICEOUTPUT");
	td_result_summary(&out->res, "%s", output ? output : "");
	free(output);
	char *perf = td_perf_dup(line, host_line ? "HOSTPERFDATA" : "SERVICEPERFDATA");
	if (!perf)
		return td_errf(TD_E_PARSE, err, errlen, "no %s:: field",
			       host_line ? "HOSTPERFDATA" : "SERVICEPERFDATA");
	char why[256];
	enum td_err rc = td_perfdata_parse(perf, td_perf_metric, &out->res, why, sizeof why);
	free(perf);
	if (rc != TD_OK)
		return td_errf(TD_E_PARSE, err, errlen, "%s/%s: %s", out->host, out->service, why);
	if (out->res.n_metrics == 0)
		return TD_E_NOTFOUND;
	return TD_OK;
}

/*
 * conf.h - tandemd's configuration: one INI file.
 *
 *   [tandemd]                   the daemon: data_dir, rrdcached, workers, user,
 *                               log, spool_dir, pid_file, interval, timeout,
 *                               plugin_path, archives, perfdata_dir, write_delay
 *   [shop.example/cart]         one measured service, named host/service
 *   interval = 60
 *   command = check_http -H shop.example -u /cart -w 0.5 -c 1
 *
 * The command is split like a POSIX shell would split it, without expansion
 * (shellwords.h), and handed to the probe's own parser, so a command line
 * means the same in Nagios and in tandemd. A command whose program is no
 * tandem probe runs as a process. Every error is reported as
 * `file:line: what is wrong`, all of them, not only the first.
 * A loaded configuration is immutable; td_conf_free frees all of it.
 */
#ifndef TANDEM_CONF_H
#define TANDEM_CONF_H

#include <stdbool.h>
#include <stddef.h>

#include "tandem/buf.h"
#include "tandem/error.h"
#include "tandem/options.h"
#include "tandem/probe.h"

/* One round-robin archive: `resolution` seconds per row (0: one step), kept `retention` s. */
struct td_archive {
	double resolution;
	double retention;
};
#define TD_MAX_ARCHIVES 8

struct td_service {
	char *name;     /* "host/service", as in the section header */
	char *host, *service;
	double interval, timeout; /* seconds */
	char *command;  /* as written */
	int argc;
	char **argv;    /* split command */
	const struct td_probe *probe; /* NULL: an outside plugin run as a process */
	void *probe_cfg;              /* the probe's parsed, immutable config */
	struct td_common common;
	char *exec_path; /* outside plugin: the program to run */
	unsigned line;   /* line of the section header */
};

struct td_conf {
	char *path; /* NULL for the built-in configuration */
	char *data_dir, *spool_dir, *pid_file, *rrdcached, *user, *log, *plugin_path;
	char *perfdata_dir; /* Nagios perfdata spool to ingest, or NULL */
	unsigned workers;
	double interval, timeout; /* defaults for services */
	double write_delay;       /* seconds samples gather before a batch write; < 0: default */
	struct td_archive archives[TD_MAX_ARCHIVES];
	size_t n_archives;
	struct td_service *services;
	size_t n_services;
};

/* The probes tandemd runs in-process, looked up by a command's base name. */
const struct td_probe *td_probe_lookup(const char *argv0);
/* Every probe linked in, NULL-terminated (for --help and tests). */
extern const struct td_probe *const td_probes[];

/*
 * Loads path. data_dir (may be NULL) overrides the file's data_dir. On
 * success *out is the configuration; otherwise TD_E_PARSE and every problem
 * appended to errors as `path:line: message\n`.
 */
enum td_err td_conf_load(const char *path, const char *data_dir, struct td_conf **out,
			 struct td_buf *errors);

/*
 * The built-in configuration: the local machine's load, memory and disks
 * every 10 s (host = this machine's name), into data_dir or the default.
 */
struct td_conf *td_conf_builtin(const char *data_dir);

void td_conf_free(struct td_conf *c);

/* Parses "2d", "90m", "4y" (s m h d w y; bare = seconds) into seconds. */
enum td_err td_conf_duration(const char *text, double *out);

/* Finds name in the colon-separated path (or uses it when it holds a '/'). */
char *td_conf_find_program(const char *name, const char *path);

#endif

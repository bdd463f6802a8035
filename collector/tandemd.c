/*
 * tandemd.c - the collector's main: options, configuration, daemon set-up
 * (fork, pid file, dropping root), then td_daemon_run.
 *
 *   tandemd [-c FILE] [-f] [-t] [--data-dir DIR]
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "tandem/collector.h"
#include "tandem/conf.h"
#include "tandem/options.h"

#define TD_DEFAULT_CONF SYSCONFDIR "/tandem/tandemd.conf"

enum { OPT_CONF = 1, OPT_FG, OPT_TEST, OPT_DATA, OPT_HELP, OPT_VERSION };

static const struct td_option tandemd_options[] = {
	{ 'c', "config", TD_ARG_REQUIRED, "FILE",
	  "Read FILE (default " TD_DEFAULT_CONF "; when that file does not exist, the built-in "
	  "configuration samples this machine's load, memory, disks and processes).",
	  OPT_CONF },
	{ 'f', "foreground", TD_ARG_NONE, NULL, "Stay in the foreground and log to stderr.", OPT_FG },
	{ 't', "test", TD_ARG_NONE, NULL,
	  "Check the configuration, print every error as file:line: message, and exit (0 when "
	  "valid).",
	  OPT_TEST },
	{ 0, "data-dir", TD_ARG_REQUIRED, "DIR", "Store RRD files in DIR (overrides data_dir).",
	  OPT_DATA },
	{ 'h', "help", TD_ARG_NONE, NULL, "Print this help and exit.", OPT_HELP },
	{ 'V', "version", TD_ARG_NONE, NULL, "Print the version and exit.", OPT_VERSION },
	TD_OPTION_END,
};

static void tandemd_usage(FILE *f)
{
	struct td_buf b;
	td_buf_init(&b, 0);
	td_buf_printf(&b, "tandemd (%s %s) - runs tandem's probes on a schedule and stores every "
			  "metric in RRD files\n\nUsage: tandemd [-c FILE] [-f] [-t] [--data-dir DIR]\n\n",
		      PACKAGE_NAME, PACKAGE_VERSION);
	td_options_help(&b, tandemd_options);
	struct td_buf t;
	td_buf_init(&t, 0);
	td_buf_puts(&t, "Signals: SIGHUP reloads the configuration (services added, removed and "
			"changed; nothing lost), SIGTERM finishes the runs in flight, stores what is "
			"in the spool, and exits 0.\nProbes run in-process:");
	for (size_t i = 0; td_probes[i]; i++)
		td_buf_printf(&t, " check_%s", td_probes[i]->name);
	td_buf_puts(&t, ". Any other command is run as a process and its perfdata stored.");
	td_buf_putc(&b, '\n');
	td_help_wrap(&b, td_buf_str(&t), 0, 79);
	td_buf_cleanup(&t);
	fputs(td_buf_str(&b), f);
	td_buf_cleanup(&b);
}

/* Creates dir (and parents) owned by uid:gid when we are root. */
static int tandemd_mkdir_owned(const char *dir, uid_t uid, gid_t gid)
{
	char *p = td_xstrdup(dir);
	int rc = 0;
	for (char *s = p + 1;; s++) {
		if (*s && *s != '/')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, 0755) == 0 && geteuid() == 0 && chown(p, uid, gid) != 0)
			rc = -1;
		else if (errno != EEXIST && access(p, F_OK) != 0)
			rc = -1;
		if (!c)
			break;
		*s = c;
	}
	free(p);
	return rc;
}

/*
 * Started as root with `user` set: prepares the directories for that user,
 * drops every privilege, and checks that root cannot be regained.
 */
static int tandemd_drop_root(const struct td_conf *c, char *err, size_t errlen)
{
	if (geteuid() != 0)
		return 0;
	if (!c->user || !strcmp(c->user, "root")) {
		fprintf(stderr, "tandemd: running as root; set user = NAME in [tandemd] to drop it\n");
		return 0;
	}
	struct passwd *pw = getpwnam(c->user);
	if (!pw) {
		snprintf(err, errlen, "user \"%s\" does not exist", c->user);
		return -1;
	}
	const char *dirs[] = { c->data_dir, c->spool_dir };
	for (size_t i = 0; i < 2; i++) {
		tandemd_mkdir_owned(dirs[i], pw->pw_uid, pw->pw_gid);
		if (chown(dirs[i], pw->pw_uid, pw->pw_gid) != 0) {
			snprintf(err, errlen, "chown %s: %s", dirs[i], strerror(errno));
			return -1;
		}
	}
	char *dd = td_xasprintf("%s/deferred", c->spool_dir);
	tandemd_mkdir_owned(dd, pw->pw_uid, pw->pw_gid);
	free(dd);
	char *meta = td_xasprintf("%s/.tandemd", c->data_dir);
	tandemd_mkdir_owned(meta, pw->pw_uid, pw->pw_gid);
	free(meta);
	if (setgroups(1, &pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
		snprintf(err, errlen, "cannot become %s: %s", c->user, strerror(errno));
		return -1;
	}
	if (pw->pw_uid != 0 && (setuid(0) == 0 || seteuid(0) == 0 || getuid() == 0 || geteuid() == 0)) {
		snprintf(err, errlen, "root could be regained after dropping to %s", c->user);
		return -1;
	}
	return 0;
}

/* Takes the pid file with an exclusive lock: a second tandemd on the same data refuses. */
static int tandemd_pidfile(const char *path, char *err, size_t errlen)
{
	char *dir = td_xstrdup(path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		tandemd_mkdir_owned(dir, getuid(), getgid());
	}
	free(dir);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(err, errlen, "pid file %s: %s", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		char pid[32] = "";
		ssize_t n = read(fd, pid, sizeof pid - 1);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		snprintf(err, errlen, "already running (pid %s, %s)", pid[0] ? pid : "?", path);
		close(fd);
		return -1;
	}
	char buf[32];
	int len = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)len, 0) != len) {
		snprintf(err, errlen, "pid file %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd; /* kept open: the lock lives as long as the process */
}

int main(int argc, char **argv)
{
	const char *conf_path = NULL, *data_dir = NULL;
	bool fg = false, test = false;
	char err[1024];
	struct td_getopt g;
	const struct td_option *o;
	const char *arg;
	int got;

	td_getopt_init(&g, argc, argv, tandemd_options);
	g.tables[1] = NULL; /* tandemd has none of the plugins' common options */
	while ((got = td_getopt_next(&g, &o, &arg, err, sizeof err)) == 1) {
		switch (o ? o->id : 0) {
		case OPT_CONF: conf_path = arg; break;
		case OPT_FG: fg = true; break;
		case OPT_TEST: test = true; break;
		case OPT_DATA: data_dir = arg; break;
		case OPT_HELP: tandemd_usage(stdout); return 0;
		case OPT_VERSION: printf("tandemd (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION); return 0;
		default:
			fprintf(stderr, "tandemd: unexpected argument \"%s\"\n", arg);
			return 2;
		}
	}
	if (got < 0) {
		fprintf(stderr, "tandemd: %s\nUsage: tandemd [-c FILE] [-f] [-t] [--data-dir DIR] (see --help)\n",
			err);
		return 2;
	}

	struct td_conf *conf = NULL;
	struct td_buf errors;
	td_buf_init(&errors, 0);
	if (!conf_path && access(TD_DEFAULT_CONF, F_OK) != 0) {
		conf = td_conf_builtin(data_dir);
		if (test) {
			printf("tandemd: no %s: the built-in configuration is used (%zu services)\n",
			       TD_DEFAULT_CONF, conf->n_services);
			td_conf_free(conf);
			return 0;
		}
	} else {
		const char *path = conf_path ? conf_path : TD_DEFAULT_CONF;
		if (td_conf_load(path, data_dir, &conf, &errors) != TD_OK) {
			fputs(td_buf_str(&errors), stderr);
			td_buf_cleanup(&errors);
			return 1;
		}
		if (test) {
			printf("%s: OK, %zu services, data in %s\n", path, conf->n_services, conf->data_dir);
			td_conf_free(conf);
			return 0;
		}
	}
	td_buf_cleanup(&errors);

	/* daemonise: the parent waits for the child's word, so start-up errors reach the terminal */
	int ready[2] = { -1, -1 };
	if (!fg) {
		if (pipe(ready) != 0) {
			perror("tandemd: pipe");
			return 1;
		}
		pid_t pid = fork();
		if (pid < 0) {
			perror("tandemd: fork");
			return 1;
		}
		if (pid > 0) {
			close(ready[1]);
			char msg[1024];
			ssize_t n = read(ready[0], msg, sizeof msg - 1);
			if (n > 0 && msg[0] == 'O')
				return 0;
			msg[n > 0 ? n : 0] = '\0';
			fprintf(stderr, "tandemd: %s\n", n > 0 ? msg : "failed to start");
			return 1;
		}
		close(ready[0]);
		setsid();
		openlog("tandemd", LOG_PID, LOG_DAEMON);
	}
	struct td_daemon *d = NULL;
	int rc = 1;
	err[0] = '\0';
	if (tandemd_mkdir_owned(conf->data_dir, getuid(), getgid()) != 0 ||
	    access(conf->data_dir, W_OK) != 0)
		snprintf(err, sizeof err, "data directory %s: %s", conf->data_dir, strerror(errno));
	else if (tandemd_drop_root(conf, err, sizeof err) == 0 &&
	    tandemd_pidfile(conf->pid_file, err, sizeof err) >= 0) {
		const char *pid_path = td_xstrdup(conf->pid_file);
		if (td_daemon_new(conf, fg || (conf->log && !strcmp(conf->log, "stderr")), &d, err,
				  sizeof err) == TD_OK) {
			conf = NULL; /* owned by the daemon now */
			if (!fg) {
				if (write(ready[1], "OK", 2) != 2)
					(void)0;
				close(ready[1]);
				int devnull = open("/dev/null", O_RDWR);
				if (devnull >= 0) {
					dup2(devnull, STDIN_FILENO);
					dup2(devnull, STDOUT_FILENO);
					if (!(d && fg))
						dup2(devnull, STDERR_FILENO);
					close(devnull);
				}
				if (chdir("/") != 0)
					(void)0;
			}
			rc = td_daemon_run(d);
			td_daemon_free(d);
			unlink(pid_path);
		} else {
			conf = NULL; /* td_daemon_new frees it on failure */
		}
		free((char *)pid_path);
	}
	if (rc != 0 && err[0]) {
		if (!fg && ready[1] >= 0) {
			if (write(ready[1], err, strlen(err)) < 0)
				(void)0;
		} else {
			fprintf(stderr, "tandemd: %s\n", err);
		}
	}
	td_conf_free(conf);
	return rc;
}

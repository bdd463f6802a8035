/*
 * test_disk.c - check_disk's parsers, filters and evaluation on fixtures,
 * and its worker against fake file systems, one of them stale.
 */
#include "../../plugins/probes/disk.c"

#include <semaphore.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdatomic.h>
#include <stdint.h>

#include <cmocka.h>

/* ---- fakes: a small machine whose statvfs and realpath the tests decide ---- */

static const char fixture_mountinfo[] =
	"21 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro\n"
	"22 21 0:20 / /proc rw,nosuid shared:5 - proc proc rw\n"
	"23 21 0:21 / /tmp rw shared:2 master:7 - tmpfs tmpfs rw,size=102400k\n"
	"24 21 8:2 / /srv/data rw - xfs /dev/sda2 rw\n"
	"25 21 8:2 /export /srv/bind rw - xfs /dev/sda2 rw\n"
	"26 21 0:50 / /mnt/nfs rw - nfs4 server:/export rw,vers=4.2\n"
	"27 21 8:3 / /mnt/my\\040disk rw - ext4 /dev/sdb1 rw\n"
	"28 21 0:51 / /var/lib/docker/overlay2/x/merged rw - overlay overlay rw,lowerdir=/a\n"
	"29 21 0:52 / /sys rw - sysfs sysfs rw\n";

struct fake_fs {
	const char *dir;
	unsigned long bsize, blocks, bfree, bavail, files, ffree;
};

/* 4 KiB blocks: / is 1000 blocks, 600 free of which 500 for users, so 50% used */
static const struct fake_fs fake_fs[] = {
	{ "/", 4096, 1000, 600, 500, 1000, 900 },
	{ "/proc", 4096, 0, 0, 0, 0, 0 },
	{ "/tmp", 4096, 100, 100, 100, 50, 50 },
	{ "/srv/data", 4096, 1000, 50, 50, 100, 5 },
	{ "/srv/bind", 4096, 1000, 50, 50, 100, 5 },
	{ "/mnt/nfs", 4096, 2000, 1000, 1000, 0, 0 },
	{ "/mnt/my disk", 1024, 2048, 1024, 1024, 10, 10 },
	{ "/var/lib/docker/overlay2/x/merged", 4096, 1000, 600, 500, 1000, 900 },
	{ "/sys", 4096, 0, 0, 0, 0, 0 },
};

static sem_t stale_release;
static atomic_int stale_returned;
static atomic_int eacces_for_nfs;
/* the mount whose server is gone; none until a test says so */
static const char *stale_dir = "/none";

static int fake_statvfs(const char *path, struct statvfs *out)
{
	if (!strcmp(path, stale_dir)) {
		/* a dead NFS server: blocks until the test lets it go */
		while (sem_wait(&stale_release) != 0)
			;
		atomic_store(&stale_returned, 1);
		errno = EIO;
		return -1;
	}
	if (atomic_load(&eacces_for_nfs) && !strcmp(path, "/mnt/nfs")) {
		errno = EACCES;
		return -1;
	}
	const struct fake_fs *best = NULL;
	size_t best_len = 0;
	for (size_t i = 0; i < sizeof fake_fs / sizeof fake_fs[0]; i++) {
		size_t n = strlen(fake_fs[i].dir);
		bool holds = n == 1 || (!strncmp(fake_fs[i].dir, path, n) &&
					(path[n] == '\0' || path[n] == '/'));
		if (holds && n >= best_len) {
			best = &fake_fs[i];
			best_len = n;
		}
	}
	memset(out, 0, sizeof *out);
	out->f_bsize = out->f_frsize = best->bsize;
	out->f_blocks = best->blocks;
	out->f_bfree = best->bfree;
	out->f_bavail = best->bavail;
	out->f_files = best->files;
	out->f_ffree = out->f_favail = best->ffree;
	return 0;
}

static char *fake_realpath(const char *path)
{
	if (!strncmp(path, "/missing", 8)) {
		errno = ENOENT;
		return NULL;
	}
	if (!strncmp(path, "/stale/", 7)) {
		while (sem_wait(&stale_release) != 0)
			;
		atomic_store(&stale_returned, 1);
		errno = EIO;
		return NULL;
	}
	if (!strcmp(path, "/link"))
		return td_xstrdup("/srv/data/deep/file");
	return td_xstrdup(path);
}

static const struct disk_sys fake_sys = { fake_statvfs, fake_realpath };

static char fixture_path[64];

static int setup_fixture(void **state)
{
	(void)state;
	snprintf(fixture_path, sizeof fixture_path, "/tmp/tandem-disk-mi.XXXXXX");
	int fd = mkstemp(fixture_path);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, fixture_mountinfo, sizeof fixture_mountinfo - 1);
	close(fd);
	if (sem_init(&stale_release, 0, 0) != 0)
		return -1;
	return n == (ssize_t)(sizeof fixture_mountinfo - 1) ? 0 : -1;
}

static int teardown_fixture(void **state)
{
	(void)state;
	unlink(fixture_path);
	sem_destroy(&stale_release);
	return 0;
}

/* Parses argv (NULL-terminated, after the program name) and runs on the fakes. */
static enum td_state run_disk(double seconds, struct td_result *res, const char *const *args)
{
	char *argv[64];
	char *mi = td_xasprintf("--mountinfo=%s", fixture_path);
	int argc = 0;
	argv[argc++] = "check_disk";
	argv[argc++] = mi;
	for (; *args; args++)
		argv[argc++] = (char *)*args;
	struct td_common common;
	void *cfg;
	char err[256] = "";
	enum td_err rc;
	rc = td_probe_parse(&td_probe_disk, argc, argv, "check_disk", &common, &cfg, err,
			    sizeof err);
	if (rc != TD_OK)
		fail_msg("parse: %s", err);
	((struct disk_config *)cfg)->sys = &fake_sys;
	struct td_run_ctx ctx = { .deadline = td_deadline_in(seconds), .verbose = common.verbose };
	td_result_init(res);
	rc = td_probe_disk.run(cfg, &ctx, res);
	td_probe_disk.config_free(cfg);
	free(mi);
	return td_result_finish(res, rc, common.timeout_state);
}

#define RUN(res, ...) run_disk(5, res, (const char *const[]){ __VA_ARGS__, NULL })

static const struct td_metric *find_metric(const struct td_result *res, const char *label)
{
	for (size_t i = 0; i < res->n_metrics; i++)
		if (!strcmp(res->metrics[i].label, label))
			return &res->metrics[i];
	return NULL;
}

static char *format(const struct td_result *res)
{
	struct td_buf out;
	td_buf_init(&out, 0);
	td_result_format(res, "DISK", &out);
	char *s = td_buf_steal(&out);
	td_buf_cleanup(&out);
	return s ? s : td_xstrdup("");
}

/* ---- thresholds -------------------------------------------------------------- */

static void test_limit_table(void **state)
{
	(void)state;
	static const struct {
		const char *arg;
		bool inodes;
		enum td_err rc;
		enum disk_form form;
		double free;  /* DISK_FREE*: the amount */
		double end;   /* DISK_USED: the range's end */
		bool bare;
	} cases[] = {
		{ "20%", false, TD_OK, DISK_FREE_PCT, 20, 0, false },
		{ "0%", false, TD_OK, DISK_FREE_PCT, 0, 0, false },
		{ "100%", false, TD_OK, DISK_FREE_PCT, 100, 0, false },
		{ "12.5%", false, TD_OK, DISK_FREE_PCT, 12.5, 0, false },
		{ "100", false, TD_OK, DISK_FREE, 100, 0, true },
		{ "0", false, TD_OK, DISK_FREE, 0, 0, true },
		{ "10GB", false, TD_OK, DISK_FREE, 10737418240.0, 0, false },
		{ "10g", false, TD_OK, DISK_FREE, 10737418240.0, 0, false },
		{ "512KiB", false, TD_OK, DISK_FREE, 524288, 0, false },
		{ "1B", false, TD_OK, DISK_FREE, 1, 0, false },
		{ "99999999999999999999PB", false, TD_OK, DISK_FREE, 1e20 * 1125899906842624.0, 0,
		  false },
		{ "~:80%", false, TD_OK, DISK_USED, 0, 80, false },
		{ "~:900GB", false, TD_OK, DISK_USED, 0, 900 * 1073741824.0, false },
		{ "10:20", false, TD_OK, DISK_USED, 0, 20, true },
		{ "@10:20%", false, TD_OK, DISK_USED, 0, 20, false },
		{ "90%:", false, TD_OK, DISK_USED, 0, INFINITY, false },
		{ ":", false, TD_OK, DISK_USED, 0, INFINITY, true },
		/* garbage, out of bounds, wrong families */
		{ "", false, TD_E_USAGE, 0, 0, 0, false },
		{ "abc", false, TD_E_USAGE, 0, 0, 0, false },
		{ "%", false, TD_E_USAGE, 0, 0, 0, false },
		{ "-5%", false, TD_E_USAGE, 0, 0, 0, false },
		{ "-5", false, TD_E_USAGE, 0, 0, 0, false },
		{ "101%", false, TD_E_USAGE, 0, 0, 0, false },
		{ "100.5%", false, TD_E_USAGE, 0, 0, 0, false },
		{ "10:x", false, TD_E_USAGE, 0, 0, 0, false },
		{ "20:10", false, TD_E_USAGE, 0, 0, 0, false },
		{ "~:101%", false, TD_E_USAGE, 0, 0, 0, false },
		{ "-10:20", false, TD_E_USAGE, 0, 0, 0, false },
		{ "10%:20GB", false, TD_E_USAGE, 0, 0, 0, false },
		{ "10s", false, TD_E_USAGE, 0, 0, 0, false },
		{ "10XB", false, TD_E_USAGE, 0, 0, 0, false },
		{ "1e3", false, TD_E_USAGE, 0, 0, 0, false },
		{ "0x10", false, TD_E_USAGE, 0, 0, 0, false },
		{ " 20%", false, TD_E_USAGE, 0, 0, 0, false },
		{ "20 %", false, TD_E_USAGE, 0, 0, 0, false },
		{ "20%%", false, TD_E_USAGE, 0, 0, 0, false },
		{ "1,5%", false, TD_E_USAGE, 0, 0, 0, false },
		{ "~5", false, TD_E_USAGE, 0, 0, 0, false },
		{ "1:2:3", false, TD_E_USAGE, 0, 0, 0, false },
		{ "1..2", false, TD_E_USAGE, 0, 0, 0, false },
		/* inodes: percentages, or ranges on a count */
		{ "10%", true, TD_OK, DISK_FREE_PCT, 10, 0, false },
		{ "10", true, TD_OK, DISK_FREE_PCT, 10, 0, false },
		{ "~:90%", true, TD_OK, DISK_USED, 0, 90, false },
		{ "~:5000000", true, TD_OK, DISK_USED, 0, 5000000, false },
		{ "101", true, TD_E_USAGE, 0, 0, 0, false },
		{ "10GB", true, TD_E_USAGE, 0, 0, 0, false },
		{ "~:10GB", true, TD_E_USAGE, 0, 0, 0, false },
		{ "abc", true, TD_E_USAGE, 0, 0, 0, false },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct disk_limit l = { .form = DISK_UNSET };
		char err[512] = "";
		const char *opt = cases[i].inodes ? "-W" : "-w";
		enum td_err rc;
		rc = disk_parse_limit(opt, cases[i].arg, cases[i].inodes, &l, err, sizeof err);
		if (rc != cases[i].rc)
			fail_msg("case %zu \"%s\": rc %d, wanted %d (%s)", i, cases[i].arg, rc,
				 cases[i].rc, err);
		if (rc != TD_OK) {
			/* one line that names the option and the text */
			if (strncmp(err, opt, 2) != 0 || strchr(err, '\n'))
				fail_msg("case \"%s\": message \"%s\"", cases[i].arg, err);
			assert_int_equal(l.form, DISK_UNSET);
			continue;
		}
		if (l.form != cases[i].form || l.bare != cases[i].bare)
			fail_msg("case \"%s\": form %d bare %d", cases[i].arg, l.form, l.bare);
		if (l.form == DISK_USED) {
			if (isinf(cases[i].end))
				assert_true(isinf(l.used.end));
			else
				assert_float_equal(l.used.end, cases[i].end, 1e-6);
		} else {
			assert_float_equal(l.free, cases[i].free, cases[i].free * 1e-12);
		}
	}
}

static void test_limit_messages(void **state)
{
	(void)state;
	struct disk_limit l;
	char err[512];
	disk_parse_limit("-w", "abc", false, &l, err, sizeof err);
	assert_non_null(strstr(err, "\"abc\""));
	disk_parse_limit("-c", "10:x", false, &l, err, sizeof err);
	assert_string_equal(err, "-c: \"10:x\" is not a range: \"x\" is not a number");
	disk_parse_limit("-K", "101%", true, &l, err, sizeof err);
	assert_string_equal(err, "-K: \"101%\": a percentage is at most 100");
}

/* What alerts, checked through td_range_alert: the one comparison the contract has. */
static void test_limit_range(void **state)
{
	(void)state;
	static const struct {
		const char *arg;
		double base;
		double quiet; /* a used amount that must not alert */
		double loud;  /* one that must */
	} cases[] = {
		/* at most 20% free of 1000: alert from 800 used (exactly 20% free) on */
		{ "20%", 1000, 799, 800 },
		{ "100", 1000, 899, 900 },      /* bytes here: -u B below */
		{ "0%", 1000, 999, 1000 },      /* only when full */
		{ "0", 1000, 999, 1000 },
		{ "~:80%", 1000, 800, 801 },    /* a range: above 80% used */
		{ "~:500", 1000, 500, 501 },
		{ "@10:20%", 1000, 99, 100 },   /* inside 100..200 */
		{ "@10:20%", 1000, 201, 200 },
		{ "10%:", 1000, 100, 99 },      /* below 10% used */
		{ "50%", 3, 1, 2 },             /* 1.5 is not a whole amount: 2 alerts */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct disk_limit l;
		char err[256];
		if (disk_parse_limit("-w", cases[i].arg, false, &l, err, sizeof err) != TD_OK)
			fail_msg("\"%s\": %s", cases[i].arg, err);
		disk_limit_scale(&l, 1);
		struct td_range r = disk_limit_range(&l, cases[i].base);
		assert_true(r.set);
		if (td_range_alert(&r, cases[i].quiet) || !td_range_alert(&r, cases[i].loud))
			fail_msg("case %zu \"%s\" base %g: quiet %g loud %g", i, cases[i].arg,
				 cases[i].base, cases[i].quiet, cases[i].loud);
	}

	/* more than there is to fill: alert whatever is used, and print a valid range */
	struct disk_limit l;
	char err[256], buf[TD_RANGE_MAX], again[256];
	struct td_range r, back;
	for (int k = 0; k < 2; k++) {
		disk_parse_limit("-w", k ? "100%" : "2000", false, &l, err, sizeof err);
		disk_limit_scale(&l, 1);
		r = disk_limit_range(&l, 1000);
		assert_true(td_range_alert(&r, 0));
		td_range_format(&r, buf, sizeof buf);
		assert_string_equal(buf, "~:-1");
		assert_int_equal(td_range_parse(buf, 0, &back, again, sizeof again), TD_OK);
	}
	/* percentages of nothing */
	disk_parse_limit("-w", "~:80%", false, &l, err, sizeof err);
	r = disk_limit_range(&l, 0);
	assert_false(td_range_alert(&r, 0));
	/* unset never alerts and prints nothing */
	memset(&l, 0, sizeof l);
	r = disk_limit_range(&l, 1000);
	assert_false(r.set);
	assert_string_equal(td_range_format(&r, buf, sizeof buf), "");
}

static void test_limit_scale(void **state)
{
	(void)state;
	struct disk_limit l;
	char err[256];
	disk_parse_limit("-w", "100", false, &l, err, sizeof err);
	disk_limit_scale(&l, 1048576);
	assert_float_equal(l.free, 104857600, 0);
	assert_false(l.bare);
	disk_limit_scale(&l, 1048576); /* once only */
	assert_float_equal(l.free, 104857600, 0);
	disk_parse_limit("-w", "10:20", false, &l, err, sizeof err);
	disk_limit_scale(&l, 1024);
	assert_float_equal(l.used.start, 10240, 0);
	assert_float_equal(l.used.end, 20480, 0);
	disk_parse_limit("-w", "10GB", false, &l, err, sizeof err);
	disk_limit_scale(&l, 1024);
	assert_float_equal(l.free, 10737418240.0, 0);
}

static void test_units_table(void **state)
{
	(void)state;
	static const struct {
		const char *arg;
		double unit; /* 0: an error */
	} cases[] = {
		{ "B", 1 },           { "bytes", 1 },        { "kB", 1024 },
		{ "KB", 1024 },       { "KiB", 1024 },       { "k", 1024 },
		{ "MB", 1048576 },    { "mb", 1048576 },     { "MiB", 1048576 },
		{ "GB", 1073741824 }, { "TB", 1099511627776.0 }, { "PB", 1125899906842624.0 },
		{ "", 0 },            { "X", 0 },            { "5", 0 },
		{ "%", 0 },           { "s", 0 },            { "GBB", 0 },
		{ "very-long-unit-name-here", 0 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		double u = -1;
		char err[256] = "";
		enum td_err rc = disk_parse_unit(cases[i].arg, &u, err, sizeof err);
		if (cases[i].unit == 0) {
			assert_int_equal(rc, TD_E_USAGE);
			assert_true(!strncmp(err, "-u: ", 4));
		} else {
			if (rc != TD_OK)
				fail_msg("unit \"%s\": %s", cases[i].arg, err);
			assert_float_equal(u, cases[i].unit, 0);
		}
	}
}

/* ---- mountinfo ----------------------------------------------------------------- */

static void test_unescape(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
		bool ok;
	} cases[] = {
		{ "/mnt/my\\040disk", "/mnt/my disk", true },
		{ "/a\\011b\\012c\\134d", "/a\tb\nc\\d", true },
		{ "\\040\\040", "  ", true },
		{ "/plain", "/plain", true },
		{ "/trailing\\", "/trailing\\", true },
		{ "/short\\04", "/short\\04", true },
		{ "/not\\089octal", "/not\\089octal", true },
		{ "/high\\400", "/high\\400", true },
		{ "/nul\\000", "", false },
		{ "", "", true },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char buf[64];
		snprintf(buf, sizeof buf, "%s", cases[i].in);
		bool ok = disk_unescape(buf);
		if (ok != cases[i].ok || (ok && strcmp(buf, cases[i].out)))
			fail_msg("case \"%s\": got \"%s\" %d", cases[i].in, buf, ok);
	}
}

static void test_parse_line_table(void **state)
{
	(void)state;
	static const struct {
		const char *line;
		const char *dir, *type, *source, *root;
		unsigned major, minor;
	} good[] = {
		{ "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue",
		  "/mnt2", "ext3", "/dev/root", "/mnt1", 98, 0 },
		{ "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw",
		  "/", "ext4", "/dev/vda", "/", 254, 0 },
		{ "1 2 3:4 / /x rw shared:1 master:2 propagate_from:3 unbindable - nfs4 h:/e rw",
		  "/x", "nfs4", "h:/e", "/", 3, 4 },
		{ "1 2 3:4 / /x rw - fuse.sshfs u@h:/ rw", "/x", "fuse.sshfs", "u@h:/", "/", 3, 4 },
		{ "1 2 0:5 /sub\\040dir /mnt/a\\040b\\011c rw - ext4 /dev/my\\134disk rw",
		  "/mnt/a b\tc", "ext4", "/dev/my\\disk", "/sub dir", 0, 5 },
		{ "1 2 3:4 / /x rw - tmpfs tmpfs", "/x", "tmpfs", "tmpfs", "/", 3, 4 },
		{ "4294967295 0 4294967295:4294967295 / /x rw - t s o", "/x", "t", "s", "/",
		  4294967295u, 4294967295u },
	};
	static const char *const bad[] = {
		"",
		"garbage",
		"1 2 3:4 / /x rw",
		"1 2 3:4 / /x rw shared:1 ext4 /dev/sda rw", /* no "-" */
		"1 2 3:4 / /x rw -",
		"1 2 3:4 / /x rw - ext4",
		"x 2 3:4 / /x rw - ext4 /dev/sda rw",
		"-1 2 3:4 / /x rw - ext4 /dev/sda rw",
		"1 2 3-4 / /x rw - ext4 /dev/sda rw",
		"1 2 3: / /x rw - ext4 /dev/sda rw",
		"1 2 :4 / /x rw - ext4 /dev/sda rw",
		"1 2 3:4294967296 / /x rw - ext4 /dev/sda rw",
		"1 2 3:4 / relative rw - ext4 /dev/sda rw",
		"1 2 3:4 / /x\\000 rw - ext4 /dev/sda rw",
		"1 2 3:4 / /x rw -  /dev/sda rw", /* empty type */
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		char *line = td_xstrdup(good[i].line);
		struct disk_mount m;
		if (disk_parse_line(line, &m) != TD_OK)
			fail_msg("\"%s\" did not parse", good[i].line);
		assert_string_equal(m.dir, good[i].dir);
		assert_string_equal(m.type, good[i].type);
		assert_string_equal(m.source, good[i].source);
		assert_string_equal(m.root, good[i].root);
		assert_int_equal(m.major, good[i].major);
		assert_int_equal(m.minor, good[i].minor);
		assert_false(m.hidden);
		free(line);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char *line = td_xstrdup(bad[i]);
		struct disk_mount m;
		if (disk_parse_line(line, &m) != TD_E_PARSE)
			fail_msg("\"%s\" parsed", bad[i]);
		free(line);
	}
}

static void test_table_parse(void **state)
{
	(void)state;
	struct disk_table t;
	/* malformed lines are skipped and counted; over-mounted points are hidden */
	assert_int_equal(disk_table_parse(td_xstrdup("1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"
						     "broken line\n"
						     "\n"
						     "2 1 0:20 / /dev/shm rw - tmpfs tmpfs rw\n"
						     "3 1 0:21 / /dev/shm rw - tmpfs tmpfs rw\n"
						     "4 1 0:22 / /x rw - ext4 /dev/sdb rw"),
					 &t),
			 TD_OK);
	assert_int_equal(t.n, 4);
	assert_int_equal(t.malformed, 1);
	assert_true(t.v[1].hidden);
	assert_false(t.v[2].hidden);
	assert_false(t.v[0].hidden);
	assert_string_equal(t.v[3].dir, "/x"); /* no final newline */
	assert_ptr_equal(disk_mount_at(&t, "/dev/shm"), &t.v[2]);
	disk_table_cleanup(&t);

	assert_int_equal(disk_table_parse(td_xstrdup("not\nmountinfo\n"), &t), TD_E_PARSE);
	assert_int_equal(t.malformed, 2);
	disk_table_cleanup(&t);

	assert_int_equal(disk_table_parse(td_xstrdup(""), &t), TD_OK);
	assert_int_equal(t.n, 0);
	disk_table_cleanup(&t);

	/* many mounts: hidden marking stays right and quick */
	struct td_buf b;
	td_buf_init(&b, 0);
	for (int i = 0; i < 5000; i++)
		td_buf_printf(&b, "%d 1 0:%d / /m/%d rw - tmpfs tmpfs rw\n", i + 2, i, i % 2500);
	assert_int_equal(disk_table_parse(td_buf_steal(&b), &t), TD_OK);
	assert_int_equal(t.n, 5000);
	for (size_t i = 0; i < t.n; i++)
		assert_int_equal(t.v[i].hidden, i < 2500);
	disk_table_cleanup(&t);
	td_buf_cleanup(&b);
}

static void test_read_file(void **state)
{
	(void)state;
	char *text = NULL, err[256] = "";
	assert_int_equal(disk_read_file("/nonexistent/mountinfo", &text, err, sizeof err),
			 TD_E_NOTFOUND);
	assert_non_null(strstr(err, "/nonexistent/mountinfo"));
	assert_int_equal(disk_read_file(fixture_path, &text, err, sizeof err), TD_OK);
	assert_string_equal(text, fixture_mountinfo);
	free(text);
	/* the real one parses, and holds / */
	assert_int_equal(disk_read_file(DISK_MOUNTINFO, &text, err, sizeof err), TD_OK);
	struct disk_table t;
	assert_int_equal(disk_table_parse(text, &t), TD_OK);
	assert_non_null(disk_mount_of(&t, "/"));
	disk_table_cleanup(&t);
}

/* ---- selection ---------------------------------------------------------------- */

static struct disk_config *config_of(const char *const *args)
{
	char *argv[32] = { "check_disk" };
	int argc = 1;
	for (; *args; args++)
		argv[argc++] = (char *)*args;
	struct td_common common;
	void *cfg;
	char err[256] = "";
	if (td_probe_parse(&td_probe_disk, argc, argv, "check_disk", &common, &cfg, err,
			   sizeof err) != TD_OK)
		fail_msg("parse: %s", err);
	return cfg;
}

#define CONFIG(...) config_of((const char *const[]){ __VA_ARGS__, NULL })

static void test_filters(void **state)
{
	(void)state;
	struct disk_mount proc = { 0, 20, "/", "/proc", "proc", "proc", false };
	struct disk_mount tmp = { 0, 21, "/", "/tmp", "tmpfs", "tmpfs", false };
	struct disk_mount root = { 8, 1, "/", "/", "ext4", "/dev/sda1", false };
	struct disk_mount over = { 0, 9, "/", "/", "overlay", "overlay", false };
	struct disk_mount nfs = { 0, 50, "/", "/mnt/nfs", "nfs4", "server:/export", false };
	struct disk_mount cifs = { 0, 51, "/", "/mnt/c", "cifs", "//host/share", false };
	struct disk_mount fuse = { 0, 52, "/", "/mnt/s", "fuse.sshfs", "u@h:", false };
	struct disk_mount squash = { 7, 0, "/", "/snap/core/1", "squashfs", "/dev/loop0", false };

	struct disk_config *c = CONFIG("-w", "10%");
	assert_non_null(disk_filtered(c, &proc, false));
	assert_non_null(disk_filtered(c, &tmp, false));
	assert_non_null(disk_filtered(c, &squash, false));
	assert_null(disk_filtered(c, &root, false));
	assert_null(disk_filtered(c, &over, false)); /* a container's root */
	assert_null(disk_filtered(c, &nfs, false));
	assert_null(disk_filtered(c, &tmp, true)); /* named by -p */
	disk_config_free(c);

	c = CONFIG("-A");
	assert_null(disk_filtered(c, &proc, false));
	assert_null(disk_filtered(c, &tmp, false));
	disk_config_free(c);

	c = CONFIG("-N", "tmpfs");
	assert_null(disk_filtered(c, &tmp, false));
	assert_non_null(disk_filtered(c, &root, false));
	assert_non_null(disk_filtered(c, &proc, false));
	disk_config_free(c);

	c = CONFIG("-N", "fuse.*", "-N", "ext4");
	assert_null(disk_filtered(c, &fuse, false));
	assert_null(disk_filtered(c, &root, false));
	assert_non_null(disk_filtered(c, &nfs, false));
	disk_config_free(c);

	c = CONFIG("-X", "ext4", "-X", "nfs*", "-x", "/mnt/c");
	assert_non_null(disk_filtered(c, &root, false));
	assert_non_null(disk_filtered(c, &nfs, true)); /* -X wins over -p */
	assert_non_null(disk_filtered(c, &cifs, false));
	assert_null(disk_filtered(c, &over, false));
	disk_config_free(c);

	c = CONFIG("-x", "/dev/sda1");
	assert_non_null(disk_filtered(c, &root, false)); /* by device too */
	disk_config_free(c);

	c = CONFIG("-l");
	assert_non_null(disk_filtered(c, &nfs, false));
	assert_non_null(disk_filtered(c, &cifs, false));
	assert_non_null(disk_filtered(c, &fuse, false));
	assert_null(disk_filtered(c, &root, false));
	disk_config_free(c);

	c = CONFIG("-i", "^/mnt/", "-I", "OVERLAY");
	assert_non_null(disk_filtered(c, &nfs, false));
	assert_non_null(disk_filtered(c, &over, false)); /* matches the source, ignoring case */
	assert_null(disk_filtered(c, &root, false));
	disk_config_free(c);
}

static void test_mount_of(void **state)
{
	(void)state;
	struct disk_table t;
	assert_int_equal(disk_table_parse(td_xstrdup(fixture_mountinfo), &t), TD_OK);
	static const struct {
		const char *path, *mount;
	} cases[] = {
		{ "/", "/" },
		{ "/etc/passwd", "/" },
		{ "/srv/data", "/srv/data" },
		{ "/srv/data/x/y", "/srv/data" },
		{ "/srv/database", "/" }, /* a prefix of the name is not a parent */
		{ "/srv", "/" },
		{ "/mnt/my disk/f", "/mnt/my disk" },
		{ "/tmp", "/tmp" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct disk_mount *m = disk_mount_of(&t, cases[i].path);
		assert_non_null(m);
		if (strcmp(m->dir, cases[i].mount))
			fail_msg("%s: got %s, wanted %s", cases[i].path, m->dir, cases[i].mount);
	}
	/* devices: the shortest mount point of a device mounted twice */
	assert_string_equal(disk_mount_of_device(&t, "/dev/sda2")->dir, "/srv/data");
	assert_null(disk_mount_of_device(&t, "/dev/nope"));
	disk_table_cleanup(&t);
}

static void test_dedupe(void **state)
{
	(void)state;
	struct disk_mount m[] = {
		{ 8, 2, "/", "/srv/bind/deeper", "xfs", "/dev/sda2", false },
		{ 8, 2, "/", "/srv/data", "xfs", "/dev/sda2", false },
		{ 8, 1, "/", "/", "ext4", "/dev/sda1", false },
		{ 8, 2, "/", "/srv/bind", "xfs", "/dev/sda2", false },
		{ 8, 3, "/", "/a", "ext4", "/dev/sdb", false },
		{ 8, 3, "/", "/b", "ext4", "/dev/sdb", false }, /* same length: the first stays */
		{ 3, 8, "/", "/c", "ext4", "/dev/sdc", false },  /* minor and major are not mixed */
	};
	struct disk_cand v[7];
	for (size_t i = 0; i < 7; i++)
		v[i] = (struct disk_cand){ .mount = &m[i] };
	disk_dedupe(v, 7);
	static const bool dropped[] = { true, false, false, true, false, true, false };
	for (size_t i = 0; i < 7; i++)
		if (v[i].drop != dropped[i])
			fail_msg("%s: drop %d", m[i].dir, v[i].drop);
	assert_ptr_equal(v[1].mount, &m[1]); /* order kept */
}

/* ---- evaluation ------------------------------------------------------------------ */

static void test_figures_and_evaluate(void **state)
{
	(void)state;
	struct statvfs sv;
	struct disk_figures f;
	memset(&sv, 0, sizeof sv);
	sv.f_frsize = 4096;
	sv.f_blocks = 1000;
	sv.f_bfree = 600; /* 100 reserved for root */
	sv.f_bavail = 500;
	sv.f_files = 1000;
	sv.f_ffree = 900;
	disk_figures_of(&sv, &f);
	assert_float_equal(f.total, 4096000, 0);
	assert_float_equal(f.used, 400 * 4096, 0);
	assert_float_equal(f.avail, 500 * 4096, 0);
	/* df's Use%: used / (used + avail), rounded up */
	assert_int_equal(disk_pct(f.used, f.used + f.avail), 45);
	assert_int_equal(disk_pct(1, 3), 34);
	assert_int_equal(disk_pct(0, 0), 0);
	assert_int_equal(disk_pct(5, 0), 100);

	/* free beyond total and avail beyond free are clamped */
	sv.f_bfree = 2000;
	sv.f_bavail = 3000;
	disk_figures_of(&sv, &f);
	assert_float_equal(f.used, 0, 0);
	assert_float_equal(f.avail, f.total, 0);
	sv.f_frsize = 0;
	sv.f_bsize = 512;
	disk_figures_of(&sv, &f);
	assert_float_equal(f.total, 512000, 0);

	/* -w 60% free (alert: 45% used is 55% free) -c ~:90% -W 5% */
	struct disk_limits lim;
	char err[256];
	memset(&lim, 0, sizeof lim);
	disk_parse_limit("-w", "60%", false, &lim.warn, err, sizeof err);
	disk_parse_limit("-c", "~:90%", false, &lim.crit, err, sizeof err);
	disk_parse_limit("-W", "5%", true, &lim.iwarn, err, sizeof err);
	sv.f_frsize = 4096;
	sv.f_bfree = 600;
	sv.f_bavail = 500;
	disk_figures_of(&sv, &f);
	struct td_result res;
	struct td_buf text;
	td_result_init(&res);
	td_buf_init(&text, 0);
	assert_int_equal(disk_evaluate(&res, "/data", &f, &lim, false, &text), TD_STATE_WARNING);
	assert_string_equal(td_buf_str(&text),
			    "[WARNING] /data 45% used "
			    "(1.6 MiB of 3.9 MiB, 2 MiB free, inodes 10% used)");
	assert_int_equal(res.n_metrics, 2);
	const struct td_metric *m = &res.metrics[0];
	assert_string_equal(m->label, "/data");
	assert_string_equal(m->uom, "B");
	assert_float_equal(m->value, 1638400, 0);
	assert_float_equal(m->max, 4096000, 0);
	/* 900 blocks users can fill: at most 60% free is 360 or more used */
	assert_float_equal(m->warn.end, 360 * 4096 - 1, 0);
	assert_float_equal(m->crit.end, 0.9 * 900 * 4096, 1e-3);
	m = &res.metrics[1];
	assert_string_equal(m->label, "/data inodes");
	assert_float_equal(m->value, 100, 0);
	assert_float_equal(m->max, 1000, 0);
	assert_float_equal(m->warn.end, 949, 0);
	char *out = format(&res);
	if (!strstr(out, " | /data=1638400B;1474559;~:3317760;0;4096000 "
			 "'/data inodes'=100;949;;0;1000\n"))
		fail_msg("output: %s", out);
	free(out);
	td_result_cleanup(&res);
	td_buf_reset(&text);

	/* no inode count (btrfs): no inode metric, said in the text */
	sv.f_files = sv.f_ffree = 0;
	disk_figures_of(&sv, &f);
	td_result_init(&res);
	disk_evaluate(&res, "/b", &f, &lim, false, &text);
	assert_int_equal(res.n_metrics, 1);
	assert_non_null(strstr(td_buf_str(&text), "no inode count"));
	td_result_cleanup(&res);
	td_buf_cleanup(&text);
}

/* ---- whole runs on the fixture ---------------------------------------------------- */

static void test_run_default(void **state)
{
	(void)state;
	struct td_result res;
	assert_int_equal(RUN(&res, "-w", "20%", "-c", "10%"), TD_STATE_CRITICAL);
	/* pseudo file systems out, overlay in, the bind mount once, at /srv/data */
	assert_non_null(find_metric(&res, "/"));
	assert_non_null(find_metric(&res, "/srv/data"));
	assert_non_null(find_metric(&res, "/mnt/nfs"));
	assert_non_null(find_metric(&res, "/mnt/my disk"));
	assert_non_null(find_metric(&res, "/var/lib/docker/overlay2/x/merged"));
	assert_null(find_metric(&res, "/srv/bind"));
	assert_null(find_metric(&res, "/proc"));
	assert_null(find_metric(&res, "/tmp"));
	assert_null(find_metric(&res, "/sys"));
	assert_int_equal(res.n_metrics, 5);
	/* the critical one first */
	char *out = format(&res);
	const char *want = "DISK CRITICAL - [CRITICAL] /srv/data 95% used (3.7 MiB of 3.9 MiB, "
			   "200 KiB free), ";
	if (strncmp(out, want, strlen(want)))
		fail_msg("output: %s", out);
	assert_non_null(strstr(out, "'/mnt/my disk'=1048576B;"));
	free(out);
	td_result_cleanup(&res);
}

static void test_run_paths(void **state)
{
	(void)state;
	struct td_result res;
	char *out;

	/* a path inside a mount, a symlink, a device, the mount point itself: one each */
	assert_int_equal(RUN(&res, "-p", "/srv/data/sub/dir", "-p", "/", "-p", "/dev/sdb1"),
			 TD_STATE_OK);
	assert_int_equal(res.n_metrics, 3);
	assert_string_equal(res.metrics[0].label, "/srv/data");
	assert_string_equal(res.metrics[1].label, "/");
	assert_string_equal(res.metrics[2].label, "/mnt/my disk");
	td_result_cleanup(&res);

	assert_int_equal(RUN(&res, "-p", "/link", "-p", "/srv/data"), TD_STATE_OK);
	assert_int_equal(res.n_metrics, 1);
	assert_non_null(strstr(td_buf_str(&res.long_output), "already checked"));
	td_result_cleanup(&res);

	/* a -p on a pseudo file system includes it */
	assert_int_equal(RUN(&res, "-p", "/tmp"), TD_STATE_OK);
	assert_string_equal(res.metrics[0].label, "/tmp");
	td_result_cleanup(&res);

	/* missing: UNKNOWN, but a measured CRITICAL still wins */
	assert_int_equal(RUN(&res, "-p", "/missing/dir"), TD_STATE_UNKNOWN);
	assert_string_equal(td_buf_str(&res.summary), "/missing/dir does not exist");
	td_result_cleanup(&res);
	assert_int_equal(RUN(&res, "-w", "99%", "-p", "/missing", "-p", "/"), TD_STATE_WARNING);
	out = format(&res);
	assert_non_null(strstr(out, "[WARNING] / 45% used"));
	assert_non_null(strstr(out, "/missing does not exist"));
	free(out);
	td_result_cleanup(&res);
	assert_int_equal(RUN(&res, "-n", "-p", "/missing", "-p", "/"), TD_STATE_OK);
	assert_int_equal(res.n_metrics, 1);
	td_result_cleanup(&res);

	/* -E: mount points only */
	assert_int_equal(RUN(&res, "-E", "-p", "/srv/data/sub"), TD_STATE_UNKNOWN);
	assert_non_null(strstr(td_buf_str(&res.summary), "not a mount point"));
	td_result_cleanup(&res);
	assert_int_equal(RUN(&res, "-E", "-p", "/srv/bind"), TD_STATE_OK);
	assert_string_equal(res.metrics[0].label, "/srv/bind"); /* named: not deduped */
	td_result_cleanup(&res);

	/* filters apply to -p too, and say why */
	assert_int_equal(RUN(&res, "-X", "tmpfs", "-p", "/tmp"), TD_STATE_UNKNOWN);
	assert_string_equal(td_buf_str(&res.summary), "no file system selected");
	assert_non_null(strstr(td_buf_str(&res.long_output), "type excluded by -X"));
	td_result_cleanup(&res);

	/* a path on a file system without blocks */
	assert_int_equal(RUN(&res, "-p", "/proc"), TD_STATE_OK);
	assert_string_equal(td_buf_str(&res.summary), "/proc has no blocks (proc)");
	assert_int_equal(res.n_metrics, 0);
	td_result_cleanup(&res);
}

static void test_run_thresholds(void **state)
{
	(void)state;
	struct td_result res;

	/* -w 100: 100 MB free; / has 2 MB free */
	assert_int_equal(RUN(&res, "-w", "100", "-p", "/"), TD_STATE_WARNING);
	td_result_cleanup(&res);
	assert_int_equal(RUN(&res, "-w", "100", "-u", "KB", "-p", "/"), TD_STATE_OK);
	td_result_cleanup(&res);
	assert_int_equal(RUN(&res, "-w", "2000", "-k", "-p", "/"), TD_STATE_WARNING);
	td_result_cleanup(&res);
	assert_int_equal(RUN(&res, "-u", "B", "-w", "100", "-p", "/"), TD_STATE_OK);
	td_result_cleanup(&res);
	/* exactly the free amount alerts, as the peer's inclusive @0:N */
	assert_int_equal(RUN(&res, "-u", "B", "-w", "2048000", "-p", "/"), TD_STATE_WARNING);
	td_result_cleanup(&res);
	assert_int_equal(RUN(&res, "-u", "B", "-w", "2047999", "-p", "/"), TD_STATE_OK);
	td_result_cleanup(&res);
	assert_int_equal(RUN(&res, "-w", "2MB", "-p", "/"), TD_STATE_WARNING);
	td_result_cleanup(&res);
	/* ranges on used: / is 400 of 900 blocks used, 44.4% */
	assert_int_equal(RUN(&res, "-w", "~:44%", "-c", "~:90%", "-p", "/"), TD_STATE_WARNING);
	td_result_cleanup(&res);
	assert_int_equal(RUN(&res, "-w", "~:45%", "-p", "/"), TD_STATE_OK);
	td_result_cleanup(&res);
	assert_int_equal(RUN(&res, "-c", "@1:2MB", "-p", "/"), TD_STATE_CRITICAL);
	td_result_cleanup(&res);
	assert_int_equal(RUN(&res, "-c", "~:1", "-p", "/"), TD_STATE_CRITICAL); /* 1 MB */
	td_result_cleanup(&res);
	/* inodes: / has 10% used */
	assert_int_equal(RUN(&res, "-K", "90%", "-p", "/"), TD_STATE_CRITICAL);
	td_result_cleanup(&res);
	assert_int_equal(RUN(&res, "-K", "~:9%", "-p", "/"), TD_STATE_CRITICAL);
	td_result_cleanup(&res);
	assert_int_equal(RUN(&res, "-K", "~:100", "-p", "/"), TD_STATE_OK);
	assert_non_null(find_metric(&res, "/ inodes"));
	td_result_cleanup(&res);

	/* per -p thresholds, as the peer: / at 99% free, /srv/data at 1% free */
	assert_int_equal(RUN(&res, "-w", "99%", "-p", "/", "-C", "-w", "1%", "-p", "/srv/data"),
			 TD_STATE_WARNING);
	assert_true(td_range_alert(&find_metric(&res, "/")->warn, find_metric(&res, "/")->value));
	assert_false(td_range_alert(&find_metric(&res, "/srv/data")->warn,
				    find_metric(&res, "/srv/data")->value));
	td_result_cleanup(&res);
	/* a -p before any threshold takes the last ones */
	assert_int_equal(RUN(&res, "-p", "/", "-w", "99%"), TD_STATE_WARNING);
	td_result_cleanup(&res);
	/* -r selects with the thresholds before it; -u after them still counts */
	assert_int_equal(RUN(&res, "-w", "1", "-r", "^/srv", "-u", "GB"), TD_STATE_WARNING);
	assert_int_equal(res.n_metrics, 1);
	assert_string_equal(res.metrics[0].label, "/srv/data");
	td_result_cleanup(&res);
}

static void test_run_errors_only_and_summary(void **state)
{
	(void)state;
	struct td_result res;
	char *out;

	assert_int_equal(RUN(&res, "-e", "-w", "20%"), TD_STATE_WARNING);
	assert_true(!strncmp(td_buf_str(&res.summary), "[WARNING] /srv/data", 19));
	assert_null(strstr(td_buf_str(&res.summary), "/mnt/nfs"));
	assert_int_equal(res.long_output.len, 0);
	assert_int_equal(res.n_metrics, 5); /* perfdata keeps them all */
	td_result_cleanup(&res);

	assert_int_equal(RUN(&res, "-e"), TD_STATE_OK);
	assert_string_equal(td_buf_str(&res.summary), "5 file systems OK");
	td_result_cleanup(&res);

	/* -A: tmpfs too, but nothing for file systems without blocks */
	assert_int_equal(RUN(&res, "-A"), TD_STATE_OK);
	assert_int_equal(res.n_metrics, 6);
	assert_non_null(find_metric(&res, "/tmp"));
	/* more than fit: the summary names five, the long output the sixth */
	assert_non_null(strstr(td_buf_str(&res.summary), " and 1 more"));
	assert_int_equal(strlen(td_buf_str(&res.long_output)) > 0, 1);
	td_result_cleanup(&res);

	/* -v says why mounts were left out */
	assert_int_equal(RUN(&res, "-v", "-l"), TD_STATE_OK);
	out = format(&res);
	assert_non_null(strstr(out, "skipped /proc (proc): pseudo file system"));
	assert_non_null(strstr(out, "skipped /mnt/nfs (nfs4): remote"));
	assert_non_null(strstr(out, "skipped /srv/bind: same device"));
	free(out);
	td_result_cleanup(&res);

	/* nothing selected */
	assert_int_equal(RUN(&res, "-N", "zfs"), TD_STATE_UNKNOWN);
	assert_string_equal(td_buf_str(&res.summary), "no file system selected");
	td_result_cleanup(&res);
	assert_int_equal(RUN(&res, "-n", "-N", "zfs"), TD_STATE_OK);
	td_result_cleanup(&res);

	/* a mount this user may not read, that nobody named: a note, no alert */
	atomic_store(&eacces_for_nfs, 1);
	stale_dir = "/none";
	assert_int_equal(RUN(&res, "-w", "1%"), TD_STATE_OK);
	assert_null(find_metric(&res, "/mnt/nfs"));
	assert_non_null(
		strstr(td_buf_str(&res.long_output), "/mnt/nfs not measured: Permission denied"));
	td_result_cleanup(&res);
	assert_int_equal(RUN(&res, "-p", "/mnt/nfs"), TD_STATE_UNKNOWN);
	assert_non_null(strstr(td_buf_str(&res.summary), "cannot measure: Permission denied"));
	td_result_cleanup(&res);
	atomic_store(&eacces_for_nfs, 0);
	stale_dir = "/mnt/nfs";
}

static void test_run_output_cap(void **state)
{
	(void)state;
	/* 3000 mounts with long names: the output stays under 8 KB, whole lines */
	char path[] = "/tmp/tandem-disk-big.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	for (int i = 0; i < 3000; i++)
		fprintf(f, "%d 1 9:%d / /srv/data/a-rather-long-mount-point-name-%04d rw - ext4 "
			   "/dev/x%d rw\n",
			i + 2, i, i, i);
	fclose(f);
	char saved[sizeof fixture_path];
	memcpy(saved, fixture_path, sizeof saved);
	snprintf(fixture_path, sizeof fixture_path, "%s", path);
	struct td_result res;
	RUN(&res, "-w", "10%");
	assert_int_equal(res.n_metrics, 3000);
	char *out = format(&res);
	assert_true(strlen(out) < 8192);
	assert_true(out[strlen(out) - 1] == '\n');
	assert_non_null(strstr(td_buf_str(&res.summary), " and 2995 more"));
	free(out);
	td_result_cleanup(&res);
	unlink(path);
	memcpy(fixture_path, saved, sizeof saved); /* back to the small machine */
}

static void test_run_bad_mountinfo(void **state)
{
	(void)state;
	char path[] = "/tmp/tandem-disk-bad.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "not mountinfo\n", 14), 14);
	close(fd);
	char *mi = td_xasprintf("--mountinfo=%s", path);
	char *argv[] = { "check_disk", mi };
	struct td_common common;
	void *cfg;
	char err[256];
	assert_int_equal(td_probe_parse(&td_probe_disk, 2, argv, "check_disk", &common, &cfg, err,
					sizeof err),
			 TD_OK);
	struct td_run_ctx ctx = { .deadline = td_deadline_in(5) };
	struct td_result res;
	td_result_init(&res);
	assert_int_equal(td_probe_disk.run(cfg, &ctx, &res), TD_E_PARSE);
	assert_non_null(strstr(td_buf_str(&res.summary), "not a mountinfo file"));
	td_result_cleanup(&res);
	unlink(path);
	td_probe_disk.config_free(cfg);

	argv[1] = "--mountinfo=/nonexistent";
	assert_int_equal(td_probe_parse(&td_probe_disk, 2, argv, "check_disk", &common, &cfg, err,
					sizeof err),
			 TD_OK);
	td_result_init(&res);
	assert_int_equal(td_probe_disk.run(cfg, &ctx, &res), TD_E_NOTFOUND);
	assert_non_null(strstr(td_buf_str(&res.summary), "/nonexistent"));
	td_result_cleanup(&res);
	td_probe_disk.config_free(cfg);
	free(mi);
}

/* ---- a stale mount ----------------------------------------------------------------- */

/* Lets the fake stale call return, and gives the worker time to free its job. */
static void release_stale(void)
{
	sem_post(&stale_release);
	for (int i = 0; i < 500 && !atomic_load(&stale_returned); i++)
		usleep(1000);
	assert_true(atomic_load(&stale_returned));
	atomic_store(&stale_returned, 0);
	/* the worker writes its result into the job and frees it after the call */
	usleep(50000);
}

static void test_run_stale_mount(void **state)
{
	(void)state;
	struct td_result res;
	double t0 = td_now();
	stale_dir = "/mnt/nfs";
	enum td_state st = run_disk(0.3, &res, (const char *const[]){ "-w", "10%", NULL });
	double took = td_now() - t0;
	assert_int_equal(st, TD_STATE_CRITICAL);
	assert_true(took >= 0.25 && took < 1.5);
	char *out = format(&res);
	assert_non_null(strstr(out, "/mnt/nfs timed out (stale mount?)"));
	/* what came after it in the table waited behind it */
	assert_non_null(strstr(out, "/mnt/my disk timed out (waiting behind /mnt/nfs)"));
	if (!strstr(out, " /mnt/nfs=U"))
		fail_msg("output: %s", out);
	/* what came before was measured */
	assert_true(find_metric(&res, "/")->known);
	assert_true(find_metric(&res, "/srv/data")->known);
	free(out);
	td_result_cleanup(&res);
	/* the probe has returned and freed its side; now the worker finishes */
	release_stale();

	/* -t 10:UNKNOWN: the timeout state is the user's */
	st = run_disk(0.2, &res,
		      (const char *const[]){ "-t", "10:unknown", "-p", "/mnt/nfs", NULL });
	assert_int_equal(st, TD_STATE_UNKNOWN);
	assert_string_equal(td_buf_str(&res.summary), "/mnt/nfs timed out (stale mount?)");
	td_result_cleanup(&res);
	release_stale();

	/* stale while resolving a -p path */
	st = run_disk(0.2, &res, (const char *const[]){ "-p", "/stale/dir", "-p", "/", NULL });
	assert_int_equal(st, TD_STATE_CRITICAL);
	assert_string_equal(td_buf_str(&res.summary), "/stale/dir timed out (stale mount?), "
						       "/ timed out (waiting behind /stale/dir)");
	td_result_cleanup(&res);
	release_stale();
	stale_dir = "/none";

	/* a deadline already passed: whatever the worker managed, nothing hangs */
	t0 = td_now();
	st = run_disk(0, &res, (const char *const[]){ "-p", "/", NULL });
	assert_true(st == TD_STATE_CRITICAL || st == TD_STATE_OK);
	assert_true(td_now() - t0 < 0.5);
	td_result_cleanup(&res);
	usleep(50000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limit_table),
		cmocka_unit_test(test_limit_messages),
		cmocka_unit_test(test_limit_range),
		cmocka_unit_test(test_limit_scale),
		cmocka_unit_test(test_units_table),
		cmocka_unit_test(test_unescape),
		cmocka_unit_test(test_parse_line_table),
		cmocka_unit_test(test_table_parse),
		cmocka_unit_test(test_read_file),
		cmocka_unit_test(test_filters),
		cmocka_unit_test(test_mount_of),
		cmocka_unit_test(test_dedupe),
		cmocka_unit_test(test_figures_and_evaluate),
		cmocka_unit_test(test_run_default),
		cmocka_unit_test(test_run_paths),
		cmocka_unit_test(test_run_thresholds),
		cmocka_unit_test(test_run_errors_only_and_summary),
		cmocka_unit_test(test_run_output_cap),
		cmocka_unit_test(test_run_bad_mountinfo),
		cmocka_unit_test(test_run_stale_mount),
	};
	return cmocka_run_group_tests(tests, setup_fixture, teardown_fixture);
}

/* test_spool.c - spool.c: the journal between measuring and storing. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tandem/spool.h"

#define MIB (1024u * 1024u)

struct fixture {
	char dir[PATH_MAX];   /* the temporary directory */
	char spool[PATH_MAX + 32]; /* DIR/a/b/spool: created by td_spool_open */
};

static int setup(void **state)
{
	struct fixture *fx = td_xcalloc(1, sizeof *fx);
	const char *tmp = getenv("TMPDIR");
	snprintf(fx->dir, sizeof fx->dir, "%s/td-spool-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(fx->dir))
		return -1;
	snprintf(fx->spool, sizeof fx->spool, "%s/a/b/spool", fx->dir);
	*state = fx;
	return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	chmod(path, 0700);
	return remove(path);
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	chmod(fx->spool, 0700);
	nftw(fx->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return 0;
}

static struct td_spool *open_ok(const char *dir)
{
	struct td_spool *sp = NULL;
	char err[256] = "";
	enum td_err rc = td_spool_open(dir, &sp, err, sizeof err);
	if (rc != TD_OK)
		fail_msg("open %s: rc %d (%s)", dir, rc, err);
	return sp;
}

static void append_ok(struct td_spool *sp, const char *text)
{
	char err[256] = "";
	enum td_err rc = td_spool_append(sp, text, strlen(text), err, sizeof err);
	if (rc != TD_OK)
		fail_msg("append: rc %d (%s)", rc, err);
}

static void checkpoint_ok(struct td_spool *sp)
{
	char err[256] = "";
	enum td_err rc = td_spool_checkpoint(sp, err, sizeof err);
	if (rc != TD_OK)
		fail_msg("checkpoint: rc %d (%s)", rc, err);
}

/* Reads and consumes everything there is now; the caller frees. */
static char *drain(struct td_spool *sp)
{
	struct td_buf all, b;
	td_buf_init(&all, 64 * MIB);
	td_buf_init(&b, 2 * MIB);
	size_t n;
	while ((n = td_spool_read(sp, &b, MIB, 0)) > 0) {
		assert_int_equal(n, b.len);
		assert_int_equal(b.data[n - 1], '\n');
		td_buf_append(&all, b.data, n);
		td_spool_consume(sp, n);
	}
	td_buf_cleanup(&b);
	char *s = td_buf_steal(&all);
	return s ? s : td_xstrdup("");
}

/* Segment numbers in dir, sorted, and how many there are. */
static size_t segments(const char *dir, unsigned long long *seq, size_t max)
{
	DIR *d = opendir(dir);
	size_t n = 0;
	if (!d)
		return 0;
	struct dirent *de;
	while ((de = readdir(d)))
		if (strlen(de->d_name) == 20 && !strcmp(de->d_name + 16, ".jnl") && n < max)
			seq[n++] = strtoull(de->d_name, NULL, 16);
	closedir(d);
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && seq[j - 1] > seq[j]; j--) {
			unsigned long long t = seq[j];
			seq[j] = seq[j - 1];
			seq[j - 1] = t;
		}
	return n;
}

static char *segment_path(const char *dir, unsigned long long seq)
{
	return td_xasprintf("%s/%016llx.jnl", dir, seq);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return NULL;
	struct td_buf b;
	td_buf_init(&b, 64 * MIB);
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		td_buf_append(&b, chunk, n);
	fclose(f);
	char *s = td_buf_steal(&b);
	return s ? s : td_xstrdup("");
}

/* Appends, reads whole lines, and moves on only with consume. */
static void test_spool_basic(void **state)
{
	struct fixture *fx = *state;
	struct td_spool *sp = open_ok(fx->spool);
	struct td_buf b;
	td_buf_init(&b, 0);
	assert_int_equal(td_spool_depth(sp), 0);
	assert_int_equal(td_spool_read(sp, &b, 1024, 0), 0);
	assert_int_equal(b.len, 0);

	append_ok(sp, "a 1\nb 2\n");
	append_ok(sp, "c 3\n");
	append_ok(sp, ""); /* nothing, accepted */
	assert_int_equal(td_spool_depth(sp), 12);

	assert_int_equal(td_spool_read(sp, &b, 1024, 0), 12);
	assert_string_equal(td_buf_str(&b), "a 1\nb 2\nc 3\n");
	/* without consume, the same again; depth counts what is not consumed */
	assert_int_equal(td_spool_read(sp, &b, 1024, 0), 12);
	assert_string_equal(td_buf_str(&b), "a 1\nb 2\nc 3\n");
	assert_int_equal(td_spool_depth(sp), 12);

	td_spool_consume(sp, 4);
	assert_int_equal(td_spool_depth(sp), 8);
	/* whole lines only: max in the middle of a line stops before it */
	static const struct {
		size_t max, got;
		const char *text;
	} cuts[] = { { 4, 4, "b 2\n" }, { 5, 4, "b 2\n" }, { 7, 4, "b 2\n" },
		     { 8, 8, "b 2\nc 3\n" }, { 1000, 8, "b 2\nc 3\n" } };
	for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
		size_t n = td_spool_read(sp, &b, cuts[i].max, 0);
		if (n != cuts[i].got || strcmp(td_buf_str(&b), cuts[i].text))
			fail_msg("max %zu: %zu bytes \"%s\"", cuts[i].max, n, td_buf_str(&b));
	}
	/* consume never passes what the last read handed out */
	assert_int_equal(td_spool_read(sp, &b, 4, 0), 4);
	td_spool_consume(sp, 1000);
	assert_int_equal(td_spool_depth(sp), 4);
	td_spool_consume(sp, 4); /* no read since: nothing moves */
	assert_int_equal(td_spool_depth(sp), 4);
	assert_int_equal(td_spool_read(sp, &b, 1024, 0), 4);
	assert_string_equal(td_buf_str(&b), "c 3\n");
	td_spool_consume(sp, 4);
	assert_int_equal(td_spool_depth(sp), 0);
	assert_int_equal(td_spool_read(sp, &b, 1024, 0), 0);
	assert_int_equal(b.len, 0);

	/* appends after the reader caught up */
	append_ok(sp, "d 4\n");
	assert_int_equal(td_spool_depth(sp), 4);
	char *all = drain(sp);
	assert_string_equal(all, "d 4\n");
	free(all);
	assert_int_equal(td_spool_depth(sp), 0);
	td_buf_cleanup(&b);
	td_spool_close(sp);
	td_spool_close(NULL);
}

/* A clean restart resumes at the checkpoint: consumed records are gone, the rest come again. */
static void test_spool_checkpoint_reopen(void **state)
{
	struct fixture *fx = *state;
	struct td_spool *sp = open_ok(fx->spool);
	for (int i = 0; i < 10; i++) {
		char rec[16];
		snprintf(rec, sizeof rec, "r%d\n", i);
		append_ok(sp, rec);
	}
	struct td_buf b;
	td_buf_init(&b, 0);
	assert_int_equal(td_spool_read(sp, &b, 12, 0), 12); /* r0 .. r3 */
	td_spool_consume(sp, 12);
	checkpoint_ok(sp);
	assert_int_equal(td_spool_depth(sp), 18);
	td_spool_close(sp);

	sp = open_ok(fx->spool);
	assert_int_equal(td_spool_depth(sp), 18);
	char *all = drain(sp);
	assert_string_equal(all, "r4\nr5\nr6\nr7\nr8\nr9\n");
	free(all);
	append_ok(sp, "s0\n");
	all = drain(sp);
	assert_string_equal(all, "s0\n");
	free(all);
	td_spool_close(sp);

	/* everything consumed before the close: nothing comes again, only what is new */
	sp = open_ok(fx->spool);
	assert_int_equal(td_spool_depth(sp), 0);
	assert_int_equal(td_spool_read(sp, &b, 1024, 0), 0);
	append_ok(sp, "s1\n");
	all = drain(sp);
	assert_string_equal(all, "s1\n");
	free(all);
	td_spool_close(sp);
	td_buf_cleanup(&b);
}

/*
 * A child opens the spool, runs `steps`, and ends with _exit as a kill -9
 * would end it: no close, no last checkpoint.
 */
static void crash_child(const char *dir, const char *append, size_t consume, bool checkpoint,
			size_t consume_after)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct td_spool *sp = NULL;
		char err[256];
		struct td_buf b;
		td_buf_init(&b, 0);
		if (td_spool_open(dir, &sp, err, sizeof err) != TD_OK ||
		    td_spool_append(sp, append, strlen(append), err, sizeof err) != TD_OK)
			_exit(1);
		if (consume) {
			if (td_spool_read(sp, &b, consume, 0) != consume)
				_exit(2);
			td_spool_consume(sp, consume);
		}
		if (checkpoint && td_spool_checkpoint(sp, err, sizeof err) != TD_OK)
			_exit(3);
		if (consume_after) {
			if (td_spool_read(sp, &b, consume_after, 0) != consume_after)
				_exit(4);
			td_spool_consume(sp, consume_after);
		}
		_exit(0);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		fail_msg("child failed: status %d", status);
}

/* After a crash: from the last checkpoint, or from the oldest segment when there is none. */
static void test_spool_crash_replay(void **state)
{
	struct fixture *fx = *state;
	/* consumed but never checkpointed: all of it again, across two crashed runs */
	crash_child(fx->spool, "a0\na1\na2\n", 9, false, 0);
	crash_child(fx->spool, "b0\nb1\n", 0, false, 0);
	unsigned long long seq[8];
	assert_int_equal(segments(fx->spool, seq, 8), 2);
	struct td_spool *sp = open_ok(fx->spool);
	assert_int_equal(td_spool_depth(sp), 15);
	char *all = drain(sp);
	assert_string_equal(all, "a0\na1\na2\nb0\nb1\n");
	free(all);
	td_spool_close(sp);
	char *cp = td_xasprintf("%s/checkpoint", fx->spool);
	unlink(cp);

	/* a garbage checkpoint counts as none: c0 was consumed, and comes again */
	crash_child(fx->spool, "c0\n", 3, true, 0);
	FILE *f = fopen(cp, "we");
	fputs("garbage\n", f);
	fclose(f);
	sp = open_ok(fx->spool);
	all = drain(sp);
	assert_string_equal(all, "c0\n");
	free(all);
	td_spool_close(sp);

	/* checkpointed after d0; d1 consumed after the checkpoint comes again */
	crash_child(fx->spool, "d0\nd1\nd2\n", 3, true, 3);
	sp = open_ok(fx->spool);
	assert_int_equal(td_spool_depth(sp), 6);
	all = drain(sp);
	assert_string_equal(all, "d1\nd2\n");
	free(all);
	td_spool_close(sp);
	free(cp);
}

/* A line cut by a kill -9 is skipped at restart, and nothing is ever appended to it. */
static void test_spool_torn_line(void **state)
{
	struct fixture *fx = *state;
	struct td_spool *sp = open_ok(fx->spool);
	append_ok(sp, "r0\nr1\n");
	td_spool_close(sp);

	unsigned long long seq[8];
	assert_int_equal(segments(fx->spool, seq, 8), 1);
	char *last = segment_path(fx->spool, seq[0]);
	int fd = open(last, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "torn-rec", 8), 8);
	close(fd);

	sp = open_ok(fx->spool);
	assert_int_equal(td_spool_depth(sp), 14);
	char *all = drain(sp);
	assert_string_equal(all, "r0\nr1\n");
	free(all);
	assert_int_equal(td_spool_depth(sp), 0);

	append_ok(sp, "new\n");
	all = drain(sp);
	assert_string_equal(all, "new\n");
	free(all);
	/* the new record went to a new segment; the torn one is as it was */
	assert_int_equal(segments(fx->spool, seq, 8), 2);
	char *text = slurp(last);
	assert_string_equal(text, "r0\nr1\ntorn-rec");
	free(text);
	char *next = segment_path(fx->spool, seq[1]);
	text = slurp(next);
	assert_string_equal(text, "new\n");
	free(text);
	free(next);
	td_spool_close(sp);

	/* and once more after a restart: the torn fragment never comes back */
	sp = open_ok(fx->spool);
	assert_int_equal(td_spool_depth(sp), 0);
	assert_int_equal(td_spool_read(sp, &(struct td_buf){ 0 }, 1024, 0), 0);
	td_spool_close(sp);
	free(last);
}

/* 1 MiB of numbered 64-byte lines, starting at line first. */
static char *chunk(unsigned first)
{
	char *s = td_xmalloc(MIB + 1);
	for (unsigned i = 0; i < MIB / 64; i++) {
		char *line = s + (size_t)i * 64;
		snprintf(line, 65, "%010u ", first + i);
		memset(line + 11, 'x', 52);
		line[63] = '\n';
	}
	s[MIB] = '\0';
	return s;
}

/*
 * Past 32 MiB a new segment begins; a segment that cannot be created fails
 * the append (TD_E_IO) without losing the spool; a checkpoint past a segment
 * removes it.
 */
static void test_spool_rotate_prune(void **state)
{
	struct fixture *fx = *state;
	struct td_spool *sp = open_ok(fx->spool);
	unsigned long long seq[8];
	unsigned line = 0;
	for (int i = 0; i < 32; i++, line += MIB / 64) {
		char *c = chunk(line);
		append_ok(sp, c);
		free(c);
	}
	assert_int_equal(segments(fx->spool, seq, 8), 1);
	assert_int_equal(td_spool_depth(sp), 32ull * MIB);

	/* the next segment cannot be created: a directory unwritable to us, or in the way */
	char *next = segment_path(fx->spool, seq[0] + 1);
	bool root = geteuid() == 0;
	if (root)
		assert_int_equal(mkdir(next, 0700), 0);
	else
		assert_int_equal(chmod(fx->spool, 0500), 0);
	char err[256] = "";
	assert_int_equal(td_spool_append(sp, "lost\n", 5, err, sizeof err), TD_E_IO);
	assert_non_null(strstr(err, next));
	assert_int_equal(td_spool_append(sp, "lost\n", 5, err, sizeof err), TD_E_IO);
	assert_int_equal(td_spool_depth(sp), 32ull * MIB);
	if (root)
		assert_int_equal(rmdir(next), 0);
	else
		assert_int_equal(chmod(fx->spool, 0750), 0);
	free(next);

	for (int i = 0; i < 8; i++, line += MIB / 64) {
		char *c = chunk(line);
		append_ok(sp, c);
		free(c);
	}
	assert_int_equal(segments(fx->spool, seq, 8), 2);
	assert_int_equal(td_spool_depth(sp), 40ull * MIB);

	/* everything comes back in order, in whole lines, across the segments */
	struct td_buf b;
	td_buf_init(&b, 8 * MIB);
	unsigned want = 0;
	uint64_t total = 0;
	size_t n;
	while ((n = td_spool_read(sp, &b, 4 * MIB + 100, 0)) > 0) {
		assert_int_equal(n % 64, 0);
		for (size_t off = 0; off < n; off += 64) {
			char num[11];
			memcpy(num, b.data + off, 10);
			num[10] = '\0';
			if (strtoul(num, NULL, 10) != want)
				fail_msg("line %u: got \"%s\"", want, num);
			want++;
		}
		td_spool_consume(sp, n);
		total += n;
	}
	assert_int_equal(total, 40ull * MIB);
	assert_int_equal(want, line);
	assert_int_equal(td_spool_depth(sp), 0);

	/* the checkpoint is past the first segment: it goes */
	char *first = segment_path(fx->spool, seq[0]);
	checkpoint_ok(sp);
	struct stat st;
	assert_int_equal(stat(first, &st), -1);
	assert_int_equal(segments(fx->spool, seq, 8), 1);
	free(first);
	td_spool_close(sp);

	sp = open_ok(fx->spool);
	assert_int_equal(td_spool_depth(sp), 0);
	assert_int_equal(td_spool_read(sp, &b, MIB, 0), 0);
	td_spool_close(sp);
	td_buf_cleanup(&b);
}

/* A record that does not fit on the disk is not written at all: no partial line. */
static void test_spool_append_fails(void **state)
{
	struct fixture *fx = *state;
	struct td_spool *sp = open_ok(fx->spool);
	append_ok(sp, "aaaa\n");

	/* the file may grow to 8 bytes: the next record is cut after 3 */
	struct rlimit old, lim;
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = 8;
	void (*was)(int) = signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	char err[256] = "";
	enum td_err rc = td_spool_append(sp, "bbbbbbbb\n", 9, err, sizeof err);
	setrlimit(RLIMIT_FSIZE, &old);
	signal(SIGXFSZ, was);
	assert_int_equal(rc, TD_E_IO);
	assert_non_null(strstr(err, fx->spool));
	assert_int_equal(td_spool_depth(sp), 5);

	unsigned long long seq[4];
	assert_int_equal(segments(fx->spool, seq, 4), 1);
	char *path = segment_path(fx->spool, seq[0]);
	char *text = slurp(path);
	assert_string_equal(text, "aaaa\n");
	free(text);

	append_ok(sp, "cc\n");
	char *all = drain(sp);
	assert_string_equal(all, "aaaa\ncc\n");
	free(all);
	td_spool_close(sp);
	free(path);

	/* a spool directory that cannot be made */
	char *file = td_xasprintf("%s/file", fx->dir);
	FILE *f = fopen(file, "we");
	fclose(f);
	char *under = td_xasprintf("%s/spool", file);
	sp = (struct td_spool *)&rc;
	assert_int_equal(td_spool_open(under, &sp, err, sizeof err), TD_E_IO);
	assert_ptr_equal(sp, (struct td_spool *)&rc);
	assert_non_null(strstr(err, file));
	free(under);
	free(file);

	/* an unwritable one (root may write anywhere) */
	if (geteuid() != 0) {
		char *ro = td_xasprintf("%s/ro", fx->dir);
		assert_int_equal(mkdir(ro, 0500), 0);
		assert_int_equal(td_spool_open(ro, &sp, err, sizeof err), TD_E_IO);
		chmod(ro, 0700);
		free(ro);
	}
}

struct reader {
	struct td_spool *sp;
	int wait_ms;
	size_t got;
	char text[64];
	double took; /* seconds */
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	struct td_buf b;
	td_buf_init(&b, 0);
	double t0 = now();
	r->got = td_spool_read(r->sp, &b, 1024, r->wait_ms);
	r->took = now() - t0;
	snprintf(r->text, sizeof r->text, "%s", td_buf_str(&b));
	td_buf_cleanup(&b);
	return NULL;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* A waiting reader wakes when a record comes, or when told to. */
static void test_spool_wait_wake(void **state)
{
	struct fixture *fx = *state;
	struct td_spool *sp = open_ok(fx->spool);
	pthread_t t;

	/* an appender in another thread wakes the reader at once */
	struct reader r = { .sp = sp, .wait_ms = 4000 };
	assert_int_equal(pthread_create(&t, NULL, reader_main, &r), 0);
	sleep_ms(100);
	append_ok(sp, "woken\n");
	pthread_join(t, NULL);
	assert_int_equal(r.got, 6);
	assert_string_equal(r.text, "woken\n");
	assert_true(r.took < 2);
	td_spool_consume(sp, 6);

	/* td_spool_wake returns an idle reader with nothing */
	r = (struct reader){ .sp = sp, .wait_ms = 4000 };
	assert_int_equal(pthread_create(&t, NULL, reader_main, &r), 0);
	sleep_ms(100);
	td_spool_wake(sp);
	pthread_join(t, NULL);
	assert_int_equal(r.got, 0);
	assert_true(r.took < 2);

	/* without either, the wait ends after wait_ms */
	r = (struct reader){ .sp = sp, .wait_ms = 150 };
	reader_main(&r);
	assert_int_equal(r.got, 0);
	assert_true(r.took >= 0.1 && r.took < 2);
	td_spool_close(sp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_spool_basic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spool_checkpoint_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spool_crash_replay, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spool_torn_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spool_rotate_prune, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spool_append_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spool_wait_wake, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

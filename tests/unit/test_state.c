/*
 * test_state.c - state.c: the key/value store kept between runs, in memory
 * and in its file. (State names and their order: test_result.c.)
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tandem/buf.h"
#include "tandem/state.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct fixture {
	char dir[64];
	char path[128];
};

static int fixture_setup(void **state)
{
	struct fixture *fx = td_xcalloc(1, sizeof *fx);
	snprintf(fx->dir, sizeof fx->dir, "/tmp/td-test-state.XXXXXX");
	if (!mkdtemp(fx->dir)) {
		free(fx);
		return -1;
	}
	snprintf(fx->path, sizeof fx->path, "%s/check_x.state", fx->dir);
	*state = fx;
	return 0;
}

/* Removes every file the test left, and the directory. */
static int fixture_teardown(void **state)
{
	struct fixture *fx = *state;
	DIR *d = opendir(fx->dir);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d)) != NULL) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			char p[512];
			snprintf(p, sizeof p, "%s/%s", fx->dir, e->d_name);
			if (unlink(p) != 0)
				rmdir(p);
		}
		closedir(d);
	}
	rmdir(fx->dir);
	free(fx);
	return 0;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f)
		fail_msg("cannot write %s", path);
	fputs(text, f);
	fclose(f);
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	struct td_buf b;
	td_buf_init(&b, 0);
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		td_buf_append(&b, chunk, n);
	fclose(f);
	return td_buf_steal(&b);
}

/* The names in dir, sorted, joined by spaces. */
static char *list_dir(const char *dir)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort);
	struct td_buf b;
	td_buf_init(&b, 0);
	for (int i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.')
			td_buf_printf(&b, "%s%s", b.len ? " " : "", names[i]->d_name);
		free(names[i]);
	}
	free(names);
	return td_buf_steal(&b);
}

static void assert_value(const struct td_store *st, const char *key, const char *want,
			 double want_when)
{
	char *v = NULL;
	double when = -1;
	enum td_err rc = td_store_get(st, key, &v, &when);
	if (rc != TD_OK)
		fail_msg("\"%s\": rc %d, wanted \"%s\"", key, rc, want);
	if (strcmp(v, want) || when != want_when)
		fail_msg("\"%s\": \"%s\" at %.17g, wanted \"%s\" at %.17g", key, v, when, want,
			 want_when);
	free(v);
}

static void test_set_get(void **state)
{
	(void)state;
	struct td_store *st = td_store_new();
	char *v = (char *)"untouched";
	double when = 7;
	assert_int_equal(td_store_get(st, "missing", &v, &when), TD_E_NOTFOUND);
	assert_string_equal(v, "untouched");
	assert_true(when == 7);

	assert_int_equal(td_store_set(st, "rx", "100", 1000), TD_OK);
	assert_int_equal(td_store_set(st, "tx", "200", 1001), TD_OK);
	assert_value(st, "rx", "100", 1000);
	assert_value(st, "tx", "200", 1001);
	/* overwrite */
	assert_int_equal(td_store_set(st, "rx", "150", 1060), TD_OK);
	assert_value(st, "rx", "150", 1060);
	/* keys are exact */
	assert_int_equal(td_store_get(st, "r", &v, NULL), TD_E_NOTFOUND);
	assert_int_equal(td_store_get(st, "RX", &v, NULL), TD_E_NOTFOUND);
	/* when may be NULL; the value is a copy */
	assert_int_equal(td_store_get(st, "tx", &v, NULL), TD_OK);
	v[0] = 'X';
	free(v);
	assert_value(st, "tx", "200", 1001);
	td_store_free(st);
	td_store_free(NULL);
}

static void test_set_rejects(void **state)
{
	(void)state;
	static const struct {
		const char *key, *value;
		enum td_err rc;
	} cases[] = {
		{ "k", "v", TD_OK },
		{ "k", "", TD_OK },
		{ "key with spaces", "value with spaces", TD_OK },
		{ "k\xc3\xa9", "v\xc3\xa9", TD_OK },
		{ "a#b", "#v", TD_OK },
		{ "", "v", TD_E_PARSE },
		{ "a\tb", "v", TD_E_PARSE },
		{ "a\nb", "v", TD_E_PARSE },
		{ "a\rb", "v", TD_E_PARSE },
		{ "\t", "v", TD_E_PARSE },
		{ "k2", "a\tb", TD_E_PARSE },
		{ "k2", "a\nb", TD_E_PARSE },
		{ "k2", "a\r", TD_E_PARSE },
		{ "#k", "v", TD_E_PARSE }, /* would read back as a comment */
	};
	struct td_store *st = td_store_new();
	for (size_t i = 0; i < N(cases); i++) {
		enum td_err rc = td_store_set(st, cases[i].key, cases[i].value, 1);
		if (rc != cases[i].rc)
			fail_msg("case %zu: rc %d, wanted %d", i, rc, cases[i].rc);
		char *v = NULL;
		rc = td_store_get(st, cases[i].key, &v, NULL);
		if (cases[i].rc == TD_OK && (rc != TD_OK || strcmp(v, cases[i].value)))
			fail_msg("case %zu: not stored", i);
		if (cases[i].rc != TD_OK && rc != TD_E_NOTFOUND)
			fail_msg("case %zu: rejected but stored", i);
		free(v);
	}
	/* a time the file could not hold */
	assert_int_equal(td_store_set(st, "t", "v", NAN), TD_E_PARSE);
	assert_int_equal(td_store_set(st, "t", "v", INFINITY), TD_E_PARSE);
	assert_int_equal(td_store_set(st, "t", "v", -INFINITY), TD_E_PARSE);
	td_store_free(st);
}

/* Whatever goes in comes back out of the file, every digit kept. */
static void test_save_load_roundtrip(void **state)
{
	struct fixture *fx = *state;
	static const struct {
		const char *key, *value;
		double when;
	} recs[] = {
		{ "ctr", "18446744073709551615", 1700000000 },
		{ "neg", "-9223372036854775808", 1700000000.25 },
		{ "big", "123456789012345678901234567890", 1700000000.5 },
		{ "frac", "0.000000000000000001", 1700000000.125 },
		{ "empty", "", 0 },
		{ "key with spaces", "value with spaces", 1 },
		{ "a#b", "#not a comment", 2 },
		{ "k\xc3\xa9", "\xe2\x82\xac", 3 },
		{ "eq=sign", "a=b;c|d", 4 },
	};
	struct td_store *st = td_store_new();
	for (size_t i = 0; i < N(recs); i++)
		assert_int_equal(td_store_set(st, recs[i].key, recs[i].value, recs[i].when), TD_OK);
	char err[256] = "";
	assert_int_equal(td_store_save(st, fx->path, err, sizeof err), TD_OK);
	td_store_free(st);

	char *text = read_file(fx->path);
	assert_non_null(text);
	assert_int_equal(strncmp(text, "# tandem state 1\n", 17), 0);
	assert_non_null(strstr(text, "ctr\t1700000000"));
	assert_non_null(strstr(text, "\t18446744073709551615\n"));
	free(text);

	st = td_store_new();
	assert_int_equal(td_store_load(st, fx->path, err, sizeof err), TD_OK);
	for (size_t i = 0; i < N(recs); i++)
		assert_value(st, recs[i].key, recs[i].value, recs[i].when);
	/* and once more: a loaded store saves the same records */
	assert_int_equal(td_store_save(st, fx->path, err, sizeof err), TD_OK);
	td_store_free(st);
	st = td_store_new();
	assert_int_equal(td_store_load(st, fx->path, err, sizeof err), TD_OK);
	for (size_t i = 0; i < N(recs); i++)
		assert_value(st, recs[i].key, recs[i].value, recs[i].when);
	td_store_free(st);
	unlink(fx->path);
}

/* Sub-second times survive the file (rates divide by their difference). */
static void test_save_load_when(void **state)
{
	struct fixture *fx = *state;
	static const double whens[] = { 1700000000.123456, 1712345678.999999, 0.5, 1e-6, 4e9 + 0.75 };
	struct td_store *st = td_store_new();
	char key[16];
	for (size_t i = 0; i < N(whens); i++) {
		snprintf(key, sizeof key, "k%zu", i);
		assert_int_equal(td_store_set(st, key, "1", whens[i]), TD_OK);
	}
	assert_int_equal(td_store_save(st, fx->path, NULL, 0), TD_OK);
	td_store_free(st);
	st = td_store_new();
	assert_int_equal(td_store_load(st, fx->path, NULL, 0), TD_OK);
	for (size_t i = 0; i < N(whens); i++) {
		char *v;
		double when = -1;
		snprintf(key, sizeof key, "k%zu", i);
		assert_int_equal(td_store_get(st, key, &v, &when), TD_OK);
		free(v);
		if (when < whens[i] - 1e-6 || when > whens[i] + 1e-6)
			fail_msg("%s: %.6f read back as %.6f", key, whens[i], when);
	}
	td_store_free(st);
	unlink(fx->path);
}

static void test_load_missing(void **state)
{
	struct fixture *fx = *state;
	char path[256];
	snprintf(path, sizeof path, "%s/does-not-exist.state", fx->dir);
	struct td_store *st = td_store_new();
	char err[256] = "";
	assert_int_equal(td_store_load(st, path, err, sizeof err), TD_OK);
	char *v;
	assert_int_equal(td_store_get(st, "anything", &v, NULL), TD_E_NOTFOUND);
	td_store_free(st);
}

/* Loading merges into the store: loaded records replace same-named ones. */
static void test_load_merges(void **state)
{
	struct fixture *fx = *state;
	write_file(fx->path, "# tandem state 1\na\t10\tfrom-file\n\n# a comment\nb\t11\tx\n");
	struct td_store *st = td_store_new();
	assert_int_equal(td_store_set(st, "a", "old", 1), TD_OK);
	assert_int_equal(td_store_set(st, "c", "kept", 2), TD_OK);
	assert_int_equal(td_store_load(st, fx->path, NULL, 0), TD_OK);
	assert_value(st, "a", "from-file", 10);
	assert_value(st, "b", "x", 11);
	assert_value(st, "c", "kept", 2);
	td_store_free(st);
	/* no final newline, no tag */
	write_file(fx->path, "a\t1.5\tlast");
	st = td_store_new();
	assert_int_equal(td_store_load(st, fx->path, NULL, 0), TD_OK);
	assert_value(st, "a", "last", 1.5);
	td_store_free(st);
	unlink(fx->path);
}

/* A corrupt file is an error naming path:line. */
static void test_load_corrupt_table(void **state)
{
	struct fixture *fx = *state;
	static const struct {
		const char *text;
		int line;
	} cases[] = {
		{ "garbage\n", 1 },
		{ "# tandem state 1\nok\t1\tv\nbroken line\n", 3 },
		{ "k\t1\n", 1 },                  /* one tab */
		{ "k\tabc\tv\n", 1 },             /* time not a number */
		{ "k\t\tv\n", 1 },                /* empty time */
		{ "k\t1e9\tv\n", 1 },             /* no exponent */
		{ "k\t-\tv\n", 1 },
		{ "k\t1 \tv\n", 1 },
		{ "a\t1\tv\n\t1\tv\n", 2 },       /* empty key */
		{ "a\t1\tv\tw\n", 1 },            /* a tab in the value */
		{ "a\t1\tv\r\n", 1 },             /* CR */
	};
	for (size_t i = 0; i < N(cases); i++) {
		write_file(fx->path, cases[i].text);
		struct td_store *st = td_store_new();
		char err[512] = "", want[300];
		enum td_err rc = td_store_load(st, fx->path, err, sizeof err);
		snprintf(want, sizeof want, "%s:%d:", fx->path, cases[i].line);
		if (rc != TD_E_PARSE || strncmp(err, want, strlen(want)))
			fail_msg("case %zu: rc %d \"%s\", wanted TD_E_PARSE \"%s...\"", i, rc, err, want);
		td_store_free(st);
	}
	unlink(fx->path);
}

/* Huge input: a file past the cap is refused, not read whole. */
static void test_load_too_big(void **state)
{
	struct fixture *fx = *state;
	FILE *f = fopen(fx->path, "w");
	assert_non_null(f);
	for (int i = 0; i < 30000; i++)
		fprintf(f, "key%d\t1700000000\t%040d\n", i, i);
	fclose(f);
	struct td_store *st = td_store_new();
	char err[256] = "";
	assert_int_equal(td_store_load(st, fx->path, err, sizeof err), TD_E_TOOBIG);
	assert_non_null(strstr(err, fx->path));
	td_store_free(st);
	unlink(fx->path);
}

/* A path that is not a readable file is an I/O error, not an empty store. */
static void test_load_not_a_file(void **state)
{
	struct fixture *fx = *state;
	char err[256] = "";
	struct td_store *st = td_store_new();
	assert_int_equal(td_store_load(st, fx->dir, err, sizeof err), TD_E_IO);
	assert_non_null(strstr(err, fx->dir));
	td_store_free(st);
}

/* Saving leaves exactly the file: no temporary, mode 0600, replaced whole. */
static void test_save_atomic(void **state)
{
	struct fixture *fx = *state;
	struct td_store *st = td_store_new();
	assert_int_equal(td_store_set(st, "a", "1", 1), TD_OK);
	char err[256] = "";
	assert_int_equal(td_store_save(st, fx->path, err, sizeof err), TD_OK);
	char *names = list_dir(fx->dir);
	assert_string_equal(names, "check_x.state");
	free(names);
	struct stat sb;
	assert_int_equal(stat(fx->path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);

	/* saving again replaces the file; old records do not linger */
	struct td_store *st2 = td_store_new();
	assert_int_equal(td_store_set(st2, "b", "2", 2), TD_OK);
	assert_int_equal(td_store_save(st2, fx->path, err, sizeof err), TD_OK);
	names = list_dir(fx->dir);
	assert_string_equal(names, "check_x.state");
	free(names);
	char *text = read_file(fx->path);
	assert_string_equal(text, "# tandem state 1\nb\t2\t2\n");
	free(text);

	/* an empty store saves just the tag */
	struct td_store *empty = td_store_new();
	assert_int_equal(td_store_save(empty, fx->path, err, sizeof err), TD_OK);
	text = read_file(fx->path);
	assert_string_equal(text, "# tandem state 1\n");
	free(text);
	td_store_free(empty);

	/* a store past the cap is refused; the old file stays, no temporary is left */
	assert_int_equal(td_store_save(st2, fx->path, err, sizeof err), TD_OK);
	char big[1001], key[16];
	memset(big, 'v', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	for (int i = 0; i < 1100; i++) {
		snprintf(key, sizeof key, "k%d", i);
		assert_int_equal(td_store_set(st, key, big, 1), TD_OK);
	}
	assert_int_equal(td_store_save(st, fx->path, err, sizeof err), TD_E_TOOBIG);
	names = list_dir(fx->dir);
	assert_string_equal(names, "check_x.state");
	free(names);
	text = read_file(fx->path);
	assert_string_equal(text, "# tandem state 1\nb\t2\t2\n");
	free(text);

	/* a directory that does not exist: an I/O error naming the path, nothing made */
	char path[256];
	snprintf(path, sizeof path, "%s/no/such/dir/x.state", fx->dir);
	assert_int_equal(td_store_save(st2, path, err, sizeof err), TD_E_IO);
	assert_non_null(strstr(err, path));
	names = list_dir(fx->dir);
	assert_string_equal(names, "check_x.state");
	free(names);

	td_store_free(st);
	td_store_free(st2);
	unlink(fx->path);
}

/* Only a change makes the store dirty; loading a file does not. */
static void test_dirty(void **state)
{
	(void)state;
	char dir[] = "/tmp/tandem-dirty.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *path = td_xasprintf("%s/s", dir);
	struct td_store *st = td_store_new();
	assert_false(td_store_dirty(st));
	assert_int_equal(td_store_set(st, "k", "1", 100), TD_OK);
	assert_true(td_store_dirty(st));
	assert_int_equal(td_store_save(st, path, NULL, 0), TD_OK);
	td_store_free(st);

	st = td_store_new();
	assert_int_equal(td_store_load(st, path, NULL, 0), TD_OK);
	assert_false(td_store_dirty(st));
	assert_int_equal(td_store_set(st, "k", "1", 100), TD_OK); /* the same value and time */
	assert_false(td_store_dirty(st));
	assert_int_equal(td_store_set(st, "k", "1", 101), TD_OK);
	assert_true(td_store_dirty(st));
	td_store_free(st);

	st = td_store_new();
	assert_int_equal(td_store_load(st, path, NULL, 0), TD_OK);
	assert_int_equal(td_store_set(st, "k", "2", 100), TD_OK);
	assert_true(td_store_dirty(st));
	td_store_free(st);
	st = td_store_new();
	assert_int_equal(td_store_load(st, path, NULL, 0), TD_OK);
	assert_int_equal(td_store_set(st, "new", "x", 1), TD_OK);
	assert_true(td_store_dirty(st));
	td_store_free(st);
	unlink(path);
	rmdir(dir);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_get),
		cmocka_unit_test(test_set_rejects),
		cmocka_unit_test(test_save_load_roundtrip),
		cmocka_unit_test(test_save_load_when),
		cmocka_unit_test(test_load_missing),
		cmocka_unit_test(test_load_merges),
		cmocka_unit_test(test_load_corrupt_table),
		cmocka_unit_test(test_load_too_big),
		cmocka_unit_test(test_load_not_a_file),
		cmocka_unit_test(test_save_atomic),
		cmocka_unit_test(test_dirty),
	};
	return cmocka_run_group_tests(tests, fixture_setup, fixture_teardown);
}

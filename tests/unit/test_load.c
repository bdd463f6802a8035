/* test_load.c - check_load's parsers and evaluation, on fixtures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "../../plugins/probes/load.c"

static void test_loadavg_table(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		enum td_err rc;
		double v[3];
	} cases[] = {
		{ "0.52 0.58 0.59 1/467 12345\n", TD_OK, { 0.52, 0.58, 0.59 } },
		{ "0.00 0.00 0.00 1/1 1", TD_OK, { 0, 0, 0 } },
		{ "123.45 67.89 1000.00 5/900 2\n", TD_OK, { 123.45, 67.89, 1000 } },
		{ "", TD_E_PARSE, { 0 } },
		{ "0.5 0.5", TD_E_PARSE, { 0 } },
		{ "abc 0.5 0.5 1/1 1", TD_E_PARSE, { 0 } },
		{ "-1 0.5 0.5 1/1 1", TD_E_PARSE, { 0 } },
		{ "1e3 0.5 0.5 1/1 1", TD_E_PARSE, { 0 } },
		{ "0,5 0.5 0.5 1/1 1", TD_E_PARSE, { 0 } },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		double v[3] = { -9, -9, -9 };
		enum td_err rc = load_parse_loadavg(cases[i].text, v);
		if (rc != cases[i].rc)
			fail_msg("case %zu \"%s\": rc %d, wanted %d", i, cases[i].text, rc, cases[i].rc);
		for (int k = 0; rc == TD_OK && k < 3; k++)
			assert_float_equal(v[k], cases[i].v[k], 1e-9);
	}
}

static void test_ranges_table(void **state)
{
	(void)state;
	static const struct {
		const char *arg;
		enum td_err rc;
		double end[3];
	} cases[] = {
		{ "5,4,3", TD_OK, { 5, 4, 3 } },
		{ "5", TD_OK, { 5, 5, 5 } },
		{ "0.9", TD_OK, { 0.9, 0.9, 0.9 } },
		{ "~:5,~:4,~:3", TD_OK, { 5, 4, 3 } },
		{ "5,4", TD_E_USAGE, { 0 } },
		{ "5,4,3,2", TD_E_USAGE, { 0 } },
		{ "abc", TD_E_USAGE, { 0 } },
		{ "5,,3", TD_E_USAGE, { 0 } },
		{ "", TD_E_USAGE, { 0 } },
		{ "5,4,x", TD_E_USAGE, { 0 } },
		{ "10:5", TD_E_USAGE, { 0 } },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct td_range r[3];
		char err[256] = "";
		enum td_err rc = load_parse_ranges("-w", cases[i].arg, r, err, sizeof err);
		if (rc != cases[i].rc)
			fail_msg("case \"%s\": rc %d, wanted %d (%s)", cases[i].arg, rc, cases[i].rc, err);
		if (rc != TD_OK) {
			assert_non_null(strstr(err, "-w"));
			continue;
		}
		for (int k = 0; k < 3; k++)
			assert_float_equal(r[k].end, cases[i].end[k], 1e-9);
	}
}

static void test_stat_line(void **state)
{
	(void)state;
	struct load_proc p;
	/* comm with a space and a parenthesis: parse from the last ')' */
	const char *line = "42 (my (odd) proc) S 1 42 42 0 -1 4194560 100 0 0 0 "
			   "300 100 0 0 20 0 1 0 1000 12345 678";
	assert_true(load_parse_stat(line, 110.0, 100, &p));
	assert_string_equal(p.comm, "my (odd) proc");
	/* 400 ticks of CPU in (110 - 10) s at 100 Hz = 4 s / 100 s = 4% */
	assert_float_equal(p.cpu, 4.0, 1e-9);
	assert_false(load_parse_stat("garbage without parens", 1, 100, &p));
	assert_true(load_parse_stat("1 (x)", 10, 100, &p)); /* truncated: no CPU */
	assert_float_equal(p.cpu, 0, 1e-9);
}

/* A fake /proc with loadavg, uptime and two processes. */
static char *make_proc(const char *loadavg)
{
	char tmpl[] = "/tmp/tandem-load.XXXXXX";
	char *dir = td_xstrdup(mkdtemp(tmpl));
	char *path;
	FILE *f;
	path = td_xasprintf("%s/loadavg", dir);
	f = fopen(path, "w");
	fputs(loadavg, f);
	fclose(f);
	free(path);
	path = td_xasprintf("%s/uptime", dir);
	f = fopen(path, "w");
	fputs("1000.00 1900.00\n", f);
	fclose(f);
	free(path);
	const char *procs[][2] = { { "7", "7 (busy) R 1 1 1 0 -1 0 0 0 0 0 50000 0 0 0 20 0 1 0 0 1 1" },
				   { "8", "8 (idle) S 1 1 1 0 -1 0 0 0 0 0 10 0 0 0 20 0 1 0 0 1 1" } };
	for (int i = 0; i < 2; i++) {
		path = td_xasprintf("%s/%s", dir, procs[i][0]);
		mkdir(path, 0700);
		free(path);
		path = td_xasprintf("%s/%s/stat", dir, procs[i][0]);
		f = fopen(path, "w");
		fputs(procs[i][1], f);
		fclose(f);
		free(path);
	}
	return dir;
}

static void rm_proc(char *dir)
{
	char *cmd = td_xasprintf("rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(dir);
}

static enum td_state run_load(const char *root, char **argv_tail, int n, struct td_result *res)
{
	char *argv[16] = { "check_load" };
	char *rootopt = td_xasprintf("--proc-root=%s", root);
	int argc = 1;
	argv[argc++] = rootopt;
	for (int i = 0; i < n; i++)
		argv[argc++] = argv_tail[i];
	struct td_common common;
	void *cfg;
	char err[256];
	assert_int_equal(td_probe_parse(&td_probe_load, argc, argv, "check_load", &common, &cfg, err,
					sizeof err),
			 TD_OK);
	struct td_run_ctx ctx = { .deadline = td_deadline_in(5) };
	td_result_init(res);
	enum td_err rc = td_probe_load.run(cfg, &ctx, res);
	td_probe_load.config_free(cfg);
	free(rootopt);
	return td_result_finish(res, rc, TD_STATE_CRITICAL);
}

static void test_run_states(void **state)
{
	(void)state;
	char *dir = make_proc("2.50 1.50 0.50 1/100 99\n");
	struct td_result res;
	struct td_buf out;

	char *ok[] = { "-w", "5,4,3", "-c", "10,8,6" };
	assert_int_equal(run_load(dir, ok, 4, &res), TD_STATE_OK);
	assert_int_equal(res.n_metrics, 3);
	assert_string_equal(res.metrics[2].label, "load15");
	assert_int_equal(res.long_output.len, 0); /* no top list when OK */
	td_result_cleanup(&res);

	char *warn[] = { "-w", "2,4,3", "-c", "10,8,6" };
	assert_int_equal(run_load(dir, warn, 4, &res), TD_STATE_WARNING);
	/* the busy process (50000 ticks) is listed first */
	assert_non_null(strstr(td_buf_str(&res.long_output), "busy"));
	assert_true(strstr(td_buf_str(&res.long_output), "busy") <
		    strstr(td_buf_str(&res.long_output), "idle"));
	td_buf_init(&out, 0);
	td_result_format(&res, "LOAD", &out);
	assert_non_null(strstr(td_buf_str(&out),
			       "LOAD WARNING - load average: 2.50, 1.50, 0.50 | load1=2.5;2;10;0 "
			       "load5=1.5;4;8;0 load15=0.5;3;6;0\n"));
	td_buf_cleanup(&out);
	td_result_cleanup(&res);

	char *crit[] = { "-c", "1", "-n", "0" };
	assert_int_equal(run_load(dir, crit, 4, &res), TD_STATE_CRITICAL);
	assert_int_equal(res.long_output.len, 0); /* -n 0: never list */
	td_result_cleanup(&res);

	char *inside[] = { "-w", "@2:3,@0:0.1,@0:0.1" };
	assert_int_equal(run_load(dir, inside, 2, &res), TD_STATE_WARNING);
	td_result_cleanup(&res);

	char *show[] = { "-n", "1" };
	assert_int_equal(run_load(dir, show, 2, &res), TD_STATE_OK);
	assert_non_null(strstr(td_buf_str(&res.long_output), "busy"));
	assert_null(strstr(td_buf_str(&res.long_output), "idle"));
	td_result_cleanup(&res);
	rm_proc(dir);
}

static void test_missing_and_garbage(void **state)
{
	(void)state;
	struct td_result res;
	char *dir = make_proc("not a loadavg\n");
	assert_int_equal(run_load(dir, NULL, 0, &res), TD_STATE_UNKNOWN);
	assert_non_null(strstr(td_buf_str(&res.summary), "unexpected content"));
	td_result_cleanup(&res);
	rm_proc(dir);
	assert_int_equal(run_load("/nonexistent-proc", NULL, 0, &res), TD_STATE_UNKNOWN);
	assert_non_null(strstr(td_buf_str(&res.summary), "cannot read"));
	td_result_cleanup(&res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loadavg_table), cmocka_unit_test(test_ranges_table),
		cmocka_unit_test(test_stat_line),     cmocka_unit_test(test_run_states),
		cmocka_unit_test(test_missing_and_garbage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

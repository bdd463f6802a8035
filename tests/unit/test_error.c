/* test_error.c - error.c: error texts and td_errf. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "tandem/error.h"

static void test_err_str(void **state)
{
	(void)state;
	static const struct {
		enum td_err e;
		const char *text;
	} cases[] = {
		{ TD_OK, "success" },
		{ TD_E_USAGE, "usage error" },
		{ TD_E_PARSE, "could not parse" },
		{ TD_E_NOMEM, "out of memory" },
		{ TD_E_IO, "input/output error" },
		{ TD_E_TIMEOUT, "timed out" },
		{ TD_E_CONNECT, "could not connect" },
		{ TD_E_PROTO, "unexpected answer" },
		{ TD_E_TOOBIG, "too large" },
		{ TD_E_NOTFOUND, "not found" },
		{ TD_E_INTERNAL, "internal error" },
		{ (enum td_err)999, "unknown error" },
		{ (enum td_err)-1, "unknown error" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *s = td_err_str(cases[i].e);
		if (!s || strcmp(s, cases[i].text))
			fail_msg("case %zu (%d): \"%s\", wanted \"%s\"", i, cases[i].e, s ? s : "(null)",
				 cases[i].text);
	}
}

static void test_errf(void **state)
{
	(void)state;
	char err[32];
	memset(err, 'x', sizeof err);
	assert_int_equal(td_errf(TD_E_USAGE, err, sizeof err, "-w: \"%s\" is not a range", "abc"),
			 TD_E_USAGE);
	assert_string_equal(err, "-w: \"abc\" is not a range");
	/* truncated to fit, always terminated */
	assert_int_equal(td_errf(TD_E_PARSE, err, 8, "%s", "0123456789"), TD_E_PARSE);
	assert_string_equal(err, "0123456");
	/* errlen 0 and NULL err write nothing and still return the code */
	memset(err, 'y', sizeof err);
	assert_int_equal(td_errf(TD_E_IO, err, 0, "%s", "nothing"), TD_E_IO);
	assert_int_equal(err[0], 'y');
	assert_int_equal(td_errf(TD_E_TIMEOUT, NULL, 100, "%s", "nothing"), TD_E_TIMEOUT);
	assert_int_equal(td_errf(TD_OK, err, sizeof err, "ok"), TD_OK);
	assert_string_equal(err, "ok");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_err_str),
		cmocka_unit_test(test_errf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

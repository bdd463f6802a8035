/* test_layout.c - layout.c: names to safe, distinct, reversible path components. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tandem/layout.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static char *encode(const char *name)
{
	struct td_buf b;
	td_buf_init(&b, 0);
	td_layout_component(&b, name);
	char *s = td_buf_steal(&b);
	return s ? s : td_xstrdup("");
}

/* A component stays in its directory and fits a file name with ".rrd" after it. */
static void assert_safe(const char *name, const char *c)
{
	size_t len = strlen(c);
	if (len == 0 || len > TD_COMPONENT_MAX)
		fail_msg("\"%s\": component of %zu bytes", name, len);
	if (!strcmp(c, ".") || !strcmp(c, "..") || c[0] == '.')
		fail_msg("\"%s\": component \"%s\" is a dot name", name, c);
	for (const char *p = c; *p; p++) {
		unsigned char ch = (unsigned char)*p;
		bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			  (ch >= '0' && ch <= '9') || strchr("_-.%~", ch);
		if (!ok)
			fail_msg("\"%s\": byte 0x%02x in \"%s\"", name, ch, c);
	}
}

static void test_encode_table(void **state)
{
	(void)state;
	static const struct {
		const char *name, *want;
	} cases[] = {
		/* plain names are unchanged */
		{ "load1", "load1" },
		{ "rta", "rta" },
		{ "ABC_def-0.9", "ABC_def-0.9" },
		{ "a.b.c", "a.b.c" },
		{ "a..", "a.." },
		{ "v1.2", "v1.2" },
		/* no traversal: "/" and a leading "." */
		{ "/", "%2F" },
		{ "/etc/passwd", "%2Fetc%2Fpasswd" },
		{ ".", "%2E" },
		{ "..", "%2E." },
		{ "...", "%2E.." },
		{ ".hidden", "%2Ehidden" },
		{ "../../etc", "%2E.%2F..%2Fetc" },
		{ "a/../b", "a%2F..%2Fb" },
		/* everything else is percent-encoded, bytes as they are */
		{ " ", "%20" },
		{ "used space", "used%20space" },
		{ "'q'", "%27q%27" },
		{ "\"q\"", "%22q%22" },
		{ "%", "%25" },
		{ "%25", "%2525" },
		{ "~", "%7E" },
		{ "a~0123456789abcdef", "a%7E0123456789abcdef" },
		{ "\\", "%5C" },
		{ "C:\\", "C%3A%5C" },
		{ "=;|*?", "%3D%3B%7C%2A%3F" },
		{ "\t\n\r", "%09%0A%0D" },
		{ "\x01\x7f", "%01%7F" },
		{ "\xff\x80", "%FF%80" },
		{ "caf\xc3\xa9", "caf%C3%A9" },
		{ "\xe2\x82\xac", "%E2%82%AC" },
		/* the empty name has a component of its own */
		{ "", "%" },
	};
	for (size_t i = 0; i < N(cases); i++) {
		char *got = encode(cases[i].name);
		if (strcmp(got, cases[i].want))
			fail_msg("case %zu: \"%s\", wanted \"%s\"", i, got, cases[i].want);
		assert_safe(cases[i].name, got);
		struct td_buf back;
		td_buf_init(&back, 0);
		if (td_layout_decode(&back, got) != 0 || back.len != strlen(cases[i].name) ||
		    memcmp(td_buf_str(&back), cases[i].name, back.len))
			fail_msg("case %zu: \"%s\" decodes to \"%s\"", i, got, td_buf_str(&back));
		td_buf_cleanup(&back);
		free(got);
	}
	/* appending: the component goes after what out holds */
	struct td_buf b;
	td_buf_init(&b, 0);
	td_buf_puts(&b, "x/");
	td_layout_component(&b, "a b");
	assert_string_equal(td_buf_str(&b), "x/a%20b");
	td_buf_cleanup(&b);
}

/* Every single-byte name: a safe component that decodes back to the byte. */
static void test_encode_single_bytes(void **state)
{
	(void)state;
	for (int c = 1; c < 256; c++) {
		char name[2] = { (char)c, '\0' };
		char *got = encode(name);
		assert_safe(name, got);
		struct td_buf back;
		td_buf_init(&back, 0);
		if (td_layout_decode(&back, got) != 0 || back.len != 1 ||
		    (unsigned char)back.data[0] != c)
			fail_msg("byte 0x%02x: \"%s\" does not decode back", c, got);
		td_buf_cleanup(&back);
		free(got);
	}
}

/* Decoding refuses what no name encodes to (the empty name's "%" decodes, above). */
static void test_decode_rejects(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"%G0", "%0G", "%4", "a%", "%%", "%2f", "%2e", "%-1", "a b", "a/b", "a\n", "a=b",
		"\xc3\xa9",
	};
	for (size_t i = 0; i < N(bad); i++) {
		struct td_buf out;
		td_buf_init(&out, 0);
		if (td_layout_decode(&out, bad[i]) != -1)
			fail_msg("\"%s\" decodes to \"%s\"", bad[i], td_buf_str(&out));
		td_buf_cleanup(&out);
	}
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Different names never share a component: 1- and 2-byte names, tricky 4-byte ones, long ones. */
static void test_no_collisions(void **state)
{
	(void)state;
	static const char alphabet[] = { '.', '%', '/', '2', 'E', 'F', '~', ' ', 'a', '\xc3' };
	size_t na = sizeof alphabet;
	size_t cap = 255 + 255 * 255 + na * na * na * na + 2000;
	char **names = td_xcalloc(cap, sizeof *names);
	size_t n = 0;
	names[n++] = td_xstrdup("");
	for (int a = 1; a < 256; a++) {
		names[n++] = td_xasprintf("%c", a);
		for (int b = 1; b < 256; b++)
			names[n++] = td_xasprintf("%c%c", a, b);
	}
	for (size_t i = 0; i < na * na * na * na; i++)
		names[n++] = td_xasprintf("%c%c%c%c", alphabet[i % na], alphabet[i / na % na],
					  alphabet[i / na / na % na], alphabet[i / na / na / na]);
	/* long names that differ in one byte, at the start, the middle and the end */
	for (int pos = 0; pos < 300; pos += 3) {
		char *s = td_xmalloc(301);
		memset(s, '/', 300);
		s[300] = '\0';
		s[pos] = 'x';
		names[n++] = s;
	}
	for (unsigned k = 0; k < 1000; k++) {
		char *s = td_xmalloc(401);
		memset(s, 'a', 400);
		s[400] = '\0';
		for (int d = 0; d < 3; d++) /* the last three bytes count from 000 to 999 */
			s[399 - d] = (char)('0' + k / (d == 0 ? 1 : d == 1 ? 10 : 100) % 10);
		names[n++] = s;
	}
	assert_true(n <= cap);
	/* the names themselves are distinct */
	qsort(names, n, sizeof *names, cmp_str);
	size_t u = 0;
	for (size_t i = 0; i < n; i++) {
		if (u && !strcmp(names[u - 1], names[i])) {
			free(names[i]);
			continue;
		}
		names[u++] = names[i];
	}
	char **enc = td_xcalloc(u, sizeof *enc);
	for (size_t i = 0; i < u; i++) {
		enc[i] = encode(names[i]);
		assert_safe(names[i], enc[i]);
	}
	qsort(enc, u, sizeof *enc, cmp_str);
	for (size_t i = 1; i < u; i++)
		if (!strcmp(enc[i - 1], enc[i]))
			fail_msg("two names share the component \"%s\"", enc[i]);
	for (size_t i = 0; i < u; i++) {
		free(names[i]);
		free(enc[i]);
	}
	free(names);
	free(enc);
}

/* Long names are cut to TD_COMPONENT_MAX, never inside an escape, and end in a hash of it all. */
static void test_long_names(void **state)
{
	(void)state;
	char name[1200];
	/* at the limit: unchanged; one more: cut */
	memset(name, 'a', sizeof name);
	name[TD_COMPONENT_MAX] = '\0';
	char *c = encode(name);
	assert_string_equal(c, name);
	free(c);
	name[TD_COMPONENT_MAX] = 'a';
	name[TD_COMPONENT_MAX + 1] = '\0';
	c = encode(name);
	assert_int_equal(strlen(c), TD_COMPONENT_MAX - 1);
	assert_int_equal(strncmp(c, name, TD_COMPONENT_MAX - 18), 0);
	assert_int_equal(c[TD_COMPONENT_MAX - 18], '~');
	assert_int_equal(strspn(c + TD_COMPONENT_MAX - 17, "0123456789abcdef"), 16);
	free(c);

	/* escapes: 66 slashes are 198 bytes, 67 are 201; any alignment of the cut */
	for (int lead = 0; lead < 4; lead++)
		for (int slashes = 60; slashes < 400; slashes += 7) {
			size_t len = (size_t)lead + (size_t)slashes;
			memset(name, 'b', (size_t)lead);
			memset(name + lead, '/', (size_t)slashes);
			name[len] = '\0';
			c = encode(name);
			assert_safe(name, c);
			size_t enc_len = (size_t)lead + 3 * (size_t)slashes;
			if (enc_len <= TD_COMPONENT_MAX) {
				assert_int_equal(strlen(c), enc_len);
				assert_null(strchr(c, '~'));
			} else {
				char *tilde = strchr(c, '~');
				assert_non_null(tilde);
				assert_int_equal(strlen(tilde), 17);
				for (const char *p = c; p < tilde; p++) {
					if (*p != '%')
						continue;
					if (tilde - p < 3 || p[1] != '2' || p[2] != 'F')
						fail_msg("lead %d, %d slashes: cut escape in %s",
							 lead, slashes, c);
				}
			}
			free(c);
		}

	/* two long names that differ only in the last byte still differ */
	memset(name, 'x', 1000);
	name[1000] = '\0';
	char *a = encode(name);
	name[999] = 'y';
	char *b = encode(name);
	assert_string_not_equal(a, b);
	assert_true(strlen(a) <= TD_COMPONENT_MAX && strlen(b) <= TD_COMPONENT_MAX);
	/* same name, same component */
	char *b2 = encode(name);
	assert_string_equal(b, b2);
	free(a);
	free(b);
	free(b2);

	/* and UTF-8 at the cut */
	struct td_buf u;
	td_buf_init(&u, 0);
	for (int i = 0; i < 200; i++)
		td_buf_puts(&u, "\xc3\xa9");
	c = encode(td_buf_str(&u));
	assert_safe(td_buf_str(&u), c);
	assert_true(strlen(c) <= TD_COMPONENT_MAX);
	free(c);
	td_buf_cleanup(&u);
}

static void test_paths(void **state)
{
	(void)state;
	static const struct {
		const char *host, *service, *label;
		const char *dir, *file;
	} cases[] = {
		{ "web1", "http", "time", "web1/http", "web1/http/time.rrd" },
		{ "shop.example", "cart", "size", "shop.example/cart",
		  "shop.example/cart/size.rrd" },
		{ "web1", "disk /var", "/var", "web1/disk%20%2Fvar",
		  "web1/disk%20%2Fvar/%2Fvar.rrd" },
		{ "..", "..", "..", "%2E./%2E.", "%2E./%2E./%2E..rrd" },
		{ "../../etc", "x", "passwd", "%2E.%2F..%2Fetc/x", "%2E.%2F..%2Fetc/x/passwd.rrd" },
		{ "", "", "", "%/%", "%/%/%.rrd" },
		{ "h", "s", ".rrd", "h/s", "h/s/%2Errd.rrd" },
		{ "h", "s", "meta.json", "h/s", "h/s/meta.json.rrd" },
		{ "h", "s", "'used space'", "h/s", "h/s/%27used%20space%27.rrd" },
	};
	for (size_t i = 0; i < N(cases); i++) {
		char *dir = td_layout_service_dir(cases[i].host, cases[i].service);
		char *file = td_layout_metric_file(cases[i].host, cases[i].service, cases[i].label);
		if (strcmp(dir, cases[i].dir) || strcmp(file, cases[i].file))
			fail_msg("case %zu: \"%s\" and \"%s\", wanted \"%s\" and \"%s\"", i, dir,
				 file, cases[i].dir, cases[i].file);
		/* the file is in the service's directory */
		assert_int_equal(strncmp(file, dir, strlen(dir)), 0);
		assert_int_equal(file[strlen(dir)], '/');
		assert_null(strchr(file + strlen(dir) + 1, '/'));
		free(dir);
		free(file);
	}
	/* long host, service and label: three components, each within the limit */
	char longname[600];
	memset(longname, 'h', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	char *file = td_layout_metric_file(longname, longname, longname);
	assert_true(strlen(file) <= 3 * TD_COMPONENT_MAX + 2 + 4);
	char *p = file;
	for (int k = 0; k < 3; k++) {
		size_t len = strcspn(p, "/");
		assert_true(len <= TD_COMPONENT_MAX + (k == 2 ? 4 : 0));
		p += len + (p[len] == '/');
	}
	free(file);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode_table),
		cmocka_unit_test(test_encode_single_bytes),
		cmocka_unit_test(test_decode_rejects),
		cmocka_unit_test(test_no_collisions),
		cmocka_unit_test(test_long_names),
		cmocka_unit_test(test_paths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_graph_cgi.c - graph_cgi.c: the query, hostile and good, escaping, and whole requests. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <rrd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tandem/cgi.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define NOW  1718000000LL

static void test_query_hostile(void **state)
{
	(void)state;
	static char huge[TD_CGI_QUERY_MAX + 16], long_value[400], nine[512];
	memcpy(huge, "host=", 5);
	memset(huge + 5, 'a', sizeof huge - 6);
	memcpy(long_value, "host=a&service=", 15);
	memset(long_value + 15, 'b', 256);
	snprintf(
	    nine, sizeof nine, "host=a&service=b&format=png%s",
	    "&metric=1&metric=2&metric=3&metric=4&metric=5&metric=6&metric=7&metric=8&metric=9");
	const char *const bad[] = {
		huge,
		long_value,
		nine,
		"&",
		"&&",
		"host=a&&service=b",
		"host=a&service=b&",
		"=x",
		"host",
		"host=",
		"host=a&service=",
		"foo=1",
		"Host=a&service=b",
		"host%3Da&service=b",
		"host=a&service=b&foo=1",
		"host=a&service=b&format=png&callback=x",
		"host=a&host=b&service=c",
		"host=a&service=b&format=png&format=svg",
		"host=a",
		"service=b",
		"format=png",
		"metric=x",
		"start=-1d",
		/* traversal and odd names */
		"host=..&service=x",
		"host=.&service=x",
		"host=a&service=..",
		"host=a&service=.",
		"host=..%2F..%2Fetc&service=passwd",
		"host=%2E%2E&service=x",
		"host=a%2Fb&service=x",
		"host=/etc&service=x",
		"host=a&service=b&format=png&metric=..",
		/* NUL and control bytes, raw or encoded */
		"host=a%00b&service=x",
		"host=a&service=b%00",
		"host=a%0Ab&service=x",
		"host=a&service=b%0d%0aSet-Cookie:%20x",
		"host=a\tb&service=x",
		"host=a&service=b\x01",
		"host=a%7F&service=x",
		"host=a%&service=x",
		"host=a%4&service=x",
		"host=a%zz&service=x",
		"host=a%%41&service=x",
		/* images: format, sizes, times */
		"host=a&service=b&format=gif",
		"host=a&service=b&format=PNG",
		"host=a&service=b&format=png%00",
		"host=a&service=b&format=",
		"host=a&service=b&format=png&width=99",
		"host=a&service=b&format=png&width=2001",
		"host=a&service=b&format=png&width=99999999999999999999",
		"host=a&service=b&format=png&width=-600",
		"host=a&service=b&format=png&width=600px",
		"host=a&service=b&format=png&width=0x258",
		"host=a&service=b&format=png&width=+600",
		"host=a&service=b&format=png&width=%20600",
		"host=a&service=b&format=png&height=5",
		"host=a&service=b&format=png&start=yesterday",
		"host=a&service=b&format=png&start=-11y",
		"host=a&service=b&format=png&start=0",
		"host=a&service=b&format=png&start=-1d&end=-2d",
		"host=a&service=b&format=png&start=-30s",
		"host=a&service=b&format=png&end=%2B1y",
		"host=a&service=b&format=png&start=end-1d",
		"host=a&service=b&format=png&start=-1d%3Bls",
		"host=a&service=b&format=png&start=$(id)",
		"host=a&service=b&format=png&start=1718000000&end=1718000001",
		/* page parameters that only images take */
		"host=a&service=b&width=600",
		"host=a&service=b&metric=x",
		/* tags */
		"tag=de%20ploy",
		"tag=a,,b",
		"tag=,",
		"tag=a,b,c,d,e,f,g,h,i",
		"tag=abcdefghijabcdefghijabcdefghijabc",
	};
	for (size_t i = 0; i < N(bad); i++) {
		struct td_cgi_query q;
		char err[512] = "";
		if (td_cgi_query_parse(bad[i], (time_t)NOW, &q, err, sizeof err) != TD_E_USAGE)
			fail_msg("accepted: \"%.200s\"", bad[i]);
		assert_true(err[0] != '\0');
		/* the message never carries a control byte back */
		for (const char *p = err; *p; p++)
			if ((unsigned char)*p < 0x20)
				fail_msg("control byte in the message for \"%.100s\"", bad[i]);
		assert_null(q.host);
	}
}

static void test_query_good(void **state)
{
	(void)state;
	struct td_cgi_query q;
	char err[512];
	assert_int_equal(td_cgi_query_parse(NULL, (time_t)NOW, &q, err, sizeof err), TD_OK);
	assert_int_equal(q.view, TD_CGI_INDEX);
	assert_int_equal(td_cgi_query_parse("", (time_t)NOW, &q, err, sizeof err), TD_OK);
	assert_int_equal(q.view, TD_CGI_INDEX);
	assert_int_equal(td_cgi_query_parse("tag=deploy,config", (time_t)NOW, &q, err, sizeof err),
			 TD_OK);
	assert_int_equal(q.view, TD_CGI_INDEX);
	assert_string_equal(q.tags, "deploy,config");
	td_cgi_query_cleanup(&q);

	assert_int_equal(td_cgi_query_parse("host=web%201&service=Root+partition", (time_t)NOW, &q,
					    err, sizeof err),
			 TD_OK);
	assert_int_equal(q.view, TD_CGI_PAGE);
	assert_string_equal(q.host, "web 1");
	assert_string_equal(q.service, "Root partition");
	td_cgi_query_cleanup(&q);

	/* a service or metric may hold '/': it is encoded into one component */
	assert_int_equal(
	    td_cgi_query_parse("service=disk%20%2Fvar&host=h&format=svg&metric=%2F&metric="
			       "%2Fvar&width=2000&height=100&start=-1y&end=now&tag=deploy",
			       (time_t)NOW, &q, err, sizeof err),
	    TD_OK);
	assert_int_equal(q.view, TD_CGI_IMAGE);
	assert_string_equal(q.service, "disk /var");
	assert_int_equal(q.n_metrics, 2);
	assert_string_equal(q.metrics[0], "/");
	assert_string_equal(q.metrics[1], "/var");
	assert_int_equal(q.format, TD_GRAPH_SVG);
	assert_int_equal(q.width, 2000);
	assert_int_equal(q.height, 100);
	assert_int_equal(q.start, NOW - 365 * 86400);
	assert_int_equal(q.end, NOW);
	td_cgi_query_cleanup(&q);

	/* defaults: the last day, the page's size; and absolute times */
	assert_int_equal(
	    td_cgi_query_parse("host=h&service=s&format=png", (time_t)NOW, &q, err, sizeof err),
	    TD_OK);
	assert_int_equal(q.start, NOW - 86400);
	assert_int_equal(q.end, NOW);
	assert_true(q.width >= TD_GRAPH_SIZE_MIN && q.height >= TD_GRAPH_SIZE_MIN);
	td_cgi_query_cleanup(&q);
	assert_int_equal(
	    td_cgi_query_parse("host=h&service=s&format=png&start=2024-06-01T00%3A00Z&end="
			       "1718000000",
			       (time_t)NOW, &q, err, sizeof err),
	    TD_OK);
	assert_int_equal(q.start, 1717200000);
	td_cgi_query_cleanup(&q);
	/* ten years back is the limit */
	assert_int_equal(td_cgi_query_parse("host=h&service=s&format=png&start=-3653d", (time_t)NOW,
					    &q, err, sizeof err),
			 TD_OK);
	td_cgi_query_cleanup(&q);
}

static void test_escape(void **state)
{
	(void)state;
	struct td_buf b;
	td_buf_init(&b, 0);
	td_cgi_html_escape(&b, "<script>alert('x')</script> & \"q\" \x01 caf\xc3\xa9 \xff");
	assert_string_equal(td_buf_str(&b), "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; "
					    "&quot;q&quot; ? caf\xc3\xa9 ?");
	td_buf_reset(&b);
	td_cgi_url_encode(&b, "a b/&=?#%+~._-\xc3\xa9");
	assert_string_equal(td_buf_str(&b), "a%20b%2F%26%3D%3F%23%25%2B~._-%C3%A9");
	td_buf_cleanup(&b);
}

/* web1/load with load1 and load5, and an event; plus a link that leads out. */
static char *make_store(void)
{
	char tmpl[] = "/tmp/test_graph_cgi.XXXXXX";
	char *dir = td_xstrdup(mkdtemp(tmpl));
	char *d = td_xasprintf("%s/web1", dir);
	mkdir(d, 0755);
	free(d);
	d = td_xasprintf("%s/web1/load", dir);
	mkdir(d, 0755);
	long now = (long)time(NULL);
	const char *labels[] = { "load1", "load5" };
	for (size_t i = 0; i < 2; i++) {
		char *path = td_xasprintf("%s/%s.rrd", d, labels[i]);
		const char *args[] = { "DS:value:GAUGE:120:U:U", "RRA:AVERAGE:0.5:1:1500",
				       "RRA:MIN:0.5:1:1500", "RRA:MAX:0.5:1:1500" };
		assert_int_equal(rrd_create_r(path, 60, now - 4000, 4, args), 0);
		for (long t = now / 60 * 60 - 3600; t <= now; t += 60) {
			char val[64];
			const char *u[1] = { val };
			snprintf(val, sizeof val, "%ld:%zu", t, i + 1);
			assert_int_equal(rrd_update_r(path, NULL, 1, u), 0);
		}
		free(path);
	}
	char *meta = td_xasprintf("%s/meta.json", d);
	FILE *f = fopen(meta, "w");
	fprintf(
	    f,
	    "{\"last\":{\"time\":%ld,\"state\":2,\"state_name\":\"CRITICAL\",\"output\":\"LOAD "
	    "<b>CRITICAL</"
	    "b>\"},\"metrics\":{\"load1\":{\"uom\":\"\",\"warn\":\"5\",\"crit\":\"10\"},"
	    "\"load5\":{\"uom\":\"\"}},\"thresholds\":[{\"time\":%ld,\"label\":\"load1\",\"warn\":"
	    "\"5\",\"crit\":\"10\"}]}\n",
	    now - 30, now - 86400);
	fclose(f);
	free(meta);
	free(d);
	char *link = td_xasprintf("%s/web1/etc", dir);
	assert_int_equal(symlink("/etc", link), 0);
	free(link);
	char *log = td_event_log_path(dir);
	struct td_event e = { now - 600, "deploy", "web1", "", "shop <1.4.2>" };
	char err[256];
	assert_int_equal(td_event_append(log, &e, err, sizeof err), TD_OK);
	free(log);
	return dir;
}

struct answer {
	int status;
	char *headers, *body;
	size_t body_len;
};

static struct answer ask(const char *dir, const char *method, const char *query, const char *inm)
{
	struct td_cgi_request rq = { method, query, inm, dir, NULL, time(NULL) };
	struct td_cgi_response rs;
	td_cgi_handle(&rq, &rs);
	struct answer a = { rs.status, td_xstrdup(td_buf_str(&rs.headers)),
			    rs.body ? td_xstrndup((const char *)rs.body, rs.body_len)
				    : td_xstrdup(""),
			    rs.body_len };
	td_cgi_response_cleanup(&rs);
	return a;
}

static void answer_free(struct answer *a)
{
	free(a->headers);
	free(a->body);
}

static char *header(const struct answer *a, const char *name)
{
	const char *p = strstr(a->headers, name);
	if (!p)
		return NULL;
	p += strlen(name);
	return td_xstrndup(p, strcspn(p, "\r"));
}

static void test_requests(void **state)
{
	(void)state;
	char *dir = make_store();
	struct answer a = ask(dir, "GET", "", NULL);
	assert_int_equal(a.status, 200);
	assert_non_null(strstr(a.headers, "Content-Type: text/html; charset=utf-8"));
	assert_non_null(strstr(a.body, "href=\"?host=web1&amp;service=load\""));
	assert_non_null(strstr(a.body, "LOAD &lt;b&gt;CRITICAL&lt;/b&gt;"));
	assert_non_null(strstr(a.body, "class=\"state s2\""));
	assert_non_null(strstr(a.body, "shop &lt;1.4.2&gt;"));
	assert_null(strstr(a.body, "etc")); /* the link out is no service */
	assert_null(strstr(a.body, dir));   /* nor is the server's path shown */
	answer_free(&a);

	a = ask(dir, "GET", "host=web1&service=load", NULL);
	assert_int_equal(a.status, 200);
	/* four periods, each a png and a zoomed svg */
	size_t imgs = 0;
	for (const char *p = a.body;
	     (p = strstr(p, "<img src=\"?host=web1&amp;service=load&amp;"
			    "metric=load1&amp;metric=load5&amp;format=png"));
	     p++)
		imgs++;
	assert_int_equal(imgs, 4);
	assert_non_null(strstr(a.body, "start=-1y"));
	assert_non_null(strstr(a.body, "format=svg&amp;start=-1w&amp;width=1200"));
	answer_free(&a);

	a = ask(dir, "GET", "host=web1&service=load&format=png&start=-2h", NULL);
	assert_int_equal(a.status, 200);
	assert_non_null(strstr(a.headers, "Content-Type: image/png\r\n"));
	assert_memory_equal(a.body, "\x89PNG", 4);
	char *etag = header(&a, "ETag: "), *cc = header(&a, "Cache-Control: max-age=");
	char *lm = header(&a, "Last-Modified: ");
	assert_non_null(etag);
	assert_non_null(cc);
	assert_non_null(lm);
	assert_non_null(strstr(lm, " GMT"));
	unsigned long long age;
	assert_int_equal(td_parse_uint(cc, 10, 3600, &age), TD_OK);
	answer_free(&a);
	/* the same image asked again with its ETag: 304, no body */
	a = ask(dir, "GET", "host=web1&service=load&format=png&start=-2h", etag);
	assert_int_equal(a.status, 304);
	assert_int_equal(a.body_len, 0);
	answer_free(&a);
	char *list = td_xasprintf("\"other\", W/%s", etag);
	a = ask(dir, "GET", "host=web1&service=load&format=png&start=-2h", list);
	assert_int_equal(a.status, 304);
	answer_free(&a);
	free(list);
	a = ask(dir, "GET", "host=web1&service=load&format=png&start=-2h", "\"nope\"");
	assert_int_equal(a.status, 200);
	answer_free(&a);
	/* a new event changes the image, and so its ETag */
	char *log = td_event_log_path(dir), err[256];
	struct td_event e = { (long long)time(NULL) - 60, "flag", "", "",
			      "checkout v2 with more text" };
	assert_int_equal(td_event_append(log, &e, err, sizeof err), TD_OK);
	free(log);
	a = ask(dir, "GET", "host=web1&service=load&format=png&start=-2h", etag);
	assert_int_equal(a.status, 200);
	answer_free(&a);
	free(etag);
	free(cc);
	free(lm);

	a = ask(dir, "HEAD", "host=web1&service=load&format=svg&metric=load5", NULL);
	assert_int_equal(a.status, 200);
	assert_non_null(strstr(a.headers, "Content-Type: image/svg+xml\r\n"));
	answer_free(&a);

	static const struct {
		const char *method, *query;
		int status;
	} errors[] = {
		{ "POST", "", 405 },
		{ "PUT", "host=web1&service=load", 405 },
		{ "GET", "host=web1&service=nope", 404 },
		{ "GET", "host=nope&service=load", 404 },
		{ "GET", "host=web1&service=etc", 404 },
		{ "GET", "host=web1&service=etc&format=png", 404 },
		{ "GET", "host=web1&service=load&format=png&metric=load15", 404 },
		{ "GET", "host=..%2F..%2Fetc&service=passwd", 400 },
		{ "GET", "host=web1&service=load&format=png&width=99999", 400 },
		{ "GET", "host=web1&service=load&format=bmp", 400 },
		{ "GET", "host=web1&service=load&format=png&x=1", 400 },
	};
	for (size_t i = 0; i < N(errors); i++) {
		a = ask(dir, errors[i].method, errors[i].query, NULL);
		if (a.status != errors[i].status)
			fail_msg("%s %s: %d, want %d", errors[i].method, errors[i].query, a.status,
				 errors[i].status);
		assert_non_null(strstr(a.headers, "Content-Type: text/plain"));
		answer_free(&a);
	}
	char *cmd = td_xasprintf("rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query_hostile),
		cmocka_unit_test(test_query_good),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_requests),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

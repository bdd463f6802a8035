/*
 * td-test-listen - a tiny TCP server for check_tcp's integration tests.
 *
 *   td-test-listen [-6] MODE [ARG...]
 *     silent          accept, never read or write
 *     echo            send back what arrives
 *     banner TEXT     send TEXT and CRLF on accept, then echo
 *     slow SECS TEXT  send TEXT and CRLF SECS seconds after accept, then echo
 *     close           accept and close at once
 *
 * It binds 127.0.0.1 (::1 with -6) on a port the kernel picks, prints the
 * port on stdout, and serves until killed: one process, one poll loop, so
 * killing it closes every connection (no children left behind). As a guard
 * against a test that dies without stopping it, it exits on its own after
 * TL_LIFETIME seconds. Exit 1 when the address cannot be bound (no IPv6),
 * 2 on a usage error.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define TL_MAX_CONN 64
#define TL_LIFETIME 600.0

enum tl_mode { TL_SILENT, TL_ECHO, TL_BANNER, TL_SLOW, TL_CLOSE };

struct tl_conn {
	int fd;	     /* -1: free slot */
	double due;  /* when the text is sent; 0: already sent or none */
	double born; /* to drop the oldest when the table is full */
};

static double tl_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int tl_usage(void)
{
	fprintf(stderr,
		"usage: td-test-listen [-6] silent|echo|close|banner TEXT|slow SECONDS TEXT\n");
	return 2;
}

/* Best effort: a test client that stopped reading loses the rest. */
static void tl_send(int fd, const char *s, size_t n)
{
	ssize_t r = send(fd, s, n, MSG_NOSIGNAL | MSG_DONTWAIT);
	(void)r;
}

static void tl_send_text(int fd, const char *text)
{
	tl_send(fd, text, strlen(text));
	tl_send(fd, "\r\n", 2);
}

static void tl_drop(struct tl_conn *c)
{
	close(c->fd);
	c->fd = -1;
	c->due = 0;
}

static int tl_listen(bool v6, unsigned *port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int one = 1, fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	memset(&ss, 0, sizeof ss);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (v6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
		len = sizeof *a;
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof *a;
	}
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 16) < 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
			 : ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

static void tl_accept(int lfd, enum tl_mode mode, double delay, const char *text,
		      struct tl_conn *conns)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if (mode == TL_CLOSE) {
		close(fd);
		return;
	}
	struct tl_conn *slot = &conns[0];
	for (int i = 0; i < TL_MAX_CONN; i++) {
		if (conns[i].fd < 0) {
			slot = &conns[i];
			break;
		}
		if (conns[i].born < slot->born)
			slot = &conns[i];
	}
	if (slot->fd >= 0)
		tl_drop(slot);
	slot->fd = fd;
	slot->born = tl_now();
	slot->due = mode == TL_SLOW ? slot->born + delay : 0;
	if (mode == TL_BANNER)
		tl_send_text(fd, text);
}

int main(int argc, char **argv)
{
	bool v6 = false;
	enum tl_mode mode;
	double delay = 0;
	const char *text = NULL;
	int a = 1;

	if (a < argc && !strcmp(argv[a], "-6")) {
		v6 = true;
		a++;
	}
	if (a >= argc)
		return tl_usage();
	const char *m = argv[a++];
	if (!strcmp(m, "silent") && a == argc) {
		mode = TL_SILENT;
	} else if (!strcmp(m, "echo") && a == argc) {
		mode = TL_ECHO;
	} else if (!strcmp(m, "close") && a == argc) {
		mode = TL_CLOSE;
	} else if (!strcmp(m, "banner") && a + 1 == argc) {
		mode = TL_BANNER;
		text = argv[a];
	} else if (!strcmp(m, "slow") && a + 2 == argc) {
		char *end;
		mode = TL_SLOW;
		errno = 0;
		delay = strtod(argv[a], &end);
		if (errno || end == argv[a] || *end || !(delay >= 0) || delay > 3600)
			return tl_usage();
		text = argv[a + 1];
	} else {
		return tl_usage();
	}

	signal(SIGPIPE, SIG_IGN);
	unsigned port;
	int lfd = tl_listen(v6, &port);
	if (lfd < 0) {
		fprintf(stderr, "td-test-listen: cannot listen on %s: %s\n",
			v6 ? "::1" : "127.0.0.1", strerror(errno));
		return 1;
	}
	printf("%u\n", port);
	fflush(stdout);

	struct tl_conn conns[TL_MAX_CONN];
	for (int i = 0; i < TL_MAX_CONN; i++)
		conns[i] = (struct tl_conn){ .fd = -1 };
	double end = tl_now() + TL_LIFETIME;
	while (tl_now() < end) {
		struct pollfd p[TL_MAX_CONN + 1];
		double now = tl_now(), wake = end;
		p[0] = (struct pollfd){ .fd = lfd, .events = POLLIN };
		for (int i = 0; i < TL_MAX_CONN; i++) {
			/* silent never reads: it only learns that the client went away */
			p[i + 1] =
			    (struct pollfd){ .fd = conns[i].fd,
					     .events = mode == TL_SILENT ? POLLRDHUP : POLLIN };
			if (conns[i].fd >= 0 && conns[i].due > 0 && conns[i].due < wake)
				wake = conns[i].due;
		}
		int ms = wake > now ? (int)((wake - now) * 1000.0) + 1 : 0;
		if (poll(p, TL_MAX_CONN + 1, ms) < 0 && errno != EINTR)
			return 1;
		now = tl_now();
		for (int i = 0; i < TL_MAX_CONN; i++) {
			struct tl_conn *c = &conns[i];
			if (c->fd < 0 || p[i + 1].fd != c->fd)
				continue;
			if (c->due > 0 && now >= c->due) {
				tl_send_text(c->fd, text);
				c->due = 0;
			}
			short re = p[i + 1].revents;
			if (mode == TL_SILENT) {
				if (re & (POLLRDHUP | POLLHUP | POLLERR))
					tl_drop(c);
				continue;
			}
			if (!(re & (POLLIN | POLLHUP | POLLERR)))
				continue;
			char buf[4096];
			ssize_t n = recv(c->fd, buf, sizeof buf, MSG_DONTWAIT);
			if (n > 0)
				tl_send(c->fd, buf, (size_t)n);
			else if (n == 0 || (errno != EAGAIN && errno != EINTR))
				tl_drop(c);
		}
		if (p[0].revents & POLLIN)
			tl_accept(lfd, mode, delay, text, conns);
	}
	return 0;
}

// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * The event loops (one per thread, io-threads of them): listening
 * sockets in the first, which deals connections round robin to all; per
 * client a socket and its own /dev/kvstore fd (O_NONBLOCK), bytes
 * relayed both ways by the loop the connection is on.
 *
 * Input is not parsed. A framing scan walks the input only to know
 * where each command starts and what its first argument (the name) is:
 * it reads the "*N" and "$len" headers and skips argument payloads by
 * their length without looking at them, so for ordinary commands it
 * costs a few header bytes per argument. Only a name of the daemon's own
 * (AUTH, HELLO, SAVE, ...; kvstored_cmd.c) stops the relay: the bytes
 * before it go to the device, its replies are taken, then the daemon
 * answers that command in its place. Before AUTH (requirepass), whole
 * frames are parsed instead, as Redis does before authentication.
 *
 * Buffers are bounded both ways: a full device (the module stops taking
 * input while a client's output is unread) stops reading that client's
 * socket; a full socket stops reading that client's device fd, so the
 * module's own output buffer limits apply to slow readers. Nothing waits:
 * one slow or dead client holds only its own buffers.
 *
 * A protocol error, QUIT or a limit makes the module end the stream:
 * its last reply can be read, then read() returns 0; the daemon sends
 * what it has and closes the socket.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "buf.h"
#include "kvstore.h"
#include "kvstored.h"
#include "splitargs.h"

#define IO_CHUNK	(64 * 1024)	/* relay buffer, each direction */
#define FRAME_MAX	(1024 * 1024)	/* a daemon command's whole frame */
#define HDR_MAX		64		/* "*N\r\n" / "$len\r\n" header */
#define INLINE_MAX	(64 * 1024)	/* Redis's inline request limit */
#define NAME_MAX_LEN	16		/* longer names are never ours */
#define EXEC_BACKOFF	64		/* stream batches after a refusal */
#define MAX_LISTEN	(KVSD_MAX_BIND + 1)
#define TAG_HANDOFF	MAX_LISTEN	/* a loop's pipe of new connections */
/* Redis's limits on frames before authentication */
#define PREAUTH_MULTIBULK	10
#define PREAUTH_BULK		16384

enum scan_state {
	SC_START,	/* at a command boundary */
	SC_ARG_HDR,	/* expecting "$len\r\n" of an argument to skip */
	SC_ARG_BODY,	/* skipping @skip payload bytes (+ CRLF) */
	SC_INLINE,	/* skipping an inline command up to '\n' */
	SC_RAW,		/* framing lost: the module will answer and close */
};

/*
 * One event loop per thread. A loop's lock is held while it handles
 * events and let go around epoll_wait(): a thread that takes every
 * loop's lock (kvsd_world_stop()) has all the others parked between two
 * event batches, which is how the daemon's global state (persistence,
 * the control fd, SHUTDOWN) stays single-threaded.
 */
struct kvsd_loop {
	int idx;
	int epfd;
	int handoff[2];		/* loop 0 accepts, the others get conns here */
	pthread_t tid;
	pthread_mutex_t lock;
	struct kvsd_conn *conns;
	struct kvsd_conn *zombies;
	struct kvsd_conn *to_write;	/* replies to send after the batch */
	long long now;		/* the clock, read once per epoll_wait */
};

struct kvsd_conn {
	int sock, dev;
	struct kvsd_loop *loop;
	struct kvsd_conn *next, **pprev;
	char peer[64];
	char *in;		/* from the socket, not yet written to dev */
	size_t inlen, incap;
	size_t fwd;		/* in[0..fwd) scanned: goes to the device */
	char *out;		/* to the socket */
	size_t outlen, outpos, outcap;
	enum scan_state st;
	long long args_left;	/* SC_ARG_HDR/BODY: arguments to skip */
	long long skip;		/* SC_ARG_BODY: bytes left */
	long long last_ms;
	bool authed;
	int auth_fails;
	bool dead;		/* freed at the end of the event batch */
	bool wqueued;		/* on loop->to_write, through wnext */
	struct kvsd_conn *wnext;
	char *todev;		/* a frame rewritten by the daemon (HELLO) */
	size_t todevlen;
	bool dev_eof;		/* the module ended the stream */
	bool dev_dead;		/* writes refused: stop feeding it */
	bool close_after;	/* close once out is sent */
	bool idle_exempt;	/* last command may block or subscribe */
	/*
	 * KVS_IOC_EXEC relay: in[0..fwd) holds nr_cmds whole commands
	 * from a command boundary on (at_bound) and none that may block
	 * or subscribe (!batch_stream); exec_skip counts batches left on
	 * the stream path after the module refused one.
	 */
	unsigned int nr_cmds;
	bool at_bound;
	bool batch_stream;
	unsigned int exec_skip;
	bool patch;		/* a CONFIG GET's reply starts at patch_at */
	size_t patch_at;	/* bytes after outpos */
	size_t frame_len;	/* the daemon's frame at in[0..frame_len) */
	struct kvsd_multi multi;
	unsigned int sock_ev, dev_ev;
};

static int listen_fds[MAX_LISTEN];
static int nr_listen;
static char *listen_addr[MAX_LISTEN];	/* bind address of a TCP one */
static int listen_port;			/* of the TCP ones */
static struct kvsd_loop *loops;
static int nr_loops;
static unsigned int next_loop;		/* loop 0's round robin */
static long long nr_conns;		/* all loops: atomic */
static __thread struct kvsd_loop *cur_loop;

bool kvsd_conn_authed(const struct kvsd_conn *c)
{
	return c->authed;
}

void kvsd_conn_set_authed(struct kvsd_conn *c)
{
	c->authed = true;
}

int *kvsd_conn_auth_fails(struct kvsd_conn *c)
{
	return &c->auth_fails;
}

void kvsd_conn_send_dev(struct kvsd_conn *c, const char *s, size_t len)
{
	char *p = realloc(c->todev, c->todevlen + len);

	if (!p)
		return;
	memcpy(p + c->todevlen, s, len);
	c->todev = p;
	c->todevlen += len;
}

const char *kvsd_conn_peer(const struct kvsd_conn *c)
{
	return c->peer;
}

/* ---------------------------------------------------------- listening */

static int listen_tcp(const char *addr, int port)
{
	struct addrinfo hints = { 0 }, *res, *ai;
	char ports[16];
	int fd = -1, one = 1, rc;

	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST;
	snprintf(ports, sizeof(ports), "%d", port);
	if (addr[0] == '-')	/* "-::1": optional address */
		addr++;
	if (!strcmp(addr, "*"))
		addr = "0.0.0.0";
	else if (!strcmp(addr, "::*"))
		addr = "::";
	rc = getaddrinfo(addr, ports, &hints, &res);
	if (rc) {
		kvsd_log(LL_WARNING, "Could not create server TCP listening socket %s:%d: %s",
			 addr, port, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
			    SOCK_NONBLOCK, 0);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (ai->ai_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
				   sizeof(one));
		if (!bind(fd, ai->ai_addr, ai->ai_addrlen) &&
		    !listen(fd, 511))
			break;
		kvsd_log(LL_WARNING, "Could not create server TCP listening socket %s:%d: %s",
			 addr, port, strerror(errno));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

static int listen_unix(const char *path, unsigned int perm)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		kvsd_log(LL_WARNING, "Failed opening Unix socket: path too long");
		return -1;
	}
	strcpy(sa.sun_path, path);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(fd, 511)) {
		kvsd_log(LL_WARNING, "Failed opening Unix socket: %s",
			 strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (perm)
		chmod(path, perm);
	return fd;
}

/**
 * kvsd_net_listen - open every listening socket of the configuration
 * (before privileges are dropped: port 6379 needs none, but a low port
 * or a unix socket in /run may).
 */
int kvsd_net_listen(void)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct rlimit rl;
	int i, fd;

	/* two fds per client: a socket and a device fd */
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	nr_loops = kvsd_cfg.io_threads;
	loops = calloc(nr_loops, sizeof(*loops));
	if (!loops)
		return -1;
	for (i = 0; i < nr_loops; i++) {
		struct kvsd_loop *l = &loops[i];

		l->idx = i;
		pthread_mutex_init(&l->lock, NULL);
		l->epfd = epoll_create1(EPOLL_CLOEXEC);
		if (l->epfd < 0 ||
		    pipe2(l->handoff, O_CLOEXEC | O_NONBLOCK))
			return -1;
		ev.data.u64 = TAG_HANDOFF;
		if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->handoff[0], &ev))
			return -1;
	}
	kvsd_cfg.io_threads = nr_loops;
	if (kvsd_cfg.port) {
		for (i = 0; i < kvsd_cfg.nr_bind; i++) {
			fd = listen_tcp(kvsd_cfg.bind[i], kvsd_cfg.port);
			if (fd < 0) {
				if (kvsd_cfg.bind[i][0] == '-')
					continue;
				return -1;
			}
			/* an address marks a TCP socket (rebind): needed */
			listen_addr[nr_listen] = strdup(kvsd_cfg.bind[i]);
			if (!listen_addr[nr_listen]) {
				close(fd);
				return -1;
			}
			listen_fds[nr_listen++] = fd;
		}
		listen_port = kvsd_cfg.port;
	}
	if (kvsd_cfg.unixsocket) {
		fd = listen_unix(kvsd_cfg.unixsocket, kvsd_cfg.unixsocketperm);
		if (fd < 0)
			return -1;
		listen_fds[nr_listen++] = fd;
	}
	if (!nr_listen) {
		kvsd_log(LL_WARNING, "Configured to not listen anywhere, exiting.");
		return -1;
	}
	for (i = 0; i < nr_listen; i++) {
		ev.data.u64 = i;
		if (epoll_ctl(loops[0].epfd, EPOLL_CTL_ADD, listen_fds[i],
			      &ev))
			return -1;
	}
	if (kvsd_cfg.port)
		kvsd_log(LL_NOTICE, "Ready to accept connections tcp");
	if (kvsd_cfg.unixsocket)
		kvsd_log(LL_NOTICE, "Ready to accept connections unix");
	return 0;
}

/* Listen on each of @bind (@nb) at @port: @n sockets, or -1 and none. */
static int open_tcp(char *const *bind, int nb, int port, int *fds,
		    char **addr)
{
	int n = 0, i, fd;

	for (i = 0; port && i < nb; i++) {
		fd = listen_tcp(bind[i], port);
		if (fd < 0) {
			if (bind[i][0] == '-')	/* optional */
				continue;
			goto fail;
		}
		addr[n] = strdup(bind[i]);
		if (!addr[n]) {
			close(fd);
			goto fail;
		}
		fds[n++] = fd;
	}
	return n;
fail:
	while (n--) {
		close(fds[n]);
		free(addr[n]);
	}
	return -1;
}

/**
 * kvsd_net_rebind - CONFIG SET bind, port: listen as @st says. As
 * redis-server, the TCP sockets are closed before the new ones open (a
 * wildcard address can't be bound beside a specific one on the same
 * port), and if one can't be had, the old ones open again; the unix
 * socket stays. The caller has stopped the world: an accept event that
 * loop 0 already holds for an old index finds a listener with nothing
 * to accept, or -1.
 * Return: 0, or -1 (listening as before).
 */
int kvsd_net_rebind(const struct kvsd_config *st)
{
	struct epoll_event ev = { .events = EPOLLIN };
	char *oaddr[MAX_LISTEN], *addr[MAX_LISTEN + 1];
	int fds[MAX_LISTEN + 1], no = 0, ufd = -1, n, i, ret = 0;

	for (i = 0; i < nr_listen; i++) {
		epoll_ctl(loops[0].epfd, EPOLL_CTL_DEL, listen_fds[i], NULL);
		if (listen_addr[i]) {
			close(listen_fds[i]);
			oaddr[no++] = listen_addr[i];
		} else {
			ufd = listen_fds[i];	/* the unix socket */
		}
	}
	n = open_tcp(st->bind, st->nr_bind, st->port, fds, addr);
	if (n >= 0) {
		listen_port = st->port;
	} else {
		ret = -1;
		n = open_tcp(oaddr, no, listen_port, fds, addr);
		if (n < 0) {
			kvsd_log(LL_WARNING, "Can't listen on TCP as before");
			n = 0;
		}
	}
	for (i = 0; i < no; i++)
		free(oaddr[i]);
	if (ufd >= 0) {
		fds[n] = ufd;
		addr[n++] = NULL;
	}
	for (i = 0; i < MAX_LISTEN; i++) {
		listen_fds[i] = i < n ? fds[i] : -1;
		listen_addr[i] = i < n ? addr[i] : NULL;
	}
	nr_listen = n;
	for (i = 0; i < nr_listen; i++) {
		ev.data.u64 = i;
		if (epoll_ctl(loops[0].epfd, EPOLL_CTL_ADD, listen_fds[i],
			      &ev))
			kvsd_log(LL_WARNING, "Can't watch a listening socket: %s",
				 strerror(errno));
	}
	return ret;
}

/* ------------------------------------------------------- connections */

/*
 * Close now, free after the event batch: the batch may still hold an
 * event for this connection's other fd.
 */
static void conn_free(struct kvsd_conn *c)
{
	struct kvsd_loop *l = c->loop;

	epoll_ctl(l->epfd, EPOLL_CTL_DEL, c->sock, NULL);
	close(c->sock);
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, c->dev, NULL);
	close(c->dev);
	*c->pprev = c->next;
	if (c->next)
		c->next->pprev = c->pprev;
	c->dead = true;
	c->next = l->zombies;
	l->zombies = c;
	__atomic_sub_fetch(&nr_conns, 1, __ATOMIC_RELAXED);
}

static void free_zombies(struct kvsd_loop *l)
{
	while (l->zombies) {
		struct kvsd_conn *c = l->zombies;

		l->zombies = c->next;
		kvsd_multi_end(&c->multi);
		free(c->in);
		free(c->out);
		free(c->todev);
		free(c);
	}
}

static int out_reserve(struct kvsd_conn *c, size_t more)
{
	size_t ncap;
	char *p;

	if (c->outpos && c->outpos == c->outlen)
		c->outpos = c->outlen = 0;
	if (c->outcap - c->outlen >= more)
		return 0;
	if (c->outpos) {
		memmove(c->out, c->out + c->outpos, c->outlen - c->outpos);
		c->outlen -= c->outpos;
		c->outpos = 0;
		if (c->outcap - c->outlen >= more)
			return 0;
	}
	ncap = c->outlen + more;
	p = realloc(c->out, ncap);
	if (!p)
		return -1;
	c->out = p;
	c->outcap = ncap;
	return 0;
}

/* A reply of the daemon's own, after what the device answered before. */
void kvsd_conn_reply(struct kvsd_conn *c, const char *s, size_t len)
{
	if (out_reserve(c, len)) {
		c->close_after = true;
		return;
	}
	memcpy(c->out + c->outlen, s, len);
	c->outlen += len;
}

void kvsd_conn_replys(struct kvsd_conn *c, const char *s)
{
	kvsd_conn_reply(c, s, strlen(s));
}

/*
 * The CONFIG GET being forwarded answers with the module's values for
 * what kvstored owns (appendonly, save): its reply, the next one after
 * those already read, gets kvstored's values instead.
 */
void kvsd_conn_patch_config(struct kvsd_conn *c)
{
	c->patch = true;
	c->patch_at = c->outlen - c->outpos;
}

void kvsd_conn_close_after_reply(struct kvsd_conn *c)
{
	c->close_after = true;
}

static void set_events(struct kvsd_conn *c)
{
	unsigned int sev = 0, dev = 0;
	struct epoll_event ev;

	if (!c->close_after && !c->dev_eof && c->inlen < c->incap)
		sev |= EPOLLIN;
	if (c->outlen > c->outpos)
		sev |= EPOLLOUT;
	if (c->dev >= 0 && !c->dev_eof) {
		/* a slow socket: leave the replies in the module */
		if (c->outlen - c->outpos < IO_CHUNK)
			dev |= EPOLLIN;
		if (c->fwd && !c->dev_dead)
			dev |= EPOLLOUT;
	}
	if (sev != c->sock_ev) {
		ev.events = sev;
		ev.data.u64 = (unsigned long)c;
		epoll_ctl(c->loop->epfd, EPOLL_CTL_MOD, c->sock, &ev);
		c->sock_ev = sev;
	}
	if (c->dev >= 0 && dev != c->dev_ev) {
		ev.events = dev;
		ev.data.u64 = (unsigned long)c | 1;
		epoll_ctl(c->loop->epfd, EPOLL_CTL_MOD, c->dev, &ev);
		c->dev_ev = dev;
	}
}

/* In @l's thread: the connection joins its epoll set and list. */
static void conn_attach(struct kvsd_loop *l, struct kvsd_conn *c)
{
	struct epoll_event ev;

	c->loop = l;
	c->last_ms = l->now;
	ev.events = EPOLLIN;
	ev.data.u64 = (unsigned long)c;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, c->sock, &ev))
		goto fail;
	c->sock_ev = EPOLLIN;
	ev.events = EPOLLIN;
	ev.data.u64 = (unsigned long)c | 1;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, c->dev, &ev)) {
		epoll_ctl(l->epfd, EPOLL_CTL_DEL, c->sock, NULL);
		goto fail;
	}
	c->dev_ev = EPOLLIN;
	c->next = l->conns;
	if (l->conns)
		l->conns->pprev = &c->next;
	c->pprev = &l->conns;
	l->conns = c;
	kvsd_log(LL_VERBOSE, "Accepted %s", c->peer);
	return;
fail:
	__atomic_sub_fetch(&nr_conns, 1, __ATOMIC_RELAXED);
	free(c->in);
	free(c->out);
	close(c->dev);
	close(c->sock);
	free(c);
}

/* Connections loop 0 accepted for @l: a pointer each. */
static void handoff_take(struct kvsd_loop *l)
{
	struct kvsd_conn *c;

	while (read(l->handoff[0], &c, sizeof(c)) == sizeof(c))
		conn_attach(l, c);
}

/* Round robin over the loops; a pipe write of a pointer is atomic. */
static void conn_place(struct kvsd_loop *self, struct kvsd_conn *c)
{
	struct kvsd_loop *l = &loops[next_loop++ % nr_loops];

	if (l == self || write(l->handoff[1], &c, sizeof(c)) != sizeof(c))
		conn_attach(self, c);
}

static int accept_one(struct kvsd_loop *self, int lfd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct kvsd_conn *c;
	int fd, one = 1;
	static const char maxerr[] = "-ERR max number of clients reached\r\n";

	fd = accept4(lfd, (struct sockaddr *)&ss, &sl,
		     SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return -1;
	if (__atomic_load_n(&nr_conns, __ATOMIC_RELAXED) >=
	    kvsd_cfg.maxclients) {
		/* Redis's answer; best effort, the socket is new and empty */
		ssize_t w = write(fd, maxerr, sizeof(maxerr) - 1);

		(void)w;
		close(fd);
		return 0;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return 0;
	}
	c->sock = fd;
	c->dev = open(kvsd_cfg.device, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (c->dev < 0) {
		kvsd_log(LL_WARNING, "Error opening %s for a client: %s",
			 kvsd_cfg.device, strerror(errno));
		free(c);
		close(fd);
		return 0;
	}
	if (ss.ss_family == AF_INET || ss.ss_family == AF_INET6) {
		char host[INET6_ADDRSTRLEN];
		int port;

		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (kvsd_cfg.tcp_keepalive) {
			int idle = kvsd_cfg.tcp_keepalive;

			setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one,
				   sizeof(one));
			setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle,
				   sizeof(idle));
		}
		if (ss.ss_family == AF_INET) {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

			inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
			port = ntohs(s4->sin_port);
		} else {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

			inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
			port = ntohs(s6->sin6_port);
		}
		snprintf(c->peer, sizeof(c->peer), "%s:%d", host, port);
	} else {
		snprintf(c->peer, sizeof(c->peer), "%s:0",
			 kvsd_cfg.unixsocket ? kvsd_cfg.unixsocket : "unix");
	}
	c->incap = IO_CHUNK;
	c->in = malloc(c->incap);
	c->outcap = IO_CHUNK;
	c->out = malloc(c->outcap);
	if (!c->in || !c->out)
		goto fail;
	c->authed = !kvsd_cfg.requirepass || !kvsd_cfg.requirepass[0];
	c->at_bound = true;
	__atomic_add_fetch(&nr_conns, 1, __ATOMIC_RELAXED);
	conn_place(self, c);
	return 0;
fail:
	free(c->in);
	free(c->out);
	close(c->dev);
	close(fd);
	free(c);
	return 0;
}

/* --------------------------------------------------------- the relay */

/*
 * Device output into the socket buffer, until EAGAIN or no room; true
 * when the device had nothing more (its replies so far are all here).
 */
static bool dev_read(struct kvsd_conn *c)
{
	for (;;) {
		size_t room;
		ssize_t n;

		if (c->dev_eof)
			return true;
		if (c->outlen - c->outpos >= IO_CHUNK)
			return false;	/* the socket is slow: the module keeps it */
		if (out_reserve(c, IO_CHUNK))
			return false;
		room = c->outcap - c->outlen;
		n = read(c->dev, c->out + c->outlen, room);
		if (n > 0) {
			c->outlen += n;
			/*
			 * A short read took all the module had: asking
			 * again costs a syscall for EAGAIN. Later output
			 * (a served BLPOP, a message) raises EPOLLIN.
			 */
			if ((size_t)n < room)
				return true;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return true;
		/* 0: QUIT or protocol error; <0: a limit cut it */
		c->dev_eof = true;
		c->close_after = true;
		return true;
	}
}

static int sock_write(struct kvsd_conn *c)
{
	while (c->outpos < c->outlen) {
		ssize_t n = write(c->sock, c->out + c->outpos,
				  c->outlen - c->outpos);

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			return -1;
		}
		c->outpos += n;
	}
	c->outpos = c->outlen = 0;
	return 0;
}

static void in_consume(struct kvsd_conn *c, size_t n)
{
	memmove(c->in, c->in + n, c->inlen - n);
	c->inlen -= n;
	c->fwd -= n < c->fwd ? n : c->fwd;
	/* a new batch starts; at a command boundary unless mid-command */
	c->at_bound = !c->fwd && c->st == SC_START;
	if (!c->fwd) {
		c->nr_cmds = 0;
		c->batch_stream = false;
	}
}

/* Write the scanned input to the device; true when all of it went. */
static bool dev_write(struct kvsd_conn *c)
{
	while (c->fwd) {
		ssize_t n;

		if (c->dev_dead) {
			in_consume(c, c->fwd);
			break;
		}
		n = write(c->dev, c->in, c->fwd);
		if (n > 0) {
			in_consume(c, n);
			continue;
		}
		if (n < 0 && errno == EAGAIN)
			return false;
		if (n < 0 && errno == EINTR)
			continue;
		/* closing (EPIPE) or cut: what it says comes by read() */
		c->dev_dead = true;
	}
	return true;
}

/* Parse "<c>N\r\n" at @p (with @len bytes): 1 ok, 0 more needed, -1 bad. */
static int parse_hdr(const char *p, size_t len, char type, long long *val,
		     size_t *hlen)
{
	const char *nl = memchr(p, '\n', len < HDR_MAX ? len : HDR_MAX);
	long long v = 0;
	const char *q;
	int neg = 0;

	if (p[0] != type)
		return -1;
	if (!nl)
		return len < HDR_MAX ? 0 : -1;
	if (nl - p < 2 || nl[-1] != '\r')
		return -1;
	q = p + 1;
	if (*q == '-') {
		neg = 1;
		q++;
	}
	if (q == nl - 1)
		return -1;
	for (; q < nl - 1; q++) {
		if (*q < '0' || *q > '9' || v > 1000000000000LL)
			return -1;
		v = v * 10 + (*q - '0');
	}
	*val = neg ? -v : v;
	*hlen = nl - p + 1;
	return 1;
}

/* Where the @k-th command of in[0..fwd) starts (all whole, RESP arrays). */
static size_t cmd_offset(const struct kvsd_conn *c, unsigned int k)
{
	size_t off = 0, hl;
	long long n, bl;

	while (k-- && off < c->fwd) {
		if (parse_hdr(c->in + off, c->fwd - off, '*', &n, &hl) != 1)
			break;	/* cannot happen: the scan framed these */
		off += hl;
		while (n-- > 0 && off < c->fwd) {
			if (parse_hdr(c->in + off, c->fwd - off, '$', &bl,
				      &hl) != 1)
				break;
			off += hl + bl + 2;
		}
	}
	return off;
}

/*
 * May in[0..fwd) go by one KVS_IOC_EXEC? Only whole commands, none of
 * which may block or subscribe (an O_NONBLOCK fd's EXEC stops at a
 * command that would wait, which the stream path parks instead), and
 * only while the socket takes the replies.
 */
static bool exec_ok(struct kvsd_conn *c)
{
	if (!c->fwd || !c->nr_cmds || !c->at_bound || c->st != SC_START ||
	    c->batch_stream || c->dev_dead ||
	    c->outlen - c->outpos >= IO_CHUNK)
		return false;
	if (c->exec_skip) {
		c->exec_skip--;
		return false;
	}
	return true;
}

/*
 * The batch in[0..fwd) and its replies in one syscall instead of a
 * write() and a read(). True if it all ran; false leaves the rest of
 * the batch (all of it if nothing ran) to the stream path.
 */
static bool dev_exec(struct kvsd_conn *c)
{
	struct kvs_exec e = { 0 };

	if (out_reserve(c, IO_CHUNK))
		return false;
	e.req = (unsigned long)c->in;
	e.req_len = c->fwd;
	e.reply = (unsigned long)(c->out + c->outlen);
	e.reply_len = c->outcap - c->outlen;
	if (ioctl(c->dev, KVS_IOC_EXEC, &e)) {
		/*
		 * Nothing ran (a pause, a half-written stream command, the
		 * stream closing, a frame the module refuses): the stream
		 * path runs it or reports why not. ENOMEM may come after
		 * part of the batch ran: sending it again could run a
		 * command twice, so the client goes.
		 */
		if (errno == ENOMEM) {
			kvsd_log(LL_WARNING, "Closing %s: out of memory",
				 c->peer);
			c->dev_dead = true;
			c->close_after = true;
			in_consume(c, c->fwd);
			return true;
		}
		c->exec_skip = EXEC_BACKOFF;
		return false;
	}
	c->outlen += e.reply_used;
	if (e.nr_cmds < c->nr_cmds) {
		/* stopped before a command that would wait: stream the rest */
		in_consume(c, cmd_offset(c, e.nr_cmds));
		c->exec_skip = EXEC_BACKOFF;
		return false;
	}
	in_consume(c, c->fwd);
	if (e.reply_pending)
		dev_read(c);
	return true;
}

/* Relay the scanned input and the replies; true when all of it went. */
static bool dev_relay(struct kvsd_conn *c)
{
	bool all_written;

	if (exec_ok(c) && dev_exec(c))
		return true;
	all_written = dev_write(c);
	dev_read(c);
	return all_written;
}

struct kvsd_multi *kvsd_conn_multi(struct kvsd_conn *c)
{
	return &c->multi;
}

/**
 * kvsd_conn_exec_frame - the daemon's frame in[0..frame_len), run by the
 * module with one KVS_IOC_EXEC; its whole reply appended to @reply.
 * Called with nothing else in flight (fwd == 0, earlier replies read).
 * Return: 0, or -1 if the module did not run it (it goes the usual way).
 */
int kvsd_conn_exec_frame(struct kvsd_conn *c, struct kvs_buf *reply)
{
	return kvsd_conn_exec_req(c, c->in, c->frame_len, reply);
}

/* The same for a frame of the daemon's own making (@req, @len). */
int kvsd_conn_exec_req(struct kvsd_conn *c, const char *req, size_t len,
		       struct kvs_buf *reply)
{
	struct kvs_exec e = { 0 };
	bool more;
	ssize_t n;

	if (c->dev_eof || c->dev_dead || kvs_buf_reserve(reply, IO_CHUNK))
		return -1;
	e.req = (unsigned long)req;
	e.req_len = len;
	e.reply = (unsigned long)(reply->p + reply->len);
	e.reply_len = reply->cap - reply->len;
	if (ioctl(c->dev, KVS_IOC_EXEC, &e)) {
		/* ENOMEM: it may have run, its reply queued: never twice */
		if (errno != ENOMEM)
			return -1;
		more = true;
	} else {
		if (e.nr_cmds != 1)
			return -1;
		reply->len += e.reply_used;
		more = e.reply_pending;
	}
	/* the rest of a long reply is the stream's, all there already */
	while (more) {
		if (kvs_buf_reserve(reply, IO_CHUNK))
			break;
		n = read(c->dev, reply->p + reply->len, reply->cap - reply->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (!n) {	/* the module ended the stream */
			c->dev_eof = true;
			c->close_after = true;
		}
		if (n <= 0)
			break;
		reply->len += n;
	}
	return 0;
}

/* Replace out[off..off+olen) by @s (@slen bytes). */
static int out_splice(struct kvsd_conn *c, size_t off, size_t olen,
		      const char *s, size_t slen)
{
	size_t need = c->outlen - olen + slen;

	if (need > c->outcap) {
		char *p = realloc(c->out, need);

		if (!p)
			return -1;
		c->out = p;
		c->outcap = need;
	}
	memmove(c->out + off + slen, c->out + off + olen,
		c->outlen - off - olen);
	memcpy(c->out + off, s, slen);
	c->outlen = need;
	return 0;
}

/*
 * The CONFIG GET reply (RESP2 array or RESP3 map of name, value bulk
 * strings) at c->patch_at: values kvstored owns replaced by its own.
 * Anything else there (an error, a push first) is left as it is.
 */
static void config_patch(struct kvsd_conn *c)
{
	size_t pos = c->outpos + c->patch_at, hl, vhl;
	long long n, i, nl, vl;
	char type, val[512], bulk[600];
	int r;

	c->patch = false;
	if (pos >= c->outlen)
		return;
	type = c->out[pos];
	if ((type != '*' && type != '%') ||
	    parse_hdr(c->out + pos, c->outlen - pos, type, &n, &hl) != 1)
		return;
	if (type == '%')
		n *= 2;
	pos += hl;
	for (i = 0; i + 1 < n; i += 2) {
		size_t vpos, vend;

		if (pos >= c->outlen ||
		    parse_hdr(c->out + pos, c->outlen - pos, '$', &nl, &hl) != 1 ||
		    nl < 0)
			return;
		vpos = pos + hl + nl + 2;
		if (vpos >= c->outlen ||
		    parse_hdr(c->out + vpos, c->outlen - vpos, '$', &vl,
			      &vhl) != 1 || vl < 0)
			return;
		vend = vpos + vhl + vl + 2;
		if (vend > c->outlen)
			return;
		if (kvsd_config_value(c->out + pos + hl, nl, val,
				      sizeof(val))) {
			r = snprintf(bulk, sizeof(bulk), "$%zu\r\n%s\r\n",
				     strlen(val), val);
			if (r < 0 || (size_t)r >= sizeof(bulk) ||
			    out_splice(c, vpos, vend - vpos, bulk, r))
				return;
			vend = vpos + r;
		}
		pos = vend;
	}
}

/*
 * The whole frame at in[off..]: its arguments (pointers into a copy) or
 * 0 if incomplete, -1 malformed (left to the module to answer).
 */
static int frame_parse(struct kvsd_conn *c, size_t off, size_t *flen,
		       int *argc, char ***argv, size_t **argvlen)
{
	const char *p = c->in + off;
	size_t len = c->inlen - off, pos, hl;
	long long n, i = 0, bl;
	int r;

	if (p[0] != '*') {
		const char *nl = memchr(p, '\n', len);
		char *line;

		if (!nl)
			return len > INLINE_MAX ? -1 : 0;
		line = strndup(p, nl - p);
		if (!line)
			return -1;
		if (nl > p && line[nl - p - 1] == '\r')
			line[nl - p - 1] = '\0';
		*argc = kvs_splitargs(line, argv, argvlen);
		free(line);
		if (*argc < 0)
			return -1;
		*flen = nl - p + 1;
		return 1;
	}
	r = parse_hdr(p, len, '*', &n, &hl);
	if (r <= 0)
		return r;
	if (n > 1024 * 1024)
		return -1;
	pos = hl;
	*argv = calloc(n + 1, sizeof(char *));
	*argvlen = calloc(n + 1, sizeof(size_t));
	if (!*argv || !*argvlen)
		goto bad;
	for (i = 0; i < n; i++) {
		if (pos >= len)
			goto more;
		r = parse_hdr(p + pos, len - pos, '$', &bl, &hl);
		if (r == 0)
			goto more;
		if (r < 0 || bl < 0)
			goto bad;
		pos += hl;
		if (len - pos < (size_t)bl + 2)
			goto more;
		(*argv)[i] = malloc(bl + 1);
		if (!(*argv)[i])
			goto bad;
		memcpy((*argv)[i], p + pos, bl);
		(*argv)[i][bl] = '\0';
		(*argvlen)[i] = bl;
		pos += bl + 2;
	}
	*argc = n;
	*flen = pos;
	return 1;
more:
	kvsd_free_args(*argv, i);
	free(*argvlen);
	return 0;
bad:
	if (*argv)
		kvsd_free_args(*argv, i);
	free(*argvlen);
	return -1;
}

/*
 * Pre-auth limits (Redis's), checked as headers arrive so that an
 * unauthenticated peer cannot make the daemon buffer much.
 */
static const char *preauth_limits(struct kvsd_conn *c)
{
	const char *p = c->in + c->fwd;
	size_t len = c->inlen - c->fwd, hl, pos;
	long long n, bl, i;

	if (c->authed || !len || p[0] != '*')
		return NULL;
	if (parse_hdr(p, len, '*', &n, &hl) != 1)
		return NULL;
	if (n > PREAUTH_MULTIBULK)
		return "-ERR Protocol error: unauthenticated multibulk length\r\n";
	for (i = 0, pos = hl; i < n && pos < len; i++) {
		if (parse_hdr(p + pos, len - pos, '$', &bl, &hl) != 1)
			return NULL;
		if (bl > PREAUTH_BULK)
			return "-ERR Protocol error: unauthenticated bulk length\r\n";
		pos += hl + (bl > 0 ? bl : 0) + 2;
	}
	return NULL;
}

/* Is the command starting at in[off] one of ours? Needs its name. */
static int name_check(struct kvsd_conn *c, size_t off, enum kvsd_cmd_id *id)
{
	const char *p = c->in + off, *name;
	size_t len = c->inlen - off, hl, nlen;
	long long n, bl;
	int r;

	if (p[0] != '*') {
		const char *sp;

		name = p;
		while (len && (*name == ' ' || *name == '\t'))
			name++, len--;
		sp = name;
		while ((size_t)(sp - name) < len && *sp != ' ' && *sp != '\r' &&
		       *sp != '\n' && *sp != '\t')
			sp++;
		if ((size_t)(sp - name) == len && len < NAME_MAX_LEN)
			return 0;
		nlen = sp - name;
		*id = nlen <= NAME_MAX_LEN ? kvsd_cmd_lookup(name, nlen) :
		      KVSD_CMD_NONE;
		c->idle_exempt = nlen && (name[0] == 'b' || name[0] == 'B' ||
					  (nlen > 9 && !strncasecmp(name + nlen - 9,
								    "subscribe", 9)));
		return 1;
	}
	r = parse_hdr(p, len, '*', &n, &hl);
	if (r <= 0)
		return r;
	if (n <= 0) {
		*id = KVSD_CMD_NONE;
		return 1;
	}
	p += hl;
	len -= hl;
	if (!len)
		return 0;
	r = parse_hdr(p, len, '$', &bl, &hl);
	if (r <= 0)
		return r;
	if (bl > NAME_MAX_LEN || bl < 0) {
		*id = KVSD_CMD_NONE;
		c->idle_exempt = false;
		return 1;
	}
	if (len - hl < (size_t)bl)
		return 0;
	name = p + hl;
	*id = kvsd_cmd_lookup(name, bl);
	c->idle_exempt = bl && (name[0] == 'b' || name[0] == 'B' ||
				(bl > 9 && !strncasecmp(name + bl - 9,
							"subscribe", 9)));
	return 1;
}

/*
 * Advance the framing scan over the new input. Ordinary commands move
 * c->fwd on (to the device); at one of ours, or at any command before
 * AUTH, stop: 1 means "a frame to handle starts at c->fwd".
 */
static int scan(struct kvsd_conn *c)
{
	for (;;) {
		size_t len = c->inlen - c->fwd, hl;
		const char *p = c->in + c->fwd, *nl;
		enum kvsd_cmd_id id;
		long long v;
		int r;

		if (!len)
			return 0;
		switch (c->st) {
		case SC_RAW:
			c->fwd = c->inlen;
			return 0;
		case SC_START:
			if (!c->authed)
				return 1;
			r = name_check(c, c->fwd, &id);
			if (r == 0)
				return 0;
			if (r < 0) {
				c->st = SC_RAW;
				continue;
			}
			if (kvsd_multi_step(&c->multi, id))
				return 1;
			if (id != KVSD_CMD_NONE && id < KVSD_CMD_MULTI)
				return 1;
			c->nr_cmds++;
			if (p[0] != '*') {
				c->st = SC_INLINE;
				c->batch_stream = true;
				continue;
			}
			parse_hdr(p, len, '*', &v, &hl);
			c->fwd += hl;
			c->args_left = v;
			if (v <= 0 || c->idle_exempt)
				c->batch_stream = true;
			c->st = v > 0 ? SC_ARG_HDR : SC_START;
			continue;
		case SC_INLINE:
			nl = memchr(p, '\n', len);
			if (!nl) {
				c->fwd = c->inlen;
				return 0;
			}
			c->fwd += nl - p + 1;
			c->st = SC_START;
			continue;
		case SC_ARG_HDR:
			r = parse_hdr(p, len, '$', &v, &hl);
			if (r == 0)
				return 0;
			if (r < 0 || v < 0) {
				c->st = SC_RAW;
				continue;
			}
			c->fwd += hl;
			c->skip = v + 2;
			c->st = SC_ARG_BODY;
			continue;
		case SC_ARG_BODY:
			if ((size_t)c->skip > len) {
				c->skip -= len;
				c->fwd = c->inlen;
				return 0;
			}
			c->fwd += c->skip;
			c->st = --c->args_left ? SC_ARG_HDR : SC_START;
			continue;
		}
	}
}

/*
 * A frame that the daemon handles starts at c->fwd == 0 (everything
 * before it was written to the device and its replies read). Returns
 * true if it was handled and input may go on.
 */
static bool handle_frame(struct kvsd_conn *c)
{
	enum kvsd_cmd_id id = KVSD_CMD_NONE;
	size_t flen = 0, *argvlen = NULL;
	char **argv = NULL;
	const char *lim;
	int argc = 0, r, done;

	c->todevlen = 0;

	lim = preauth_limits(c);
	if (lim) {
		kvsd_conn_replys(c, lim);
		c->close_after = true;
		c->inlen = 0;
		return false;
	}
	r = frame_parse(c, 0, &flen, &argc, &argv, &argvlen);
	if (r == 0) {
		if (c->inlen >= c->incap && c->incap < FRAME_MAX) {
			char *p = realloc(c->in, c->incap * 2);

			if (p) {
				c->in = p;
				c->incap *= 2;
			}
		} else if (c->inlen >= FRAME_MAX) {
			c->st = SC_RAW;
			return true;
		}
		return false;
	}
	if (r < 0) {
		/* malformed: the module answers the protocol error */
		c->st = SC_RAW;
		return true;
	}
	if (!argc) {
		done = 0;
	} else if (!c->authed) {
		done = kvsd_cmd_preauth(c, argc, argv, argvlen);
	} else {
		id = kvsd_cmd_lookup(argv[0], argvlen[0]);
		c->frame_len = flen;
		done = kvsd_cmd_run(c, id, argc, argv, argvlen);
		/* forwarded after all: queued, if in a transaction */
		if (done != 1 && c->multi.on)
			c->multi.queued++;
	}
	kvsd_free_args(argv, argc);
	free(argvlen);
	if (done == 2 && c->todevlen > flen)
		done = 1;	/* cannot happen: HELLO only loses arguments */
	if (done == 2 && c->todevlen <= flen) {
		/* the rewritten frame takes the old one's place */
		in_consume(c, flen - c->todevlen);
		memcpy(c->in, c->todev, c->todevlen);
		c->fwd = c->todevlen;
		c->st = SC_START;
		c->batch_stream = true;
	} else if (done) {
		in_consume(c, flen);
	} else {
		/* the module's after all: forward this frame as it came */
		c->fwd = flen;
		c->st = SC_START;
		c->batch_stream = true;
	}
	return true;
}

/* Its replies sent: false if it must be closed now, else wait for more. */
static bool conn_settle(struct kvsd_conn *c)
{
	if (c->close_after && c->outlen == c->outpos &&
	    (c->dev_eof || c->dev < 0 || !c->fwd))
		return false;
	set_events(c);
	return true;
}

/* Move whatever can move for @c; false if it must be closed now. */
static bool conn_pump(struct kvsd_conn *c)
{
	for (;;) {
		bool all_written;
		int r = c->close_after ? 0 : scan(c);

		if (r == 1 && !c->fwd) {
			/*
			 * ours, and nothing before it still in flight: its
			 * reply goes after every reply the device has
			 */
			if (!dev_read(c))
				break;	/* wait for the socket to drain */
			if (!handle_frame(c))
				break;
			continue;
		}
		all_written = dev_relay(c);
		if (c->patch)
			config_patch(c);
		/* r == 0: the scan needs more input than there is */
		if (!all_written || !r || c->close_after)
			break;
	}
	if (c->close_after && c->dev_dead)
		c->inlen = c->fwd = 0;
	/*
	 * Replies go out after the whole event batch, as redis-server's do:
	 * a client with many connections then reads them in bursts, and
	 * appendfsync always costs one fsync per batch.
	 */
	if (c->outpos < c->outlen) {
		if (!c->wqueued) {
			c->wqueued = true;
			c->wnext = c->loop->to_write;
			c->loop->to_write = c;
		}
		return true;
	}
	return conn_settle(c);
}

/* The replies of the event batch, after one fsync for all of them. */
static void flush_writes(struct kvsd_loop *l)
{
	struct kvsd_conn *c;

	if (l->to_write)
		kvsd_persist_barrier();	/* appendfsync always */
	while (l->to_write) {
		c = l->to_write;
		l->to_write = c->wnext;
		c->wqueued = false;
		if (c->dead)
			continue;
		if (sock_write(c) || !conn_settle(c))
			conn_free(c);
	}
}

static bool sock_read(struct kvsd_conn *c)
{
	while (c->inlen < c->incap) {
		size_t room = c->incap - c->inlen;
		ssize_t n = read(c->sock, c->in + c->inlen, room);

		if (n > 0) {
			c->inlen += n;
			c->last_ms = c->loop->now;
			/* all there was: the next read would say EAGAIN */
			if ((size_t)n < room)
				return true;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return true;
		return false;	/* the client is gone */
	}
	return true;
}

static void conn_event(struct kvsd_conn *c, bool is_dev, unsigned int ev)
{
	if (c->dead)
		return;
	if (!is_dev && (ev & (EPOLLIN | EPOLLHUP | EPOLLERR)) &&
	    !c->close_after) {
		if (!sock_read(c)) {
			kvsd_log(LL_VERBOSE, "Client closed connection %s",
				 c->peer);
			conn_free(c);
			return;
		}
	}
	if (!conn_pump(c))
		conn_free(c);
}

static void check_timeouts(struct kvsd_loop *l)
{
	long long now = l->now;
	struct kvsd_conn *c, *next;

	if (!kvsd_cfg.timeout)
		return;
	for (c = l->conns; c; c = next) {
		next = c->next;
		if (c->idle_exempt || c->outlen > c->outpos)
			continue;
		if (now - c->last_ms > kvsd_cfg.timeout * 1000) {
			kvsd_log(LL_VERBOSE, "Closing idle client %s", c->peer);
			conn_free(c);
		}
	}
}

static bool stopping(void)
{
	return __atomic_load_n(&kvsd_shutdown_asked, __ATOMIC_ACQUIRE);
}

/* One loop, until SIGTERM/SIGINT or SHUTDOWN. */
static void *loop_run(void *arg)
{
	struct kvsd_loop *l = arg;
	struct epoll_event evs[128];
	long long last_tick = 0;

	cur_loop = l;
	pthread_mutex_lock(&l->lock);
	while (!stopping()) {
		int n, i;

		pthread_mutex_unlock(&l->lock);
		n = epoll_wait(l->epfd, evs, 128, 100);
		pthread_mutex_lock(&l->lock);
		/* a SHUTDOWN may have run meanwhile: no write after its save */
		if (stopping() || (n < 0 && errno != EINTR))
			break;
		l->now = kvsd_mstime();
		for (i = 0; i < n; i++) {
			unsigned long tag = evs[i].data.u64;

			if (tag == TAG_HANDOFF) {
				handoff_take(l);
				continue;
			}
			if (tag < MAX_LISTEN) {
				int k;

				for (k = 0; k < 64; k++)
					if (accept_one(l, listen_fds[tag]))
						break;
				continue;
			}
			conn_event((struct kvsd_conn *)(tag & ~1UL), tag & 1,
				   evs[i].events);
		}
		flush_writes(l);
		free_zombies(l);
		if (l->now - last_tick >= 100) {
			last_tick = l->now;
			check_timeouts(l);
			if (!l->idx)
				kvsd_persist_tick();
		}
	}
	pthread_mutex_unlock(&l->lock);
	cur_loop = NULL;
	return NULL;
}

/**
 * kvsd_net_loop - run every loop (the calling thread runs loop 0) until
 * SIGTERM/SIGINT or SHUTDOWN; every loop has stopped on return.
 */
int kvsd_net_loop(void)
{
	int i, started;

	for (started = 1; started < nr_loops; started++)
		if (pthread_create(&loops[started].tid, NULL, loop_run,
				   &loops[started]))
			break;
	if (started < nr_loops) {
		kvsd_log(LL_WARNING, "Can't start the event loops");
		__atomic_store_n(&kvsd_shutdown_asked, 1, __ATOMIC_RELEASE);
	} else {
		kvsd_log(LL_NOTICE, "%d event loops", nr_loops);
		loop_run(&loops[0]);
	}
	for (i = 1; i < started; i++)
		pthread_join(loops[i].tid, NULL);
	return 0;
}

/**
 * kvsd_world_stop - park every other loop between two event batches
 * (taking every loop's lock, in order), for work on the daemon's global
 * state. kvsd_world_start() lets them go on.
 */
void kvsd_world_stop(void)
{
	int i;

	if (cur_loop)
		pthread_mutex_unlock(&cur_loop->lock);
	for (i = 0; i < nr_loops; i++)
		pthread_mutex_lock(&loops[i].lock);
}

void kvsd_world_start(void)
{
	int i;

	for (i = nr_loops - 1; i >= 0; i--)
		pthread_mutex_unlock(&loops[i].lock);
	if (cur_loop)
		pthread_mutex_lock(&cur_loop->lock);
}

/* In a forked child: let go of every client fd. */
void kvsd_net_close_all(void)
{
	struct kvsd_conn *c;
	int i;

	for (i = 0; i < nr_loops; i++) {
		for (c = loops[i].conns; c; c = c->next) {
			close(c->sock);
			close(c->dev);
		}
		close(loops[i].epfd);
		close(loops[i].handoff[0]);
		close(loops[i].handoff[1]);
	}
	for (i = 0; i < nr_listen; i++)
		close(listen_fds[i]);
}

/* At exit: unlink the unix socket as redis-server does. */
void kvsd_net_shutdown(void)
{
	int i;

	for (i = 0; i < nr_loops; i++) {
		while (loops[i].conns)
			conn_free(loops[i].conns);
		free_zombies(&loops[i]);
	}
	if (kvsd_cfg.unixsocket)
		unlink(kvsd_cfg.unixsocket);
}

// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * The commands kvstored answers itself: what needs the daemon (files,
 * its own exit) or must not reach the module (the password). Everything
 * else, even an INFO without the persistence section, is the module's.
 *
 * requirepass: until AUTH (or HELLO ... AUTH) a connection's frames are
 * parsed whole; a command the module knows with a valid arity gets
 * Redis's -NOAUTH, while an unknown one or a wrong arity is forwarded so
 * that the module gives Redis's exact error without running anything.
 * Failed AUTHs are logged (at most one line a second, with a count) and
 * a connection is closed after KVSD_AUTH_TRIES of them in a row.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "kvstore.h"
#include "kvstored.h"

#define KVSD_AUTH_TRIES	10

#define C(n, i)	{ n, sizeof(n) - 1, i }
static const struct {
	const char *name;
	size_t len;
	enum kvsd_cmd_id id;
} cmds[] = {
	C("auth", KVSD_CMD_AUTH),
	C("hello", KVSD_CMD_HELLO),
	C("save", KVSD_CMD_SAVE),
	C("bgsave", KVSD_CMD_BGSAVE),
	C("bgrewriteaof", KVSD_CMD_BGREWRITEAOF),
	C("lastsave", KVSD_CMD_LASTSAVE),
	C("shutdown", KVSD_CMD_SHUTDOWN),
	C("info", KVSD_CMD_INFO),
	C("config", KVSD_CMD_CONFIG),
	C("multi", KVSD_CMD_MULTI),
	C("exec", KVSD_CMD_EXEC),
	C("discard", KVSD_CMD_DISCARD),
	C("reset", KVSD_CMD_RESET),
	C("watch", KVSD_CMD_WATCH),
};
#undef C

/*
 * On the relay path for every command: a length test rejects almost
 * every name before any comparison (names of 4..12 bytes only), then
 * each name of that length is compared.
 */
enum kvsd_cmd_id kvsd_cmd_lookup(const char *name, size_t len)
{
	size_t i;

	if (len < 4 || len > 12)
		return KVSD_CMD_NONE;
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (cmds[i].len == len &&
		    !strncasecmp(name, cmds[i].name, len))
			return cmds[i].id;
	return KVSD_CMD_NONE;
}

static void reply_fmt(struct kvsd_conn *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void reply_fmt(struct kvsd_conn *c, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		kvsd_conn_reply(c, buf, (size_t)n < sizeof(buf) ? (size_t)n :
				sizeof(buf) - 1);
}

static void arity_error(struct kvsd_conn *c, const char *name)
{
	reply_fmt(c, "-ERR wrong number of arguments for '%s' command\r\n",
		  name);
}

/* Compare without an early exit, so timing does not leak the prefix. */
static bool pass_ok(const char *given, size_t len)
{
	const char *want = kvsd_cfg.requirepass;
	size_t wl = strlen(want), i;
	unsigned char diff = wl != len;

	for (i = 0; i < len; i++)
		diff |= (unsigned char)given[i] ^
			(unsigned char)want[wl ? i % wl : 0];
	return !diff;
}

static void auth_failed(struct kvsd_conn *c, int *fails)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	static long long last_log_ms, suppressed;
	long long now = kvsd_mstime();

	pthread_mutex_lock(&lock);	/* every loop's failures count */
	if (now - last_log_ms >= 1000) {
		kvsd_log(LL_WARNING, "AUTH failed from %s%s", kvsd_conn_peer(c),
			 suppressed ? " (and earlier failures not logged)" : "");
		last_log_ms = now;
		suppressed = 0;
	} else {
		suppressed++;
	}
	pthread_mutex_unlock(&lock);
	kvsd_conn_replys(c, "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
	if (++*fails >= KVSD_AUTH_TRIES)
		kvsd_conn_close_after_reply(c);
}

static bool check_auth(struct kvsd_conn *c, const char *user, size_t ulen,
		       const char *pass, size_t plen)
{
	if (user && (ulen != 7 || memcmp(user, "default", 7))) {
		auth_failed(c, kvsd_conn_auth_fails(c));
		return false;
	}
	if (!pass_ok(pass, plen)) {
		auth_failed(c, kvsd_conn_auth_fails(c));
		return false;
	}
	*kvsd_conn_auth_fails(c) = 0;
	kvsd_conn_set_authed(c);
	return true;
}

static int cmd_auth(struct kvsd_conn *c, int argc, char **argv,
		    size_t *argvlen)
{
	if (argc < 2) {
		arity_error(c, "auth");
		return 1;
	}
	if (argc > 3) {
		kvsd_conn_replys(c, "-ERR syntax error\r\n");
		return 1;
	}
	if (check_auth(c, argc == 3 ? argv[1] : NULL, argvlen[1],
		       argv[argc - 1], argvlen[argc - 1]))
		kvsd_conn_replys(c, "+OK\r\n");
	return 1;
}

/* Append one RESP bulk string to @b. */
static void add_bulk(char **b, size_t *len, const char *s, size_t n)
{
	char hdr[32];
	int hl = snprintf(hdr, sizeof(hdr), "$%zu\r\n", n);
	char *p = realloc(*b, *len + hl + n + 2);

	if (!p)
		return;
	memcpy(p + *len, hdr, hl);
	memcpy(p + *len + hl, s, n);
	memcpy(p + *len + hl + n, "\r\n", 2);
	*b = p;
	*len += hl + n + 2;
}

/*
 * HELLO [protover [AUTH user pass] [SETNAME name]]: the password is
 * checked here and HELLO goes on to the module without it.
 */
static int cmd_hello(struct kvsd_conn *c, int argc, char **argv,
		     size_t *argvlen)
{
	char *frame = NULL, hdr[32];
	size_t flen = 0;
	int i, keep = 0, auth = -1;

	for (i = 2; i < argc; i++) {
		if (!strcasecmp(argv[i], "auth") && i + 2 < argc) {
			auth = i;
			i += 2;
		} else if (!strcasecmp(argv[i], "setname") && i + 1 < argc) {
			i++;
		} else {
			break;	/* the module reports the syntax error */
		}
	}
	if (auth < 0) {
		if (kvsd_conn_authed(c))
			return 0;
		kvsd_conn_replys(c, "-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time\r\n");
		return 1;
	}
	if (!check_auth(c, argv[auth + 1], argvlen[auth + 1], argv[auth + 2],
			argvlen[auth + 2]))
		return 1;
	for (i = 0; i < argc; i++) {
		if (i == auth) {
			i += 2;
			continue;
		}
		add_bulk(&frame, &flen, argv[i], argvlen[i]);
		keep++;
	}
	snprintf(hdr, sizeof(hdr), "*%d\r\n", keep);
	kvsd_conn_send_dev(c, hdr, strlen(hdr));
	kvsd_conn_send_dev(c, frame, flen);
	free(frame);
	return 2;
}

static int cmd_shutdown(struct kvsd_conn *c, int argc, char **argv)
{
	int how = KVSD_SHUTDOWN_DEFAULT, i;

	for (i = 1; i < argc; i++) {
		if (!strcasecmp(argv[i], "nosave"))
			how = KVSD_SHUTDOWN_NOSAVE;
		else if (!strcasecmp(argv[i], "save"))
			how = KVSD_SHUTDOWN_SAVE;
		else if (!strcasecmp(argv[i], "abort")) {
			kvsd_conn_replys(c, "-ERR No shutdown in progress.\r\n");
			return 1;
		} else if (strcasecmp(argv[i], "now") &&
			   strcasecmp(argv[i], "force")) {
			kvsd_conn_replys(c, "-ERR syntax error\r\n");
			return 1;
		}
	}
	/* the other loops stay parked until they see the flag */
	kvsd_world_stop();
	if (kvsd_persist_shutdown(how)) {
		kvsd_world_start();
		kvsd_conn_replys(c, "-ERR Errors trying to SHUTDOWN. Check logs.\r\n");
		return 1;
	}
	__atomic_store_n(&kvsd_shutdown_asked, 1, __ATOMIC_RELEASE);
	kvsd_world_start();
	/* as redis-server: no reply, the connection just ends */
	kvsd_conn_close_after_reply(c);
	return 1;
}

/* Redis's islocalClient(): the unix socket or a loopback address. */
static bool conn_local(struct kvsd_conn *c)
{
	const char *p = kvsd_conn_peer(c);
	size_t ul = kvsd_cfg.unixsocket ? strlen(kvsd_cfg.unixsocket) : 0;

	if (ul && !strncmp(p, kvsd_cfg.unixsocket, ul) && p[ul] == ':')
		return true;
	return !strncmp(p, "127.", 4) || !strncmp(p, "::1:", 4) ||
	       !strncmp(p, "::ffff:127.", 11);
}

/* Ask the module about the CONFIG SET in @mod (@n strings). */
static struct kvs_reply *module_try(const char **mod, int n)
{
	struct kvs_reply *r = NULL;

	if (kvsd_ctl_argv(n, mod, &r) || !r) {
		kvs_free_reply(r);
		return NULL;
	}
	return r;
}

static bool names_arg(const struct kvs_reply *r, const char *name)
{
	char needle[64];

	snprintf(needle, sizeof(needle), "argument '%s')", name);
	return r->str && strstr(r->str, needle);
}

/*
 * kvstored refused the argument at @at (a name: @phase 1, a value: 2).
 * Redis names the first refused name in the whole command, else the
 * first bad value: has the module one to name first? Two questions it
 * answers without setting anything, as it too names the first refused
 * name, else the first bad value: its names (those before @at for
 * phase 1) followed by an immutable one (databases), which always
 * fails there; then its values before @at followed by a bad value of a
 * parameter not in the command.
 * Return: true, its error in *@r.
 */
static bool module_first(int argc, char **argv, size_t *argvlen, int at,
			 int phase, const char **mod, struct kvs_reply **r)
{
	static const char *const probes[][2] = {
		{ "maxmemory-policy", "-" }, { "lfu-log-factor", "-" },
		{ "hz", "-" },
	};
	int i, n, k;

	/*
	 * mod[] has room: argc strings, the module's pairs are fewer and
	 * at least one of kvstored's is left out for the sentinel.
	 */
	for (n = 2, i = 2; i < argc && (phase == 2 || i < at); i += 2) {
		if (kvsd_config_is_owned(argv[i], argvlen[i]))
			continue;
		mod[n++] = argv[i];
		mod[n++] = argv[i + 1];
	}
	if (n == 2)
		return false;
	mod[n++] = "databases";
	mod[n++] = "16";
	*r = module_try(mod, n);
	if (*r && (*r)->type == KVS_REPLY_ERROR && !names_arg(*r, "databases"))
		return true;
	kvs_free_reply(*r);
	*r = NULL;
	if (phase == 1)
		return false;
	for (n = 2, i = 2; i < at; i += 2) {
		if (kvsd_config_is_owned(argv[i], argvlen[i]))
			continue;
		mod[n++] = argv[i];
		mod[n++] = argv[i + 1];
	}
	if (n == 2)
		return false;
	for (k = 0; k < 3; k++) {
		for (i = 2; i < n; i += 2)
			if (!strcasecmp(mod[i], probes[k][0]))
				break;
		if (i >= n)
			break;
	}
	if (k == 3 || n + 2 > argc)
		return false;
	mod[n++] = probes[k][0];
	mod[n++] = probes[k][1];
	*r = module_try(mod, n);
	if (*r && (*r)->type == KVS_REPLY_ERROR &&
	    !names_arg(*r, probes[k][0]))
		return true;
	kvs_free_reply(*r);
	*r = NULL;
	return false;
}

/* Do bind or port of @st differ from what kvstored listens on? */
static bool listen_changed(const struct kvsd_config *st)
{
	int i;

	if (st->port != kvsd_cfg.port || st->nr_bind != kvsd_cfg.nr_bind)
		return true;
	for (i = 0; i < st->nr_bind; i++)
		if (strcmp(st->bind[i], kvsd_cfg.bind[i]))
			return true;
	return false;
}

/* The parameter a refusal for protected mode names: the first set. */
static const char *exposure_arg(int argc, char **argv)
{
	static const char *const names[] = {
		"bind", "port", "requirepass", "protected-mode",
	};
	int i, k;

	for (i = 2; i < argc; i += 2)
		for (k = 0; k < 4; k++)
			if (!strcasecmp(argv[i], names[k]))
				return names[k];
	return "bind";
}

/*
 * CONFIG SET with any of kvstored's parameters, all or nothing as in
 * Redis 7: kvstored's are checked (kvsd_config_stage()), then the
 * module's pairs, if any, go to the module in one CONFIG SET of their
 * own (which checks and sets them all or none), then appendonly (a
 * rewrite, which may fail), and only then are kvstored's stored. When
 * both sides have an error, kvstored's is the one named, wherever the
 * module's came in the command. The world is stopped: every loop reads
 * kvsd_cfg.
 */
static int cmd_config_set(struct kvsd_conn *c, int argc, char **argv,
			  size_t *argvlen, bool mod_done)
{
	struct kvsd_config *st;
	struct kvs_reply *r = NULL;
	const char **mod;
	bool ours = false, rebind;
	char err[512];
	int i, nmod = 2, at, phase;

	if (argc < 4 || argc % 2)
		return 0;	/* the module's arity or syntax error */
	for (i = 2; i < argc; i += 2)
		ours |= kvsd_config_is_owned(argv[i], argvlen[i]);
	if (!ours)
		return 0;
	mod = calloc(argc, sizeof(*mod));
	if (!mod) {
		kvsd_conn_replys(c, "-ERR out of memory\r\n");
		return 1;
	}
	mod[0] = "CONFIG";
	mod[1] = "SET";
	for (i = 2; i < argc && !mod_done; i += 2) {
		if (kvsd_config_is_owned(argv[i], argvlen[i]))
			continue;
		mod[nmod++] = argv[i];
		mod[nmod++] = argv[i + 1];
	}
	kvsd_world_stop();
	st = kvsd_config_stage(argc, argv, argvlen, conn_local(c), err,
			       sizeof(err), &at, &phase);
	if (!st) {
		if (nmod > 2 && module_first(argc, argv, argvlen, at, phase,
					     mod, &r))
			reply_fmt(c, "-%s\r\n", r->str);
		else
			kvsd_conn_replys(c, err);
		goto out;
	}
	if (kvsd_config_exposed(st)) {
		reply_fmt(c, "-ERR CONFIG SET failed (possibly related to argument '%s') - protected mode: kvstored listens on a non-loopback address only with requirepass or protected-mode no\r\n",
			  exposure_arg(argc, argv));
		kvsd_config_drop(st);
		goto out;
	}
	rebind = listen_changed(st);
	if (rebind && kvsd_net_rebind(st)) {
		kvsd_conn_replys(c, st->port != kvsd_cfg.port ?
				 "-ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port. Check server logs.\r\n" :
				 "-ERR CONFIG SET failed (possibly related to argument 'bind') - Failed to bind to specified addresses.\r\n");
		kvsd_config_drop(st);
		goto out;
	}
	if (nmod > 2 && (kvsd_ctl_argv(nmod, mod, &r) || !r ||
			 r->type == KVS_REPLY_ERROR)) {
		if (r && r->type == KVS_REPLY_ERROR && r->str)
			reply_fmt(c, "-%s\r\n", r->str);
		else
			kvsd_conn_replys(c, "-ERR CONFIG SET failed\r\n");
		goto undo;
	}
	if (st->appendonly != kvsd_cfg.appendonly &&
	    kvsd_persist_set_appendonly(st->appendonly)) {
		kvsd_conn_replys(c, "-ERR CONFIG SET failed (possibly related to argument 'appendonly') - Unable to turn on AOF. Check server logs.\r\n");
		goto undo;
	}
	kvsd_config_commit(st);
	kvsd_persist_config_changed();
	kvsd_conn_replys(c, "+OK\r\n");
out:
	kvsd_world_start();
	kvs_free_reply(r);
	free(mod);
	return 1;
undo:
	/* the old sockets were closed: listen again as before */
	if (rebind && kvsd_net_rebind(&kvsd_cfg))
		kvsd_log(LL_WARNING, "Can't listen again as before CONFIG SET");
	kvsd_config_drop(st);
	goto out;
}

/*
 * CONFIG GET's reply depends on the connection's protocol, which only
 * the module knows: it answers and the daemon rebuilds its reply with
 * kvstored's parameters (kvstored_cfgget.c). Every other CONFIG is the
 * module's.
 */
static int cmd_config(struct kvsd_conn *c, int argc, char **argv,
		      size_t *argvlen)
{
	if (argc >= 3 && !strcasecmp(argv[1], "get")) {
		if (kvsd_config_get(c, argc, argv, argvlen))
			return 1;
		/* the module could not run it now: patch its reply later */
		kvsd_conn_patch_config(c);
		return 0;
	}
	if (argc >= 2 && !strcasecmp(argv[1], "set"))
		return cmd_config_set(c, argc, argv, argvlen, false);
	return 0;
}

/* An arity error that fails the transaction it was meant for. */
static bool multi_arity(struct kvsd_conn *c, const char *name)
{
	char buf[128];

	snprintf(buf, sizeof(buf),
		 "-ERR wrong number of arguments for '%s' command\r\n", name);
	return kvsd_multi_reject(c, buf);
}

/*
 * CONFIG SET with kvstored's parameters inside MULTI. If it has the
 * module's too and kvstored's are good now, the module queues its pairs,
 * which then run in their place in the transaction (as Redis's CONFIG
 * SET would), and at EXEC kvstored's are set if the module's were:
 * still all or none. Else kvstored's error comes at EXEC.
 */
static int multi_config_set(struct kvsd_conn *c, int argc, char **argv,
			    size_t *argvlen)
{
	struct kvsd_config *st;
	char *frame = NULL, hdr[32], err[512];
	size_t flen = 0;
	int i, nmod = 2, r, at, phase;
	bool ours = false, good, oom = false;

	for (i = 2; i < argc; i += 2)
		ours |= kvsd_config_is_owned(argv[i], argvlen[i]);
	if (!ours)
		return 0;
	for (i = 0; i < argc; i++) {
		size_t was = flen;

		if (i >= 2 && kvsd_config_is_owned(argv[i & ~1], argvlen[i & ~1]))
			continue;
		add_bulk(&frame, &flen, argv[i], argvlen[i]);
		if (flen == was)
			oom = true;	/* a frame cut short: never sent */
		nmod += i >= 2;
	}
	st = nmod > 2 ? kvsd_config_stage(argc, argv, argvlen, conn_local(c),
					  err, sizeof(err), &at, &phase) : NULL;
	good = st;
	kvsd_config_drop(st);
	if (good) {
		char *full;

		snprintf(hdr, sizeof(hdr), "*%d\r\n", nmod);
		full = oom ? NULL : malloc(strlen(hdr) + flen);
		if (full) {
			memcpy(full, hdr, strlen(hdr));
			memcpy(full + strlen(hdr), frame, flen);
		}
		r = full ? kvsd_multi_queue(c, KVSD_CMD_CONFIG, argc, argv,
					    argvlen, full, strlen(hdr) + flen) :
			   kvsd_multi_reject(c, "-ERR out of memory\r\n");
		free(full);
	} else {
		r = kvsd_multi_queue(c, KVSD_CMD_CONFIG, argc, argv, argvlen,
				     NULL, 0);
	}
	free(frame);
	return r ? 1 : -1;
}

/*
 * A command of the daemon's inside MULTI, as redis-server 7.0.15 takes
 * it: SAVE and SHUTDOWN are refused (no-multi), arity errors fail the
 * transaction, the rest is QUEUED and run at EXEC in its place
 * (kvsd_cmd_exec_queued()).
 * Return: as kvsd_cmd_run(), or -1: run it now after all (the module
 * is not in a transaction).
 */
static int multi_cmd(struct kvsd_conn *c, enum kvsd_cmd_id id, int argc,
		     char **argv, size_t *argvlen)
{
	int r;

	switch (id) {
	case KVSD_CMD_AUTH:
		if (argc < 2)
			return multi_arity(c, "auth") ? 1 : -1;
		break;
	case KVSD_CMD_SAVE:
	case KVSD_CMD_SHUTDOWN:
		if (id == KVSD_CMD_SAVE && argc != 1)
			return multi_arity(c, "save") ? 1 : -1;
		return kvsd_multi_reject(c, "-ERR Command not allowed inside a transaction\r\n") ?
		       1 : -1;
	case KVSD_CMD_BGREWRITEAOF:
	case KVSD_CMD_LASTSAVE:
		if (argc != 1)
			return multi_arity(c, id == KVSD_CMD_LASTSAVE ?
					   "lastsave" : "bgrewriteaof") ? 1 : -1;
		break;
	case KVSD_CMD_BGSAVE:
		break;
	case KVSD_CMD_INFO:
		if (!kvsd_info_has_persistence(argc, argv))
			return 0;
		break;
	case KVSD_CMD_CONFIG:
		if (argc >= 3 && !strcasecmp(argv[1], "get"))
			return -1;	/* kvsd_config_get() queues it */
		if (argc < 4 || argc % 2 || strcasecmp(argv[1], "set"))
			return 0;
		return multi_config_set(c, argc, argv, argvlen);
	default:
		return -1;
	}
	r = kvsd_multi_queue(c, id, argc, argv, argvlen, NULL, 0);
	return r ? 1 : -1;
}

/**
 * kvsd_cmd_exec_queued - a command of the daemon's queued in MULTI, now
 * that EXEC runs it: its reply goes after those of the commands queued
 * before it. BGSAVE and BGREWRITEAOF answer as redis-server does inside
 * EXEC ("scheduled": it forks after the transaction); kvstored starts
 * them now, after the module ran the whole transaction.
 */
void kvsd_cmd_exec_queued(struct kvsd_conn *c, enum kvsd_cmd_id id,
			  int argc, char **argv, size_t *argvlen,
			  bool mod_done)
{
	int err;

	switch (id) {
	case KVSD_CMD_AUTH:
		cmd_auth(c, argc, argv, argvlen);
		break;
	case KVSD_CMD_BGSAVE:
		if (argc > 2 || (argc == 2 && strcasecmp(argv[1], "schedule"))) {
			kvsd_conn_replys(c, "-ERR syntax error\r\n");
			break;
		}
		err = kvsd_persist_bgsave();
		kvsd_conn_replys(c, err == -EBUSY ?
				 "-ERR Background save already in progress\r\n" :
				 "+Background saving scheduled\r\n");
		break;
	case KVSD_CMD_BGREWRITEAOF:
		kvsd_persist_rewrite();
		kvsd_conn_replys(c, "+Background append only file rewriting scheduled\r\n");
		break;
	case KVSD_CMD_LASTSAVE:
		kvsd_cmd_lastsave(c);
		break;
	case KVSD_CMD_INFO:
		kvsd_cmd_info(c, argc, argv, argvlen);
		break;
	case KVSD_CMD_CONFIG:
		if (!cmd_config_set(c, argc, argv, argvlen, mod_done))
			kvsd_conn_replys(c, "-ERR syntax error\r\n");
		break;
	default:
		kvsd_conn_replys(c, "-ERR\r\n");
	}
}

/**
 * kvsd_cmd_run - one of the daemon's commands, authenticated connection
 * Return: 1 answered, 0 the module's after all, 2 the frame was replaced
 * by what kvsd_conn_send_dev() queued.
 */
int kvsd_cmd_run(struct kvsd_conn *c, enum kvsd_cmd_id id, int argc,
		 char **argv, size_t *argvlen)
{
	bool pass = kvsd_cfg.requirepass && kvsd_cfg.requirepass[0];
	int r;

	if (kvsd_conn_multi(c)->on && id < KVSD_CMD_MULTI &&
	    (pass || (id != KVSD_CMD_AUTH && id != KVSD_CMD_HELLO))) {
		r = multi_cmd(c, id, argc, argv, argvlen);
		if (r >= 0)
			return r;
	}
	switch (id) {
	case KVSD_CMD_AUTH:
		return pass ? cmd_auth(c, argc, argv, argvlen) : 0;
	case KVSD_CMD_HELLO:
		return pass ? cmd_hello(c, argc, argv, argvlen) : 0;
	case KVSD_CMD_SAVE:
		if (argc != 1)
			arity_error(c, "save");
		else
			kvsd_cmd_save(c);
		return 1;
	case KVSD_CMD_BGSAVE:
		if (argc > 2 || (argc == 2 && strcasecmp(argv[1], "schedule")))
			kvsd_conn_replys(c, "-ERR syntax error\r\n");
		else
			kvsd_cmd_bgsave(c, argc, argv);
		return 1;
	case KVSD_CMD_BGREWRITEAOF:
		if (argc != 1)
			arity_error(c, "bgrewriteaof");
		else
			kvsd_cmd_bgrewriteaof(c);
		return 1;
	case KVSD_CMD_LASTSAVE:
		if (argc != 1)
			arity_error(c, "lastsave");
		else
			kvsd_cmd_lastsave(c);
		return 1;
	case KVSD_CMD_SHUTDOWN:
		return cmd_shutdown(c, argc, argv);
	case KVSD_CMD_INFO:
		if (!kvsd_info_has_persistence(argc, argv))
			return 0;
		kvsd_cmd_info(c, argc, argv, argvlen);
		return 1;
	case KVSD_CMD_CONFIG:
		return cmd_config(c, argc, argv, argvlen);
	case KVSD_CMD_EXEC:
		return kvsd_multi_exec(c);
	default:
		return 0;
	}
}

/* Does the module know @name, and does @argc fit its arity? */
static bool module_accepts(const char *name, int argc)
{
	struct kvs_reply *r = NULL;
	const char *argv[3] = { "COMMAND", "INFO", name };
	bool ok = false;

	static pthread_mutex_t ctl_lock = PTHREAD_MUTEX_INITIALIZER;
	int err;

	/*
	 * The control fd is shared: other loops may ask at the same time;
	 * the daemon's other uses of it run with every loop parked.
	 */
	pthread_mutex_lock(&ctl_lock);
	err = kvsd_ctl_argv(3, argv, &r);
	pthread_mutex_unlock(&ctl_lock);
	if (err)
		return true;
	if (r && r->type == KVS_REPLY_ARRAY && r->elements == 1 &&
	    r->element[0]->type == KVS_REPLY_ARRAY &&
	    r->element[0]->elements > 1) {
		long long ar = r->element[0]->element[1]->integer;

		ok = ar >= 0 ? argc == ar : argc >= -ar;
	}
	kvs_free_reply(r);
	return ok;
}

/**
 * kvsd_cmd_preauth - a whole frame from a connection not authenticated
 * Return: as kvsd_cmd_run().
 */
int kvsd_cmd_preauth(struct kvsd_conn *c, int argc, char **argv,
		     size_t *argvlen)
{
	enum kvsd_cmd_id id = kvsd_cmd_lookup(argv[0], argvlen[0]);

	if (id == KVSD_CMD_AUTH || id == KVSD_CMD_HELLO)
		return kvsd_cmd_run(c, id, argc, argv, argvlen);
	if (!strcasecmp(argv[0], "quit"))
		return 0;
	if (strlen(argv[0]) != argvlen[0] || !module_accepts(argv[0], argc))
		return 0;
	kvsd_conn_replys(c, "-NOAUTH Authentication required.\r\n");
	return 1;
}

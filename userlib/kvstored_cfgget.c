// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * CONFIG GET with the parameters kvstored owns (dir, port, save, ...).
 *
 * The module answers CONFIG GET for its own parameters, in the
 * connection's protocol (a RESP2 array or a RESP3 map), which only it
 * knows. So kvstored has the module run the frame with one
 * KVS_IOC_EXEC, which hands back the whole reply in the same call, and
 * rebuilds it: the module's pairs without its placeholders for what
 * kvstored owns, then kvstored's parameters that the patterns match,
 * each once, as redis-server's configGetCommand() matches them (a
 * pattern without glob characters is a case-insensitive name, printed
 * as the client spelled it; a glob matches case-insensitively).
 *
 * In a transaction the module answers +QUEUED and the values come in
 * EXEC's array: kvstored counts the commands queued since MULTI (the
 * framing scan sees every name; EXEC, DISCARD, MULTI, WATCH and RESET
 * are not queued), keeps the index and patterns of each queued CONFIG
 * GET, and runs that EXEC itself the same way, rebuilding those
 * elements. A transaction without CONFIG GET costs the scan a flag.
 */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "kvstored.h"

#define CFG_MAX_PARAMS	64
#define CFG_VALUE_MAX	8192
#define RESP_DEPTH_MAX	64

/* "<c>N\r\n" at @p: its length, 0 if not one; the number in *v. */
static size_t hdr(const char *p, size_t n, long long *v)
{
	const char *nl = memchr(p, '\n', n);
	char *end;

	if (!nl || nl == p || nl[-1] != '\r')
		return 0;
	*v = strtoll(p + 1, &end, 10);
	if (end != nl - 1)
		return 0;
	return nl - p + 1;
}

/* The length of the one reply at @p (any RESP2/3 type), 0 if cut. */
static size_t resp_len(const char *p, size_t n, int depth)
{
	size_t hl, off, el;
	long long v, i;

	if (!n || depth > RESP_DEPTH_MAX)
		return 0;
	switch (p[0]) {
	case '+': case '-': case ':': case ',': case '#': case '_': case '(':
		hl = hdr(p, n, &v);
		if (!hl) {	/* not a number: a line all the same */
			const char *nl = memchr(p, '\n', n);

			return nl ? (size_t)(nl - p + 1) : 0;
		}
		return hl;
	case '$': case '!': case '=':
		hl = hdr(p, n, &v);
		if (!hl)
			return 0;
		if (v < 0)
			return hl;
		if ((unsigned long long)v + 2 > n - hl)
			return 0;
		return hl + v + 2;
	case '*': case '~': case '>': case '%': case '|':
		hl = hdr(p, n, &v);
		if (!hl)
			return 0;
		if (v < 0)
			return hl;
		if (p[0] == '%' || p[0] == '|')
			v *= 2;
		for (off = hl, i = 0; i < v; i++) {
			el = resp_len(p + off, n - off, depth + 1);
			if (!el)
				return 0;
			off += el;
		}
		/* an attribute comes before the reply it is about */
		if (p[0] == '|') {
			el = resp_len(p + off, n - off, depth + 1);
			return el ? off + el : 0;
		}
		return off;
	default:
		return 0;
	}
}

/* Is @s (@n bytes) one of kvstored's parameters? */
static bool owned(const char *s, size_t n)
{
	const char *name;
	int i;

	for (i = 0; (name = kvsd_config_owned(i)); i++)
		if (strlen(name) == n && !strncasecmp(s, name, n))
			return true;
	return false;
}

static void add_bulk(struct kvs_buf *b, const char *s, size_t n)
{
	char h[32];
	int hl = snprintf(h, sizeof(h), "$%zu\r\n", n);

	kvs_buf_add(b, h, hl);
	kvs_buf_add(b, s, n);
	kvs_buf_add(b, "\r\n", 2);
}

/*
 * @r (@rl bytes), the module's CONFIG GET reply, rebuilt into @out with
 * kvstored's parameters. False, @out untouched: not a reply of that
 * shape (an error, +QUEUED): it stays as it is.
 */
static bool config_merge(const char *r, size_t rl, int argc, char **argv,
			 size_t *argvlen, struct kvs_buf *out)
{
	const char *shown[CFG_MAX_PARAMS] = { NULL };
	size_t shown_len[CFG_MAX_PARAMS];
	size_t hl, off, nl, vl;
	struct kvs_buf kept = { 0 };
	long long n, i, kept_n = 0, ours = 0;
	char h[32], *val;
	const char *name;
	int j, k;

	if (!rl || (r[0] != '*' && r[0] != '%'))
		return false;
	hl = hdr(r, rl, &n);
	if (!hl || n < 0 || resp_len(r, rl, 0) != rl)
		return false;
	if (r[0] == '*') {
		if (n % 2)
			return false;
		n /= 2;
	}
	/* the module's pairs, less its placeholders for ours */
	for (off = hl, i = 0; i < n; i++) {
		long long len;
		size_t bhl;

		nl = resp_len(r + off, rl - off, 0);
		vl = nl ? resp_len(r + off + nl, rl - off - nl, 0) : 0;
		if (!nl || !vl || r[off] != '$')
			goto bad;
		bhl = hdr(r + off, nl, &len);
		if (!bhl || len < 0)
			goto bad;
		if (!owned(r + off + bhl, len)) {
			kvs_buf_add(&kept, r + off, nl + vl);
			kept_n++;
		}
		off += nl + vl;
	}
	/* ours: each at most once, in the patterns' order */
	for (j = 2; j < argc; j++) {
		const char *pat = argv[j];
		bool glob = strpbrk(pat, "[*?");

		if (strlen(pat) != argvlen[j])
			continue;	/* a NUL: no name has one */
		for (k = 0; (name = kvsd_config_owned(k)) &&
			    k < CFG_MAX_PARAMS; k++) {
			if (shown[k])
				continue;
			if (glob ? fnmatch(pat, name, FNM_CASEFOLD) :
			    strcasecmp(pat, name))
				continue;
			/* a name is printed as the client spelled it */
			shown[k] = glob ? name : pat;
			shown_len[k] = strlen(shown[k]);
			ours++;
		}
	}
	val = malloc(CFG_VALUE_MAX);
	if (!val)
		goto bad;
	snprintf(h, sizeof(h), "%c%lld\r\n", r[0],
		 r[0] == '*' ? 2 * (kept_n + ours) : kept_n + ours);
	kvs_buf_add(out, h, strlen(h));
	kvs_buf_add(out, kept.p, kept.len);
	for (k = 0; (name = kvsd_config_owned(k)) && k < CFG_MAX_PARAMS;
	     k++) {
		if (!shown[k])
			continue;
		kvsd_config_value(name, strlen(name), val, CFG_VALUE_MAX);
		add_bulk(out, shown[k], shown_len[k]);
		add_bulk(out, val, strlen(val));
	}
	free(val);
	kvs_buf_free(&kept);
	return true;
bad:
	kvs_buf_free(&kept);
	return false;
}

/**
 * kvsd_multi_step - the framing scan met a command named @id (NONE for
 * one that is not the daemon's) on a connection in or out of a
 * transaction; counts what the module queues.
 * Return: true if the daemon must take the frame (an EXEC whose reply
 * has CONFIG GET values to put in).
 */
bool kvsd_multi_step(struct kvsd_multi *m, enum kvsd_cmd_id id)
{
	switch (id) {
	case KVSD_CMD_NONE:
		if (m->on)
			m->queued++;
		return false;
	case KVSD_CMD_MULTI:
		if (!m->on) {	/* nested: an error, nothing changes */
			m->on = true;
			m->queued = 0;
		}
		return false;
	case KVSD_CMD_EXEC:
		if (m->nr_cfg)
			return true;
		kvsd_multi_end(m);
		return false;
	case KVSD_CMD_DISCARD:
	case KVSD_CMD_RESET:
		kvsd_multi_end(m);
		return false;
	default:	/* WATCH is not queued; the daemon's own count later */
		return false;
	}
}

static void free_q(struct kvsd_qcfg *q)
{
	if (q->argv)
		kvsd_free_args(q->argv, q->argc);
	free(q->argvlen);
	q->argv = NULL;
	q->argvlen = NULL;
}

void kvsd_multi_end(struct kvsd_multi *m)
{
	unsigned int i;

	for (i = 0; i < m->nr_cfg; i++)
		free_q(&m->cfg[i]);
	free(m->cfg);
	m->cfg = NULL;
	m->nr_cfg = 0;
	m->cfg_bytes = 0;
	m->on = false;
	m->queued = 0;
}

static const char too_many[] =
	"-ERR transaction too big for kvstored (at most 1024 CONFIG GET or kvstored commands, 1mb of their arguments)\r\n";
static const char no_mem[] = "-ERR out of memory\r\n";

/* What a kept command costs the daemon. */
static size_t q_bytes(int argc, size_t *argvlen)
{
	size_t n = 0;
	int i;

	for (i = 0; i < argc; i++)
		n += argvlen[i] + 1 + sizeof(char *) + sizeof(size_t);
	return n;
}

/*
 * A copy of a command's arguments, made before the module queues it, in
 * the slot after the kept ones (kept by keep_commit()). NULL, and the
 * error reply in *why, past the cap or out of memory: the command is
 * then refused, never queued without its copy.
 */
static struct kvsd_qcfg *keep(struct kvsd_multi *m, enum kvsd_cmd_id id,
			      int argc, char **argv, size_t *argvlen,
			      const char **why)
{
	struct kvsd_qcfg *q, *nq;
	int i;

	*why = too_many;
	if (m->nr_cfg >= KVSD_MULTI_KEEP ||
	    m->cfg_bytes + q_bytes(argc, argvlen) > KVSD_MULTI_KEEP_BYTES)
		return NULL;
	*why = no_mem;
	nq = realloc(m->cfg, (m->nr_cfg + 1) * sizeof(*nq));
	if (!nq)
		return NULL;
	m->cfg = nq;
	q = &nq[m->nr_cfg];
	q->id = id;
	q->mod_part = false;
	q->argc = argc;
	q->argv = calloc(argc, sizeof(char *));
	q->argvlen = calloc(argc, sizeof(size_t));
	if (!q->argv || !q->argvlen) {
		free(q->argv);
		free(q->argvlen);
		return NULL;
	}
	for (i = 0; i < argc; i++) {
		q->argv[i] = malloc(argvlen[i] + 1);
		if (!q->argv[i]) {
			kvsd_free_args(q->argv, i);
			free(q->argvlen);
			return NULL;
		}
		memcpy(q->argv[i], argv[i], argvlen[i] + 1);
		q->argvlen[i] = argvlen[i];
	}
	return q;
}

/* The module queued it: the copy is kept for EXEC. */
static void keep_commit(struct kvsd_multi *m, struct kvsd_qcfg *q)
{
	q->index = m->queued++;
	m->cfg_bytes += q_bytes(q->argc, q->argvlen);
	m->nr_cfg++;
}

/*
 * kvsd_multi_reject - refuse a command inside MULTI with @err (a whole
 * error reply): the module is given a command it refuses (ECHO without
 * its argument), which fails its transaction as Redis's rejectCommand()
 * does, so that EXEC answers EXECABORT; the client sees @err. A PING
 * first tells whether the module is in a transaction at all (a MULTI
 * with arguments failed, the scan cannot tell): then it is queued in a
 * transaction that will not run.
 * Return: true refused; false not in MULTI after all (run the command).
 */
bool kvsd_multi_reject(struct kvsd_conn *c, const char *err)
{
	static const char ping[] = "*1\r\n$4\r\nPING\r\n";
	static const char refused[] = "*1\r\n$4\r\nECHO\r\n";
	struct kvs_buf r = { 0 };
	bool pong;

	if (kvsd_conn_exec_req(c, ping, sizeof(ping) - 1, &r)) {
		kvs_buf_free(&r);
		kvsd_conn_replys(c, err);
		return true;
	}
	pong = r.len == 7 && !memcmp(r.p, "+PONG\r\n", 7);
	kvs_buf_free(&r);
	if (pong) {
		kvsd_multi_end(kvsd_conn_multi(c));
		return false;
	}
	r = (struct kvs_buf){ 0 };
	kvsd_conn_exec_req(c, refused, sizeof(refused) - 1, &r);
	kvs_buf_free(&r);
	kvsd_conn_replys(c, err);
	return true;
}

/**
 * kvsd_multi_queue - queue a command of the daemon's in the transaction:
 * the module queues @frame (@flen bytes: a CONFIG SET's pairs of the
 * module's), or else a PING, in its place (EXEC's array then has an
 * element there, which kvsd_multi_exec() replaces by the command's
 * reply) and the daemon keeps the command.
 * Return: 1 answered, 0 the module is in no transaction: run it now.
 */
int kvsd_multi_queue(struct kvsd_conn *c, enum kvsd_cmd_id id, int argc,
		     char **argv, size_t *argvlen, const char *frame,
		     size_t flen)
{
	static const char ping[] = "*1\r\n$4\r\nPING\r\n";
	struct kvsd_multi *m = kvsd_conn_multi(c);
	struct kvs_buf r = { 0 };
	struct kvsd_qcfg *q;
	const char *why;
	int ret = 1;

	q = keep(m, id, argc, argv, argvlen, &why);
	if (!q)
		return kvsd_multi_reject(c, why) ? 1 : 0;
	if (!frame) {
		frame = ping;
		flen = sizeof(ping) - 1;
	}
	if (kvsd_conn_exec_req(c, frame, flen, &r)) {
		kvsd_conn_replys(c, "-ERR\r\n");
	} else if (r.len == 9 && !memcmp(r.p, "+QUEUED\r\n", 9)) {
		q->mod_part = frame != ping;
		keep_commit(m, q);
		q = NULL;
		kvsd_conn_reply(c, r.p, r.len);
	} else if (r.len && r.p[0] != '-') {
		/*
		 * not in MULTI after all (it failed): it ran; the module's
		 * CONFIG SET part runs again with the rest, the same values
		 */
		ret = 0;
	} else {
		/* refused (-OOM), or the module's part failed outside MULTI */
		kvsd_conn_reply(c, r.p, r.len);
	}
	if (q)
		free_q(q);
	if (!ret)
		kvsd_multi_end(m);
	kvs_buf_free(&r);
	return ret;
}

/**
 * kvsd_config_get - CONFIG GET pattern... (the connection's frame now)
 * Return: 1 answered, 0 the module did not run it (forward it).
 */
int kvsd_config_get(struct kvsd_conn *c, int argc, char **argv,
		    size_t *argvlen)
{
	struct kvsd_multi *m = kvsd_conn_multi(c);
	struct kvs_buf r = { 0 }, out = { 0 };
	struct kvsd_qcfg *q = NULL;
	const char *why;

	/* its copy first: it is never queued without one */
	if (m->on) {
		q = keep(m, KVSD_CMD_CONFIG, argc, argv, argvlen, &why);
		if (!q && kvsd_multi_reject(c, why))
			return 1;
	}
	if (kvsd_conn_exec_frame(c, &r)) {
		if (q)
			free_q(q);
		kvs_buf_free(&r);
		return 0;
	}
	if (q && r.len == 9 && !memcmp(r.p, "+QUEUED\r\n", 9)) {
		keep_commit(m, q);
		q = NULL;
	}
	if (q)
		free_q(q);
	if (config_merge(r.p, r.len, argc, argv, argvlen, &out))
		kvsd_conn_reply(c, out.p, out.len);
	else
		kvsd_conn_reply(c, r.p, r.len);
	kvs_buf_free(&r);
	kvs_buf_free(&out);
	return 1;
}

static bool is_get(const struct kvsd_qcfg *q)
{
	return q->id == KVSD_CMD_CONFIG && !strcasecmp(q->argv[1], "get");
}

/* The queued CONFIG GET or daemon's command at @index, if any. */
static struct kvsd_qcfg *queued_at(struct kvsd_multi *m, long long index)
{
	unsigned int i;

	for (i = 0; i < m->nr_cfg; i++)
		if (m->cfg[i].index == index)
			return &m->cfg[i];
	return NULL;
}

/**
 * kvsd_multi_exec - EXEC of a transaction with CONFIG GETs queued: run
 * by the module, their elements of its array rebuilt.
 * Return: 1 answered, 0 the module did not run it (forward it).
 */
int kvsd_multi_exec(struct kvsd_conn *c)
{
	struct kvsd_multi *m = kvsd_conn_multi(c);
	struct kvs_buf r = { 0 }, out = { 0 };
	size_t hl, off, el;
	long long n, i;

	if (!m->nr_cfg)
		return 0;
	if (kvsd_conn_exec_frame(c, &r)) {
		kvs_buf_free(&r);
		kvsd_multi_end(m);
		return 0;
	}
	/* an array of the replies; else (aborted, an error) as it is */
	hl = r.len && r.p[0] == '*' ? hdr(r.p, r.len, &n) : 0;
	if (!hl || n < 0 || resp_len(r.p, r.len, 0) != r.len) {
		kvsd_conn_reply(c, r.p, r.len);
		goto done;
	}
	kvs_buf_add(&out, r.p, hl);
	for (off = hl, i = 0; i < n; i++) {
		struct kvsd_qcfg *q = queued_at(m, i);

		el = resp_len(r.p + off, r.len - off, 0);
		if (q && is_get(q)) {
			if (!config_merge(r.p + off, el, q->argc, q->argv,
					  q->argvlen, &out))
				kvs_buf_add(&out, r.p + off, el);
		} else if (q && ((!q->mod_part && el == 7 &&
				  !memcmp(r.p + off, "+PONG\r\n", 7)) ||
				 (q->mod_part && el == 5 &&
				  !memcmp(r.p + off, "+OK\r\n", 5)))) {
			/* the daemon's command (its part), in its place */
			kvsd_conn_reply(c, out.p, out.len);
			out.len = 0;
			kvsd_cmd_exec_queued(c, q->id, q->argc, q->argv,
					     q->argvlen, q->mod_part);
		} else {
			kvs_buf_add(&out, r.p + off, el);
		}
		off += el;
	}
	kvsd_conn_reply(c, out.p, out.len);
done:
	kvs_buf_free(&r);
	kvs_buf_free(&out);
	kvsd_multi_end(m);
	return 1;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the RESP request parser (module/resp.c, built
 * unmodified against the kernel-API shim in shim/linux/).
 *
 * Input layout (so the fuzzer controls where a stream is split):
 *   byte 0     bits 0-2: number of split offsets that follow (0-7)
 *              bits 3-6: N > 0 also runs a strict parse whose Nth
 *                        allocation fails (-ENOMEM paths, leaks)
 *              bit 7:    also feed the stream one byte per write()
 *   2 bytes    per split offset, big endian, taken modulo the payload
 *   rest       the payload: RESP as written to /dev/kvstore
 *
 * mkcorpus.sh writes seeds in this layout.
 *
 * Each input is parsed the ways the module parses requests:
 *  - strict (KVS_IOC_EXEC): kvs_validate()'s loop, then the execution
 *    loop again over the same, by now NUL-patched, buffer;
 *  - stream (write()): chunks appended to a query buffer, parsed with the
 *    resume hint after each, whole commands consumed as kvs_write() does;
 *    once as a single write, once split at the fuzzer's offsets, and
 *    optionally byte by byte;
 * and the invariants are checked: consumed <= len, every argument inside
 * the request (or the inline scratch) and NUL-terminated, a strict parse
 * of a prefix that ends inside a command never succeeds, and every way of
 * parsing yields the same commands, the same protocol error and the same
 * unconsumed tail. A protocol error is also rendered with add_reply_error()
 * as the module does, and must come out as one "-ERR Protocol error: "
 * line.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../module/server.h"

#define KVS_FUZZ_INLINE_MAX	(64 * 1024)	/* resp.c's KVS_INLINE_MAX */

/* ------------------------------------------------- what resp.c links to */

struct kvs_server server;
int kvs_shim_fail_alloc;

void kvs_command_fullname(const struct kvs_command *cmd, char *buf,
			  size_t size)
{
	snprintf(buf, size, "%s", cmd && cmd->name ? cmd->name : "?");
}

void kvs_obj_put(struct kvs_obj *o)
{
	(void)o;
}

/* limits.c: no client memory limit here */
int kvs_client_mem_charge(struct kvs_client *c, size_t n)
{
	(void)c;
	(void)n;
	return 0;
}

void kvs_client_mem_uncharge(struct kvs_client *c, size_t n)
{
	(void)c;
	(void)n;
}

void *kvs_client_kvmalloc(struct kvs_client *c, size_t n, gfp_t flags)
{
	(void)c;
	return kvmalloc(n, flags);
}

void kvs_client_kvfree(struct kvs_client *c, void *p, size_t n)
{
	(void)c;
	(void)n;
	kvfree(p);
}

bool kvs_obuf_limited(const struct kvs_client *c)
{
	(void)c;
	return false;
}

bool kvs_obuf_over_limit(struct kvs_client *c, size_t used)
{
	(void)c;
	(void)used;
	return false;
}

/* stats.c: INFO errorstats is not under test here */
void kvs_stats_error(struct kvs_client *c, const char *code, size_t len)
{
	(void)c;
	(void)code;
	(void)len;
}

/* ------------------------------------------------------------- helpers */

#define CHECK(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "resp_fuzz: %s:%d: check failed: %s: ", \
				__FILE__, __LINE__, #cond);		\
			fprintf(stderr, __VA_ARGS__);			\
			fputc('\n', stderr);				\
			abort();					\
		}							\
	} while (0)

/* One parse outcome: the commands, then how it ended. */
struct cmdrec {
	int argc;
	size_t bytes;		/* of the serialized argv */
	char *data;		/* len:u64 + bytes, per argument */
};

enum end_kind { END_DONE, END_INCOMPLETE, END_PROTO, END_NOMEM };

struct transcript {
	struct cmdrec *cmds;
	size_t nr, cap;
	enum end_kind end;
	size_t tail;		/* unconsumed bytes (END_INCOMPLETE/DONE) */
	size_t err_at;		/* stream offset of the command in error */
	char err[64];
	size_t *bounds;		/* stream offset after each command */
};

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		abort();
	return p;
}

static void tr_free(struct transcript *t)
{
	size_t i;

	for (i = 0; i < t->nr; i++)
		free(t->cmds[i].data);
	free(t->cmds);
	free(t->bounds);
	memset(t, 0, sizeof(*t));
}

static void tr_add(struct transcript *t, const struct kvs_req *rq, size_t end)
{
	struct cmdrec *r;
	size_t i, off = 0;

	if (t->nr == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 8;
		t->cmds = xrealloc(t->cmds, t->cap * sizeof(*t->cmds));
		t->bounds = xrealloc(t->bounds, t->cap * sizeof(*t->bounds));
	}
	r = &t->cmds[t->nr];
	t->bounds[t->nr] = end;
	t->nr++;
	r->argc = rq->argc;
	r->bytes = 0;
	for (i = 0; i < (size_t)rq->argc; i++)
		r->bytes += sizeof(u64) + rq->argv[i].len;
	r->data = xrealloc(NULL, r->bytes);
	for (i = 0; i < (size_t)rq->argc; i++) {
		u64 len = rq->argv[i].len;

		memcpy(r->data + off, &len, sizeof(len));
		off += sizeof(len);
		memcpy(r->data + off, rq->argv[i].ptr, len);
		off += len;
	}
}

static bool is_too_big(const char *err)
{
	return strstr(err, "too big") != NULL;
}

/*
 * Check one successful parse of @n bytes at @buf (@len available): every
 * argument lies in the consumed bytes, or in the inline scratch, and is
 * followed by a NUL inside that region.
 */
static void check_args(const struct kvs_req *rq, const char *buf, size_t len,
		       ssize_t n)
{
	int i;

	CHECK(n > 0 && (size_t)n <= len, "consumed %zd of %zu", n, len);
	CHECK(rq->argc >= 0 && (rq->argc == 0 || rq->argv),
	      "argc %d", rq->argc);
	CHECK((unsigned int)rq->argc <= rq->cap, "argc %d cap %u",
	      rq->argc, rq->cap);
	for (i = 0; i < rq->argc; i++) {
		const char *p = rq->argv[i].ptr;
		size_t l = rq->argv[i].len;
		bool in_buf = p >= buf && p <= buf + n &&
			      l < (size_t)(buf + n - p);
		bool in_scratch = rq->scratch && p >= rq->scratch &&
				  p <= rq->scratch + rq->scratch_cap &&
				  l < (size_t)(rq->scratch + rq->scratch_cap - p);

		CHECK(in_buf || in_scratch,
		      "argv[%d] (%p, %zu) outside request %p+%zd", i,
		      (const void *)p, l, (const void *)buf, n);
		CHECK(p[l] == '\0', "argv[%d] not NUL-terminated", i);
	}
	if (buf[0] == '*')
		for (i = 0; i < rq->argc; i++)
			CHECK(rq->argv[i].ptr >= buf &&
			      rq->argv[i].ptr < buf + n,
			      "multibulk argv[%d] not in the request", i);
}

/* add_reply_error(rq->err) must be one "-ERR Protocol error: " line. */
static void check_error_reply(const char *err)
{
	struct kvs_client c;
	struct kvs_chunk *ch;
	char out[256];
	size_t n = 0, i;

	memset(&c, 0, sizeof(c));
	c.resp = 2;
	kvs_outbuf_init(&c.reply);
	add_reply_error(&c, err);
	CHECK(!c.reply.err, "reply failed");
	list_for_each_entry(ch, &c.reply.chunks, node) {
		CHECK(!ch->obj && n + ch->len <= sizeof(out), "reply size");
		memcpy(out + n, ch->data, ch->len);
		n += ch->len;
	}
	CHECK(n == c.reply.bytes, "bytes %zu != %zu", n, c.reply.bytes);
	kvs_outbuf_free(&c, &c.reply);
	kvs_chunk_drop_spare(&c);
	CHECK(n > 22 && !memcmp(out, "-ERR Protocol error: ", 21),
	      "error reply '%.*s'", (int)n, out);
	CHECK(out[n - 2] == '\r' && out[n - 1] == '\n', "no CRLF");
	for (i = 0; i < n - 2; i++)
		CHECK(out[i] != '\r' && out[i] != '\n' && out[i] != '\0',
		      "error reply has byte %#x at %zu", out[i], i);
}

/*
 * Replies that echo arguments back (the subcommand error formats argv[1]
 * with %.128s and upper-cases argv[0]) must stay one line too.
 */
static void check_arg_replies(const struct kvs_req *rq)
{
	struct kvs_client c;
	struct kvs_chunk *ch;
	size_t total = 0, lines = 0;
	int i;

	if (!rq->argc)
		return;
	memset(&c, 0, sizeof(c));
	c.resp = 2;
	kvs_outbuf_init(&c.reply);
	c.argc = rq->argc;
	c.argv = rq->argv;
	add_reply_subcommand_syntax_error(&c);
	for (i = 0; i < rq->argc && i < 4; i++)
		add_reply_bulk(&c, rq->argv[i].ptr, rq->argv[i].len);
	CHECK(!c.reply.err, "reply failed");
	list_for_each_entry(ch, &c.reply.chunks, node) {
		size_t j;

		CHECK(ch->pos <= ch->len && (ch->obj || ch->len <= ch->cap),
		      "chunk pos %zu len %zu cap %zu", ch->pos, ch->len,
		      ch->cap);
		for (j = 0; j < ch->len; j++)
			lines += ch->data[j] == '\n';
		total += ch->len;
	}
	CHECK(total == c.reply.bytes, "bytes %zu != %zu", total,
	      c.reply.bytes);
	/* the error line; bulks may hold newlines of their own */
	CHECK(lines >= 1, "no line");
	ch = list_first_entry(&c.reply.chunks, struct kvs_chunk, node);
	CHECK(ch->len > 0 && ch->data[0] == '-', "not an error");
	kvs_outbuf_free(&c, &c.reply);
	kvs_chunk_drop_spare(&c);
}

/* ---------------------------------------------------------- the strict way */

/*
 * kvs_process_input(strict): kvs_validate() then the execution loop, over
 * a heap copy of exactly @len bytes so ASan sees any over-read.
 */
static void parse_strict(const u8 *data, size_t len, struct transcript *t,
			 bool exec_pass)
{
	struct kvs_req rq = { };
	char *buf = xrealloc(NULL, len);
	size_t pos = 0;
	ssize_t n;
	int pass;

	memcpy(buf, data, len);
	memset(t, 0, sizeof(*t));
	for (pass = 0; pass < (exec_pass ? 2 : 1); pass++) {
		struct transcript again = { };
		struct transcript *tp = pass ? &again : t;

		pos = 0;
		tp->end = END_DONE;
		while (pos < len) {
			n = kvs_parse_command(&rq, buf + pos, len - pos, NULL);
			if (n == 0) {
				tp->end = END_INCOMPLETE;
				tp->tail = len - pos;
				break;
			}
			if (n == -EPROTO) {
				tp->end = END_PROTO;
				tp->err_at = pos;
				CHECK(memchr(rq.err, 0, sizeof(rq.err)),
				      "err not terminated");
				strcpy(tp->err, rq.err);
				break;
			}
			if (n < 0) {
				CHECK(n == -ENOMEM, "parse returned %zd", n);
				tp->end = END_NOMEM;
				break;
			}
			check_args(&rq, buf + pos, len - pos, n);
			pos += n;
			tr_add(tp, &rq, pos);
		}
		if (pass) {
			/* the execution pass sees what validation saw */
			size_t i;

			CHECK(again.end == t->end && again.nr == t->nr &&
			      again.tail == t->tail &&
			      !strcmp(again.err, t->err),
			      "exec pass differs from validation");
			for (i = 0; i < t->nr; i++)
				CHECK(again.cmds[i].bytes == t->cmds[i].bytes &&
				      !memcmp(again.cmds[i].data,
					      t->cmds[i].data,
					      t->cmds[i].bytes),
				      "exec pass command %zu differs", i);
			tr_free(&again);
		}
	}
	kvs_req_free(&rq);
	free(buf);
}

/* ---------------------------------------------------------- the stream way */

/*
 * kvs_write(): each chunk is appended to the query buffer (a fresh heap
 * block of exactly qlen bytes), whole commands run and are consumed, a
 * partial one stays with its hint, a protocol error drops everything.
 */
static void parse_stream(const u8 *data, size_t len, const size_t *cuts,
			 size_t nr_cuts, struct transcript *t)
{
	struct kvs_parse_hint hint = { };
	struct kvs_req rq = { };
	char *qbuf = NULL;
	size_t qlen = 0, fed = 0, consumed = 0, c;

	memset(t, 0, sizeof(*t));
	t->end = END_DONE;
	for (c = 0; c <= nr_cuts; c++) {
		size_t upto = c < nr_cuts ? cuts[c] : len;
		char *nb;

		if (upto <= fed)
			continue;
		nb = xrealloc(NULL, qlen + upto - fed);
		if (qlen)
			memcpy(nb, qbuf, qlen);
		memcpy(nb + qlen, data + fed, upto - fed);
		free(qbuf);
		qbuf = nb;
		qlen += upto - fed;
		fed = upto;

		while (qlen) {
			ssize_t n = kvs_parse_command(&rq, qbuf, qlen, &hint);

			if (n == 0) {
				if (hint.off)
					CHECK(hint.off <= qlen && hint.left > 0,
					      "hint off %zu left %lld qlen %zu",
					      hint.off, (long long)hint.left,
					      qlen);
				break;
			}
			hint.off = 0;
			if (n == -EPROTO) {
				t->end = END_PROTO;
				t->err_at = consumed;
				strcpy(t->err, rq.err);
				goto out;
			}
			CHECK(n > 0, "stream parse returned %zd", n);
			check_args(&rq, qbuf, qlen, n);
			consumed += n;
			tr_add(t, &rq, consumed);
			/* kvs_qbuf_consume() */
			qlen -= n;
			if (!qlen)
				hint.off = 0;
			memmove(qbuf, qbuf + n, qlen);
		}
	}
	if (qlen) {
		t->end = END_INCOMPLETE;
		t->tail = qlen;
	}
out:
	kvs_req_free(&rq);
	free(qbuf);
}

/* @b must say what @a says; a "too big" error may cut @b short. */
static void compare(const struct transcript *a, const struct transcript *b,
		    const char *what)
{
	size_t i, n = a->nr < b->nr ? a->nr : b->nr;

	for (i = 0; i < n; i++)
		CHECK(a->cmds[i].bytes == b->cmds[i].bytes &&
		      a->cmds[i].argc == b->cmds[i].argc &&
		      !memcmp(a->cmds[i].data, b->cmds[i].data,
			      a->cmds[i].bytes),
		      "%s: command %zu differs", what, i);
	/*
	 * A line still without its end is refused once it is over 64 KiB
	 * (Redis does the same), so a stream can fail early where the
	 * whole buffer is fine.
	 */
	if ((a->end == END_PROTO && is_too_big(a->err)) ||
	    (b->end == END_PROTO && is_too_big(b->err)))
		return;
	CHECK(a->nr == b->nr, "%s: %zu commands vs %zu", what, a->nr, b->nr);
	CHECK(a->end == b->end, "%s: end %d vs %d", what, a->end, b->end);
	if (a->end == END_PROTO)
		CHECK(!strcmp(a->err, b->err) && a->err_at == b->err_at,
		      "%s: '%s' at %zu vs '%s' at %zu", what, a->err,
		      a->err_at, b->err, b->err_at);
	if (a->end == END_INCOMPLETE)
		CHECK(a->tail == b->tail, "%s: tail %zu vs %zu", what,
		      a->tail, b->tail);
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct transcript strict, whole, split, prefix;
	size_t cuts[8], nr_cuts, i, hdr, len;
	const u8 *payload;
	unsigned int fail_nth;
	bool bytewise;

	if (size < 1)
		return 0;
	nr_cuts = data[0] & 7;
	fail_nth = (data[0] >> 3) & 15;
	bytewise = data[0] & 0x80;
	hdr = 1 + 2 * nr_cuts;
	if (size < hdr)
		return 0;
	payload = data + hdr;
	len = size - hdr;
	for (i = 0; i < nr_cuts; i++)
		cuts[i] = len ? ((size_t)data[1 + 2 * i] << 8 |
				 data[2 + 2 * i]) % (len + 1) : 0;
	qsort(cuts, nr_cuts, sizeof(cuts[0]), cmp_size);

	server.cfg.proto_max_bulk_len = 512ULL << 20;

	parse_strict(payload, len, &strict, true);
	CHECK(strict.end != END_NOMEM, "ENOMEM without injection");
	if (strict.end == END_PROTO)
		check_error_reply(strict.err);

	parse_stream(payload, len, NULL, 0, &whole);
	compare(&strict, &whole, "strict vs single write");
	parse_stream(payload, len, cuts, nr_cuts, &split);
	compare(&whole, &split, "single write vs split writes");
	tr_free(&split);

	if (bytewise && len <= 4096) {
		size_t *all = xrealloc(NULL, len * sizeof(*all));

		for (i = 0; i < len; i++)
			all[i] = i + 1;
		parse_stream(payload, len, all, len, &split);
		compare(&whole, &split, "single write vs bytewise writes");
		tr_free(&split);
		free(all);
	}

	/*
	 * A strict request cut inside a command is refused: only the cut
	 * points that are command boundaries may parse cleanly.
	 */
	if (strict.end == END_DONE) {
		for (i = 0; i < nr_cuts; i++) {
			size_t k = cuts[i], j;
			bool boundary = k == 0 || k == len;

			for (j = 0; j < strict.nr && !boundary; j++)
				boundary = strict.bounds[j] == k;
			if (boundary)
				continue;
			parse_strict(payload, k, &prefix, false);
			CHECK(prefix.end != END_DONE,
			      "strict parse of a %zu-byte cut of %zu succeeded",
			      k, len);
			tr_free(&prefix);
		}
	}

	/* arguments echoed in replies */
	if (strict.nr) {
		struct kvs_req rq = { };
		char *buf = xrealloc(NULL, len);
		ssize_t n;

		memcpy(buf, payload, len);
		n = kvs_parse_command(&rq, buf, len, NULL);
		if (n > 0)
			check_arg_replies(&rq);
		kvs_req_free(&rq);
		free(buf);
	}

	/* allocation failure: -ENOMEM or the same result, and no leak */
	if (fail_nth) {
		kvs_shim_fail_alloc = fail_nth;
		parse_strict(payload, len, &prefix, false);
		kvs_shim_fail_alloc = 0;
		if (prefix.end != END_NOMEM)
			compare(&strict, &prefix, "strict vs failing allocs");
		tr_free(&prefix);
	}

	tr_free(&strict);
	tr_free(&whole);
	(void)KVS_FUZZ_INLINE_MAX;
	return 0;
}

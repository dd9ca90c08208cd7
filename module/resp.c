// SPDX-License-Identifier: GPL-2.0
/*
 * RESP: the request parser (Redis's processMultibulkBuffer() and
 * processInlineBuffer()) and the reply writer (addReply*()).
 *
 * Replies are built in kernel memory, in a list of chunks. Bulk payloads
 * of KVS_BULK_REF_MIN bytes or more are not copied: the chunk keeps a
 * reference to the value, so a big GET costs one copy, to userspace, done
 * after every shard lock is dropped.
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/string.h>
#include <linux/overflow.h>

#include "server.h"

#define KVS_CHUNK_BYTES		16384	/* allocation size of a full chunk */
#define KVS_CHUNK_FIRST		512	/* the first chunk of a reply */
#define KVS_BULK_REF_MIN	16384	/* bulks this big are referenced */
#define KVS_DEFERRED_ROOM	32	/* "*<int64>\r\n" */
#define KVS_BULK_HDR_MAX	24	/* "$<u64>\r\n" and a NUL */

/* Redis's PROTO_INLINE_MAX_SIZE: also bounds the "*N" and "$N" lines. */
#define KVS_INLINE_MAX		(64 * 1024)

/* ------------------------------------------------------------ outbufs */

void kvs_outbuf_init(struct kvs_outbuf *o)
{
	INIT_LIST_HEAD(&o->chunks);
	o->bytes = 0;
	o->mem = 0;
	o->err = 0;
}

static inline struct kvs_chunk *kvs_outbuf_tail(struct kvs_outbuf *o)
{
	if (list_empty(&o->chunks))
		return NULL;
	return list_last_entry(&o->chunks, struct kvs_chunk, node);
}

static struct kvs_chunk *kvs_chunk_new(size_t room, size_t size)
{
	struct kvs_chunk *ch;

	/* a reply's size is the user's choice: no allocator warning */
	ch = kvmalloc(size, GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!ch)
		return NULL;
	ch->obj = NULL;
	ch->pos = 0;
	ch->len = 0;
	ch->cap = room;
	ch->charge = size;
	return ch;
}

/**
 * kvs_chunk_alloc - a reply chunk charged to @c
 * @c: the client whose output it will be
 * @room: bytes of data[]
 *
 * Return: the chunk (obj NULL, empty), or NULL when out of memory or when
 * maxmemory-clients refused the charge.
 */
struct kvs_chunk *kvs_chunk_alloc(struct kvs_client *c, size_t room)
{
	size_t size = struct_size_t(struct kvs_chunk, data, room);
	struct kvs_chunk *ch;

	if (kvs_client_mem_charge(c, size))
		return NULL;
	ch = kvs_chunk_new(room, size);
	if (!ch)
		kvs_client_mem_uncharge(c, size);
	return ch;
}

/* Room of a reply's first chunk: the size a spare chunk has. */
#define KVS_FIRST_ROOM	(KVS_CHUNK_FIRST - sizeof(struct kvs_chunk))

void kvs_chunk_free(struct kvs_client *c, struct kvs_chunk *ch)
{
	if (ch->obj) {
		kvs_obj_put(ch->obj);
		ch->obj = NULL;
	}
	/* kept, still charged, for the client's next reply */
	if (ch->cap == KVS_FIRST_ROOM && !READ_ONCE(c->spare) &&
	    !cmpxchg(&c->spare, NULL, ch))
		return;
	kvs_client_mem_uncharge(c, ch->charge);
	kvfree(ch);
}

/* The client's spare chunk, if one is kept and @room fits it. */
static struct kvs_chunk *kvs_spare_take(struct kvs_client *c, size_t room)
{
	struct kvs_chunk *ch;

	if (room > KVS_FIRST_ROOM || !READ_ONCE(c->spare))
		return NULL;
	ch = xchg(&c->spare, NULL);
	if (ch) {
		ch->pos = 0;
		ch->len = 0;
	}
	return ch;
}

/**
 * kvs_chunk_drop_spare - free the client's spare chunk (release)
 * @c: the client
 */
void kvs_chunk_drop_spare(struct kvs_client *c)
{
	struct kvs_chunk *ch = xchg(&c->spare, NULL);

	if (ch) {
		kvs_client_mem_uncharge(c, ch->charge);
		kvfree(ch);
	}
}

/**
 * kvs_outbuf_free - drop everything queued
 * @c: the client the chunks are charged to
 * @o: the buffer; empty and reusable afterwards (err is kept)
 */
void kvs_outbuf_free(struct kvs_client *c, struct kvs_outbuf *o)
{
	struct kvs_chunk *ch, *tmp;

	list_for_each_entry_safe(ch, tmp, &o->chunks, node) {
		list_del(&ch->node);
		kvs_chunk_free(c, ch);
	}
	o->bytes = 0;
	o->mem = 0;
}

/*
 * Appending into a chunk that already has bytes is allowed only for an
 * inline chunk with room; deferred-length placeholders have cap == len.
 */
static inline size_t kvs_chunk_room(const struct kvs_chunk *ch)
{
	return ch->obj ? 0 : ch->cap - ch->len;
}

/**
 * kvs_outbuf_splice - move every chunk of @from to the end of @to
 * @c: the client both belong to; @to's out_lock is taken here
 * @to: destination
 * @from: source (only the caller uses it), left empty
 *
 * Small chunks are copied into the room left in @to's last chunk, so a
 * pipeline of small replies does not pile up mostly empty chunks. The
 * chunks so emptied are freed after out_lock is dropped: kvfree() may
 * sleep.
 */
void kvs_outbuf_splice(struct kvs_client *c, struct kvs_outbuf *to,
		       struct kvs_outbuf *from)
{
	struct kvs_chunk *ch, *tmp, *tail;
	LIST_HEAD(merged);
	size_t n;

	spin_lock(&c->out_lock);
	list_for_each_entry_safe(ch, tmp, &from->chunks, node) {
		list_del(&ch->node);
		n = ch->len - ch->pos;
		tail = kvs_outbuf_tail(to);
		if (n == 0) {
			list_add_tail(&ch->node, &merged);
		} else if (!ch->obj && tail && kvs_chunk_room(tail) >= n) {
			memcpy(tail->data + tail->len, ch->data + ch->pos, n);
			tail->len += n;
			list_add_tail(&ch->node, &merged);
		} else {
			list_add_tail(&ch->node, &to->chunks);
			to->mem += ch->charge;
		}
		to->bytes += n;
	}
	spin_unlock(&c->out_lock);
	from->bytes = 0;
	from->mem = 0;
	list_for_each_entry_safe(ch, tmp, &merged, node) {
		list_del(&ch->node);
		kvs_chunk_free(c, ch);
	}
}

/**
 * kvs_reply_stage - keep a KVS_IOC_EXEC reply for a direct copy
 * @c: the client, c->lock held, c->exec_ubuf set
 *
 * The fast path of KVS_IOC_EXEC: a reply of one inline chunk, with
 * nothing queued ahead of it, stays in its chunk (c->exec_stage, bytes
 * for the caller's buffer at c->exec_used) instead of going through
 * c->out; later small replies of the same call are appended to it. The
 * ioctl copies it to userspace once, after c->lock is dropped. Anything
 * queued to c->out meanwhile (pushes, invalidations) came after it, so
 * kvs_reply_unstage() puts it back at c->out's head.
 *
 * Return: true if the reply was staged (c->reply is then empty).
 */
bool kvs_reply_stage(struct kvs_client *c)
{
	struct kvs_outbuf *o = &c->reply;
	struct kvs_chunk *st = c->exec_stage, *ch;

	if (list_empty(&o->chunks))
		return true;
	ch = list_first_entry(&o->chunks, struct kvs_chunk, node);
	if (!list_is_singular(&o->chunks) || ch->obj || ch->pos ||
	    READ_ONCE(c->out.bytes) ||
	    c->exec_used + (st ? st->len : 0) + ch->len > c->exec_cap)
		return false;
	if (!st) {
		list_del(&ch->node);
		c->exec_stage = ch;
	} else if (kvs_chunk_room(st) >= ch->len) {
		memcpy(st->data + st->len, ch->data, ch->len);
		st->len += ch->len;
		list_del(&ch->node);
		kvs_chunk_free(c, ch);
	} else {
		return false;
	}
	o->bytes = 0;
	o->mem = 0;
	return true;
}

/**
 * kvs_reply_unstage - queue the staged replies at the head of c->out
 * @c: the client, c->lock held
 *
 * Before anything else is queued or copied out from c->out, and before
 * the ioctl leaves with an error: they came before what c->out holds.
 */
void kvs_reply_unstage(struct kvs_client *c)
{
	struct kvs_chunk *ch = c->exec_stage;

	if (!ch)
		return;
	c->exec_stage = NULL;
	kvs_reply_requeue(c, ch);
}

/**
 * kvs_reply_requeue - put a chunk back at the head of c->out
 * @c: the client
 * @ch: bytes from @ch->pos on come before everything queued
 */
void kvs_reply_requeue(struct kvs_client *c, struct kvs_chunk *ch)
{
	spin_lock(&c->out_lock);
	list_add(&ch->node, &c->out.chunks);
	c->out.bytes += ch->len - ch->pos;
	c->out.mem += ch->charge;
	spin_unlock(&c->out_lock);
}

/*
 * A new chunk for the reply being built, within the client's
 * client-output-buffer-limit: over it, or out of memory, the reply is
 * abandoned and the connection cut (kvs_flush_reply()).
 */
static struct kvs_chunk *kvs_reply_chunk(struct kvs_client *c, size_t room)
{
	size_t size = struct_size_t(struct kvs_chunk, data, room);
	struct kvs_chunk *ch;
	size_t used;
	bool over;

	ch = kvs_spare_take(c, room);
	if (ch)
		goto limits;
	if (kvs_client_mem_charge(c, size)) {
		/* maxmemory-clients: this client is the biggest, it goes */
		atomic64_inc(&server.stat.evicted_clients);
		c->reply.err = -ENOBUFS;
		return NULL;
	}
	ch = kvs_chunk_new(room, size);
	if (!ch) {
		kvs_client_mem_uncharge(c, size);
		c->reply.err = -ENOMEM;
		return NULL;
	}
limits:
	if (!kvs_obuf_limited(c))
		return ch;
	spin_lock(&c->out_lock);
	used = c->reply.mem + ch->charge + c->out.mem;
	over = kvs_obuf_over_limit(c, used);
	spin_unlock(&c->out_lock);
	if (over) {
		kvs_chunk_free(c, ch);
		atomic64_inc(&server.stat.obuf_cut_clients);
		c->reply.err = -ENOBUFS;
		return NULL;
	}
	return ch;
}

static void kvs_outbuf_add_chunk(struct kvs_outbuf *o, struct kvs_chunk *ch)
{
	list_add_tail(&ch->node, &o->chunks);
	o->bytes += ch->len;
	o->mem += ch->charge;
}

static void kvs_reply_append(struct kvs_client *c, const void *p, size_t len)
{
	struct kvs_outbuf *o = &c->reply;
	struct kvs_chunk *tail;
	size_t n, room;

	if (o->err || len == 0)
		return;
	tail = kvs_outbuf_tail(o);
	if (tail) {
		n = min(len, kvs_chunk_room(tail));
		memcpy(tail->data + tail->len, p, n);
		tail->len += n;
		o->bytes += n;
		p += n;
		len -= n;
	}
	if (len == 0)
		return;

	room = (tail ? KVS_CHUNK_BYTES : KVS_CHUNK_FIRST) -
	       sizeof(struct kvs_chunk);
	/* a big raw reply goes into one chunk of its own size */
	room = max(room, len);
	tail = kvs_reply_chunk(c, room);
	if (!tail)
		return;
	memcpy(tail->data, p, len);
	tail->len = len;
	kvs_outbuf_add_chunk(o, tail);
}

/* ------------------------------------------------------------- writer */

void add_reply_raw(struct kvs_client *c, const void *p, size_t len)
{
	kvs_reply_append(c, p, len);
}

static void add_reply_cstr(struct kvs_client *c, const char *s)
{
	add_reply_raw(c, s, strlen(s));
}

/* "<prefix><v>\r\n" */
static void add_reply_long_hdr(struct kvs_client *c, char prefix, s64 v)
{
	char buf[24];
	int n;

	buf[0] = prefix;
	n = kvs_ll2string(buf + 1, sizeof(buf) - 1, v);
	buf[n + 1] = '\r';
	buf[n + 2] = '\n';
	add_reply_raw(c, buf, n + 3);
}

void add_reply_status(struct kvs_client *c, const char *status)
{
	add_reply_raw(c, "+", 1);
	add_reply_cstr(c, status);
	add_reply_raw(c, "\r\n", 2);
}

void add_reply_ok(struct kvs_client *c)
{
	add_reply_raw(c, "+OK\r\n", 5);
}

/* An error code is a leading word of capitals followed by a space. */
static bool kvs_has_error_code(const char *s)
{
	const char *p = s;

	while (*p >= 'A' && *p <= 'Z')
		p++;
	return p != s && *p == ' ';
}

/**
 * add_reply_error - reply an error
 * @c: client
 * @err: the text, see server.h for when "ERR " is prefixed
 *
 * CR and LF in @err become spaces, as Redis does, so the reply is always
 * one protocol line.
 */
void add_reply_error(struct kvs_client *c, const char *err)
{
	size_t len, i, start;

	if (*err == '-')
		err++;
	if (!kvs_has_error_code(err)) {
		kvs_stats_error(c, "ERR", 3);
		add_reply_raw(c, "-ERR ", 5);
	} else {
		kvs_stats_error(c, err, strchr(err, ' ') - err);
		add_reply_raw(c, "-", 1);
	}
	len = strlen(err);
	for (i = 0, start = 0; i < len; i++) {
		if (err[i] != '\r' && err[i] != '\n')
			continue;
		add_reply_raw(c, err + start, i - start);
		add_reply_raw(c, " ", 1);
		start = i + 1;
	}
	add_reply_raw(c, err + start, len - start);
	add_reply_raw(c, "\r\n", 2);
}

void add_reply_errorf(struct kvs_client *c, const char *fmt, ...)
{
	char buf[256], *msg = buf;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(buf)) {
		va_start(ap, fmt);
		msg = kvasprintf(GFP_KERNEL, fmt, ap);
		va_end(ap);
		if (!msg) {
			c->reply.err = -ENOMEM;
			return;
		}
	}
	add_reply_error(c, msg);
	if (msg != buf)
		kfree(msg);
}

/*
 * Room for @len bytes in one piece at the end of the reply: the tail
 * chunk's, or a first chunk's; NULL if the tail is too short (the bytes
 * then go by kvs_reply_append(), split over two chunks).
 */
static char *kvs_reply_room(struct kvs_client *c, size_t len)
{
	struct kvs_outbuf *o = &c->reply;
	struct kvs_chunk *tail;

	if (o->err)
		return NULL;
	tail = kvs_outbuf_tail(o);
	if (!tail) {
		if (len > KVS_CHUNK_FIRST - sizeof(*tail))
			return NULL;
		tail = kvs_reply_chunk(c, KVS_CHUNK_FIRST - sizeof(*tail));
		if (!tail)
			return NULL;
		kvs_outbuf_add_chunk(o, tail);
	} else if (kvs_chunk_room(tail) < len) {
		return NULL;
	}
	return tail->data + tail->len;
}

/* Bytes written at kvs_reply_room() now belong to the reply. */
static void kvs_reply_commit(struct kvs_client *c, size_t len)
{
	kvs_outbuf_tail(&c->reply)->len += len;
	c->reply.bytes += len;
}

void add_reply_bulk(struct kvs_client *c, const void *p, size_t len)
{
	/* "$<len>\r\n<bytes>\r\n" in one piece: a GET's whole reply */
	char *d = kvs_reply_room(c, len + KVS_BULK_HDR_MAX + 2);
	int n;

	if (!d) {
		add_reply_long_hdr(c, '$', len);
		add_reply_raw(c, p, len);
		add_reply_raw(c, "\r\n", 2);
		return;
	}
	d[0] = '$';
	n = kvs_ll2string(d + 1, KVS_BULK_HDR_MAX - 3, len) + 1;
	d[n++] = '\r';
	d[n++] = '\n';
	memcpy(d + n, p, len);
	n += len;
	d[n++] = '\r';
	d[n++] = '\n';
	kvs_reply_commit(c, n);
}

void add_reply_bulk_cstr(struct kvs_client *c, const char *s)
{
	if (!s)
		add_reply_null(c);
	else
		add_reply_bulk(c, s, strlen(s));
}

/**
 * add_reply_bulk_obj - reply a string value
 * @c: client
 * @o: a string object; big ones are referenced, not copied
 *
 * The reference keeps the bytes alive and unchanged (writers unshare a
 * value with more than one reference) until the reader has copied them.
 */
void add_reply_bulk_obj(struct kvs_client *c, struct kvs_obj *o)
{
	struct kvs_chunk *ch;

	if (kvs_str_len(o) < KVS_BULK_REF_MIN) {
		add_reply_bulk(c, kvs_str_ptr(o), kvs_str_len(o));
		return;
	}
	add_reply_long_hdr(c, '$', kvs_str_len(o));
	if (c->reply.err)
		return;
	ch = kvs_reply_chunk(c, 0);
	if (!ch)
		return;
	ch->obj = kvs_obj_get(o);
	ch->len = kvs_str_len(o);
	kvs_outbuf_add_chunk(&c->reply, ch);
	add_reply_raw(c, "\r\n", 2);
}

void add_reply_bulk_ll(struct kvs_client *c, s64 v)
{
	char buf[24];
	int n = kvs_ll2string(buf, sizeof(buf), v);

	add_reply_bulk(c, buf, n);
}

void add_reply_ll(struct kvs_client *c, s64 v)
{
	add_reply_long_hdr(c, ':', v);
}

void add_reply_null(struct kvs_client *c)
{
	if (c->resp >= 3)
		add_reply_raw(c, "_\r\n", 3);
	else
		add_reply_raw(c, "$-1\r\n", 5);
}

void add_reply_null_array(struct kvs_client *c)
{
	if (c->resp >= 3)
		add_reply_raw(c, "_\r\n", 3);
	else
		add_reply_raw(c, "*-1\r\n", 5);
}

void add_reply_array_len(struct kvs_client *c, long len)
{
	add_reply_long_hdr(c, '*', len);
}

void add_reply_map_len(struct kvs_client *c, long len)
{
	if (c->resp >= 3)
		add_reply_long_hdr(c, '%', len);
	else
		add_reply_long_hdr(c, '*', len * 2);
}

void add_reply_set_len(struct kvs_client *c, long len)
{
	add_reply_long_hdr(c, c->resp >= 3 ? '~' : '*', len);
}

/* Pub/sub messages and confirmations: out of band in RESP3. */
void add_reply_push_len(struct kvs_client *c, long len)
{
	add_reply_long_hdr(c, c->resp >= 3 ? '>' : '*', len);
}

/*
 * @n pairs (member and score, field and value) where RESP2 flattens them
 * and RESP3 nests each pair: the outer length. Pair with
 * add_reply_pair_begin() before every pair.
 */
void add_reply_pairs_len(struct kvs_client *c, long n, bool pairs)
{
	add_reply_array_len(c, pairs && c->resp < 3 ? n * 2 : n);
}

void add_reply_pair_begin(struct kvs_client *c, bool pairs)
{
	if (pairs && c->resp >= 3)
		add_reply_array_len(c, 2);
}

/* A double already formatted as Redis's addReplyDouble() does. */
void add_reply_double_str(struct kvs_client *c, const char *s, size_t len)
{
	if (c->resp < 3) {
		add_reply_bulk(c, s, len);
		return;
	}
	add_reply_raw(c, ",", 1);
	add_reply_raw(c, s, len);
	add_reply_raw(c, "\r\n", 2);
}

void add_reply_bool(struct kvs_client *c, bool b)
{
	if (c->resp >= 3)
		add_reply_raw(c, b ? "#t\r\n" : "#f\r\n", 4);
	else
		add_reply_raw(c, b ? ":1\r\n" : ":0\r\n", 4);
}

void add_reply_verbatim(struct kvs_client *c, const char *p, size_t len,
			const char *ext)
{
	if (c->resp < 3) {
		add_reply_bulk(c, p, len);
		return;
	}
	/* "=<len>\r\n<ext>:<payload>\r\n", ext is three characters */
	add_reply_long_hdr(c, '=', len + 4);
	add_reply_raw(c, ext, 3);
	add_reply_raw(c, ":", 1);
	add_reply_raw(c, p, len);
	add_reply_raw(c, "\r\n", 2);
}

/**
 * add_reply_deferred_len - reserve the place of an array length
 * @c: client
 *
 * Return: a handle for set_deferred_array_len(), or NULL after an
 * allocation failure (then set_deferred_array_len() does nothing and the
 * connection is cut anyway).
 */
void *add_reply_deferred_len(struct kvs_client *c)
{
	struct kvs_chunk *ch;

	if (c->reply.err)
		return NULL;
	ch = kvs_reply_chunk(c, KVS_DEFERRED_ROOM);
	if (!ch)
		return NULL;
	/* cap == len == 0: nothing may be appended before it is filled */
	ch->cap = 0;
	kvs_outbuf_add_chunk(&c->reply, ch);
	return ch;
}

static void set_deferred_len(struct kvs_client *c, void *node, char prefix,
			     long len)
{
	struct kvs_chunk *ch = node;
	char buf[KVS_DEFERRED_ROOM];
	int n;

	if (!ch)
		return;
	buf[0] = prefix;
	n = kvs_ll2string(buf + 1, sizeof(buf) - 3, len);
	buf[n + 1] = '\r';
	buf[n + 2] = '\n';
	memcpy(ch->data, buf, n + 3);
	ch->len = n + 3;
	ch->cap = ch->len;
	c->reply.bytes += ch->len;
}

void set_deferred_array_len(struct kvs_client *c, void *node, long len)
{
	set_deferred_len(c, node, '*', len);
}

void set_deferred_set_len(struct kvs_client *c, void *node, long len)
{
	set_deferred_len(c, node, c->resp >= 3 ? '~' : '*', len);
}

/* @len pairs: a RESP2 array of 2 * @len */
void set_deferred_map_len(struct kvs_client *c, void *node, long len)
{
	if (c->resp >= 3)
		set_deferred_len(c, node, '%', len);
	else
		set_deferred_len(c, node, '*', len * 2);
}

void add_reply_syntax_error(struct kvs_client *c)
{
	kvs_stats_error(c, "ERR", 3);
	add_reply_raw(c, "-ERR syntax error\r\n", 19);
}

void add_reply_wrongtype(struct kvs_client *c)
{
	static const char msg[] =
		"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

	kvs_stats_error(c, "WRONGTYPE", 9);
	add_reply_raw(c, msg, sizeof(msg) - 1);
}

void add_reply_arity_error(struct kvs_client *c)
{
	char name[64];

	kvs_command_fullname(c->cmd, name, sizeof(name));
	add_reply_errorf(c, "ERR wrong number of arguments for '%s' command",
			 name);
}

/* @s upper-cased into @buf (ASCII), at most @size - 1 bytes. */
static void kvs_upper_copy(char *buf, size_t size, const struct kvs_arg *a)
{
	size_t i, n = min(a->len, size - 1);

	for (i = 0; i < n; i++) {
		char ch = a->ptr[i];

		buf[i] = (ch >= 'a' && ch <= 'z') ? ch - ('a' - 'A') : ch;
	}
	buf[n] = '\0';
}

void add_reply_subcommand_syntax_error(struct kvs_client *c)
{
	static const char fmt[] =
		"ERR unknown subcommand or wrong number of arguments for '%.128s'. Try %s HELP.";
	char cmd[64];

	kvs_upper_copy(cmd, sizeof(cmd), &c->argv[0]);
	add_reply_errorf(c, fmt, c->argc > 1 ? c->argv[1].ptr : "", cmd);
}

/* ------------------------------------------------------------- parser */

/* argv and scratch are the request's, charged to the client sending it */
static void *kvs_req_alloc(struct kvs_req *rq, size_t n)
{
	if (rq->owner)
		return kvs_client_kvmalloc(rq->owner, n, 0);
	return kvmalloc(n, GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
}

static void kvs_req_kvfree(struct kvs_req *rq, void *p, size_t n)
{
	if (rq->owner)
		kvs_client_kvfree(rq->owner, p, n);
	else
		kvfree(p);
}

static int kvs_req_reserve(struct kvs_req *rq, unsigned int want)
{
	struct kvs_arg *argv;
	unsigned int cap;

	if (want <= rq->cap)
		return 0;
	if (!rq->argv && want <= KVS_REQ_INLINE_ARGS) {
		rq->argv = rq->inline_argv;
		rq->cap = KVS_REQ_INLINE_ARGS;
		return 0;
	}
	cap = max3(want, 8U, rq->cap < INT_MAX / 2 ? rq->cap * 2 : INT_MAX);
	/* cap <= INT_MAX: no overflow on 64 bits */
	argv = kvs_req_alloc(rq, (size_t)cap * sizeof(*argv));
	if (!argv)
		return -ENOMEM;
	if (rq->argc)
		memcpy(argv, rq->argv, rq->argc * sizeof(*argv));
	if (rq->argv != rq->inline_argv)
		kvs_req_kvfree(rq, rq->argv, (size_t)rq->cap * sizeof(*argv));
	rq->argv = argv;
	rq->cap = cap;
	return 0;
}

static int kvs_req_push(struct kvs_req *rq, const char *p, size_t len)
{
	int err;

	if (rq->argc == rq->cap) {
		err = kvs_req_reserve(rq, rq->argc + 1);
		if (err)
			return err;
	}
	rq->argv[rq->argc].ptr = p;
	rq->argv[rq->argc].len = len;
	rq->argv[rq->argc].hash = 0;
	rq->argc++;
	return 0;
}

/**
 * kvs_req_free - free a request's argument vector and scratch space
 * @rq: the request, reusable afterwards
 */
void kvs_req_free(struct kvs_req *rq)
{
	struct kvs_client *owner = rq->owner;

	if (rq->argv != rq->inline_argv)
		kvs_req_kvfree(rq, rq->argv, (size_t)rq->cap * sizeof(*rq->argv));
	kvs_req_kvfree(rq, rq->scratch, rq->scratch_cap);
	kvs_req_init(rq, owner);
}
EXPORT_SYMBOL_IF_KVS_KUNIT(kvs_req_free);

static ssize_t kvs_proto_error(struct kvs_req *rq, const char *msg)
{
	strscpy(rq->err, msg, sizeof(rq->err));
	return -EPROTO;
}

/*
 * The common "*<n>\r" or "$<n>\r" header, digits from @buf[@pos]: 1 to 18
 * of them with no leading zero (or a lone "0"), then the CR, all before
 * @len. Returns the CR's offset (never 0) and the value in *@v; 0 for
 * anything else, which the full parse (memchr(), kvs_string2ll()) then
 * takes, errors and incomplete headers included. One pass over the bytes
 * instead of two.
 */
static size_t kvs_fast_len(const char *buf, size_t pos, size_t len, s64 *v)
{
	size_t i = pos, end = min(len, pos + 18);
	s64 n;

	if (i < end && buf[i] == '0') {
		if (i + 1 >= len || buf[i + 1] != '\r')
			return 0;
		*v = 0;
		return i + 1;
	}
	if (i >= end || buf[i] < '1' || buf[i] > '9')
		return 0;
	n = buf[i++] - '0';
	while (i < end && buf[i] >= '0' && buf[i] <= '9')
		n = n * 10 + (buf[i++] - '0');
	if (i >= len || buf[i] != '\r')
		return 0;
	*v = n;
	return i;
}

/*
 * One "$<len>\r\n<payload>\r\n" at *@ppos. Returns 1 and advances *@ppos
 * when it is whole (pushing it as an argument if @push), 0 if incomplete,
 * or a negative errno.
 */
static int kvs_parse_bulk(struct kvs_req *rq, char *buf, size_t len,
			  size_t *ppos, bool push)
{
	size_t pos = *ppos, nl, n;
	char *cr;
	s64 ll;
	int err;

	if (pos >= len)
		return 0;
	if (buf[pos] == '$') {
		nl = kvs_fast_len(buf, pos + 1, len, &ll);
		if (nl)
			goto have_len;
	}
	cr = memchr(buf + pos, '\r', len - pos);
	if (!cr) {
		if (len - pos > KVS_INLINE_MAX)
			return kvs_proto_error(rq,
				"Protocol error: too big bulk count string");
		return 0;
	}
	nl = cr - buf;
	if (nl + 2 > len)
		return 0;
	if (buf[pos] != '$') {
		/* %c of a NUL ends the message, as it does in Redis */
		snprintf(rq->err, sizeof(rq->err),
			 "Protocol error: expected '$', got '%c'", buf[pos]);
		return -EPROTO;
	}
	if (!kvs_string2ll(buf + pos + 1, nl - pos - 1, &ll))
		return kvs_proto_error(rq,
				       "Protocol error: invalid bulk length");
have_len:
	if (nl + 2 > len)
		return 0;
	if (ll < 0 || (u64)ll > READ_ONCE(server.cfg.proto_max_bulk_len))
		return kvs_proto_error(rq,
				       "Protocol error: invalid bulk length");
	pos = nl + 2;
	/* Redis skips the two bytes after the payload unchecked. */
	if (check_add_overflow(pos, (size_t)ll, &n) || n + 2 > len)
		return 0;
	if (push) {
		err = kvs_req_push(rq, buf + pos, ll);
		if (err)
			return err;
		buf[n] = '\0';	/* arguments are NUL-terminated */
	}
	*ppos = n + 2;
	return 1;
}

static ssize_t kvs_parse_multibulk(struct kvs_req *rq, char *buf, size_t len,
				   struct kvs_parse_hint *hint, bool push)
{
	size_t pos, nl;
	s64 ll, count, i;
	char *cr;
	int ret;

	if (hint && hint->off) {
		/* skip what an earlier call saw whole */
		while (hint->left > 0) {
			ret = kvs_parse_bulk(rq, buf, len, &hint->off, false);
			if (ret <= 0)
				return ret;
			hint->left--;
		}
		/* all there now: one full parse below */
	}

	nl = kvs_fast_len(buf, 1, len, &ll);
	if (nl) {
		if (nl + 2 > len)
			return 0;
		goto have_count;
	}
	cr = memchr(buf, '\r', len);
	if (!cr) {
		if (len > KVS_INLINE_MAX)
			return kvs_proto_error(rq,
				"Protocol error: too big mbulk count string");
		return 0;
	}
	nl = cr - buf;
	if (nl + 2 > len)
		return 0;
	if (!kvs_string2ll(buf + 1, nl - 1, &ll))
		return kvs_proto_error(rq,
				       "Protocol error: invalid multibulk length");
have_count:
	if (ll > INT_MAX)
		return kvs_proto_error(rq,
				       "Protocol error: invalid multibulk length");
	pos = nl + 2;
	if (ll <= 0)
		return pos;	/* "*0" and "*-1" are skipped, as in Redis */
	count = ll;

	for (i = 0; i < count; i++) {
		ret = kvs_parse_bulk(rq, buf, len, &pos, push);
		if (ret == 0 && hint) {
			hint->off = pos;
			hint->left = count - i;
		}
		if (ret <= 0)
			return ret;
	}
	return pos;
}

static int kvs_hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch |= 0x20;
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

static bool kvs_isspace(char ch)
{
	return ch == ' ' || ch == '\n' || ch == '\r' || ch == '\t' ||
	       ch == '\v' || ch == '\f';
}

/*
 * Split a line like Redis's sdssplitargs(): blanks separate arguments;
 * "..." knows the escapes n r t b a \\ " and xHH; '...' knows \'; a
 * closing quote must be followed by a blank or the end. Arguments are
 * unescaped into rq->scratch (big enough: each argument takes at most its
 * source bytes plus a NUL). Returns -EPROTO on unbalanced quotes.
 */
static int kvs_split_args(struct kvs_req *rq, const char *p, size_t len)
{
	const char *end = p + len;
	char *out = rq->scratch, *arg;
	int err;

	for (;;) {
		bool inq = false, insq = false, done = false;

		while (p < end && kvs_isspace(*p))
			p++;
		if (p >= end)
			return 0;
		arg = out;
		while (!done) {
			char ch = p < end ? *p : '\0';

			if (inq) {
				if (ch == '\0')
					return -EPROTO;
				if (ch == '\\' && end - p >= 4 && p[1] == 'x' &&
				    kvs_hexval(p[2]) >= 0 &&
				    kvs_hexval(p[3]) >= 0) {
					*out++ = kvs_hexval(p[2]) * 16 +
						 kvs_hexval(p[3]);
					p += 3;
				} else if (ch == '\\' && end - p >= 2) {
					p++;
					switch (*p) {
					case 'n':
						*out++ = '\n';
						break;
					case 'r':
						*out++ = '\r';
						break;
					case 't':
						*out++ = '\t';
						break;
					case 'b':
						*out++ = '\b';
						break;
					case 'a':
						*out++ = '\a';
						break;
					default:
						*out++ = *p;
						break;
					}
				} else if (ch == '"') {
					if (p + 1 < end && !kvs_isspace(p[1]))
						return -EPROTO;
					done = true;
				} else {
					*out++ = ch;
				}
			} else if (insq) {
				if (ch == '\0')
					return -EPROTO;
				if (ch == '\\' && end - p >= 2 && p[1] == '\'') {
					p++;
					*out++ = '\'';
				} else if (ch == '\'') {
					if (p + 1 < end && !kvs_isspace(p[1]))
						return -EPROTO;
					done = true;
				} else {
					*out++ = ch;
				}
			} else {
				switch (ch) {
				case ' ':
				case '\n':
				case '\r':
				case '\t':
				case '\0':
					done = true;
					break;
				case '"':
					inq = true;
					break;
				case '\'':
					insq = true;
					break;
				default:
					*out++ = ch;
					break;
				}
			}
			if (p < end)
				p++;
		}
		*out++ = '\0';
		err = kvs_req_push(rq, arg, out - arg - 1);
		if (err)
			return err;
	}
}

static ssize_t kvs_parse_inline(struct kvs_req *rq, char *buf, size_t len)
{
	char *nl = memchr(buf, '\n', len);
	size_t linelen, need;
	int err;

	if (!nl) {
		if (len > KVS_INLINE_MAX)
			return kvs_proto_error(rq,
				"Protocol error: too big inline request");
		return 0;
	}
	linelen = nl - buf;
	if (linelen && buf[linelen - 1] == '\r')
		linelen--;
	/* The line is a C string to Redis: a NUL ends it. */
	linelen = strnlen(buf, linelen);

	need = linelen + 1;
	if (rq->scratch_cap < need) {
		kvs_req_kvfree(rq, rq->scratch, rq->scratch_cap);
		rq->scratch_cap = 0;
		rq->scratch = kvs_req_alloc(rq, max_t(size_t, need, 256));
		if (!rq->scratch)
			return -ENOMEM;
		rq->scratch_cap = max_t(size_t, need, 256);
	}
	err = kvs_split_args(rq, buf, linelen);
	if (err == -EPROTO)
		return kvs_proto_error(rq,
			"Protocol error: unbalanced quotes in request");
	if (err)
		return err;
	return nl - buf + 1;
}

/**
 * kvs_parse_command - parse the command at the start of @buf
 * @rq: receives argc/argv (argc 0: nothing to run, e.g. an empty line)
 * @buf: request bytes (the byte after each bulk payload is overwritten
 *       with a NUL so that every argument is NUL-terminated)
 * @len: bytes available
 * @hint: NULL, or where an earlier call on the same bytes stopped; updated
 *        when the command is incomplete, to be reset by the caller once
 *        the command has been consumed
 *
 * Return: bytes consumed by one command, 0 if the command is incomplete,
 * -EPROTO with the message (without "ERR ") in rq->err, or -ENOMEM.
 */
ssize_t kvs_parse_command(struct kvs_req *rq, char *buf, size_t len,
			  struct kvs_parse_hint *hint)
{
	rq->argc = 0;
	if (len == 0)
		return 0;
	if (buf[0] == '*')
		return kvs_parse_multibulk(rq, buf, len, hint, true);
	return kvs_parse_inline(rq, buf, len);
}
EXPORT_SYMBOL_IF_KVS_KUNIT(kvs_parse_command);

/**
 * kvs_check_command - kvs_parse_command() that only checks the framing
 * @rq: receives the error message; its argv is not filled for RESP
 *      arrays (an inline command is split, to find unbalanced quotes)
 * @buf: request bytes (left as they are for RESP arrays)
 * @len: bytes available
 *
 * For a pipeline that must be whole before any of it runs: its commands
 * are parsed once, when they run, and only scanned here.
 *
 * Return: as kvs_parse_command().
 */
ssize_t kvs_check_command(struct kvs_req *rq, char *buf, size_t len)
{
	rq->argc = 0;
	if (len == 0)
		return 0;
	if (buf[0] == '*')
		return kvs_parse_multibulk(rq, buf, len, NULL, false);
	return kvs_parse_inline(rq, buf, len);
}

// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Loading an AOF into a store: the files the manifest lists (base, then
 * increments), or one old-style file, replayed through a context with
 * pipelined commands, following redis-server 7.0's loading rules:
 *
 *  - each file starts in database 0 (Redis gives each its own client);
 *  - a base starting with "REDIS" is an RDB (loaded by kvs_rdb_load), and
 *    AOF commands may follow it (the old RDB-preamble AOF);
 *  - "#" lines are annotations (#TS:...) and are skipped;
 *  - a file ending inside a command, or inside MULTI, is "truncated":
 *    tolerated for the last file only (aof-load-truncated yes), loading
 *    up to the last whole command and dropping an unfinished MULTI;
 *  - a command the store refuses fails the load (redis-server stops on
 *    an unknown command), naming the file and the command's offset.
 *
 * The commands are forwarded as the bytes the file holds, after the
 * framing was checked here: nothing is rebuilt, and a command is held in
 * memory whole only once (bounded by what is left of the file, and by the
 * 512 MB bulk / 1 GB command limits Redis has).
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aof_int.h"
#include "buf.h"
#include "export.h"

#define BATCH_CMDS	1024
#define BATCH_BYTES	(1 << 20)
#define READ_CHUNK	(1 << 20)

struct loader {
	struct kvs_ctx *c;
	struct kvs_aof_load_opts o;
	struct kvs_aof_stats *st;
	const char *file;		/* the file being loaded */
	int db0;			/* the context is in db 0 for sure */
	int reset;			/* a file starts: back to db 0 */
	int in_multi;
	unsigned long long *offs;	/* file offset of each batched command */
	size_t nbatch;
	size_t batch_bytes;
	unsigned long long done, total, reported;
};

static void lerr(struct loader *L, unsigned long long off, const char *fmt,
		 ...) __attribute__((format(printf, 3, 4)));
static void lerr(struct loader *L, unsigned long long off, const char *fmt,
		 ...)
{
	va_list ap;

	if (L->st->err[0])	/* the first error is the one that counts */
		return;
	va_start(ap, fmt);
	vsnprintf(L->st->err, sizeof(L->st->err), fmt, ap);
	va_end(ap);
	L->st->err_offset = off;
	snprintf(L->st->err_file, sizeof(L->st->err_file), "%s",
		 L->file ? L->file : "");
}

static void lwarn(struct loader *L, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void lwarn(struct loader *L, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	if (!L->o.log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	L->o.log(L->o.arg, msg);
}

static int reply_failed(const struct kvs_reply *r)
{
	size_t i;

	if (r->type == KVS_REPLY_ERROR)
		return 1;
	/* EXEC: the transaction's own replies */
	if (r->type == KVS_REPLY_ARRAY)
		for (i = 0; i < r->elements; i++)
			if (r->element[i] &&
			    r->element[i]->type == KVS_REPLY_ERROR)
				return 1;
	return 0;
}

/* Send the batch and check every reply; all replies are read either way. */
static int flush_batch(struct loader *L)
{
	int ret = 0;
	size_t i;

	for (i = 0; i < L->nbatch; i++) {
		struct kvs_reply *r;
		int err = kvs_get_reply(L->c, &r);

		if (err) {
			lerr(L, L->offs[i], "%s: offset %llu: connection "
			     "failed: %s", L->file, L->offs[i], strerror(-err));
			L->nbatch = 0;
			return err;
		}
		if (!ret && reply_failed(r)) {
			const char *msg = r->type == KVS_REPLY_ERROR ? r->str :
					  "a command of the transaction failed";

			lerr(L, L->offs[i], "%s: offset %llu: the store "
			     "refused the command: %s", L->file, L->offs[i],
			     msg);
			ret = -EINVAL;
		}
		kvs_free_reply(r);
	}
	L->nbatch = 0;
	L->batch_bytes = 0;
	return ret;
}

static int send_raw(struct loader *L, const char *p, size_t n,
		    unsigned long long off)
{
	int err = kvs_append_formatted(L->c, p, n);

	if (err) {
		lerr(L, off, "%s: offset %llu: %s", L->file, off,
		     strerror(-err));
		return err;
	}
	L->offs[L->nbatch++] = off;
	L->batch_bytes += n;
	if (L->nbatch == BATCH_CMDS || L->batch_bytes >= BATCH_BYTES)
		return flush_batch(L);
	return 0;
}

static int ensure_db0(struct loader *L, unsigned long long off)
{
	static const char sel[] = "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n";

	if (!L->reset)
		return 0;
	L->reset = 0;
	if (L->db0)
		return 0;
	L->db0 = 1;
	return send_raw(L, sel, sizeof(sel) - 1, off);
}

static int is_cmd(const struct kvs_aof_cmd *cmd, const char *name)
{
	return cmd->name_len == strlen(name) &&
	       !strncasecmp(cmd->name, name, cmd->name_len);
}

static void progress(struct loader *L, unsigned long long n)
{
	L->done += n;
	L->st->bytes += n;
	if (L->o.progress && L->done - L->reported >= (4 << 20)) {
		L->reported = L->done;
		L->o.progress(L->o.arg, L->done, L->total);
	}
}

/* An RDB at the start of @fd; leaves @fd just past it. */
static int load_rdb(struct loader *L, int fd, unsigned long long *off)
{
	struct kvs_rdb_load_opts ro = {
		.sz = sizeof(ro),
		.flags = KVS_RDB_LOAD_KEEP_EXPIRED,	/* as Redis's preamble */
	};
	struct kvs_rdb_stats rs;
	int ret;

	memset(&rs, 0, sizeof(rs));
	ret = flush_batch(L);
	if (ret)
		return ret;
	if (lseek(fd, 0, SEEK_SET) < 0)
		return -errno;
	ret = kvs_rdb_load(L->c, fd, &ro, &rs);
	L->db0 = 0;
	L->reset = 1;
	if (ret) {
		lerr(L, rs.err_offset, "%s: offset %llu: RDB: %s", L->file,
		     rs.err_offset, rs.err[0] ? rs.err : strerror(-ret));
		return ret;
	}
	L->st->rdb_keys += rs.keys;
	/* rs.bytes is the RDB's exact length: the AOF tail follows */
	if (lseek(fd, (off_t)rs.bytes, SEEK_SET) < 0)
		return -errno;
	*off = rs.bytes;
	progress(L, rs.bytes);
	return 0;
}

/*
 * Read more of @fd (up to *@limit in all) so @b holds @want bytes from
 * pos. A file that ends before *@limit (it shrank) ends there.
 */
static int fill(int fd, struct kvs_buf *b, size_t *pos, size_t want,
		unsigned long long *filepos, unsigned long long *limit)
{
	size_t chunk;

	if (*pos) {
		memmove(b->p, b->p + *pos, b->len - *pos);
		b->len -= *pos;
		*pos = 0;
	}
	chunk = want > b->len ? want - b->len : 0;
	if (chunk < READ_CHUNK)
		chunk = READ_CHUNK;
	if (chunk > *limit - *filepos)
		chunk = (size_t)(*limit - *filepos);
	if (kvs_buf_reserve(b, chunk))
		return -ENOMEM;
	while (chunk) {
		ssize_t n = read(fd, b->p + b->len, chunk);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (!n) {
			*limit = *filepos;
			break;
		}
		b->len += n;
		*filepos += n;
		chunk -= n;
		if (b->len >= want)
			break;
	}
	return 0;
}

enum { LOAD_OK, LOAD_TRUNCATED };

/*
 * One file. Returns LOAD_OK, LOAD_TRUNCATED (the caller decides whether
 * that is fatal; the prefix was loaded and an open MULTI discarded) or
 * -errno with the error recorded.
 */
static int load_file(struct loader *L, int dirfd, const char *name)
{
	unsigned long long filepos = 0, base = 0, valid = 0, size;
	struct kvs_buf b = { 0 };
	size_t pos = 0;
	struct stat sb;
	char sig[5];
	int fd, ret = LOAD_OK;
	ssize_t n;

	L->file = name;
	L->in_multi = 0;
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		lerr(L, 0, "%s: can't open: %s", name, strerror(errno));
		return ret;
	}
	if (fstat(fd, &sb) < 0) {
		ret = -errno;
		goto out;
	}
	size = (unsigned long long)sb.st_size;
	if (!size)
		goto out;
	L->st->files++;
	n = pread(fd, sig, sizeof(sig), 0);
	if (n == (ssize_t)sizeof(sig) && !memcmp(sig, "REDIS", 5)) {
		ret = load_rdb(L, fd, &filepos);
		if (!ret && filepos > size) {
			lerr(L, size, "%s: the RDB loader read %llu bytes of "
			     "%llu", name, filepos, size);
			ret = -EIO;
		}
		if (ret)
			goto out;
		base = valid = filepos;
	}
	for (;;) {
		struct kvs_aof_cmd cmd;
		unsigned long long off = base + pos;
		enum kvs_aof_parse r;
		size_t len;

		r = kvs_aof_parse_cmd(b.p + pos, b.len - pos, size - off,
				      &len, &cmd);
		if (r == KVS_AOF_MORE) {
			if (filepos >= size || len > size - off) {
				if (b.len - pos == 0)
					break;		/* clean end */
				ret = LOAD_TRUNCATED;
				break;
			}
			base += pos;
			ret = fill(fd, &b, &pos, len, &filepos, &size);
			if (ret) {
				lerr(L, filepos, "%s: reading: %s", name,
				     strerror(-ret));
				goto out;
			}
			continue;
		}
		if (r == KVS_AOF_BAD) {
			lerr(L, off + len, "%s: offset %llu: bad file format "
			     "(%s)", name, off + len, cmd.why);
			ret = -EBADMSG;
			goto out;
		}
		if (r == KVS_AOF_CMD) {
			if (is_cmd(&cmd, "MULTI"))
				L->in_multi = 1;
			else if (is_cmd(&cmd, "EXEC"))
				L->in_multi = 0;
			if (is_cmd(&cmd, "SELECT")) {
				L->reset = 0;
				L->db0 = cmd.argc == 2 && cmd.arg1_len == 1 &&
					 cmd.arg1[0] == '0';
			}
			ret = ensure_db0(L, off);
			if (!ret)
				ret = send_raw(L, b.p + pos, len, off);
			if (ret)
				goto out;
			L->st->commands++;
		}
		pos += len;
		valid = off + len;
		progress(L, len);
	}
	if (L->in_multi) {
		static const char discard[] = "*1\r\n$7\r\nDISCARD\r\n";

		lwarn(L, "Revert incomplete MULTI/EXEC transaction in AOF "
		      "file %s", name);
		L->st->multi_dropped = 1;
		L->in_multi = 0;
		ret = send_raw(L, discard, sizeof(discard) - 1, valid);
		if (ret)
			goto out;
		ret = LOAD_TRUNCATED;
	}
	if (ret == LOAD_TRUNCATED) {
		L->st->truncated = 1;
		L->st->truncated_at = valid;
	}
	if (ret >= 0) {
		int err = flush_batch(L);

		if (err)
			ret = err;
	}
out:
	if (ret < 0 && !L->st->err[0])
		lerr(L, base + pos, "%s: %s", name, strerror(-ret));
	if (ret < 0 && L->nbatch)
		flush_batch(L);		/* keep the context in step */
	kvs_buf_free(&b);
	close(fd);
	return ret;
}

static int truncated_verdict(struct loader *L, const char *name, int last)
{
	if (last && !(L->o.flags & KVS_AOF_LOAD_NO_TRUNCATED)) {
		lwarn(L, "!!! Warning: short read while loading the AOF file "
		      "%s!!! Loaded it up to offset %llu, the end of its last "
		      "whole command", name, L->st->truncated_at);
		return 0;
	}
	L->file = name;
	lerr(L, L->st->truncated_at, "%s: offset %llu: unexpected end of "
	     "file%s", name, L->st->truncated_at,
	     last ? " (aof-load-truncated is off)" :
	     ": the truncated file is not the last file");
	return -EIO;
}

/* Where the manifest of @path is, if @path is a directory or a manifest. */
static int find_manifest(const char *path, char *dir, size_t dlen,
			 char *mname, size_t mlen)
{
	struct stat sb;
	size_t n = strlen(path);
	char tmp[4096];
	struct dirent *de;
	DIR *d;
	int found = 0;

	if (stat(path, &sb) < 0)
		return -errno;
	if (!S_ISDIR(sb.st_mode)) {
		char *copy;

		if (n < 9 || strcmp(path + n - 9, ".manifest"))
			return 0;	/* a single AOF file */
		copy = strdup(path);
		if (!copy)
			return -ENOMEM;
		snprintf(dir, dlen, "%s", dirname(copy));
		free(copy);
		copy = strdup(path);
		if (!copy)
			return -ENOMEM;
		snprintf(mname, mlen, "%s", basename(copy));
		free(copy);
		return 1;
	}
	snprintf(dir, dlen, "%s", path);
	snprintf(tmp, sizeof(tmp), "%s/%s", path, KVS_AOF_MANIFEST);
	if (!access(tmp, F_OK)) {
		snprintf(mname, mlen, "%s", KVS_AOF_MANIFEST);
		return 1;
	}
	/* another appendfilename: the one *.manifest there is */
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);

		if (l > 9 && !strcmp(de->d_name + l - 9, ".manifest") &&
		    strncmp(de->d_name, "temp-", 5)) {
			snprintf(mname, mlen, "%s", de->d_name);
			found++;
		}
	}
	closedir(d);
	return found == 1 ? 1 : -ENOENT;
}

KVS_EXPORT int kvs_aof_load(struct kvs_ctx *c, const char *path,
			    const struct kvs_aof_load_opts *o,
			    struct kvs_aof_stats *st)
{
	struct kvs_aof_manifest m = { 0 };
	struct kvs_aof_stats dummy;
	struct loader L = { .c = c };
	char dir[4096], mname[256], mpath[4352];
	const char **names = NULL;
	size_t nnames = 0, i;
	int ret, dirfd = -1;

	if (!st)
		st = &dummy;
	memset(st, 0, sizeof(*st));
	L.st = st;
	if (o) {
		if (o->sz > sizeof(*o) || (o->sz && o->sz < sizeof(size_t)))
			return -EINVAL;
		memcpy(&L.o, o, o->sz ? o->sz : sizeof(*o));
		if (L.o.flags & ~KVS_AOF_LOAD_NO_TRUNCATED)
			return -EINVAL;
	}
	if (kvs_pending(c))
		return -EBUSY;
	L.offs = calloc(BATCH_CMDS, sizeof(*L.offs));
	if (!L.offs)
		return -ENOMEM;

	if (access(path, F_OK) < 0) {
		ret = -errno;
		lerr(&L, 0, "%s: %s", path, strerror(errno));
		goto out;
	}
	ret = find_manifest(path, dir, sizeof(dir), mname, sizeof(mname));
	if (ret < 0) {
		lerr(&L, 0, ret == -ENOENT ? "%s: no AOF manifest there" :
		     "%s: %s", path, strerror(-ret));
		goto out;
	}
	if (ret == 1) {
		snprintf(mpath, sizeof(mpath), "%s/%s", dir, mname);
		L.file = mname;
		ret = kvs_aof_manifest_read(&m, mpath, st->err,
					    sizeof(st->err));
		if (ret) {
			snprintf(st->err_file, sizeof(st->err_file), "%s",
				 mname);
			goto out;
		}
		names = calloc(m.nr + 1, sizeof(*names));
		if (!names) {
			ret = -ENOMEM;
			goto out;
		}
		for (i = 0; i < m.nr; i++)
			if (m.files[i].type == KVS_AOF_TYPE_BASE)
				names[nnames++] = m.files[i].name;
		for (i = 0; i < m.nr; i++)
			if (m.files[i].type == KVS_AOF_TYPE_INCR)
				names[nnames++] = m.files[i].name;
	} else {
		char *copy = strdup(path), *copy2 = strdup(path);

		if (!copy || !copy2) {
			free(copy);
			free(copy2);
			ret = -ENOMEM;
			goto out;
		}
		snprintf(dir, sizeof(dir), "%s", dirname(copy));
		names = calloc(1, sizeof(*names));
		if (!names) {
			free(copy);
			free(copy2);
			ret = -ENOMEM;
			goto out;
		}
		m.files = calloc(1, sizeof(*m.files));
		if (!m.files) {
			free(copy);
			free(copy2);
			ret = -ENOMEM;
			goto out;
		}
		m.files[0].name = strdup(basename(copy2));
		m.files[0].type = KVS_AOF_TYPE_BASE;
		m.files[0].seq = 1;
		m.nr = 1;
		free(copy);
		free(copy2);
		if (!m.files[0].name) {
			ret = -ENOMEM;
			goto out;
		}
		names[nnames++] = m.files[0].name;
	}
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		ret = -errno;
		lerr(&L, 0, "%s: %s", dir, strerror(errno));
		goto out;
	}
	/* every listed file must be there before anything is loaded */
	for (i = 0; i < nnames; i++) {
		struct stat sb;

		if (fstatat(dirfd, names[i], &sb, 0) < 0) {
			ret = -errno;
			L.file = names[i];
			lerr(&L, 0, "%s: the AOF lists it, but: %s", names[i],
			     strerror(errno));
			goto out;
		}
		L.total += (unsigned long long)sb.st_size;
	}
	for (i = 0; i < nnames; i++) {
		int last = i + 1 == nnames;

		L.reset = 1;	/* every file starts in db 0 */
		ret = load_file(&L, dirfd, names[i]);
		if (ret == LOAD_TRUNCATED)
			ret = truncated_verdict(&L, names[i], last);
		if (ret)
			goto out;
	}
	L.file = NULL;
	if (!L.db0) {
		/* leave the context where the documentation says */
		static const char sel[] = "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n";

		ret = send_raw(&L, sel, sizeof(sel) - 1, 0);
		if (!ret)
			ret = flush_batch(&L);
	}
	if (L.o.progress)
		L.o.progress(L.o.arg, L.done, L.total);
out:
	if (dirfd >= 0)
		close(dirfd);
	free(names);
	free(L.offs);
	kvs_aof_manifest_free(&m);
	return ret;
}

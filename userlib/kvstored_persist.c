// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * kvstored's files, with redis-server's policies, on the library's RDB
 * and AOF code (the same the kvstore CLI's --rdb, --aof and --restore
 * use): load at start into an empty module, save rules, SAVE, BGSAVE (a
 * forked child: the module's snapshot is consistent by itself, the fork
 * only keeps the loop free), BGREWRITEAOF, LASTSAVE, the final save of
 * SHUTDOWN and SIGTERM, and the daemon's fields of INFO persistence.
 *
 * The daemon's own device context (ctl) runs CONFIG SET of the
 * configuration, the loads and the snapshots. The state here is global:
 * the entry points called from the event loops run with every loop
 * parked (kvsd_world_stop()), as redis-server runs them on its one
 * thread. The AOF writer follows
 * the module's write feed in a thread of its own (kvs_aof_run()).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "aof_int.h"
#include "buf.h"
#include "kvstore.h"
#include "kvstored.h"

static struct kvs_ctx *ctl;
static long long lastsave;		/* unix time of the last good save */
static bool last_bgsave_ok = true;
static pid_t bgsave_pid;
static long long bgsave_start;
static long long last_bgsave_secs = -1;
static long long last_try_fail;		/* when an automatic save failed */
static unsigned long long rdb_saves;
static long long loaded_keys;

static struct kvs_aof *aof;
static pthread_t aof_thread;
static bool aof_on;
static int aof_last_err;
static unsigned long long aof_rewrites;	/* BGREWRITEAOF, CONFIG SET */
static long long aof_rewrite_secs = -1;	/* the last one's, -1 none yet */
static unsigned long long aof_rewrite_fails;	/* in a row */

int kvsd_ctl_argv(int argc, const char **argv, struct kvs_reply **r)
{
	return kvs_command_argv(ctl, r, argc, argv, NULL);
}

static void persist_log(void *arg, const char *msg)
{
	(void)arg;
	kvsd_log(LL_NOTICE, "%s", msg);
}

/* Give the module the directives kvstored does not own. */
static void apply_passthru(void)
{
	int i, j;

	for (i = 0; i < kvsd_cfg.nr_passthru; i++) {
		struct kvsd_passthru *p = &kvsd_cfg.passthru[i];
		const char **argv = calloc(p->argc + 2, sizeof(*argv));
		struct kvs_reply *r = NULL;
		const char *why;
		int err;

		if (!argv)
			exit(1);
		argv[0] = "CONFIG";
		argv[1] = "SET";
		for (j = 0; j < p->argc; j++)
			argv[j + 2] = p->argv[j];
		err = p->argc >= 2 ? kvsd_ctl_argv(p->argc + 2, argv, &r) : 0;
		free(argv);
		if (err || p->argc < 2 || r->type == KVS_REPLY_ERROR) {
			why = "Bad directive or wrong number of arguments";
			/* "ERR CONFIG SET failed (...) - reason": the reason */
			if (r && r->type == KVS_REPLY_ERROR && r->str &&
			    strstr(r->str, " - ") &&
			    !strstr(r->str, "Unknown option"))
				why = strstr(r->str, " - ") + 3;
			kvsd_config_fatal_line(p->line, p->text, why);
		}
		kvs_free_reply(r);
	}
}

static bool module_empty(void)
{
	const char *argv[] = { "INFO", "keyspace" };
	struct kvs_reply *r = NULL;
	bool empty = true;

	if (!kvsd_ctl_argv(2, argv, &r) && r->str)
		empty = !strstr(r->str, "keys=");
	kvs_free_reply(r);
	return empty;
}

static void aof_path(char *buf, size_t len)
{
	snprintf(buf, len, "%s", kvsd_cfg.appenddirname);
}

static void *aof_main(void *arg)
{
	(void)arg;
	aof_last_err = kvs_aof_run(aof);
	if (aof_last_err)
		kvsd_log(LL_WARNING, "AOF writer stopped: %s",
			 strerror(-aof_last_err));
	return NULL;
}

static int aof_fsync_policy(void)
{
	return kvsd_cfg.appendfsync == 1 ? KVS_AOF_FSYNC_ALWAYS :
	       kvsd_cfg.appendfsync == 2 ? KVS_AOF_FSYNC_NO :
	       KVS_AOF_FSYNC_EVERYSEC;
}

/* auto-aof-rewrite-percentage 0 turns automatic rewrites off */
static unsigned int aof_rewrite_percentage(void)
{
	return kvsd_cfg.aof_rewrite_perc ? kvsd_cfg.aof_rewrite_perc :
	       KVS_AOF_REWRITE_OFF;
}

static int aof_begin(unsigned int flags)
{
	struct kvs_aof_opts o = {
		.sz = sizeof(o),
		.flags = flags,
		.device = kvsd_cfg.device,
		.appendfsync = aof_fsync_policy(),
		.rewrite_percentage = aof_rewrite_percentage(),
		.rewrite_min_size = kvsd_cfg.aof_rewrite_min,
		.log = persist_log,
		.filename = kvsd_cfg.appendfilename,
	};
	char path[4096];
	int err;

	aof_path(path, sizeof(path));
	err = kvs_aof_start(&aof, path, &o);
	if (err) {
		kvsd_log(LL_WARNING, "Can't start the AOF in %s: %s", path,
			 strerror(-err));
		return err;
	}
	if (pthread_create(&aof_thread, NULL, aof_main, NULL)) {
		kvs_aof_close(aof);
		aof = NULL;
		return -EAGAIN;
	}
	aof_on = true;
	return 0;
}

static int aof_end(void)
{
	int err;

	if (!aof_on)
		return 0;
	kvs_aof_stop(aof);
	pthread_join(aof_thread, NULL);
	err = kvs_aof_close(aof);
	aof = NULL;
	aof_on = false;
	return err ? err : aof_last_err;
}

static int load_data(void)
{
	long long t0 = kvsd_mstime();
	struct stat sb;
	char path[4096];
	int err, fd;

	if (!module_empty()) {
		kvsd_log(LL_WARNING, "The kvstore module already holds data: not loading from disk");
		return 0;
	}
	if (kvsd_cfg.appendonly) {
		struct kvs_aof_load_opts o = {
			.sz = sizeof(o), .log = persist_log,
			.flags = kvsd_cfg.aof_load_truncated ? 0 :
				 KVS_AOF_LOAD_NO_TRUNCATED,
		};
		struct kvs_aof_stats st;

		aof_path(path, sizeof(path));
		if (stat(path, &sb))
			return 0;
		memset(&st, 0, sizeof(st));
		err = kvs_aof_load(ctl, path, &o, &st);
		if (err) {
			kvsd_log(LL_WARNING, "Bad file format reading the append only file %s: %s",
				 path, st.err[0] ? st.err : strerror(-err));
			return err;
		}
		loaded_keys = st.rdb_keys + st.commands;
	} else {
		struct kvs_rdb_load_opts o = { .sz = sizeof(o) };
		struct kvs_rdb_stats st;

		fd = open(kvsd_cfg.dbfilename, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return 0;
		memset(&st, 0, sizeof(st));
		err = kvs_rdb_load(ctl, fd, &o, &st);
		close(fd);
		if (err) {
			kvsd_log(LL_WARNING, "Fatal error loading the DB: %s. Exiting.",
				 st.err[0] ? st.err : strerror(-err));
			return err;
		}
		loaded_keys = st.keys;
	}
	kvsd_log(LL_NOTICE, "DB loaded from disk: %.3f seconds",
		 (kvsd_mstime() - t0) / 1000.0);
	return 0;
}

/**
 * kvsd_persist_open - open the daemon's device context and give the
 * module its configuration: first, so that a directive the module
 * refuses is reported like any other configuration error.
 */
int kvsd_persist_open(void)
{
	int err;

	err = kvs_open(&ctl, kvsd_cfg.device, NULL);
	if (err) {
		fprintf(stderr, "Can't open %s: %s\n", kvsd_cfg.device,
			strerror(-err));
		return err;
	}
	apply_passthru();
	return 0;
}

/* kvsd_persist_init - load the data. */
int kvsd_persist_init(void)
{
	lastsave = time(NULL);
	return load_data();
}

/*
 * kvsd_persist_start - the AOF writer's thread, after --user took
 * effect: a thread started before would lose CAP_SYS_ADMIN (capabilities
 * are per thread) and could not snapshot for its rewrites.
 */
int kvsd_persist_start(void)
{
	return kvsd_cfg.appendonly ? aof_begin(0) : 0;
}

static int save_now(void)
{
	struct kvs_rdb_opts o = { .sz = sizeof(o) };
	struct kvs_rdb_stats st;
	int err;

	memset(&st, 0, sizeof(st));
	err = kvs_rdb_save(ctl, kvsd_cfg.dbfilename, &o, &st);
	if (err) {
		kvsd_log(LL_WARNING, "Failed saving the DB: %s",
			 st.err[0] ? st.err : strerror(-err));
		return err;
	}
	kvsd_log(LL_NOTICE, "DB saved on disk");
	lastsave = time(NULL);
	rdb_saves++;
	return 0;
}

static int bgsave_start_child(void)
{
	pid_t pid;

	pid = fork();
	if (pid < 0) {
		kvsd_log(LL_WARNING, "Can't save in background: fork: %s",
			 strerror(errno));
		return -errno;
	}
	if (!pid) {
		/* the child needs none of the clients (their fds would outlive them) */
		kvsd_net_close_all();
		signal(SIGTERM, SIG_DFL);
		_exit(save_now() ? 1 : 0);
	}
	kvsd_log(LL_NOTICE, "Background saving started by pid %d", (int)pid);
	bgsave_pid = pid;
	bgsave_start = time(NULL);
	return 0;
}

static void bgsave_reap(bool wait)
{
	int status;
	pid_t pid;

	if (!bgsave_pid)
		return;
	pid = waitpid(bgsave_pid, &status, wait ? 0 : WNOHANG);
	if (pid != bgsave_pid)
		return;
	last_bgsave_ok = WIFEXITED(status) && !WEXITSTATUS(status);
	last_bgsave_secs = time(NULL) - bgsave_start;
	if (last_bgsave_ok) {
		kvsd_log(LL_NOTICE, "Background saving terminated with success");
		lastsave = time(NULL);
		rdb_saves++;
	} else {
		kvsd_log(LL_WARNING, "Background saving error");
		last_try_fail = time(NULL);
	}
	bgsave_pid = 0;
}

static long long changes_since_save(void)
{
	const char *argv[] = { "INFO", "persistence" };
	struct kvs_reply *r = NULL;
	long long n = 0;
	const char *p;

	if (!kvsd_ctl_argv(2, argv, &r) && r->str) {
		p = strstr(r->str, "rdb_changes_since_last_save:");
		if (p)
			n = atoll(p + strlen("rdb_changes_since_last_save:"));
	}
	kvs_free_reply(r);
	return n;
}

/* Reap the child, apply the save rules. */
static void persist_tick(long long now)
{
	long long changes;
	int i;

	bgsave_reap(false);
	if (bgsave_pid || !kvsd_cfg.nr_save)
		return;
	/* after a failure, as Redis: try again only 5 seconds later */
	if (!last_bgsave_ok && now - last_try_fail < 5)
		return;
	changes = changes_since_save();
	for (i = 0; i < kvsd_cfg.nr_save; i++) {
		struct kvsd_save_rule *r = &kvsd_cfg.save[i];

		if (changes >= r->changes && changes > 0 &&
		    now - lastsave >= r->seconds) {
			kvsd_log(LL_NOTICE, "%lld changes in %lld seconds. Saving...",
				 r->changes, r->seconds);
			bgsave_start_child();
			return;
		}
	}
}

/*
 * Every 100 ms from loop 0: the other loops are parked only when there
 * is something to do (a child to reap, once a second the save rules).
 */
void kvsd_persist_tick(void)
{
	static long long last_check;
	long long now = time(NULL);

	if (!__atomic_load_n(&bgsave_pid, __ATOMIC_RELAXED) &&
	    (!kvsd_cfg.nr_save || now == last_check))
		return;
	last_check = now;
	kvsd_world_stop();
	persist_tick(now);
	kvsd_world_start();
}

/**
 * kvsd_persist_shutdown - what redis-server does before it exits: stop a
 * background save, save if asked (or by default if save rules exist),
 * flush and fsync the AOF. Non-zero: the save failed, do not exit.
 */
int kvsd_persist_shutdown(int how)
{
	if (bgsave_pid) {
		kill(bgsave_pid, SIGKILL);
		bgsave_reap(true);
	}
	if (how == KVSD_SHUTDOWN_SAVE ||
	    (how == KVSD_SHUTDOWN_DEFAULT && kvsd_cfg.nr_save)) {
		kvsd_log(LL_NOTICE, "Saving the final RDB snapshot before exiting.");
		if (save_now()) {
			kvsd_log(LL_WARNING, "Error trying to save the DB, can't exit.");
			return -1;
		}
	}
	if (aof_end())
		kvsd_log(LL_WARNING, "Error flushing the AOF at exit");
	return 0;
}

void kvsd_cmd_save(struct kvsd_conn *c)
{
	kvsd_world_stop();
	if (bgsave_pid)
		kvsd_conn_replys(c, "-ERR Background save already in progress\r\n");
	else
		kvsd_conn_replys(c, save_now() ? "-ERR\r\n" : "+OK\r\n");
	kvsd_world_start();
}

/* BGSAVE's work: 0 started, -EBUSY if one runs, or fork's error. */
int kvsd_persist_bgsave(void)
{
	int err;

	kvsd_world_stop();
	err = bgsave_pid ? -EBUSY : bgsave_start_child();
	kvsd_world_start();
	return err;
}

void kvsd_cmd_bgsave(struct kvsd_conn *c, int argc, char **argv)
{
	int err = kvsd_persist_bgsave();

	(void)argc;
	(void)argv;
	if (err == -EBUSY)
		kvsd_conn_replys(c, "-ERR Background save already in progress\r\n");
	else
		kvsd_conn_replys(c, err ? "-ERR\r\n" :
				 "+Background saving started\r\n");
}

void kvsd_cmd_lastsave(struct kvsd_conn *c)
{
	char buf[32];

	kvsd_world_stop();
	snprintf(buf, sizeof(buf), ":%lld\r\n", lastsave);
	kvsd_world_start();
	kvsd_conn_replys(c, buf);
}

/*
 * appendfsync always: called before replies go to a socket, so that none
 * leaves before the writes it acknowledges are in the AOF and fsync'd
 * (redis-server fsyncs before it writes replies). A SIGKILL then loses
 * nothing that was acknowledged.
 */
void kvsd_persist_barrier(void)
{
	static long long last_warn;
	int err;

	if (!aof_on || kvsd_cfg.appendfsync != 1)
		return;
	err = kvs_aof_sync(aof);
	if (err && kvsd_mstime() - last_warn >= 1000) {
		last_warn = kvsd_mstime();
		kvsd_log(LL_WARNING, "Replying before the AOF is fsync'd: %s",
			 strerror(-err));
	}
}

/*
 * A rewrite is a new base from a fresh snapshot, which is what starting
 * the writer does: stop the running one (flushed), start again.
 */
/* A new base from a fresh snapshot, timed and counted for INFO. */
static int aof_rewrite(void)
{
	long long t0 = kvsd_mstime();
	int err = aof_begin(KVS_AOF_FORCE);

	aof_rewrite_secs = (kvsd_mstime() - t0) / 1000;
	aof_rewrites += !err;
	aof_rewrite_fails = err ? aof_rewrite_fails + 1 : 0;
	return err;
}

/* BGREWRITEAOF's work, run to its end: 0 or the error. */
int kvsd_persist_rewrite(void)
{
	int err;

	kvsd_world_stop();
	aof_end();
	err = aof_rewrite();
	if (!err && !kvsd_cfg.appendonly)
		aof_end();
	kvsd_world_start();
	return err;
}

void kvsd_cmd_bgrewriteaof(struct kvsd_conn *c)
{
	kvsd_conn_replys(c, kvsd_persist_rewrite() ? "-ERR\r\n" :
			 "+Background append only file rewriting started\r\n");
}

/*
 * CONFIG SET appendfsync, auto-aof-rewrite-*: a running writer follows
 * them from now on, as redis-server reads them for each write.
 */
void kvsd_persist_config_changed(void)
{
	if (aof_on)
		kvs_aof_set_policy(aof, aof_fsync_policy(),
				   aof_rewrite_percentage(),
				   kvsd_cfg.aof_rewrite_min);
}

/*
 * CONFIG SET appendonly: on, a rewrite from a fresh snapshot, then the
 * feed appended (redis-server's startAppendOnly); off, the writer is
 * flushed and stopped. The caller has stopped the world.
 */
int kvsd_persist_set_appendonly(bool on)
{
	int err = 0;

	if (on && !aof_on)
		err = aof_rewrite();
	else if (!on && aof_on)
		aof_end();
	if (err) {
		kvsd_log(LL_WARNING, "Redis needs to enable the AOF but can't trigger a background AOF rewrite operation.");
		return err;
	}
	kvsd_cfg.appendonly = on;
	kvsd_log(LL_NOTICE, on ? "Background append only file rewriting started" :
		 "AOF turned off");
	return 0;
}

/* The write feed's head (INFO replication's master_repl_offset). */
static unsigned long long feed_head(void)
{
	const char *argv[] = { "INFO", "replication" };
	struct kvs_reply *r = NULL;
	unsigned long long n = 0;
	const char *p;

	if (!kvsd_ctl_argv(2, argv, &r) && r->str) {
		p = strstr(r->str, "master_repl_offset:");
		if (p)
			n = strtoull(p + strlen("master_repl_offset:"), NULL,
				     10);
	}
	kvs_free_reply(r);
	return n;
}

/*
 * The AOF fields redis-server adds when the AOF is on. Its write buffer
 * (aof_buffer_length) is here what the module's feed holds that the
 * writer has not put in the file yet; its background fsync
 * (aof_pending_bio_fsync) the writer's owed everysec fsync.
 */
static size_t info_aof_sizes(char *out, size_t room)
{
	struct kvs_aof_manifest m = { 0 };
	struct kvs_aof_writer_info wi = { 0 };
	unsigned long long cur = 0, base = 0, head, buffered = 0;
	char path[4096], err[128];
	size_t i;

	snprintf(path, sizeof(path), "%s/%s.manifest", kvsd_cfg.appenddirname,
		 kvsd_cfg.appendfilename);
	if (!kvs_aof_manifest_read(&m, path, err, sizeof(err))) {
		kvs_aof_manifest_size(&m, kvsd_cfg.appenddirname, &cur);
		for (i = 0; i < m.nr; i++) {
			struct stat sb;

			snprintf(path, sizeof(path), "%s/%s",
				 kvsd_cfg.appenddirname, m.files[i].name);
			if (m.files[i].type == KVS_AOF_TYPE_BASE &&
			    !stat(path, &sb))
				base = sb.st_size;
		}
		kvs_aof_manifest_free(&m);
	}
	kvs_aof_writer_info(aof, &wi);
	head = feed_head();
	if (wi.feed_ok && head > wi.feed_pos)
		buffered = head - wi.feed_pos;
	return snprintf(out, room,
			"aof_current_size:%llu\r\n"
			"aof_base_size:%llu\r\n"
			"aof_pending_rewrite:%d\r\n"
			"aof_buffer_length:%llu\r\n"
			"aof_pending_bio_fsync:%d\r\n"
			"aof_delayed_fsync:%llu\r\n", cur, base,
			wi.pending_rewrite, buffered, wi.pending_fsync,
			wi.delayed_fsync);
}

/**
 * kvsd_info_has_persistence - does this INFO show the persistence section?
 * @argc: its arguments, the name included
 * @argv: them
 *
 * No section named is INFO's "default", which has it, as "all" and
 * "everything" have.
 */
bool kvsd_info_has_persistence(int argc, char **argv)
{
	static const char *const with[] = {
		"persistence", "default", "all", "everything",
	};
	int i;
	size_t k;

	if (argc == 1)
		return true;
	for (i = 1; i < argc; i++)
		for (k = 0; k < sizeof(with) / sizeof(with[0]); k++)
			if (!strcasecmp(argv[i], with[k]))
				return true;
	return false;
}

/*
 * The module's INFO, with the persistence fields that are the daemon's
 * put right. It runs on the client's own fd, so it is counted for that
 * client and framed in its protocol: a bulk string, or a RESP3 verbatim
 * "txt" one.
 */
void kvsd_cmd_info(struct kvsd_conn *c, int argc, char **argv,
		   size_t *argvlen)
{
	struct kvs_buf r = { 0 };
	char *out = NULL, *body, *line, *save, *end, *req = NULL, hdr[32];
	size_t len = 0, cap, blen;
	ssize_t rlen;
	bool verbatim;

	kvsd_world_stop();
	rlen = kvs_format_argv(&req, argc, (const char **)argv, argvlen);
	if (rlen < 0 || kvsd_conn_exec_req(c, req, rlen, &r) || !r.len) {
		kvsd_conn_replys(c, "-ERR\r\n");
		goto done;
	}
	verbatim = r.p[0] == '=';
	end = memchr(r.p, '\n', r.len);
	blen = end ? strtoul(r.p + 1, NULL, 10) : 0;
	body = end ? end + 1 : NULL;
	if (verbatim && blen >= 4) {
		body += 4;	/* "txt:" */
		blen -= 4;
	}
	if ((r.p[0] != '$' && !verbatim) || !body ||
	    (size_t)(body - r.p) + blen + 2 > r.len) {
		/* an error (or a reply we do not know): the client's as it is */
		kvsd_conn_reply(c, r.p, r.len);
		goto done;
	}
	body[blen] = '\0';
	cap = blen + 1024;
	out = malloc(cap);
	if (!out) {
		kvsd_conn_replys(c, "-ERR\r\n");
		goto done;
	}
	for (line = strtok_r(body, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(line, ':');
		size_t kl = colon ? (size_t)(colon - line) : 0;
		char val[64];
		const char *v = NULL;

#define KEY(k) (kl == strlen(k) && !strncmp(line, k, kl))
		if (KEY("rdb_bgsave_in_progress")) {
			v = bgsave_pid ? "1" : "0";
		} else if (KEY("rdb_last_save_time")) {
			snprintf(val, sizeof(val), "%lld", lastsave);
			v = val;
		} else if (KEY("rdb_last_bgsave_status")) {
			v = last_bgsave_ok ? "ok" : "err";
		} else if (KEY("rdb_last_bgsave_time_sec")) {
			snprintf(val, sizeof(val), "%lld", last_bgsave_secs);
			v = val;
		} else if (KEY("rdb_current_bgsave_time_sec")) {
			snprintf(val, sizeof(val), "%lld", bgsave_pid ?
				 (long long)time(NULL) - bgsave_start : -1LL);
			v = val;
		} else if (KEY("rdb_saves")) {
			snprintf(val, sizeof(val), "%llu", rdb_saves);
			v = val;
		} else if (KEY("rdb_last_load_keys_loaded")) {
			snprintf(val, sizeof(val), "%lld", loaded_keys);
			v = val;
		} else if (KEY("aof_enabled")) {
			v = aof_on ? "1" : "0";
		} else if (KEY("aof_rewrite_scheduled")) {
			struct kvs_aof_writer_info wi = { 0 };

			if (aof_on)
				kvs_aof_writer_info(aof, &wi);
			v = wi.pending_rewrite ? "1" : "0";
		} else if (KEY("aof_rewrites")) {
			snprintf(val, sizeof(val), "%llu", aof_rewrites);
			v = val;
		} else if (KEY("aof_last_write_status")) {
			v = aof_last_err ? "err" : "ok";
		} else if (KEY("aof_last_bgrewrite_status")) {
			v = aof_rewrite_fails ? "err" : "ok";
		} else if (KEY("aof_rewrites_consecutive_failures")) {
			snprintf(val, sizeof(val), "%llu", aof_rewrite_fails);
			v = val;
		} else if (KEY("aof_last_rewrite_time_sec")) {
			snprintf(val, sizeof(val), "%lld", aof_rewrite_secs);
			v = val;
		}
#undef KEY
		if (v)
			len += snprintf(out + len, cap - len, "%.*s:%s\r\n",
					(int)kl, line, v);
		else
			len += snprintf(out + len, cap - len, "%s\n", line);
		if (len >= cap)
			break;
		if (aof_on && !strncmp(line, "module_fork_last_cow_size:", 26))
			len += info_aof_sizes(out + len, cap - len);
		if (len >= cap)
			break;
	}
	if (len >= cap) {
		/* cannot happen: the daemon's lines fit the 1 KiB of room */
		kvsd_conn_replys(c, "-ERR\r\n");
		goto done;
	}
	if (verbatim)
		snprintf(hdr, sizeof(hdr), "=%zu\r\ntxt:", len + 4);
	else
		snprintf(hdr, sizeof(hdr), "$%zu\r\n", len);
	kvsd_conn_replys(c, hdr);
	kvsd_conn_reply(c, out, len);
	kvsd_conn_replys(c, "\r\n");
done:
	kvsd_world_start();
	free(req);
	free(out);
	kvs_buf_free(&r);
}

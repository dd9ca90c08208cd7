/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * kvstored: redis-server's network front, files and configuration in
 * front of /dev/kvstore. An epoll loop per thread (io-threads, default
 * one, as redis-server's); every client connection owns its own device fd and its
 * bytes are relayed unparsed
 * (kvstored_net.c), except the few commands only the daemon can run
 * (kvstored_cmd.c), found by a framing scan that never looks inside
 * argument payloads.
 */
#ifndef KVSTORED_H
#define KVSTORED_H

#include <stddef.h>
#include <stdbool.h>
#include <time.h>

#define KVSD_VERSION		"7.0.15"
#define KVSD_MAX_BIND		16
#define KVSD_MAX_SAVE		16

enum { LL_DEBUG, LL_VERBOSE, LL_NOTICE, LL_WARNING };

struct kvsd_save_rule {
	long long seconds;
	long long changes;
};

/* A directive kvstored does not own: handed to the module's CONFIG SET. */
struct kvsd_passthru {
	int line;
	char *text;		/* the line as redis-server prints it */
	int argc;
	char **argv;
};

struct kvsd_config {
	char *bind[KVSD_MAX_BIND];
	int nr_bind;
	int port;
	char *unixsocket;
	unsigned int unixsocketperm;
	char *requirepass;
	long long timeout;
	long long tcp_keepalive;
	long long maxclients;
	bool daemonize;
	char *pidfile;
	char *logfile;
	int loglevel;
	char *dir;
	char *dbfilename;
	struct kvsd_save_rule save[KVSD_MAX_SAVE];
	int nr_save;
	bool appendonly;
	char *appendfilename;
	char *appenddirname;
	int appendfsync;
	long long aof_rewrite_perc;
	long long aof_rewrite_min;
	bool aof_load_truncated;
	bool protected_mode;
	int enable_protected_configs;	/* no, yes, local */
	long long io_threads;	/* event loops */
	char *user;		/* --user: not redis-server's, kvstored's own */
	char *device;		/* --device (tests), default /dev/kvstore */
	struct kvsd_passthru *passthru;
	int nr_passthru;
};

extern struct kvsd_config kvsd_cfg;

/* kvstored_config.c */
void kvsd_config_defaults(struct kvsd_config *cfg);
void kvsd_config_load(struct kvsd_config *cfg, int argc, char **argv);
void kvsd_config_fatal_line(int line, const char *text, const char *err)
	__attribute__((noreturn));
void kvsd_free_args(char **argv, int argc);
bool kvsd_config_value(const char *name, size_t len, char *buf,
		       size_t room);
const char *kvsd_config_owned(int i);
bool kvsd_config_is_owned(const char *name, size_t len);
struct kvsd_config *kvsd_config_stage(int argc, char **argv,
				      size_t *argvlen, bool local, char *err,
				      size_t room, int *bad_at, int *phase);
void kvsd_config_commit(struct kvsd_config *st);
void kvsd_config_drop(struct kvsd_config *st);
const char *kvsd_config_exposed(const struct kvsd_config *c);

/* kvstored.c */
void kvsd_log(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
long long kvsd_mstime(void);
extern volatile int kvsd_shutdown_asked;

/* kvstored_net.c */
struct kvsd_conn;
int kvsd_net_listen(void);
int kvsd_net_rebind(const struct kvsd_config *st);
int kvsd_net_loop(void);
void kvsd_conn_reply(struct kvsd_conn *c, const char *s, size_t len);
void kvsd_conn_replys(struct kvsd_conn *c, const char *s);
void kvsd_conn_send_dev(struct kvsd_conn *c, const char *s, size_t len);
void kvsd_conn_close_after_reply(struct kvsd_conn *c);
void kvsd_conn_patch_config(struct kvsd_conn *c);
bool kvsd_conn_authed(const struct kvsd_conn *c);
void kvsd_conn_set_authed(struct kvsd_conn *c);
const char *kvsd_conn_peer(const struct kvsd_conn *c);
int *kvsd_conn_auth_fails(struct kvsd_conn *c);
void kvsd_net_close_all(void);
void kvsd_net_shutdown(void);
void kvsd_world_stop(void);
void kvsd_world_start(void);

/* kvstored_persist.c */
int kvsd_persist_open(void);
int kvsd_persist_init(void);
int kvsd_persist_start(void);
void kvsd_persist_tick(void);
void kvsd_persist_barrier(void);
int kvsd_persist_shutdown(int how);
void kvsd_cmd_save(struct kvsd_conn *c);
void kvsd_cmd_bgsave(struct kvsd_conn *c, int argc, char **argv);
void kvsd_cmd_lastsave(struct kvsd_conn *c);
void kvsd_cmd_bgrewriteaof(struct kvsd_conn *c);
int kvsd_persist_bgsave(void);
int kvsd_persist_rewrite(void);
bool kvsd_info_has_persistence(int argc, char **argv);
void kvsd_cmd_info(struct kvsd_conn *c, int argc, char **argv,
		   size_t *argvlen);
int kvsd_persist_set_appendonly(bool on);
void kvsd_persist_config_changed(void);
struct kvs_reply;
int kvsd_ctl_argv(int argc, const char **argv, struct kvs_reply **r);
#define KVSD_SHUTDOWN_DEFAULT	0
#define KVSD_SHUTDOWN_SAVE	1
#define KVSD_SHUTDOWN_NOSAVE	2

/* kvstored_cmd.c: the commands the daemon answers */
enum kvsd_cmd_id {
	KVSD_CMD_NONE,
	KVSD_CMD_AUTH,
	KVSD_CMD_HELLO,
	KVSD_CMD_SAVE,
	KVSD_CMD_BGSAVE,
	KVSD_CMD_BGREWRITEAOF,
	KVSD_CMD_LASTSAVE,
	KVSD_CMD_SHUTDOWN,
	KVSD_CMD_INFO,
	KVSD_CMD_CONFIG,
	/* the relay goes on at these: only a transaction's state is kept */
	KVSD_CMD_MULTI,
	KVSD_CMD_EXEC,
	KVSD_CMD_DISCARD,
	KVSD_CMD_RESET,
	KVSD_CMD_WATCH,
};
enum kvsd_cmd_id kvsd_cmd_lookup(const char *name, size_t len);
/* 1: answered by the daemon; 0: forward the frame to the device */
int kvsd_cmd_run(struct kvsd_conn *c, enum kvsd_cmd_id id, int argc,
		 char **argv, size_t *argvlen);
int kvsd_cmd_preauth(struct kvsd_conn *c, int argc, char **argv,
		     size_t *argvlen);

/*
 * kvstored_cfgget.c: CONFIG GET with kvstored's parameters, also queued
 * in a transaction, and the daemon's commands queued there: the index
 * of each among the queued commands, to put kvstored's answer in EXEC's
 * reply. At most KVSD_MULTI_KEEP of them and KVSD_MULTI_KEEP_BYTES of
 * their arguments per transaction: the module charges its queue to the
 * client, these copies are the daemon's memory.
 */
#define KVSD_MULTI_KEEP		1024
#define KVSD_MULTI_KEEP_BYTES	(1 << 20)

struct kvsd_qcfg {
	unsigned int index;
	enum kvsd_cmd_id id;	/* CONFIG: GET or SET; else the command */
	bool mod_part;		/* CONFIG SET: the module queued its pairs */
	int argc;
	char **argv;
	size_t *argvlen;
};

struct kvsd_multi {
	bool on;		/* MULTI seen, no EXEC/DISCARD/RESET yet */
	unsigned int queued;	/* commands queued since */
	struct kvsd_qcfg *cfg;
	unsigned int nr_cfg;
	size_t cfg_bytes;	/* argument bytes kept in cfg[] */
};

struct kvs_buf;
bool kvsd_multi_step(struct kvsd_multi *m, enum kvsd_cmd_id id);
void kvsd_multi_end(struct kvsd_multi *m);
int kvsd_config_get(struct kvsd_conn *c, int argc, char **argv,
		    size_t *argvlen);
int kvsd_multi_exec(struct kvsd_conn *c);
int kvsd_multi_queue(struct kvsd_conn *c, enum kvsd_cmd_id id, int argc,
		     char **argv, size_t *argvlen, const char *frame,
		     size_t flen);
bool kvsd_multi_reject(struct kvsd_conn *c, const char *err);
/* kvstored_cmd.c: a queued command of the daemon's, run at EXEC */
void kvsd_cmd_exec_queued(struct kvsd_conn *c, enum kvsd_cmd_id id,
			  int argc, char **argv, size_t *argvlen,
			  bool mod_done);
/* kvstored_net.c, for the above */
struct kvsd_multi *kvsd_conn_multi(struct kvsd_conn *c);
int kvsd_conn_exec_frame(struct kvsd_conn *c, struct kvs_buf *reply);
int kvsd_conn_exec_req(struct kvsd_conn *c, const char *req, size_t len,
		       struct kvs_buf *reply);

#endif /* KVSTORED_H */

// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * kvstore: the command line client, redis-cli's twin.
 *
 * Output is byte-for-byte what redis-cli 7.0 prints for the same replies,
 * so scripts written against redis-cli keep working: human format when
 * stdout is a TTY, raw otherwise (--raw/--no-raw force one). By default it
 * talks to /dev/kvstore; -s/-h/-p talk RESP over a socket (kvstored, or a
 * redis-server to compare with).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "buf.h"
#include "kvstore.h"
#include "splitargs.h"

#ifndef KVS_CLI_VERSION
#define KVS_CLI_VERSION "1.0.0"
#endif

enum { OUT_STANDARD, OUT_RAW };

static struct {
	const char *dev;	/* device path, NULL: $KVSTORE_DEV or default */
	const char *sock;	/* -s */
	const char *host;	/* -h */
	int port;		/* -p */
	int tcp;
	int dbnum;		/* -n, then SELECT */
	long long repeat;	/* -r, -1 forever */
	double interval;	/* -i, seconds */
	int stdin_lastarg;	/* -x */
	int resp3;		/* -3: HELLO 3 after connecting */
	int output;
	int push_output;	/* print RESP3 pushes met while awaiting a reply */
	int scan;
	const char *pattern;
	long long count;
	int in_multi;
	int interactive;	/* REPL: errors are not fatal */
	const char *rdb_file;	/* --rdb */
	const char *restore;	/* --restore */
	int flush;		/* --flush: FLUSHALL before --restore */
	const char *aof_dir;	/* --aof */
	int appendfsync;	/* --appendfsync, KVS_AOF_FSYNC_* */
	unsigned int aof_flags;	/* KVS_AOF_* */
	unsigned int aof_rewrite_perc;
	unsigned long long aof_rewrite_min;
	struct kvs_ctx *c;
} cfg = { .port = 6379, .repeat = 1, .output = OUT_STANDARD };

/* ------------------------------------------------------------ formatting */

static void out_add(struct kvs_buf *o, const void *p, size_t n)
{
	if (kvs_buf_add(o, p, n)) {
		fprintf(stderr, "Out of memory\n");
		exit(1);
	}
}

static void out_str(struct kvs_buf *o, const char *s)
{
	out_add(o, s, strlen(s));
}

static void out_fmt(struct kvs_buf *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void out_fmt(struct kvs_buf *o, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	out_add(o, tmp, n < (int)sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* A quoted, escaped string as redis-cli shows it on a TTY. */
static void out_repr(struct kvs_buf *o, const char *s, size_t n)
{
	size_t i;

	out_add(o, "\"", 1);
	for (i = 0; i < n; i++) {
		unsigned char ch = s[i];

		switch (ch) {
		case '\\': out_str(o, "\\\\"); break;
		case '"': out_str(o, "\\\""); break;
		case '\n': out_str(o, "\\n"); break;
		case '\r': out_str(o, "\\r"); break;
		case '\t': out_str(o, "\\t"); break;
		case '\a': out_str(o, "\\a"); break;
		case '\b': out_str(o, "\\b"); break;
		default:
			if (isprint(ch))
				out_add(o, &ch, 1);
			else
				out_fmt(o, "\\x%02x", ch);
		}
	}
	out_add(o, "\"", 1);
}

static int is_aggregate(int t)
{
	return t == KVS_REPLY_ARRAY || t == KVS_REPLY_MAP ||
	       t == KVS_REPLY_SET || t == KVS_REPLY_PUSH;
}

/* Does @r take more than one line in the human format? (redis-cli's rule) */
static int is_multiline(const struct kvs_reply *r)
{
	if (!is_aggregate(r->type) || !r->elements)
		return 0;
	if (r->type == KVS_REPLY_MAP)
		return r->elements > 2 || is_multiline(r->element[1]);
	return r->elements > 1 || is_multiline(r->element[0]);
}

/*
 * Human format. Children of an aggregate are numbered "N) " with N
 * right-aligned to the widest index; nested aggregates continue on the
 * same line and their later lines are indented by the parent's prefix
 * plus the width of "N) ".
 */
static void format_tty(struct kvs_buf *o, const struct kvs_reply *r,
		       const char *prefix)
{
	switch (r->type) {
	case KVS_REPLY_ERROR:
		out_str(o, "(error) ");
		out_add(o, r->str, r->len);
		out_str(o, "\n");
		return;
	case KVS_REPLY_STATUS:
		out_add(o, r->str, r->len);
		out_str(o, "\n");
		return;
	case KVS_REPLY_INTEGER:
		out_fmt(o, "(integer) %lld\n", r->integer);
		return;
	case KVS_REPLY_DOUBLE:
		out_str(o, "(double) ");
		out_add(o, r->str, r->len);
		out_str(o, "\n");
		return;
	case KVS_REPLY_BIGNUM:
		out_str(o, "(big number) ");
		out_add(o, r->str, r->len);
		out_str(o, "\n");
		return;
	case KVS_REPLY_STRING:
		out_repr(o, r->str, r->len);
		out_str(o, "\n");
		return;
	case KVS_REPLY_VERB:
		out_add(o, r->str, r->len);	/* meant to be read as is */
		out_str(o, "\n");
		return;
	case KVS_REPLY_NIL:
		out_str(o, "(nil)\n");
		return;
	case KVS_REPLY_BOOL:
		out_str(o, r->integer ? "(true)\n" : "(false)\n");
		return;
	}
	if (!is_aggregate(r->type)) {
		out_fmt(o, "Unknown reply type: %d\n", r->type);
		return;
	}
	if (!r->elements) {
		out_str(o, r->type == KVS_REPLY_ARRAY ? "(empty array)\n" :
			   r->type == KVS_REPLY_MAP ? "(empty hash)\n" :
			   r->type == KVS_REPLY_SET ? "(empty set)\n" :
			   "(empty push)\n");
		return;
	}

	size_t shown = r->type == KVS_REPLY_MAP ? r->elements / 2 : r->elements;
	size_t i, width = 0, plen = strlen(prefix);
	char sep = r->type == KVS_REPLY_SET ? '~' :
		   r->type == KVS_REPLY_MAP ? '#' : ')';
	char *child;

	for (i = shown; i; i /= 10)
		width++;
	child = malloc(plen + width + 3);
	if (!child) {
		fprintf(stderr, "Out of memory\n");
		exit(1);
	}
	memcpy(child, prefix, plen);
	memset(child + plen, ' ', width + 2);
	child[plen + width + 2] = '\0';

	for (i = 0; i < r->elements; i++) {
		size_t idx = (r->type == KVS_REPLY_MAP ? i / 2 : i) + 1;

		/* The first line's prefix was written by our parent. */
		if (i)
			out_str(o, prefix);
		out_fmt(o, "%*zu%c ", (int)width, idx, sep);
		format_tty(o, r->element[i], child);
		if (r->type == KVS_REPLY_MAP) {
			o->len--;	/* the key's newline */
			out_str(o, " => ");
			/* a multi-line value starts on a line of its own */
			if (is_multiline(r->element[i + 1])) {
				out_str(o, "\n");
				out_str(o, child);
			}
			format_tty(o, r->element[++i], child);
		}
	}
	free(child);
}

/* Raw format: values only, aggregates one element per line. */
static void format_raw(struct kvs_buf *o, const struct kvs_reply *r)
{
	size_t i;

	switch (r->type) {
	case KVS_REPLY_NIL:
		return;
	case KVS_REPLY_ERROR:
		out_add(o, r->str, r->len);
		out_str(o, "\n");
		return;
	case KVS_REPLY_STATUS:
	case KVS_REPLY_STRING:
	case KVS_REPLY_VERB:
	case KVS_REPLY_DOUBLE:
	case KVS_REPLY_BIGNUM:
		out_add(o, r->str, r->len);
		return;
	case KVS_REPLY_INTEGER:
		out_fmt(o, "%lld", r->integer);
		return;
	case KVS_REPLY_BOOL:
		out_str(o, r->integer ? "(true)" : "(false)");
		return;
	}
	for (i = 0; i < r->elements; i++) {
		if (i)
			out_str(o, "\n");
		format_raw(o, r->element[i]);
		if (r->type == KVS_REPLY_MAP) {
			out_str(o, " ");
			format_raw(o, r->element[++i]);
		}
	}
}

/*
 * @raw_strings: commands whose output is text meant for humans (INFO,
 * CLIENT LIST...) are shown raw even on a TTY, as redis-cli does.
 */
static void print_reply(const struct kvs_reply *r, int raw_strings)
{
	struct kvs_buf o = { 0 };

	if (raw_strings) {
		format_raw(&o, r);	/* the text ends in its own newline */
	} else if (cfg.output == OUT_RAW) {
		format_raw(&o, r);
		out_str(&o, "\n");
	} else {
		format_tty(&o, r, "");
	}
	fwrite(o.p ? o.p : "", 1, o.len, stdout);
	fflush(stdout);
	kvs_buf_free(&o);
}

/* redis-cli's isInvalidateReply(): shown in its own short form. */
static int is_invalidate(const struct kvs_reply *r)
{
	return r->type == KVS_REPLY_PUSH && r->elements == 2 &&
	       r->element[0]->type == KVS_REPLY_STRING &&
	       !strncmp(r->element[0]->str, "invalidate", 10) &&
	       r->element[1]->type == KVS_REPLY_ARRAY;
}

/*
 * A push met while a reply was awaited (client-side caching
 * invalidations): printed apart, as hiredis hands it to redis-cli's
 * cliPushHandler, when pushes are shown (a TTY, FAKETTY or
 * --show-pushes yes), else dropped.
 */
static void print_push(const struct kvs_reply *r)
{
	struct kvs_buf o = { 0 };
	size_t i;

	if (!cfg.push_output)
		return;
	if (cfg.output != OUT_STANDARD || !is_invalidate(r)) {
		print_reply(r, 0);
		return;
	}
	out_str(&o, "-> invalidate: ");
	for (i = 0; i < r->element[1]->elements; i++) {
		const struct kvs_reply *k = r->element[1]->element[i];

		/* a C string, as redis-cli prints it: up to a NUL */
		out_fmt(&o, "'%s'", k->type == KVS_REPLY_STRING ? k->str : "");
		if (i + 1 < r->element[1]->elements)
			out_str(&o, ", ");
	}
	out_str(&o, "\n");
	fwrite(o.p, 1, o.len, stdout);
	fflush(stdout);
	kvs_buf_free(&o);
}

static int cmd_is(int argc, char **argv, const char *name, int min_argc)
{
	return argc >= min_argc && !strcasecmp(argv[0], name);
}

static int wants_raw_strings(int argc, char **argv)
{
	if (cmd_is(argc, argv, "info", 1) || cmd_is(argc, argv, "lolwut", 1))
		return 1;
	if (argc < 2)
		return 0;
	if (cmd_is(argc, argv, "debug", 2))
		return !strcasecmp(argv[1], "htstats") ||
		       !strcasecmp(argv[1], "htstats-key") ||
		       !strcasecmp(argv[1], "client-eviction");
	if (cmd_is(argc, argv, "memory", 2))
		return !strcasecmp(argv[1], "malloc-stats") ||
		       !strcasecmp(argv[1], "doctor");
	if (argc == 2 && cmd_is(argc, argv, "cluster", 2))
		return !strcasecmp(argv[1], "nodes") ||
		       !strcasecmp(argv[1], "info");
	if (cmd_is(argc, argv, "client", 2))
		return !strcasecmp(argv[1], "list") ||
		       !strcasecmp(argv[1], "info");
	if (argc == 3 && cmd_is(argc, argv, "latency", 3))
		return !strcasecmp(argv[1], "graph");
	if (argc == 2 && cmd_is(argc, argv, "latency", 2))
		return !strcasecmp(argv[1], "doctor");
	return 0;
}

/* ------------------------------------------------------------ connection */

static const char *target_name(char *buf, size_t sz)
{
	if (cfg.sock)
		snprintf(buf, sz, "%s", cfg.sock);
	else if (cfg.tcp)
		snprintf(buf, sz, "%s:%d", cfg.host, cfg.port);
	else
		snprintf(buf, sz, "%s", cfg.dev ? cfg.dev :
			 getenv(KVS_DEVICE_ENV) && *getenv(KVS_DEVICE_ENV) ?
			 getenv(KVS_DEVICE_ENV) : KVS_DEFAULT_DEVICE);
	return buf;
}

static void select_db(void)
{
	struct kvs_reply *r;

	if (!cfg.dbnum)
		return;
	if (kvs_command(cfg.c, &r, "SELECT %d", cfg.dbnum))
		return;
	if (r->type == KVS_REPLY_ERROR) {
		fprintf(stderr, "SELECT %d failed: %s\n", cfg.dbnum, r->str);
		cfg.dbnum = 0;
	}
	kvs_free_reply(r);
}

static void hello3(void)
{
	struct kvs_reply *r;

	if (kvs_command(cfg.c, &r, "HELLO 3"))
		return;
	if (r->type == KVS_REPLY_ERROR)
		fprintf(stderr, "HELLO 3 failed: %s\n", r->str);
	kvs_free_reply(r);
}

static int cli_connect(void)
{
	char name[512];
	int err;

	if (cfg.c) {
		kvs_close(cfg.c);
		cfg.c = NULL;
	}
	if (cfg.sock)
		err = kvs_connect_unix(&cfg.c, cfg.sock);
	else if (cfg.tcp)
		err = kvs_connect_tcp(&cfg.c, cfg.host, cfg.port);
	else
		err = kvs_open(&cfg.c, cfg.dev, NULL);
	if (err) {
		fprintf(stderr, "Could not connect to %s at %s: %s\n",
			cfg.sock || cfg.tcp ? "Redis" : "kvstore",
			target_name(name, sizeof(name)), strerror(-err));
		cfg.c = NULL;
		return err;
	}
	cfg.in_multi = 0;
	select_db();
	if (cfg.resp3)
		hello3();
	return 0;
}

/* --------------------------------------------------------------- commands */

static void sleep_interval(void)
{
	struct timespec ts;

	if (cfg.interval <= 0)
		return;
	ts.tv_sec = (time_t)cfg.interval;
	ts.tv_nsec = (long)((cfg.interval - ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
}

/* Track what the prompt shows: the db and whether a MULTI is open. */
static void track_state(int argc, char **argv, const struct kvs_reply *r)
{
	if (r->type == KVS_REPLY_ERROR) {
		if (cmd_is(argc, argv, "exec", 1))
			cfg.in_multi = 0;
		return;
	}
	if (argc == 2 && cmd_is(argc, argv, "select", 2))
		cfg.dbnum = atoi(argv[1]);
	else if (cmd_is(argc, argv, "multi", 1))
		cfg.in_multi = 1;
	else if (cmd_is(argc, argv, "exec", 1) ||
		 cmd_is(argc, argv, "discard", 1))
		cfg.in_multi = 0;
}

static int report_transport(int err)
{
	if (err == -ECONNRESET)
		fprintf(stderr, "Error: Server closed the connection\n");
	else
		fprintf(stderr, "Error: %s\n", strerror(-err));
	kvs_close(cfg.c);
	cfg.c = NULL;
	return err;
}

/* Send one command @repeat times (-1: forever); 0 or -errno. */
static int issue_command(int argc, char **argv, const size_t *lens,
			 long long repeat)
{
	int raw_strings = wants_raw_strings(argc, argv);
	int streaming = cmd_is(argc, argv, "subscribe", 1) ||
			cmd_is(argc, argv, "psubscribe", 1) ||
			cmd_is(argc, argv, "ssubscribe", 1) ||
			cmd_is(argc, argv, "monitor", 1);
	struct kvs_reply *r;
	int err;

	if (!cfg.c && cli_connect())
		return -ENOTCONN;
	while (repeat < 0 || repeat-- > 0) {
		err = kvs_command_argv(cfg.c, &r, argc, (const char **)argv,
				       lens);
		/* pushes ahead of the reply are not the reply (but are
		 * what a subscribe or MONITOR streams)
		 */
		while (!err && !streaming && r->type == KVS_REPLY_PUSH) {
			print_push(r);
			kvs_free_reply(r);
			err = kvs_get_reply(cfg.c, &r);
		}
		if (err)
			return report_transport(err);
		if (streaming && cfg.output == OUT_STANDARD &&
		    !cmd_is(argc, argv, "monitor", 1)) {
			printf("Reading messages... (press Ctrl-C to quit)\n");
			fflush(stdout);
		}
		print_reply(r, raw_strings);
		track_state(argc, argv, r);
		if (r->type == KVS_REPLY_ERROR)
			streaming = 0;
		kvs_free_reply(r);
		/* Messages keep coming until the connection dies. */
		while (streaming) {
			err = kvs_get_reply(cfg.c, &r);
			if (err)
				return report_transport(err);
			print_reply(r, raw_strings);
			kvs_free_reply(r);
		}
		if (repeat)
			sleep_interval();
	}
	return 0;
}

/* --scan: every key, one per line, via the SCAN cursor. */
static int scan_mode(void)
{
	char cursor[32] = "0", count[32];
	struct kvs_reply *r, *keys;
	const char *argv[7];
	int argc, err;
	size_t i;

	if (cli_connect())
		return 1;
	snprintf(count, sizeof(count), "%lld", cfg.count);
	do {
		argc = 0;
		argv[argc++] = "SCAN";
		argv[argc++] = cursor;
		if (cfg.pattern) {
			argv[argc++] = "MATCH";
			argv[argc++] = cfg.pattern;
		}
		if (cfg.count) {
			argv[argc++] = "COUNT";
			argv[argc++] = count;
		}
		err = kvs_command_argv(cfg.c, &r, argc, argv, NULL);
		if (err) {
			report_transport(err);
			return 1;
		}
		if (r->type == KVS_REPLY_ERROR) {
			fprintf(stderr, "Error: %s\n", r->str);
			kvs_free_reply(r);
			return 1;
		}
		if (r->type != KVS_REPLY_ARRAY || r->elements != 2 ||
		    r->element[0]->type != KVS_REPLY_STRING ||
		    r->element[1]->type != KVS_REPLY_ARRAY) {
			fprintf(stderr, "Error: unexpected SCAN reply\n");
			kvs_free_reply(r);
			return 1;
		}
		snprintf(cursor, sizeof(cursor), "%s", r->element[0]->str);
		keys = r->element[1];
		for (i = 0; i < keys->elements; i++) {
			struct kvs_buf o = { 0 };

			if (cfg.output == OUT_STANDARD)
				out_repr(&o, keys->element[i]->str,
					 keys->element[i]->len);
			else
				out_add(&o, keys->element[i]->str,
					keys->element[i]->len);
			out_str(&o, "\n");
			fwrite(o.p, 1, o.len, stdout);
			kvs_buf_free(&o);
		}
		kvs_free_reply(r);
	} while (strcmp(cursor, "0"));
	fflush(stdout);
	return 0;
}

/* ------------------------------------------------------------------ REPL */

static void make_prompt(char *buf, size_t sz)
{
	char db[24] = "";

	if (!cfg.c) {
		snprintf(buf, sz, "not connected> ");
		return;
	}
	if (cfg.dbnum)
		snprintf(db, sizeof(db), "[%d]", cfg.dbnum);
	if (cfg.sock)
		snprintf(buf, sz, "redis %s%s%s> ", cfg.sock, db,
			 cfg.in_multi ? "(TX)" : "");
	else if (cfg.tcp)
		snprintf(buf, sz, "%s:%d%s%s> ", cfg.host, cfg.port, db,
			 cfg.in_multi ? "(TX)" : "");
	else
		snprintf(buf, sz, "kvstore%s%s> ", db,
			 cfg.in_multi ? "(TX)" : "");
}

static void repl_help(void)
{
	printf("kvstore %s\n"
	       "To get help about kvstore commands type:\n"
	       "      \"help\" to get this message\n"
	       "      \"quit\" or \"exit\" to leave\n"
	       "Commands are Redis commands, e.g. SET key value, GET key.\n",
	       KVS_CLI_VERSION);
	fflush(stdout);
}

static char *history_path(void)
{
	const char *env = getenv("KVSTORE_HISTFILE");
	const char *home = getenv("HOME");
	char *path;

	if (env)
		return *env && strcmp(env, "/dev/null") ? strdup(env) : NULL;
	if (!home)
		return NULL;
	if (asprintf(&path, "%s/.kvstore_history", home) < 0)
		return NULL;
	return path;
}

/* The next input line without its newline, or NULL at EOF. */
static char *next_line(int tty)
{
	char prompt[600], *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (tty) {
		make_prompt(prompt, sizeof(prompt));
		return readline(prompt);
	}
	n = getline(&line, &cap, stdin);
	if (n < 0) {
		free(line);
		return NULL;
	}
	if (n && line[n - 1] == '\n')
		line[n - 1] = '\0';
	return line;
}

static int repl(void)
{
	int tty = isatty(STDIN_FILENO);
	char *hist = tty ? history_path() : NULL;
	char *line;

	cfg.interactive = 1;
	if (hist)
		read_history(hist);
	cli_connect();	/* a failure is retried by the next command */
	while ((line = next_line(tty))) {
		char **argv;
		size_t *lens;
		int argc = kvs_splitargs(line, &argv, &lens);

		if (argc < 0) {
			printf("Invalid argument(s)\n");
			fflush(stdout);
		} else if (argc > 0) {
			long long repeat = 1;
			char *end;
			int skip = 0;

			if (tty) {
				add_history(line);
				if (hist)
					write_history(hist);
			}
			if (!strcasecmp(argv[0], "quit") ||
			    !strcasecmp(argv[0], "exit")) {
				kvs_splitargs_free(argv, argc, lens);
				free(line);
				break;
			}
			if (argc > 1) {
				errno = 0;
				repeat = strtoll(argv[0], &end, 10);
				if (!errno && repeat > 0 && !*end)
					skip = 1;
				else
					repeat = 1;
			}
			if (argc == 1 && !strcasecmp(argv[0], "help"))
				repl_help();
			else if (argc == 1 && !strcasecmp(argv[0], "clear"))
				rl_clear_screen(0, 0);
			else
				issue_command(argc - skip, argv + skip,
					      lens + skip, repeat);
		}
		if (argc >= 0)
			kvs_splitargs_free(argv, argc, lens);
		free(line);
	}
	free(hist);
	return 0;
}

/* ---------------------------------------------------------------- options */

static void usage(FILE *f)
{
	fprintf(f,
"kvstore %s\n"
"\n"
"Usage: kvstore [OPTIONS] [cmd [arg [arg ...]]]\n"
"  -d <device>        kvstore device (default: $KVSTORE_DEV, else /dev/kvstore).\n"
"  -s <socket>        Unix socket of a RESP server (kvstored, redis-server).\n"
"  -h <hostname>      RESP server hostname (default: 127.0.0.1).\n"
"  -p <port>          RESP server port (default: 6379).\n"
"  -n <db>            Database number.\n"
"  -2                 Start session in RESP2 protocol mode.\n"
"  -3                 Start session in RESP3 protocol mode.\n"
"  -r <repeat>        Execute specified command N times (-1: forever).\n"
"  -i <interval>      When -r is used, waits <interval> seconds per command.\n"
"                     It is possible to specify sub-second times like -i 0.1.\n"
"  -x                 Read last argument from STDIN.\n"
"  --raw              Use raw formatting for replies (default when STDOUT is\n"
"                     not a tty).\n"
"  --no-raw           Force formatted output even when STDOUT is not a tty.\n"
"  --show-pushes <yn> Whether to print RESP3 PUSH messages.  Enabled by default when\n"
"                     STDOUT is a tty but can be overridden with --show-pushes no.\n"
"  --scan             List all keys using the SCAN command.\n"
"  --pattern <pat>    Keys pattern when using --scan (default: *).\n"
"  --count <count>    Count option when using --scan.\n"
"  --rdb <filename>   Write a snapshot of the store to an RDB file (- for\n"
"                     stdout). Needs the device (and CAP_SYS_ADMIN).\n"
"  --restore <path>   Load an RDB file or an AOF (appendonlydir, its\n"
"                     manifest, or a single AOF file) into the store,\n"
"                     which must be empty.\n"
"  --flush            With --restore: empty the store (FLUSHALL) first.\n"
"  --aof <dir>        Keep a Redis 7 multi-part AOF of the store in <dir>\n"
"                     (appendonlydir), in the foreground until SIGINT/SIGTERM.\n"
"  --appendfsync <always|everysec|no>\n"
"                     With --aof: when to fsync (default: everysec).\n"
"  --aof-use-rdb-preamble <yes|no>\n"
"                     With --aof: RDB or commands in the base (default: yes).\n"
"  --auto-aof-rewrite-percentage <n>\n"
"                     With --aof: rewrite when grown by n%% (default 100, 0 off).\n"
"  --auto-aof-rewrite-min-size <bytes>\n"
"                     With --aof: ... and larger than this (default 64mb).\n"
"  --help             Output this help and exit.\n"
"  --version          Output version and exit.\n"
"\n"
"Examples:\n"
"  kvstore SET key value\n"
"  kvstore -r 100 INCR counter\n"
"  cat /etc/passwd | kvstore -x SET passwd\n"
"  kvstore --scan --pattern 'user:*'\n"
"\n"
"When no command is given, kvstore starts in interactive mode.\n",
	KVS_CLI_VERSION);
}

static void bad_option(const char *opt)
{
	fprintf(stderr, "Unrecognized option or bad number of args for: '%s'\n",
		opt);
	exit(1);
}

static void aof_fsync_option(const char *v)
{
	if (!strcasecmp(v, "always"))
		cfg.appendfsync = KVS_AOF_FSYNC_ALWAYS;
	else if (!strcasecmp(v, "everysec"))
		cfg.appendfsync = KVS_AOF_FSYNC_EVERYSEC;
	else if (!strcasecmp(v, "no"))
		cfg.appendfsync = KVS_AOF_FSYNC_NO;
	else
		bad_option("--appendfsync");
}

/* "64mb", "1gb", "100k", "4096": Redis's memory units. */
static unsigned long long mem_option(const char *v)
{
	static const struct { const char *u; unsigned long long m; } units[] = {
		{ "", 1 }, { "b", 1 }, { "k", 1000 }, { "kb", 1024 },
		{ "m", 1000000 }, { "mb", 1 << 20 }, { "g", 1000000000 },
		{ "gb", 1ULL << 30 },
	};
	char *end;
	unsigned long long n = strtoull(v, &end, 10);
	size_t i;

	for (i = 0; end != v && i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcasecmp(end, units[i].u))
			return n * units[i].m;
	bad_option("--auto-aof-rewrite-min-size");
	return 0;
}

/* Parse options; returns the index of the first command word. */
static int parse_options(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		int more = i + 1 < argc;

		if (!strcmp(a, "-h") && more) {
			cfg.host = argv[++i];
			cfg.tcp = 1;
		} else if (!strcmp(a, "-p") && more) {
			cfg.port = atoi(argv[++i]);
			cfg.tcp = 1;
		} else if (!strcmp(a, "-s") && more) {
			cfg.sock = argv[++i];
		} else if (!strcmp(a, "-d") && more) {
			cfg.dev = argv[++i];
		} else if (!strcmp(a, "-n") && more) {
			cfg.dbnum = atoi(argv[++i]);
		} else if (!strcmp(a, "-r") && more) {
			cfg.repeat = strtoll(argv[++i], NULL, 10);
		} else if (!strcmp(a, "-i") && more) {
			cfg.interval = strtod(argv[++i], NULL);
		} else if (!strcmp(a, "-3")) {
			cfg.resp3 = 1;
		} else if (!strcmp(a, "-2")) {
			cfg.resp3 = 0;
		} else if (!strcmp(a, "-x")) {
			cfg.stdin_lastarg = 1;
		} else if (!strcmp(a, "--raw")) {
			cfg.output = OUT_RAW;
		} else if (!strcmp(a, "--no-raw")) {
			cfg.output = OUT_STANDARD;
		} else if (!strcmp(a, "--show-pushes") && more) {
			const char *v = argv[++i];

			if (!strncasecmp(v, "n", 1))
				cfg.push_output = 0;
			else if (!strncasecmp(v, "y", 1))
				cfg.push_output = 1;
			else
				fprintf(stderr, "Unknown --show-pushes value '%s' (valid: '[y]es', '[n]o')\n",
					v);
		} else if (!strcmp(a, "--scan")) {
			cfg.scan = 1;
		} else if (!strcmp(a, "--pattern") && more) {
			cfg.pattern = argv[++i];
		} else if (!strcmp(a, "--count") && more) {
			cfg.count = strtoll(argv[++i], NULL, 10);
		} else if (!strcmp(a, "--rdb") && more) {
			cfg.rdb_file = argv[++i];
		} else if (!strcmp(a, "--restore") && more) {
			cfg.restore = argv[++i];
		} else if (!strcmp(a, "--flush")) {
			cfg.flush = 1;
		} else if (!strcmp(a, "--aof") && more) {
			cfg.aof_dir = argv[++i];
		} else if (!strcmp(a, "--appendfsync") && more) {
			aof_fsync_option(argv[++i]);
		} else if (!strcmp(a, "--aof-use-rdb-preamble") && more) {
			if (!strcasecmp(argv[++i], "no"))
				cfg.aof_flags |= KVS_AOF_NO_RDB_PREAMBLE;
			else if (strcasecmp(argv[i], "yes"))
				bad_option(a);
		} else if (!strcmp(a, "--auto-aof-rewrite-percentage") && more) {
			long long n = strtoll(argv[++i], NULL, 10);

			if (n < 0 || n > 1000000)
				bad_option(a);
			cfg.aof_rewrite_perc = n ? (unsigned int)n :
					       KVS_AOF_REWRITE_OFF;
		} else if (!strcmp(a, "--auto-aof-rewrite-min-size") && more) {
			cfg.aof_rewrite_min = mem_option(argv[++i]);
		} else if (!strcmp(a, "--help")) {
			usage(stdout);
			exit(0);
		} else if (!strcmp(a, "--version") || !strcmp(a, "-v")) {
			printf("kvstore %s\n", KVS_CLI_VERSION);
			exit(0);
		} else if (a[0] == '-' && a[1]) {
			bad_option(a);
		} else {
			break;
		}
	}
	if (!cfg.host)
		cfg.host = "127.0.0.1";
	return i;
}

/* ------------------------------------------------------ RDB files (--rdb) */

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double progress_start;

/* Progress on a terminal only: keys, bytes, rate. */
static void show_progress(const struct kvs_rdb_stats *st, void *arg)
{
	const char *what = arg;
	double secs = mono_now() - progress_start;

	if (secs <= 0)
		secs = 1e-9;
	fprintf(stderr, "\r%s: %llu keys, %.1f MB", what, st->keys,
		st->bytes / 1e6);
	if (st->total)
		fprintf(stderr, " (%.0f%%)", 100.0 * st->bytes / st->total);
	fprintf(stderr, ", %.0f keys/s   ", st->keys / secs);
}

static void end_progress(void)
{
	if (isatty(STDERR_FILENO))
		fprintf(stderr, "\n");
}

/* --rdb FILE: snapshot the store into FILE (temp, fsync, rename). */
static int rdb_mode(void)
{
	struct kvs_rdb_opts o = { .sz = sizeof(o) };
	struct kvs_rdb_stats st;
	int err;

	if (cli_connect())
		return 1;
	if (isatty(STDERR_FILENO)) {
		o.progress = show_progress;
		o.progress_arg = "Saving";
		progress_start = mono_now();
	}
	if (!strcmp(cfg.rdb_file, "-")) {
		memset(&st, 0, sizeof(st));
		err = kvs_snapshot(cfg.c, NULL);
		if (err)
			snprintf(st.err, sizeof(st.err), "KVS_IOC_SNAPSHOT: %s",
				 err == -EOPNOTSUPP ?
				 "snapshots need the kvstore device (with snapshot support)" :
				 strerror(-err));
		else
			err = kvs_rdb_save_stream(kvs_fd(cfg.c), STDOUT_FILENO,
						  &o, &st);
	} else {
		err = kvs_rdb_save(cfg.c, cfg.rdb_file, &o, &st);
	}
	if (o.progress)
		end_progress();
	kvs_close(cfg.c);
	if (err) {
		fprintf(stderr, "Error: %s\n", st.err[0] ? st.err :
			strerror(-err));
		return 1;
	}
	fprintf(stderr, "Transfer finished with success.\n");
	return 0;
}

/* ---------------------------------------------------------- AOF (--aof) */

static struct kvs_aof *aof_running;
/* a signal before the writer was running: stop it as soon as it is */
static volatile sig_atomic_t aof_stop_asked;

static void aof_signal(int sig)
{
	(void)sig;
	aof_stop_asked = 1;
	if (aof_running)
		kvs_aof_stop(aof_running);
}

static void aof_log(void *arg, const char *msg)
{
	char when[32];
	time_t t = time(NULL);
	struct tm tm;

	(void)arg;
	strftime(when, sizeof(when), "%d %b %Y %H:%M:%S", localtime_r(&t, &tm));
	fprintf(stderr, "%s %s\n", when, msg);
}

/*
 * --aof DIR: snapshot the store into DIR and follow its write feed until
 * SIGINT or SIGTERM, then flush, fsync and exit 0.
 */
static int aof_mode(void)
{
	struct kvs_aof_opts o = {
		.sz = sizeof(o),
		.flags = cfg.aof_flags,
		.device = cfg.dev,
		.appendfsync = cfg.appendfsync,
		.rewrite_percentage = cfg.aof_rewrite_perc,
		.rewrite_min_size = cfg.aof_rewrite_min,
		.log = aof_log,
	};
	struct sigaction sa;
	int err;

	if (cfg.sock || cfg.tcp) {
		fprintf(stderr, "Error: --aof follows the kvstore device, not "
			"a socket\n");
		return 1;
	}
	/*
	 * Before the start: SIGTERM may come as soon as the manifest is
	 * there. No SA_RESTART: the signal must end the wait for the feed.
	 */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = aof_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	err = kvs_aof_start(&aof_running, cfg.aof_dir, &o);
	if (!err && aof_stop_asked)
		kvs_aof_stop(aof_running);
	if (err) {
		if (err == -EOPNOTSUPP)
			fprintf(stderr, "Error: this kvstore module cannot "
				"snapshot or feed writes (KVS_IOC_SNAPSHOT)\n");
		else if (err == -EPERM)
			fprintf(stderr, "Error: --aof needs CAP_SYS_ADMIN\n");
		else if (err != -EEXIST)
			fprintf(stderr, "Error: --aof %s: %s\n", cfg.aof_dir,
				strerror(-err));
		return 1;
	}
	if (isatty(STDERR_FILENO))
		fprintf(stderr, "Writing the AOF in %s (appendfsync %s); "
			"Ctrl-C to stop\n", cfg.aof_dir,
			cfg.appendfsync == KVS_AOF_FSYNC_ALWAYS ? "always" :
			cfg.appendfsync == KVS_AOF_FSYNC_NO ? "no" :
			"everysec");
	err = kvs_aof_run(aof_running);
	if (!err)
		aof_log(NULL, "AOF stopped: flushed and fsync'd");
	if (kvs_aof_close(aof_running) && !err)
		err = -EIO;
	aof_running = NULL;
	if (err) {
		fprintf(stderr, "Error: --aof %s: %s\n", cfg.aof_dir,
			strerror(-err));
		return 1;
	}
	return 0;
}

/* ------------------------------------------------- restoring an AOF */

/*
 * What --restore takes as an AOF: a directory (appendonlydir), a manifest
 * (*.manifest), a file that does not start with "REDIS", and an old-style
 * RDB-preamble AOF named *.aof. Any other file starting with "REDIS" is an
 * RDB file (restored by the RDB branch).
 */
static int is_aof_path(const char *path)
{
	size_t n = strlen(path);
	struct stat sb;
	char magic[5];
	FILE *f;
	int rdb;

	if (stat(path, &sb) < 0 || S_ISDIR(sb.st_mode))
		return 1;	/* a missing path gets the AOF's error */
	if ((n >= 9 && !strcmp(path + n - 9, ".manifest")) ||
	    (n >= 4 && !strcmp(path + n - 4, ".aof")))
		return 1;
	f = fopen(path, "rb");
	if (!f)
		return 1;
	rdb = fread(magic, 1, 5, f) == 5 && !memcmp(magic, "REDIS", 5);
	fclose(f);
	return !rdb;
}

static double aof_progress_start;

static void aof_progress(void *arg, unsigned long long done,
			 unsigned long long total)
{
	struct timespec ts;

	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	fprintf(stderr, "\rLoading AOF: %.1f / %.1f MB (%.0f%%) %.1fs   ",
		done / 1e6, total / 1e6, total ? done * 100.0 / total : 100.0,
		ts.tv_sec + ts.tv_nsec / 1e9 - aof_progress_start);
}

static void aof_warn(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "%sWarning: %s\n", isatty(STDERR_FILENO) ? "\n" : "",
		msg);
}

/* --------------------------------------------------- restoring (--restore) */

/* The store must be empty unless --flush says to empty it. */
static int restore_prepare(void)
{
	struct kvs_reply *r;
	int err, nonempty;

	if (cfg.flush) {
		err = kvs_command(cfg.c, &r, "FLUSHALL");
		if (err)
			return report_transport(err);
		if (r->type == KVS_REPLY_ERROR) {
			fprintf(stderr, "(error) %s\n", r->str);
			kvs_free_reply(r);
			return -1;
		}
		kvs_free_reply(r);
		return 0;
	}
	err = kvs_command(cfg.c, &r, "INFO keyspace");
	if (err)
		return report_transport(err);
	if (r->type == KVS_REPLY_ERROR) {
		fprintf(stderr, "(error) %s\n", r->str);
		kvs_free_reply(r);
		return -1;
	}
	nonempty = r->str && strstr(r->str, "keys=");
	kvs_free_reply(r);
	if (nonempty) {
		fprintf(stderr,
			"Error: the store is not empty; use --flush to empty it first\n");
		return -1;
	}
	return 0;
}

static int restore_rdb(int fd, const char *path)
{
	struct kvs_rdb_load_opts o = { .sz = sizeof(o) };
	struct kvs_rdb_stats st;
	struct stat sb;
	int err;

	/*
	 * A file can be checked whole before the store is touched, so a
	 * corrupt one fails with nothing loaded; a pipe cannot.
	 */
	if (!fstat(fd, &sb) && S_ISREG(sb.st_mode)) {
		err = kvs_rdb_load(NULL, fd, NULL, &st);
		if (err) {
			fprintf(stderr, "Error: bad RDB file '%s': %s\n", path,
				st.err[0] ? st.err : strerror(-err));
			return 1;
		}
		if (lseek(fd, 0, SEEK_SET) < 0) {
			fprintf(stderr, "Error: '%s': %s\n", path,
				strerror(errno));
			return 1;
		}
	}
	if (restore_prepare())
		return 1;
	if (isatty(STDERR_FILENO)) {
		o.progress = show_progress;
		o.progress_arg = "Loading";
		progress_start = mono_now();
	}
	err = kvs_rdb_load(cfg.c, fd, &o, &st);
	if (o.progress)
		end_progress();
	if (err) {
		fprintf(stderr, "Error: loading '%s': %s\n", path,
			st.err[0] ? st.err : strerror(-err));
		if (st.keys)
			fprintf(stderr,
				"Error: the store now holds part of the file\n");
		return 1;
	}
	fprintf(stderr,
		"Loaded %llu keys (%llu with a TTL; %llu expired, %llu empty skipped) from '%s'\n",
		st.keys, st.expires, st.expired, st.empty, path);
	return 0;
}

/* --restore PATH for an AOF (see is_aof_path()). */
static int restore_aof(const char *path)
{
	struct kvs_aof_load_opts o = { .sz = sizeof(o), .log = aof_warn };
	struct kvs_aof_stats st;
	struct timespec ts;
	int err;

	if (cli_connect())
		return 1;
	if (restore_prepare()) {
		kvs_close(cfg.c);
		return 1;
	}
	if (isatty(STDERR_FILENO)) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		aof_progress_start = ts.tv_sec + ts.tv_nsec / 1e9;
		o.progress = aof_progress;
	}
	err = kvs_aof_load(cfg.c, path, &o, &st);
	if (o.progress)
		fprintf(stderr, "\n");
	kvs_close(cfg.c);
	cfg.c = NULL;
	if (err) {
		fprintf(stderr, "Error: loading the AOF '%s': %s\n", path,
			st.err[0] ? st.err : strerror(-err));
		if (st.commands || st.rdb_keys)
			fprintf(stderr, "Error: the store now holds part of "
				"the AOF\n");
		return 1;
	}
	fprintf(stderr, "Loaded %llu commands%s from %llu AOF files in '%s'"
		"%s\n", st.commands, st.rdb_keys ? " and an RDB base" : "",
		st.files, path, st.truncated ? " (its truncated tail ignored)"
		: "");
	return 0;
}

/*
 * --restore PATH: the file's first bytes say what it is (an RDB starts
 * with "REDIS"); other formats (AOF) slot in here.
 */
static int restore_mode(void)
{
	const char *path = cfg.restore;
	char magic[5];
	ssize_t n;
	int fd, ret;

	if (is_aof_path(path))
		return restore_aof(path);

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "Error: cannot open '%s': %s\n", path,
			strerror(errno));
		return 1;
	}
	n = pread(fd, magic, sizeof(magic), 0);
	if (n == sizeof(magic) && !memcmp(magic, "REDIS", 5)) {
		if (cli_connect()) {
			close(fd);
			return 1;
		}
		ret = restore_rdb(fd, path);
		kvs_close(cfg.c);
	} else {
		fprintf(stderr, "Error: '%s' is neither an RDB file nor an AOF\n", path);
		ret = 1;
	}
	close(fd);
	return ret;
}

static char *read_stdin(size_t *len)
{
	struct kvs_buf b = { 0 };
	char tmp[65536];
	size_t n;

	while ((n = fread(tmp, 1, sizeof(tmp), stdin)) > 0)
		out_add(&b, tmp, n);
	out_add(&b, "", 1);
	*len = b.len - 1;
	return b.p;
}

int main(int argc, char **argv)
{
	int first, ret;

	/* redis-cli's rule, FAKETTY included */
	if (isatty(STDOUT_FILENO) || getenv("FAKETTY")) {
		cfg.output = OUT_STANDARD;
		cfg.push_output = 1;
	} else {
		cfg.output = OUT_RAW;
	}
	first = parse_options(argc, argv);
	argc -= first;
	argv += first;

	if (cfg.scan)
		return scan_mode();
	if (cfg.rdb_file)
		return rdb_mode();
	if (cfg.aof_dir)
		return aof_mode();
	if (cfg.restore)
		return restore_mode();
	if (argc == 0 && !cfg.stdin_lastarg)
		return repl();

	if (cli_connect())
		return 1;
	{
		/* One shot: the arguments, plus stdin as the last one for -x. */
		char **args = calloc(argc + 1, sizeof(*args));
		size_t *lens = calloc(argc + 1, sizeof(*lens));
		int i;

		if (!args || !lens)
			return 1;
		for (i = 0; i < argc; i++) {
			args[i] = argv[i];
			lens[i] = strlen(argv[i]);
		}
		/* stdin may hold any bytes, NULs included: pass lengths */
		if (cfg.stdin_lastarg)
			args[argc] = read_stdin(&lens[argc]), argc++;
		ret = issue_command(argc, args, lens, cfg.repeat);
		if (cfg.stdin_lastarg)
			free(args[argc - 1]);
		free(args);
		free(lens);
	}
	kvs_close(cfg.c);
	return ret ? 1 : 0;
}

// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * kvstored's command line and redis.conf, read the way redis-server 7.0
 * reads them: the file, then a newline, then the --options turned into
 * config lines, so an error names the same line number redis-server
 * would, and is printed in its format. Directives kvstored does not own
 * are kept with their line and handed to the module's CONFIG SET once
 * the device is open; one the module refuses is reported the same way.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/stat.h>

#include "buf.h"
#include "kvstore.h"
#include "kvstored.h"
#include "splitargs.h"

struct kvsd_config kvsd_cfg;

enum dtype { D_BOOL, D_INT, D_MEM, D_OCTAL, D_ENUM, D_STR, D_SPECIAL };

struct directive {
	const char *name;
	enum dtype type;
	long long min, max;
	const char *const *names;	/* D_ENUM, index is the value */
	size_t off;			/* in struct kvsd_config */
};

static const char *const loglevels[] = {
	"debug", "verbose", "notice", "warning", NULL
};
static const char *const fsyncs[] = { "everysec", "always", "no", NULL };
static const char *const protected_names[] = { "no", "yes", "local", NULL };

#define OFF(f) offsetof(struct kvsd_config, f)
static const struct directive directives[] = {
	{ "bind", D_SPECIAL, 0, 0, NULL, 0 },
	{ "save", D_SPECIAL, 0, 0, NULL, 0 },
	{ "dir", D_SPECIAL, 0, 0, NULL, 0 },
	{ "dbfilename", D_SPECIAL, 0, 0, NULL, 0 },
	{ "appendfilename", D_SPECIAL, 0, 0, NULL, 0 },
	{ "appenddirname", D_SPECIAL, 0, 0, NULL, 0 },
	{ "port", D_INT, 0, 65535, NULL, OFF(port) },
	{ "timeout", D_INT, 0, INT_MAX, NULL, OFF(timeout) },
	{ "tcp-keepalive", D_INT, 0, INT_MAX, NULL, OFF(tcp_keepalive) },
	{ "maxclients", D_INT, 1, UINT_MAX, NULL, OFF(maxclients) },
	{ "io-threads", D_INT, 1, 128, NULL, OFF(io_threads) },
	{ "auto-aof-rewrite-percentage", D_INT, 0, INT_MAX, NULL,
	  OFF(aof_rewrite_perc) },
	{ "auto-aof-rewrite-min-size", D_MEM, 0, LLONG_MAX, NULL,
	  OFF(aof_rewrite_min) },
	{ "unixsocketperm", D_OCTAL, 0, 0777, NULL, OFF(unixsocketperm) },
	{ "daemonize", D_BOOL, 0, 0, NULL, OFF(daemonize) },
	{ "appendonly", D_BOOL, 0, 0, NULL, OFF(appendonly) },
	{ "aof-load-truncated", D_BOOL, 0, 0, NULL, OFF(aof_load_truncated) },
	{ "protected-mode", D_BOOL, 0, 0, NULL, OFF(protected_mode) },
	{ "loglevel", D_ENUM, 0, 0, loglevels, OFF(loglevel) },
	{ "appendfsync", D_ENUM, 0, 0, fsyncs, OFF(appendfsync) },
	{ "enable-protected-configs", D_ENUM, 0, 0, protected_names,
	  OFF(enable_protected_configs) },
	{ "unixsocket", D_STR, 0, 0, NULL, OFF(unixsocket) },
	{ "requirepass", D_STR, 0, 0, NULL, OFF(requirepass) },
	{ "pidfile", D_STR, 0, 0, NULL, OFF(pidfile) },
	{ "logfile", D_STR, 0, 0, NULL, OFF(logfile) },
	{ "user", D_STR, 0, 0, NULL, OFF(user) },
	{ "device", D_STR, 0, 0, NULL, OFF(device) },
};

static char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p) {
		fprintf(stderr, "Out of memory\n");
		exit(1);
	}
	return p;
}

void kvsd_config_defaults(struct kvsd_config *cfg)
{
	static const struct kvsd_save_rule save[] = {
		{ 3600, 1 }, { 300, 100 }, { 60, 10000 },
	};

	memset(cfg, 0, sizeof(*cfg));
	cfg->bind[0] = xstrdup("127.0.0.1");
	cfg->nr_bind = 1;
	cfg->port = 6379;
	cfg->maxclients = 10000;
	cfg->io_threads = 1;	/* redis-server's default */
	cfg->tcp_keepalive = 300;
	cfg->loglevel = LL_NOTICE;
	cfg->logfile = xstrdup("");
	cfg->dbfilename = xstrdup("dump.rdb");
	memcpy(cfg->save, save, sizeof(save));
	cfg->nr_save = 3;
	cfg->appendfilename = xstrdup("appendonly.aof");
	cfg->appenddirname = xstrdup("appendonlydir");
	cfg->aof_rewrite_perc = 100;
	cfg->aof_rewrite_min = 64LL << 20;
	cfg->aof_load_truncated = true;
	cfg->protected_mode = true;
}

/* ------------------------------------------------ argument vectors */

void kvsd_free_args(char **argv, int argc)
{
	int i;

	for (i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
}

/* ------------------------------------------------------------ errors */

void kvsd_config_fatal_line(int line, const char *text, const char *err)
{
	fprintf(stderr, "\n*** FATAL CONFIG FILE ERROR (Redis %s) ***\n",
		KVSD_VERSION);
	if (text) {
		fprintf(stderr, "Reading the configuration file, at line %d\n",
			line);
		fprintf(stderr, ">>> '%s'\n", text);
	}
	fprintf(stderr, "%s\n", err);
	exit(1);
}

/* ------------------------------------------------------------ values */

static int parse_ll(const char *s, long long *v)
{
	char *end;

	if (!*s || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	*v = strtoll(s, &end, 10);
	if (errno || *end)
		return -1;
	/* redis's string2ll: no "+", no leading zeros */
	if (*s == '+' || (s[0] == '0' && s[1]) ||
	    (s[0] == '-' && s[1] == '0'))
		return -1;
	return 0;
}

static int parse_mem(const char *s, long long *v)
{
	static const struct { const char *u; long long mul; } units[] = {
		{ "", 1 }, { "b", 1 }, { "k", 1000 }, { "kb", 1024 },
		{ "m", 1000000 }, { "mb", 1 << 20 }, { "g", 1000000000 },
		{ "gb", 1LL << 30 },
	};
	const char *u = s;
	unsigned long long n = 0;
	size_t i;

	while (isdigit((unsigned char)*u))
		u++;
	if (u == s)
		return -1;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (!strcasecmp(u, units[i].u)) {
			char *end;

			errno = 0;
			n = strtoull(s, &end, 10);
			if (errno || n > (unsigned long long)LLONG_MAX /
				units[i].mul)
				return -1;
			*v = n * units[i].mul;
			return 0;
		}
	}
	return -1;
}

static const char *set_path_name(char **dst, const char *v, const char *what)
{
	static char err[80];

	if (strchr(v, '/')) {
		snprintf(err, sizeof(err), "%s can't be a path, just a %s", what,
			 strcmp(what, "appenddirname") ? "filename" : "dirname");
		return err;
	}
	free(*dst);
	*dst = xstrdup(v);
	return NULL;
}

static int save_reset;

static const char *set_special(struct kvsd_config *cfg, const char *name,
			       int argc, char **argv)
{
	int i;

	if (!strcmp(name, "bind")) {
		if (argc == 2 && !argv[1][0]) {
			/* none given: every interface, as redis-server */
			char *any[] = { (char *)name, "*", "-::*" };

			return set_special(cfg, name, 3, any);
		}
		if (argc == 2 && strchr(argv[1], ' ')) {
			/* CONFIG SET bind "127.0.0.1 ::1": one argument */
			char *v[KVSD_MAX_BIND + 2], *copy, *tok, *sp;
			const char *e = NULL;
			int n = 1;

			copy = xstrdup(argv[1]);
			v[0] = (char *)name;
			for (tok = strtok_r(copy, " ", &sp); tok;
			     tok = strtok_r(NULL, " ", &sp)) {
				if (n == KVSD_MAX_BIND + 1) {
					e = "Too many bind addresses specified.";
					break;
				}
				v[n++] = tok;
			}
			if (!e)
				e = set_special(cfg, name, n, v);
			free(copy);
			return e;
		}
		if (argc - 1 > KVSD_MAX_BIND)
			return "Too many bind addresses specified.";
		for (i = 0; i < cfg->nr_bind; i++)
			free(cfg->bind[i]);
		for (i = 1; i < argc; i++)
			cfg->bind[i - 1] = xstrdup(argv[i]);
		cfg->nr_bind = argc - 1;
		return NULL;
	}
	if (!strcmp(name, "save")) {
		struct kvsd_save_rule r[KVSD_MAX_SAVE];
		int n = 0;

		if (argc == 2 && !argv[1][0]) {
			cfg->nr_save = 0;
			save_reset = 1;
			return NULL;
		}
		if (argc == 2) {
			/* save "3600 1 300 100": one argument, split */
			char **v;
			int c2;
			const char *e;

			c2 = kvs_splitargs(argv[1], &v, NULL);
			if (c2 < 0)
				v = NULL;
			if (!v || !c2 || (c2 == 1 && !strcmp(v[0], argv[1]))) {
				if (v)
					kvsd_free_args(v, c2);
				return "Invalid save parameters";
			}
			v = realloc(v, (c2 + 2) * sizeof(*v));
			if (!v)
				return "Invalid save parameters";
			memmove(v + 1, v, (c2 + 1) * sizeof(*v));
			v[0] = xstrdup("save");
			e = set_special(cfg, name, c2 + 1, v);
			kvsd_free_args(v, c2 + 1);
			return e;
		}
		if (argc < 3 || (argc - 1) % 2)
			return "Invalid save parameters";
		for (i = 1; i < argc; i += 2) {
			if (parse_ll(argv[i], &r[n].seconds) ||
			    parse_ll(argv[i + 1], &r[n].changes) ||
			    r[n].seconds < 1 || r[n].changes < 0)
				return "Invalid save parameters";
			if (++n == KVSD_MAX_SAVE)
				break;
		}
		/* the first save line replaces the defaults, later ones add */
		if (!save_reset) {
			cfg->nr_save = 0;
			save_reset = 1;
		}
		for (i = 0; i < n && cfg->nr_save < KVSD_MAX_SAVE; i++)
			cfg->save[cfg->nr_save++] = r[i];
		return NULL;
	}
	if (argc != 2)
		return "wrong number of arguments";
	if (!strcmp(name, "dir")) {
		if (chdir(argv[1]))
			return strerror(errno);
		free(cfg->dir);
		cfg->dir = xstrdup(argv[1]);
		return NULL;
	}
	if (!strcmp(name, "dbfilename"))
		return set_path_name(&cfg->dbfilename, argv[1], "dbfilename");
	if (!strcmp(name, "appendfilename"))
		return set_path_name(&cfg->appendfilename, argv[1],
				     "appendfilename");
	return set_path_name(&cfg->appenddirname, argv[1], "appenddirname");
}

static const char *set_directive(struct kvsd_config *cfg,
				 const struct directive *d, int argc,
				 char **argv)
{
	static char err[160];
	void *field = (char *)cfg + d->off;
	const char *v = argv[1];
	long long n;
	int i;

	if (d->type == D_SPECIAL)
		return set_special(cfg, d->name, argc, argv);
	if (argc != 2)
		return "wrong number of arguments";
	switch (d->type) {
	case D_BOOL:
		if (!strcasecmp(v, "yes"))
			*(bool *)field = true;
		else if (!strcasecmp(v, "no"))
			*(bool *)field = false;
		else
			return "argument must be 'yes' or 'no'";
		return NULL;
	case D_INT:
	case D_MEM:
		if (d->type == D_INT ? parse_ll(v, &n) : parse_mem(v, &n))
			return d->type == D_INT ?
			       "argument couldn't be parsed into an integer" :
			       "argument must be a memory value";
		if (n < d->min || n > d->max) {
			snprintf(err, sizeof(err),
				 "argument must be between %lld and %lld inclusive",
				 d->min, d->max);
			return err;
		}
		if (d->off == OFF(port))
			*(int *)field = n;
		else
			*(long long *)field = n;
		return NULL;
	case D_OCTAL: {
		char *end;
		long val;

		errno = 0;
		val = strtol(v, &end, 8);
		if (!*v || *end || errno || val < 0 || val > 0777)
			return "argument couldn't be parsed as an octal number";
		*(unsigned int *)field = val;
		return NULL;
	}
	case D_ENUM: {
		size_t len = 0;

		for (i = 0; d->names[i]; i++) {
			if (!strcasecmp(v, d->names[i])) {
				*(int *)field = i;
				return NULL;
			}
		}
		len = snprintf(err, sizeof(err),
			       "argument(s) must be one of the following: ");
		for (i = 0; d->names[i] && len < sizeof(err); i++)
			len += snprintf(err + len, sizeof(err) - len, "%s%s",
					i ? ", " : "", d->names[i]);
		return err;
	}
	case D_STR:
		free(*(char **)field);
		*(char **)field = xstrdup(v);
		return NULL;
	default:
		return "Bad directive or wrong number of arguments";
	}
}

static void add_passthru(struct kvsd_config *cfg, int line, const char *text,
			 int argc, char **argv)
{
	struct kvsd_passthru *p;

	p = realloc(cfg->passthru, (cfg->nr_passthru + 1) * sizeof(*p));
	if (!p) {
		fprintf(stderr, "Out of memory\n");
		exit(1);
	}
	cfg->passthru = p;
	p += cfg->nr_passthru++;
	p->line = line;
	p->text = xstrdup(text);
	p->argc = argc;
	p->argv = argv;
}

static void load_string(struct kvsd_config *cfg, char *config)
{
	char *line = config, *next;
	int linenum = 0;

	for (; line; line = next) {
		const struct directive *d = NULL;
		const char *err;
		char *end, **argv;
		int argc;
		size_t i;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		linenum++;
		while (*line && strchr(" \t\r\n", *line))
			line++;
		end = line + strlen(line);
		while (end > line && strchr(" \t\r\n", end[-1]))
			*--end = '\0';
		if (!*line || *line == '#')
			continue;
		argc = kvs_splitargs(line, &argv, NULL);
		if (argc < 0)
			kvsd_config_fatal_line(linenum, line,
					       "Unbalanced quotes in configuration line");
		if (!argc) {
			kvsd_free_args(argv, argc);
			continue;
		}
		for (end = argv[0]; *end; end++)
			*end = tolower((unsigned char)*end);
		for (i = 0; i < sizeof(directives) / sizeof(directives[0]); i++)
			if (!strcmp(argv[0], directives[i].name))
				d = &directives[i];
		if (!d) {
			/* the module's to judge (CONFIG SET), at start */
			add_passthru(cfg, linenum, line, argc, argv);
			continue;
		}
		err = set_directive(cfg, d, argc, argv);
		if (err)
			kvsd_config_fatal_line(linenum, line, err);
		kvsd_free_args(argv, argc);
	}
}

/* Append @s to @b quoted as redis-server's sdscatrepr() does. */
static int add_repr(struct kvs_buf *b, const char *s)
{
	int err = kvs_buf_add(b, "\"", 1);

	for (; *s && !err; s++) {
		unsigned char ch = *s;
		char tmp[8];

		switch (ch) {
		case '\\': case '"':
			snprintf(tmp, sizeof(tmp), "\\%c", ch); break;
		case '\n': strcpy(tmp, "\\n"); break;
		case '\r': strcpy(tmp, "\\r"); break;
		case '\t': strcpy(tmp, "\\t"); break;
		case '\a': strcpy(tmp, "\\a"); break;
		case '\b': strcpy(tmp, "\\b"); break;
		default:
			if (isprint(ch))
				snprintf(tmp, sizeof(tmp), "%c", ch);
			else
				snprintf(tmp, sizeof(tmp), "\\x%02x", ch);
		}
		err = kvs_buf_add(b, tmp, strlen(tmp));
	}
	return err ? err : kvs_buf_add(b, "\"", 1);
}

static void usage(int rc)
{
	fprintf(rc ? stderr : stdout,
		"Usage: ./kvstored [/path/to/redis.conf] [options] [-]\n"
		"       ./kvstored -v or --version\n"
		"       ./kvstored -h or --help\n\n"
		"Examples:\n"
		"       ./kvstored (run the server with default conf)\n"
		"       ./kvstored /etc/redis/6379.conf\n"
		"       ./kvstored --port 7777\n"
		"       ./kvstored /etc/myredis.conf --loglevel verbose\n"
		"       ./kvstored --user kvstore  (drop to this user after start)\n");
	exit(rc);
}

/**
 * kvsd_config_load - redis-server's command line: [config file] [--name
 * value...]; exits with redis-server's message on any error.
 */
void kvsd_config_load(struct kvsd_config *cfg, int argc, char **argv)
{
	struct kvs_buf conf = { 0 }, opts = { 0 };
	int j = 1, err = 0;

	if (argc >= 2 && (!strcmp(argv[1], "-v") ||
			  !strcmp(argv[1], "--version"))) {
		printf("kvstored v=%s (Redis %s compatible)\n", "1.0.0",
		       KVSD_VERSION);
		exit(0);
	}
	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")))
		usage(0);
	if (argc >= 2 && argv[1][0] != '-') {
		FILE *f = fopen(argv[1], "r");
		char chunk[4096];
		size_t n;

		if (!f) {
			fprintf(stderr, "Fatal error, can't open config file '%s': %s\n",
				argv[1], strerror(errno));
			exit(1);
		}
		while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
			err |= kvs_buf_add(&conf, chunk, n);
		fclose(f);
		j = 2;
	}
	for (; j < argc; j++) {
		if (argv[j][0] == '-' && argv[j][1] == '-') {
			if (opts.len)
				err |= kvs_buf_add(&opts, "\n", 1);
			err |= kvs_buf_add(&opts, argv[j] + 2,
					   strlen(argv[j] + 2));
			err |= kvs_buf_add(&opts, " ", 1);
			/* a bare --save is save "" (redis-server 7.0) */
			if (!strcmp(argv[j], "--save") &&
			    (j + 1 == argc || !strncmp(argv[j + 1], "--", 2)))
				err |= kvs_buf_add(&opts, "\"\" ", 3);
		} else {
			err |= add_repr(&opts, argv[j]);
			err |= kvs_buf_add(&opts, " ", 1);
		}
	}
	err |= kvs_buf_add(&conf, "\n", 1);
	if (opts.len)
		err |= kvs_buf_add(&conf, opts.p, opts.len);
	err |= kvs_buf_add(&conf, "", 1);
	if (err) {
		fprintf(stderr, "Out of memory\n");
		exit(1);
	}
	load_string(cfg, conf.p);
	free(conf.p);
	free(opts.p);
}

/*
 * The parameters kvstored owns, as CONFIG GET names them (the module has
 * placeholders only for save and appendonly). Not its own user and
 * device: redis-server has no such parameters.
 */
static const char *const owned[] = {
	"bind", "port", "unixsocket", "unixsocketperm", "requirepass",
	"timeout", "tcp-keepalive", "maxclients", "daemonize", "pidfile",
	"logfile", "loglevel", "dir", "dbfilename", "save", "appendonly",
	"appendfilename", "appenddirname", "appendfsync",
	"auto-aof-rewrite-percentage", "auto-aof-rewrite-min-size",
	"aof-load-truncated", "protected-mode", "io-threads",
	"enable-protected-configs", NULL,
};

/* The @i-th parameter kvstored owns, NULL past the last. */
const char *kvsd_config_owned(int i)
{
	return i >= 0 && i < (int)(sizeof(owned) / sizeof(owned[0])) ?
	       owned[i] : NULL;
}

static const char *yesno(bool b)
{
	return b ? "yes" : "no";
}

/**
 * kvsd_config_value - CONFIG GET's value of a parameter kvstored owns,
 * as redis-server 7.0.15 prints it (octal unixsocketperm, bytes for
 * sizes, "" for an unset string, the absolute dir)
 * Return: false if @name (@len bytes, any case) is not one of them.
 */
bool kvsd_config_value(const char *name, size_t len, char *buf, size_t room)
{
	const struct kvsd_config *c = &kvsd_cfg;
	const char *s = NULL;
	size_t used = 0;
	char n[32];
	int i;

	if (!len || len >= sizeof(n))
		return false;
	for (i = 0; i < (int)len; i++)
		n[i] = tolower((unsigned char)name[i]);
	n[len] = '\0';
	buf[0] = '\0';
	if (!strcmp(n, "bind")) {
		for (i = 0; i < c->nr_bind && used < room; i++)
			used += snprintf(buf + used, room - used, "%s%s",
					 i ? " " : "", c->bind[i]);
	} else if (!strcmp(n, "port")) {
		snprintf(buf, room, "%d", c->port);
	} else if (!strcmp(n, "unixsocket")) {
		s = c->unixsocket ? c->unixsocket : "";
	} else if (!strcmp(n, "unixsocketperm")) {
		snprintf(buf, room, "%o", c->unixsocketperm);
	} else if (!strcmp(n, "requirepass")) {
		s = c->requirepass ? c->requirepass : "";
	} else if (!strcmp(n, "timeout")) {
		snprintf(buf, room, "%lld", c->timeout);
	} else if (!strcmp(n, "tcp-keepalive")) {
		snprintf(buf, room, "%lld", c->tcp_keepalive);
	} else if (!strcmp(n, "maxclients")) {
		snprintf(buf, room, "%lld", c->maxclients);
	} else if (!strcmp(n, "daemonize")) {
		s = yesno(c->daemonize);
	} else if (!strcmp(n, "pidfile")) {
		s = c->pidfile ? c->pidfile : "";
	} else if (!strcmp(n, "logfile")) {
		s = c->logfile ? c->logfile : "";
	} else if (!strcmp(n, "loglevel")) {
		s = loglevels[c->loglevel];
	} else if (!strcmp(n, "dir")) {
		if (!getcwd(buf, room))
			buf[0] = '\0';
	} else if (!strcmp(n, "dbfilename")) {
		s = c->dbfilename;
	} else if (!strcmp(n, "save")) {
		for (i = 0; i < c->nr_save && used < room; i++)
			used += snprintf(buf + used, room - used, "%s%lld %lld",
					 i ? " " : "", c->save[i].seconds,
					 c->save[i].changes);
	} else if (!strcmp(n, "appendonly")) {
		s = yesno(c->appendonly);
	} else if (!strcmp(n, "appendfilename")) {
		s = c->appendfilename;
	} else if (!strcmp(n, "appenddirname")) {
		s = c->appenddirname;
	} else if (!strcmp(n, "appendfsync")) {
		s = fsyncs[c->appendfsync];
	} else if (!strcmp(n, "auto-aof-rewrite-percentage")) {
		snprintf(buf, room, "%lld", c->aof_rewrite_perc);
	} else if (!strcmp(n, "auto-aof-rewrite-min-size")) {
		snprintf(buf, room, "%lld", c->aof_rewrite_min);
	} else if (!strcmp(n, "aof-load-truncated")) {
		s = yesno(c->aof_load_truncated);
	} else if (!strcmp(n, "protected-mode")) {
		s = yesno(c->protected_mode);
	} else if (!strcmp(n, "enable-protected-configs")) {
		s = protected_names[c->enable_protected_configs];
	} else if (!strcmp(n, "io-threads")) {
		snprintf(buf, room, "%lld", c->io_threads);
	} else {
		return false;
	}
	if (s)
		snprintf(buf, room, "%s", s);
	return true;
}

bool kvsd_config_is_owned(const char *name, size_t len)
{
	int i;

	for (i = 0; owned[i]; i++)
		if (strlen(owned[i]) == len && !strncasecmp(name, owned[i], len))
			return true;
	return false;
}

/* Is @name (any case) in the NULL-ended @list? */
static bool listed(const char *const *list, const char *name)
{
	for (; *list; list++)
		if (!strcasecmp(*list, name))
			return true;
	return false;
}

/*
 * redis-server 7.0's flags for kvstored's parameters: these are fixed
 * once it runs; dir and dbfilename are protected configs, which
 * enable-protected-configs allows (yes, or local: from the unix socket
 * or loopback). Redis rebinds on bind and port; kvstored does not (yet).
 */
static const char *const immutable[] = {
	"daemonize", "unixsocket", "unixsocketperm", "pidfile", "logfile",
	"appendfilename", "appenddirname", "io-threads",
	"enable-protected-configs", NULL,
};
static const char *const protected_cfg[] = { "dir", "dbfilename", NULL };
static const struct directive *find_directive(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(directives) / sizeof(directives[0]); i++)
		if (!strcasecmp(name, directives[i].name))
			return &directives[i];
	return NULL;
}

/* The strings CONFIG SET may replace: the copy gets its own. */
static void dup_strings(struct kvsd_config *st)
{
	int i;

	st->requirepass = st->requirepass ? xstrdup(st->requirepass) : NULL;
	st->dir = st->dir ? xstrdup(st->dir) : NULL;
	st->dbfilename = st->dbfilename ? xstrdup(st->dbfilename) : NULL;
	for (i = 0; i < st->nr_bind; i++)
		st->bind[i] = xstrdup(st->bind[i]);
}

static void free_strings(struct kvsd_config *st)
{
	int i;

	free(st->requirepass);
	free(st->dir);
	free(st->dbfilename);
	for (i = 0; i < st->nr_bind; i++)
		free(st->bind[i]);
}

static bool is_loopback(const char *a)
{
	if (a[0] == '-')
		a++;
	return !strncmp(a, "127.", 4) || !strcmp(a, "::1") ||
	       !strcmp(a, "localhost");
}

/**
 * kvsd_config_exposed - would @c listen on another address than
 * loopback with protected mode on and no password?
 * Return: the first such address, or NULL.
 */
const char *kvsd_config_exposed(const struct kvsd_config *c)
{
	int i;

	if (!c->protected_mode || (c->requirepass && c->requirepass[0]) ||
	    !c->port)
		return NULL;
	for (i = 0; i < c->nr_bind; i++)
		if (!is_loopback(c->bind[i]))
			return c->bind[i];
	return NULL;
}

void kvsd_config_drop(struct kvsd_config *st)
{
	if (!st)
		return;
	free_strings(st);
	free(st);
}

/* What chdir() would say of @d, without leaving the directory. */
static const char *dir_error(const char *d)
{
	struct stat sb;

	if (stat(d, &sb))
		return strerror(errno);
	if (!S_ISDIR(sb.st_mode))
		return strerror(ENOTDIR);
	if (access(d, X_OK))
		return strerror(errno);
	return NULL;
}

/**
 * kvsd_config_stage - the kvstored parameters of CONFIG SET @argv
 * (name value pairs from argv[2]; the module's names are skipped), set
 * in a copy of kvsd_cfg, as redis-server's configSetCommand() checks
 * them: names first (the first refused one named as given), then the
 * values in order (the first bad one named as Redis spells it).
 * Return: the copy for kvsd_config_commit(), or NULL with the error
 * reply ("-ERR ...\r\n") in @err, the index of the argument named in
 * *@bad_at and in *@phase 1 (a name refused) or 2 (a value).
 */
struct kvsd_config *kvsd_config_stage(int argc, char **argv,
				      size_t *argvlen, bool local, char *err,
				      size_t room, int *bad_at, int *phase)
{
	const struct directive *seen[sizeof(directives) /
				     sizeof(directives[0])];
	const struct directive *d;
	struct kvsd_config *st;
	int i, j, nseen = 0;
	const char *why;

	for (i = 2; i + 1 < argc; i += 2) {
		if (!kvsd_config_is_owned(argv[i], argvlen[i]))
			continue;
		why = NULL;
		d = find_directive(argv[i]);
		if (listed(immutable, argv[i]))
			why = "can't set immutable config";
		else if (listed(protected_cfg, argv[i]) &&
			 kvsd_cfg.enable_protected_configs != 1 &&
			 (kvsd_cfg.enable_protected_configs != 2 || !local))
			why = "can't set protected config";
		for (j = 0; !why && j < nseen; j++)
			if (seen[j] == d)
				why = "duplicate parameter";
		if (why) {
			snprintf(err, room, "-ERR CONFIG SET failed (possibly related to argument '%s') - %s\r\n",
				 argv[i], why);
			*bad_at = i;
			*phase = 1;
			return NULL;
		}
		seen[nseen++] = d;
	}
	*bad_at = argc;
	*phase = 2;
	st = malloc(sizeof(*st));
	if (!st) {
		snprintf(err, room, "-ERR out of memory\r\n");
		return NULL;
	}
	*st = kvsd_cfg;
	dup_strings(st);
	for (i = 2; i + 1 < argc; i += 2) {
		char *av[2];

		if (!kvsd_config_is_owned(argv[i], argvlen[i]))
			continue;
		d = find_directive(argv[i]);
		av[0] = (char *)d->name;
		av[1] = argv[i + 1];
		if (!strcmp(d->name, "save"))
			st->nr_save = 0;	/* replaced, not added to */
		if (!strcmp(d->name, "dir")) {
			why = dir_error(av[1]);
			if (!why) {
				free(st->dir);
				st->dir = xstrdup(av[1]);
			}
		} else {
			why = set_directive(st, d, 2, av);
		}
		if (why) {
			snprintf(err, room, "-ERR CONFIG SET failed (possibly related to argument '%s') - %s\r\n",
				 d->name, why);
			*bad_at = i;
			kvsd_config_drop(st);
			return NULL;
		}
	}
	return st;
}

/*
 * kvsd_config_commit - @st becomes kvsd_cfg (the caller has stopped the
 * world: every loop reads it). appendonly is kvstored_persist.c's to
 * change: kept as it is.
 */
void kvsd_config_commit(struct kvsd_config *st)
{
	struct kvsd_config old = kvsd_cfg;

	st->appendonly = kvsd_cfg.appendonly;
	if (st->dir && (!old.dir || strcmp(st->dir, old.dir)) &&
	    chdir(st->dir))
		kvsd_log(LL_WARNING, "Can't chdir to '%s': %s", st->dir,
			 strerror(errno));
	kvsd_cfg = *st;
	free_strings(&old);
	free(st);
}

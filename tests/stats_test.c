// SPDX-License-Identifier: GPL-2.0
/*
 * INFO commandstats, errorstats, latencystats and cpu, CONFIG RESETSTAT
 * over them, INFO with several sections, and MEMORY USAGE / STATS. The
 * counts are checked exactly after a RESETSTAT; times only by format.
 */
#include <regex.h>

#include "kvs_test.h"
#include "kvs_harness.h"

#define OK "+OK\r\n"

FIXTURE(stats) {
	int fd;
};

FIXTURE_SETUP(stats)
{
	KVS_FIXTURE_SETUP(self);
	ASSERT_REPLY(OK, kvs_cmd(self->fd, "CONFIG SET latency-tracking yes"));
	ASSERT_REPLY(OK, kvs_cmd(self->fd, "CONFIG RESETSTAT"));
}

FIXTURE_TEARDOWN(stats)
{
	if (self->fd >= 0) {
		kvs_cmd(self->fd, "CONFIG SET latency-tracking yes");
		close(self->fd);
	}
}

/* The line of INFO @section starting with @prefix, or NULL. */
static const char *info_line(int fd, const char *section, const char *prefix,
			     char *out, size_t size)
{
	char *r = kvs_cmdf(fd, "INFO %s", section);
	char *p, *e;

	if (!r || r[0] != '$')
		return NULL;
	for (p = strstr(r, "\r\n"); p; p = strstr(p, "\r\n")) {
		p += 2;
		if (strncmp(p, prefix, strlen(prefix)))
			continue;
		e = strstr(p, "\r\n");
		if (!e || (size_t)(e - p) >= size)
			return NULL;
		memcpy(out, p, e - p);
		out[e - p] = '\0';
		return out;
	}
	return NULL;
}

static bool matches(const char *s, const char *re)
{
	regex_t rx;
	bool m;

	if (!s || regcomp(&rx, re, REG_EXTENDED | REG_NOSUB))
		return false;
	m = !regexec(&rx, s, 0, NULL, 0);
	regfree(&rx);
	return m;
}

TEST_F(stats, commandstats_counts)
{
	char line[512];

	ASSERT_REPLY(OK, kvs_cmd(self->fd, "SET a 1"));
	kvs_cmd(self->fd, "GET a");
	kvs_cmd(self->fd, "GET nokey");
	/* WRONGTYPE: a failed call */
	EXPECT_REPLY_PREFIX("-WRONGTYPE", kvs_cmd(self->fd, "LPUSH a x"));
	/* arity: rejected before it runs */
	EXPECT_REPLY_PREFIX("-ERR wrong number", kvs_cmd(self->fd, "GET"));

	EXPECT_TRUE(matches(info_line(self->fd, "commandstats", "cmdstat_get:",
				      line, sizeof(line)),
			    "^cmdstat_get:calls=2,usec=[0-9]+,usec_per_call=[0-9]+\\.[0-9]{2},rejected_calls=1,failed_calls=0$"));
	TH_LOG("%s", line);
	EXPECT_TRUE(matches(info_line(self->fd, "commandstats", "cmdstat_lpush:",
				      line, sizeof(line)),
			    "^cmdstat_lpush:calls=1,usec=[0-9]+,usec_per_call=[0-9.]+,rejected_calls=0,failed_calls=1$"));
	EXPECT_TRUE(matches(info_line(self->fd, "commandstats", "cmdstat_set:",
				      line, sizeof(line)),
			    "^cmdstat_set:calls=1,"));
	/* a subcommand by its full name, counted once it has returned */
	EXPECT_TRUE(matches(info_line(self->fd, "commandstats",
				      "cmdstat_config|resetstat:", line,
				      sizeof(line)),
			    "^cmdstat_config\\|resetstat:calls=1,"));
	/* INFO counts itself after it replied: the second sees the first */
	EXPECT_TRUE(matches(info_line(self->fd, "commandstats", "cmdstat_info:",
				      line, sizeof(line)),
			    "^cmdstat_info:calls=4,"));
}

/* EXEC is a call; its commands are calls of their own, failing alone. */
TEST_F(stats, exec_counts)
{
	char line[512];

	ASSERT_REPLY(OK, kvs_cmd(self->fd, "SET a 1"));
	ASSERT_REPLY(OK, kvs_cmd(self->fd, "MULTI"));
	ASSERT_REPLY("+QUEUED\r\n", kvs_cmd(self->fd, "GET a"));
	ASSERT_REPLY("+QUEUED\r\n", kvs_cmd(self->fd, "LPUSH a x"));
	EXPECT_REPLY_PREFIX("*2\r\n$1\r\n1\r\n-WRONGTYPE",
			    kvs_cmd(self->fd, "EXEC"));
	EXPECT_TRUE(matches(info_line(self->fd, "commandstats", "cmdstat_exec:",
				      line, sizeof(line)),
			    ",rejected_calls=0,failed_calls=0$"));
	EXPECT_TRUE(matches(info_line(self->fd, "commandstats", "cmdstat_exec:",
				      line, sizeof(line)),
			    "^cmdstat_exec:calls=1,"));
	EXPECT_TRUE(matches(info_line(self->fd, "commandstats", "cmdstat_lpush:",
				      line, sizeof(line)),
			    "^cmdstat_lpush:calls=1,.*,rejected_calls=0,failed_calls=1$"));
	EXPECT_TRUE(matches(info_line(self->fd, "commandstats", "cmdstat_get:",
				      line, sizeof(line)),
			    "^cmdstat_get:calls=1,.*,failed_calls=0$"));
	/* a command refused while queued is rejected, and EXEC then fails */
	ASSERT_REPLY(OK, kvs_cmd(self->fd, "MULTI"));
	EXPECT_REPLY_PREFIX("-ERR wrong number", kvs_cmd(self->fd, "GET"));
	EXPECT_REPLY_PREFIX("-EXECABORT", kvs_cmd(self->fd, "EXEC"));
	EXPECT_TRUE(matches(info_line(self->fd, "commandstats", "cmdstat_exec:",
				      line, sizeof(line)),
			    "^cmdstat_exec:calls=2,.*,rejected_calls=0,failed_calls=1$"));
	EXPECT_TRUE(matches(info_line(self->fd, "commandstats", "cmdstat_get:",
				      line, sizeof(line)),
			    "^cmdstat_get:calls=1,.*,rejected_calls=1,failed_calls=0$"));
	EXPECT_TRUE(matches(info_line(self->fd, "errorstats", "errorstat_EXECABORT:",
				      line, sizeof(line)),
			    "^errorstat_EXECABORT:count=1$"));
}

/* PING while subscribed answers in its own form: still cmdstat_ping */
TEST_F(stats, subscribed_ping)
{
	char line[512];

	EXPECT_REPLY_PREFIX("*3\r\n$9\r\nsubscribe\r\n",
			    kvs_cmd(self->fd, "SUBSCRIBE ch"));
	EXPECT_REPLY("*2\r\n$4\r\npong\r\n$0\r\n\r\n",
		     kvs_cmd(self->fd, "PING"));
	EXPECT_REPLY_PREFIX("-ERR Can't execute 'get'",
			    kvs_cmd(self->fd, "GET a"));
	EXPECT_REPLY_PREFIX("*3\r\n$11\r\nunsubscribe\r\n",
			    kvs_cmd(self->fd, "UNSUBSCRIBE"));
	EXPECT_TRUE(matches(info_line(self->fd, "commandstats", "cmdstat_ping:",
				      line, sizeof(line)),
			    "^cmdstat_ping:calls=1,"));
	EXPECT_TRUE(matches(info_line(self->fd, "commandstats", "cmdstat_get:",
				      line, sizeof(line)),
			    "^cmdstat_get:calls=0,.*,rejected_calls=1,failed_calls=0$"));
}

TEST_F(stats, errorstats)
{
	char line[256];
	char *r;

	EXPECT_EQ(1, kvs_int(kvs_cmd(self->fd, "SADD s a")));
	EXPECT_REPLY_PREFIX("-WRONGTYPE", kvs_cmd(self->fd, "GET s"));
	EXPECT_REPLY_PREFIX("-ERR unknown command",
			    kvs_cmd(self->fd, "NOSUCHCMD"));
	EXPECT_REPLY_PREFIX("-ERR syntax error",
			    kvs_cmd(self->fd, "SET k v NX XX"));
	EXPECT_STREQ("errorstat_ERR:count=2",
		     info_line(self->fd, "errorstats", "errorstat_ERR:", line,
			       sizeof(line)));
	EXPECT_STREQ("errorstat_WRONGTYPE:count=1",
		     info_line(self->fd, "errorstats", "errorstat_WRONGTYPE:",
			       line, sizeof(line)));
	EXPECT_STREQ("total_error_replies:3",
		     info_line(self->fd, "stats", "total_error_replies:",
			       line, sizeof(line)));
	/* in code order, as Redis's radix tree gives them */
	r = kvs_cmd(self->fd, "INFO errorstats");
	EXPECT_TRUE(matches(r, "# Errorstats\r\nerrorstat_ERR:count=2\r\nerrorstat_WRONGTYPE:count=1\r\n"));

	ASSERT_REPLY(OK, kvs_cmd(self->fd, "CONFIG RESETSTAT"));
	EXPECT_REPLY("$14\r\n# Errorstats\r\n\r\n",
		     kvs_cmd(self->fd, "INFO errorstats"));
	EXPECT_EQ(NULL, info_line(self->fd, "commandstats", "cmdstat_get:",
				  line, sizeof(line)));
}

TEST_F(stats, latencystats)
{
	char line[512];

	kvs_cmd(self->fd, "SET a 1");
	kvs_cmd(self->fd, "GET a");
	EXPECT_TRUE(matches(info_line(self->fd, "latencystats",
				      "latency_percentiles_usec_get:", line,
				      sizeof(line)),
			    "^latency_percentiles_usec_get:p50=[0-9]+\\.[0-9]{3},p99=[0-9]+\\.[0-9]{3},p99\\.9=[0-9]+\\.[0-9]{3}$"));
	TH_LOG("%s", line);
	ASSERT_REPLY(OK, kvs_cmd(self->fd, "CONFIG SET latency-tracking no"));
	EXPECT_REPLY("*2\r\n$16\r\nlatency-tracking\r\n$2\r\nno\r\n",
		     kvs_cmd(self->fd, "CONFIG GET latency-tracking"));
	EXPECT_REPLY("$16\r\n# Latencystats\r\n\r\n",
		     kvs_cmd(self->fd, "INFO latencystats"));
}

TEST_F(stats, latency_percentiles)
{
	char line[512];

	ASSERT_REPLY(OK, kvs_cmdl(self->fd, "CONFIG", "SET",
				  "latency-tracking-info-percentiles",
				  "0 99.99 100", NULL));
	EXPECT_REPLY("*2\r\n$33\r\nlatency-tracking-info-percentiles\r\n$11\r\n0 99.99 100\r\n",
		     kvs_cmd(self->fd, "CONFIG GET latency-tracking-info-percentiles"));
	kvs_cmd(self->fd, "PING");
	EXPECT_TRUE(matches(info_line(self->fd, "latencystats",
				      "latency_percentiles_usec_ping:", line,
				      sizeof(line)),
			    "^latency_percentiles_usec_ping:p0=[0-9]+\\.[0-9]{3},p99\\.99=[0-9]+\\.[0-9]{3},p100=[0-9]+\\.[0-9]{3}$"));
	EXPECT_REPLY_PREFIX("-ERR CONFIG SET failed (possibly related to argument 'latency-tracking-info-percentiles') - latency-tracking-info-percentiles parameters should sit between [0.0,100.0]",
			    kvs_cmd(self->fd, "CONFIG SET latency-tracking-info-percentiles 100.5"));
	/* none: each line names the command only */
	ASSERT_REPLY(OK, kvs_cmdl(self->fd, "CONFIG", "SET",
				  "latency-tracking-info-percentiles", "",
				  NULL));
	EXPECT_STREQ("latency_percentiles_usec_ping:",
		     info_line(self->fd, "latencystats",
			       "latency_percentiles_usec_ping:", line,
			       sizeof(line)));
	ASSERT_REPLY(OK, kvs_cmdl(self->fd, "CONFIG", "SET",
				  "latency-tracking-info-percentiles",
				  "50 99 99.9", NULL));
}

TEST_F(stats, info_sections)
{
	char *r;

	r = kvs_cmd(self->fd, "INFO server clients");
	EXPECT_TRUE(matches(r, "# Server\r\n"));
	EXPECT_TRUE(matches(r, "\r\n\r\n# Clients\r\n"));
	EXPECT_FALSE(matches(r, "# Memory"));
	EXPECT_REPLY("$0\r\n\r\n", kvs_cmd(self->fd, "INFO nosuchsection"));
	r = kvs_cmd(self->fd, "INFO cpu");
	EXPECT_TRUE(matches(r, "^\\$[0-9]+\r\n# CPU\r\nused_cpu_sys:[0-9]+\\.[0-9]{6}\r\nused_cpu_user:[0-9]+\\.[0-9]{6}\r\nused_cpu_sys_children:[0-9]+\\.[0-9]{6}\r\nused_cpu_user_children:[0-9]+\\.[0-9]{6}\r\nused_cpu_sys_main_thread:[0-9]+\\.[0-9]{6}\r\nused_cpu_user_main_thread:[0-9]+\\.[0-9]{6}\r\n\r\n$"));
	/* default has errorstats, not commandstats; all and everything both */
	r = kvs_cmd(self->fd, "INFO");
	EXPECT_TRUE(matches(r, "# Errorstats"));
	EXPECT_FALSE(matches(r, "# Commandstats"));
	r = kvs_cmd(self->fd, "INFO all");
	EXPECT_TRUE(matches(r, "# Commandstats\r\n.*# Errorstats\r\n.*# Latencystats"));
	r = kvs_cmd(self->fd, "INFO default commandstats");
	EXPECT_TRUE(matches(r, "# Keyspace"));
	EXPECT_TRUE(matches(r, "# Commandstats"));
	EXPECT_FALSE(matches(r, "# Latencystats"));
}

TEST_F(stats, memory_usage)
{
	char big[2100];
	long long small, large;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	EXPECT_REPLY("$-1\r\n", kvs_cmd(self->fd, "MEMORY USAGE nokey"));
	ASSERT_REPLY(OK, kvs_cmd(self->fd, "SET k v"));
	small = kvs_int(kvs_cmd(self->fd, "MEMORY USAGE k"));
	EXPECT_GT(small, 0);
	ASSERT_REPLY(OK, kvs_cmdl(self->fd, "SET", "k", big, NULL));
	large = kvs_int(kvs_cmd(self->fd, "MEMORY USAGE k SAMPLES 0"));
	TH_LOG("usage %lld then %lld", small, large);
	EXPECT_GE(large, small + 2000);
	EXPECT_REPLY("-ERR syntax error\r\n",
		     kvs_cmd(self->fd, "MEMORY USAGE k SAMPLES -1"));
	EXPECT_REPLY("-ERR syntax error\r\n",
		     kvs_cmd(self->fd, "MEMORY USAGE k FOO"));
	EXPECT_REPLY_PREFIX("-ERR value is not an integer",
			    kvs_cmd(self->fd, "MEMORY USAGE k SAMPLES x"));
	EXPECT_REPLY("-ERR wrong number of arguments for 'memory|usage' command\r\n",
		     kvs_cmd(self->fd, "MEMORY USAGE"));
}

TEST_F(stats, memory_stats)
{
	char *r;

	ASSERT_REPLY(OK, kvs_cmd(self->fd, "SET k v"));
	/* RESP2: 27 fields and db.0, as key-value pairs */
	r = kvs_cmd(self->fd, "MEMORY STATS");
	EXPECT_REPLY_PREFIX("*56\r\n$14\r\npeak.allocated\r\n:", r);
	EXPECT_TRUE(matches(r, "\\$4\r\ndb\\.0\r\n\\*6\r\n\\$23\r\noverhead\\.hashtable\\.main\r\n:"));
	EXPECT_TRUE(matches(r, "\\$10\r\nkeys\\.count\r\n:1\r\n"));
	EXPECT_TRUE(matches(r, "\\$13\r\nfragmentation\r\n\\$1\r\n1\r\n\\$19\r\nfragmentation\\.bytes\r\n:0\r\n$"));
	EXPECT_REPLY(OK, kvs_cmd(self->fd, "MEMORY PURGE"));
	EXPECT_REPLY_PREFIX("$", kvs_cmd(self->fd, "MEMORY DOCTOR"));
}

TEST_HARNESS_MAIN

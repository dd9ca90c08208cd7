// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * kvstored: the kvstore daemon, redis-server's command line and files
 * in front of /dev/kvstore. This file: start-up (configuration, the
 * protected-mode check, daemonize, pidfile, log, privileges), signals,
 * and the final save on the way out.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <linux/capability.h>

#include "kvstored.h"

volatile int kvsd_shutdown_asked;
static FILE *logf;
static char role = 'M';

long long kvsd_mstime(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* redis-server's log line: "pid:M 03 Dec 2026 14:22:15.520 * message" */
void kvsd_log(int level, const char *fmt, ...)
{
	static const char marks[] = ".-*#";
	struct timeval tv;
	char when[64];
	struct tm tm;
	va_list ap;
	FILE *f = logf ? logf : stdout;

	if (level < kvsd_cfg.loglevel || (kvsd_cfg.daemonize && !logf))
		return;
	gettimeofday(&tv, NULL);
	strftime(when, sizeof(when), "%d %b %Y %H:%M:%S",
		 localtime_r(&tv.tv_sec, &tm));
	flockfile(f);	/* one line at a time from every loop */
	fprintf(f, "%d:%c %s.%03d %c ", (int)getpid(), role, when,
		(int)(tv.tv_usec / 1000), marks[level]);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fflush(f);
	funlockfile(f);
}

static void on_signal(int sig)
{
	(void)sig;
	__atomic_store_n(&kvsd_shutdown_asked, 2, __ATOMIC_RELEASE);
}

/*
 * Redis answers clients from other hosts with -DENIED when it has no
 * password and protected mode is on; kvstored goes further and will not
 * start listening on a non-loopback address at all in that case.
 */
static void protected_mode_check(void)
{
	const char *addr = kvsd_config_exposed(&kvsd_cfg);

	if (!addr)
		return;
	fprintf(stderr,
		"DENIED kvstored is running in protected mode because protected mode is enabled and no password is set for the default user. "
		"Refusing to listen on %s: either set a password (requirepass), bind only to loopback addresses, "
		"or disable protected mode with 'protected-mode no' (only if the port is firewalled).\n",
		addr);
	exit(1);
}

static void daemonize(void)
{
	int fd;

	if (fork())
		exit(0);
	setsid();
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
}

/* Keep CAP_SYS_ADMIN, and only it, across the change of user. */
static int keep_sys_admin(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	data[0].effective = 1U << CAP_SYS_ADMIN;
	data[0].permitted = 1U << CAP_SYS_ADMIN;
	return syscall(SYS_capset, &hdr, data);
}

/*
 * --user: after the sockets, the control fd, the load and the AOF are
 * set up. Each client connection opens /dev/kvstore afresh, as the
 * user: the device node must let it (group or mode). The module gives a
 * connection admin rights (CONFIG, DEBUG, snapshots for SAVE) when its
 * opener has CAP_SYS_ADMIN, so that one capability is kept, and every
 * other privilege of root (file access above all) is dropped.
 */
static int drop_privileges(const char *user)
{
	struct passwd *pw = getpwnam(user);

	if (!pw) {
		kvsd_log(LL_WARNING, "--user %s: no such user", user);
		return -1;
	}
	if (prctl(PR_SET_KEEPCAPS, 1) || initgroups(pw->pw_name, pw->pw_gid) ||
	    setgid(pw->pw_gid) || setuid(pw->pw_uid) || keep_sys_admin()) {
		kvsd_log(LL_WARNING, "--user %s: %s", user, strerror(errno));
		return -1;
	}
	kvsd_log(LL_NOTICE, "Running as user %s", user);
	return 0;
}

static void write_pidfile(void)
{
	FILE *f;

	if (!kvsd_cfg.pidfile || !kvsd_cfg.pidfile[0])
		return;
	f = fopen(kvsd_cfg.pidfile, "w");
	if (!f) {
		kvsd_log(LL_WARNING, "Failed to write PID file: %s",
			 strerror(errno));
		return;
	}
	fprintf(f, "%d\n", (int)getpid());
	fclose(f);
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	const char *dev;

	kvsd_config_defaults(&kvsd_cfg);
	kvsd_config_load(&kvsd_cfg, argc, argv);
	dev = kvsd_cfg.device ? kvsd_cfg.device : getenv("KVSTORE_DEV");
	kvsd_cfg.device = strdup(dev ? dev : "/dev/kvstore");
	if (kvsd_persist_open())
		return 1;
	if (kvsd_cfg.logfile[0]) {
		logf = fopen(kvsd_cfg.logfile, "a");
		if (!logf)
			kvsd_config_fatal_line(0, NULL, "Can't open the log file: No such file or directory");
	}
	protected_mode_check();
	if (kvsd_cfg.daemonize)
		daemonize();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	kvsd_log(LL_NOTICE, "kvstored starting (Redis %s compatible), pid=%d",
		 KVSD_VERSION, (int)getpid());
	write_pidfile();
	if (kvsd_net_listen())
		return 1;
	if (kvsd_persist_init())
		return 1;
	if (kvsd_cfg.user && drop_privileges(kvsd_cfg.user))
		return 1;
	if (kvsd_persist_start())
		return 1;
	kvsd_net_loop();
	if (kvsd_shutdown_asked == 2) {
		kvsd_log(LL_WARNING, "Received SIGTERM scheduling shutdown...");
		kvsd_log(LL_NOTICE, "User requested shutdown...");
		if (kvsd_persist_shutdown(KVSD_SHUTDOWN_DEFAULT))
			kvsd_log(LL_WARNING, "Exiting without the final save");
	}
	kvsd_net_shutdown();
	if (kvsd_cfg.pidfile && kvsd_cfg.pidfile[0])
		unlink(kvsd_cfg.pidfile);
	kvsd_log(LL_WARNING, "kvstored is now ready to exit, bye bye...");
	return 0;
}

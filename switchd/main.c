/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * main.c - switchd: options, DPDK start-up (one file prefix per instance,
 * derived from the socket path), the store, re-realisation of the stored
 * configuration, and the control loop on the main lcore. Workers run the
 * datapath on the other lcores.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <malloc.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../datapath/datapath.h"
#include "../pif/pif-monitor.h"
#include "../pif/pif-verbs.h"
#include "server.h"
#include "../capture/capture.h"
#include "store.h"
#include "switchd.h"

#define SD_OPTION(id, name, arg, help)
#include "options.def"
#undef SD_OPTION
#include "../lib/text.h"
#define DEFAULT_SOCKET SD_DEFAULT_SOCKET
#define DEFAULT_DB SD_DEFAULT_DB
#define DEFAULT_DETACHED_LOG SD_DEFAULT_DETACHED_LOG
#define DEFAULT_NO_HUGE_MB SD_DEFAULT_NO_HUGE_MB

enum option_id {
	O__FIRST = 0x100,
#define SD_OPTION(id, name, arg, help) O_##id,
#include "options.def"
#undef SD_OPTION
};

static const struct {
	const char *name, *arg, *help;
} option_help[] = {
#define SD_OPTION(id, name, arg, help) {name, arg, help},
#include "options.def"
#undef SD_OPTION
};

struct options {
	const char *socket;
	const char *db;
	const char *pidfile;
	const char *log_file;
	const char *lcores;
	const char *group;
	bool detach;
	bool no_huge;
	unsigned int memory_mb;
	unsigned int fdb_size;
	unsigned int mbufs;
	int n_extra;
	char **extra; /* after "--" */
};

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: switchd [OPTION...] [-- extra DPDK EAL arguments]\n\n");
	for (i = 0; i < sizeof(option_help) / sizeof(option_help[0]); i++) {
		char left[40];

		snprintf(left, sizeof(left), "--%s%s%s", option_help[i].name,
			 option_help[i].arg ? " " : "",
			 option_help[i].arg ? option_help[i].arg : "");
		fprintf(f, "  %-18s ", left);
		text_wrap(f, option_help[i].help, 21, 21, 79);
	}
}

static int
parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
#define SD_OPTION(id, name, arg, help) {name, arg ? required_argument : no_argument, NULL, O_##id},
#include "options.def"
#undef SD_OPTION
		{NULL, 0, NULL, 0},
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->socket = getenv("SWITCHD_SOCKET") ? getenv("SWITCHD_SOCKET") : DEFAULT_SOCKET;
	o->db = DEFAULT_DB;
	o->group = SD_DEFAULT_GROUP;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case O_SOCKET:
			o->socket = optarg;
			break;
		case O_DB:
			o->db = optarg;
			break;
		case O_PIDFILE:
			o->pidfile = optarg;
			break;
		case O_DETACH:
			o->detach = true;
			break;
		case O_LOG:
			o->log_file = optarg;
			break;
		case O_GROUP:
			o->group = optarg;
			break;
		case O_LCORES:
			o->lcores = optarg;
			break;
		case O_NOHUGE:
			o->no_huge = true;
			break;
		case O_MEM:
			o->memory_mb = (unsigned int)strtoul(optarg, NULL, 10);
			if (o->memory_mb == 0) {
				fprintf(stderr, "switchd: --memory wants a number of MB\n");
				return 2;
			}
			break;
		case O_FDB:
			o->fdb_size = (unsigned int)strtoul(optarg, NULL, 10);
			if (o->fdb_size < 64) {
				fprintf(stderr, "switchd: --fdb-size wants at least 64\n");
				return 2;
			}
			break;
		case O_LOGLEVEL:
			if (log_level_parse(optarg) < 0) {
				fprintf(stderr, "switchd: --log-level wants error, warning, info "
						"or debug\n");
				return 2;
			}
			log_set_level((enum log_level)log_level_parse(optarg));
			break;
		case O_MBUFS:
			o->mbufs = (unsigned int)strtoul(optarg, NULL, 10);
			if (o->mbufs < 1024) {
				fprintf(stderr, "switchd: --mbufs wants at least 1024\n");
				return 2;
			}
			break;
		case 'h':
		case O_HELP:
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return 2;
		}
	}
	o->n_extra = argc - optind;
	o->extra = argv + optind;
	return 0;
}

static int
mkdir_parent(const char *path)
{
	char buf[PATH_MAX], *p;

	snprintf(buf, sizeof(buf), "%s", path);
	p = dirname(buf);
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) != 0 && errno != EEXIST)
			return errno;
		*s = '/';
	}
	if (mkdir(p, 0755) != 0 && errno != EEXIST)
		return errno;
	return 0;
}

/* Instances on one machine must not share DPDK's runtime files: derive the
 * file prefix from the socket's absolute path. */
static void
file_prefix(const char *socket_path, char *out, size_t len)
{
	char abs[PATH_MAX];
	const char *p = realpath(socket_path, abs) ? abs : socket_path;
	uint32_t h = 2166136261u; /* FNV-1a */

	if (p != abs) {
		char dir[PATH_MAX], base[PATH_MAX];

		snprintf(dir, sizeof(dir), "%s", socket_path);
		snprintf(base, sizeof(base), "%s", socket_path);
		if (realpath(dirname(dir), abs) != NULL) {
			size_t l = strlen(abs);

			snprintf(abs + l, sizeof(abs) - l, "/%s", basename(base));
			p = abs;
		}
	}
	for (; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	snprintf(out, len, "switchd-%08x", h);
}

static int
write_pidfile(const char *path)
{
	char tmp[PATH_MAX];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "we");
	if (f == NULL)
		return errno;
	fprintf(f, "%d\n", (int)getpid());
	if (fclose(f) != 0 || rename(tmp, path) != 0)
		return errno;
	return 0;
}

/* Each af_packet port holds a socket per rx queue and each vhost-user port
 * one; the soft limit on descriptors (often 1024) would cap a host's VIFs
 * well below what the datapath can take. Raise it to the hard limit. */
static void
raise_nofile_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			LOG_WARN("cannot raise the descriptor limit: %s", strerror(errno));
	}
}

static void
monitor_event(const char *name, int ifindex, bool carrier, void *arg)
{
	(void)ifindex;
	pif_carrier_event(arg, name, carrier);
}

/* Fork; the parent waits until the child says it is ready (exit 0) or dies
 * (exit 1). Returns in the child the fd to report readiness on. */
static int
daemonize(void)
{
	int pfd[2];
	pid_t pid;
	char c;

	if (pipe2(pfd, O_CLOEXEC) != 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0) {
		close(pfd[1]);
		exit(read(pfd[0], &c, 1) == 1 && c == 'R' ? 0 : 1);
	}
	close(pfd[0]);
	setsid();
	return pfd[1];
}

static void
redirect_stdio(const char *log_file, bool detach)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		close(fd);
	}
	if (log_file == NULL && detach)
		log_file = DEFAULT_DETACHED_LOG;
	if (log_file == NULL)
		return;
	fd = open(log_file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (fd < 0) {
		fprintf(stderr, "switchd: cannot open log file %s: %s\n", log_file,
			strerror(errno));
		return;
	}
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
}

int
main(int argc, char **argv)
{
	struct switchd sd = {0};
	struct dp_params dpp = {0};
	struct options o;
	char msg[256];
	struct server *srv = NULL;
	struct pif_monitor *mon = NULL; /* link events: PIFs' carrier */
	int64_t next_tick = 0;		/* of the once-a-second work */
	int64_t t[5];			/* start-up phases, for the log */
	int ready_fd = -1, sfd, err, rc = 1;
	struct dp_eal_params ep = {0};
	sigset_t sigs;
	char buf[PATH_MAX];

	/* The datapath's configuration snapshot (half a megabyte, one per
	 * change) is allocated fresh from the kernel, zeroed as touched: with
	 * glibc's threshold left to rise (as large replies are freed), it
	 * would come from the heap and be cleared whole every time. */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	err = parse_options(argc, argv, &o);
	if (err)
		return err;
	if (mkdir_parent(o.socket) != 0 || mkdir_parent(o.db) != 0) {
		fprintf(stderr, "switchd: cannot create the directories of %s and %s: %s\n",
			o.socket, o.db, strerror(errno));
		return 1;
	}
	if (o.detach) {
		ready_fd = daemonize();
		if (ready_fd < 0) {
			perror("switchd: fork");
			return 1;
		}
	}
	redirect_stdio(o.log_file, o.detach);
	server_reserve_fd(); /* after stdio: it must not take descriptor 0, 1 or 2 */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	sfd = signalfd(-1, &sigs, SFD_CLOEXEC);
	if (sfd < 0) {
		LOG_ERR("signalfd: %s", strerror(errno));
		return 1;
	}

	TAILQ_INIT(&sd.networks);
	TAILQ_INIT(&sd.pifs);
	TAILQ_INIT(&sd.vifs);
	TAILQ_INIT(&sd.vlans);
	TAILQ_INIT(&sd.bonds);
	snprintf(buf, sizeof(buf), "%s", o.socket);
	snprintf(sd.rundir, sizeof(sd.rundir), "%s", dirname(buf));

	/* Refuse early if another switchd answers on this socket. */
	err = server_create(o.socket, o.group, &sd, &srv);
	if (err) {
		if (err != EADDRINUSE) /* which server_create() has told */
			LOG_ERR("control socket %s: %s", o.socket, strerror(err));
		return 1;
	}
	raise_nofile_limit();
	file_prefix(o.socket, sd.instance, sizeof(sd.instance));
	ep.program = argv[0];
	ep.file_prefix = sd.instance;
	ep.lcores = o.lcores;
	ep.no_huge = o.no_huge;
	ep.memory_mb = o.memory_mb;
	ep.no_huge_default_mb = DEFAULT_NO_HUGE_MB;
	ep.n_extra = o.n_extra;
	ep.extra = o.extra;
	t[0] = sd_now_ms();
	if (dp_eal_start(&ep) != 0) {
		LOG_ERR("DPDK initialisation failed");
		goto out;
	}
	dpp.n_workers = dp_eal_worker_lcores(dpp.worker_lcore, DP_MAX_WORKERS);
	if (dpp.n_workers > DP_MAX_WORKERS)
		dpp.n_workers = DP_MAX_WORKERS;
	if (dpp.n_workers == 0) {
		LOG_ERR("--lcores must name at least two lcores (control + worker)");
		goto out;
	}
	dpp.launch = true;
	dpp.fdb_size = o.fdb_size;
	dpp.n_mbufs = o.mbufs;
	dpp.name = "sd";
	dpp.state_dir = sd.rundir;
	t[1] = sd_now_ms();
	err = dp_create(&dpp, &sd.dp);
	if (err) {
		LOG_ERR("datapath: %s", strerror(err));
		goto out;
	}
	t[2] = sd_now_ms();
	err = store_open(o.db, &sd.store, msg, sizeof(msg));
	if (err) {
		LOG_ERR("database %s: %s", o.db, msg);
		goto out;
	}
	err = sd_load(&sd);
	if (err) {
		LOG_ERR("database %s: cannot load: %s", o.db, strerror(err));
		goto out;
	}
	t[3] = sd_now_ms();
	/* Before the PIFs are plugged: no carrier change is missed. */
	err = pif_monitor_open(&mon);
	if (err)
		LOG_WARN("link events: %s: PIFs' carrier changes are not logged", strerror(err));
	sd_realise_all(&sd);
	if (mon != NULL)
		pif_carrier_resync(&sd);
	t[4] = sd_now_ms();
	if (o.pidfile && (err = write_pidfile(o.pidfile)) != 0)
		LOG_WARN("pidfile %s: %s", o.pidfile, strerror(err));
	LOG_INFO("ready: socket %s, database %s, %u worker(s)", o.socket, o.db, dpp.n_workers);
	LOG_INFO("start-up took %" PRId64 " ms: DPDK %" PRId64 ", datapath %" PRId64
		 ", database %" PRId64 ", realising the objects %" PRId64,
		 t[4] - t[0], t[1] - t[0], t[2] - t[1], t[3] - t[2], t[4] - t[3]);
	if (ready_fd >= 0) {
		if (write(ready_fd, "R", 1) != 1)
			LOG_WARN("cannot tell the parent we are ready");
		close(ready_fd);
		ready_fd = -1;
	}

	for (;;) {
		struct pollfd pfd[4] = {
			{.fd = server_fd(srv), .events = POLLIN},
			{.fd = sfd, .events = POLLIN},
			{.fd = mon != NULL ? pif_monitor_fd(mon) : -1, .events = POLLIN},
			{.fd = dp_punt_fd(sd.dp), .events = POLLIN}};

		int64_t now = sd_now_ms(), bond_wake;
		int cap_wait;
		int timeout = server_timeout_ms(srv);

		if (now >= next_tick) {
			sd_moves_check(&sd);
			sd_retry_pending(&sd);
			next_tick = now + 1000;
		}
		/* Bonds: delays that end, rebalancing, DPDK members' links. */
		bond_wake = bond_run_all(&sd, now);
		/* Captures: what the datapath kept, written out. */
		cap_wait = capture_run(&sd);
		if (timeout < 0 || timeout > next_tick - now)
			timeout = (int)(next_tick - now);
		if (cap_wait >= 0 && cap_wait < timeout)
			timeout = cap_wait;
		if (bond_wake - now < timeout)
			timeout = bond_wake <= now ? 0 : (int)(bond_wake - now);
		if (poll(pfd, 4, timeout) < 0) {
			static struct log_rate_limit rl = LOG_RATE_LIMIT_INIT(6, 1);

			if (errno == EINTR)
				continue;
			if (errno == EINVAL) {
				/* The descriptor limit was lowered below the
				 * descriptors polled (prlimit): nothing can be
				 * watched until it is raised; timers go on. */
				LOG_WARN_RL(&rl, "poll: %s (the descriptor limit is below %d)",
					    strerror(errno), 4);
				nanosleep(&(struct timespec){.tv_nsec = 100 * 1000 * 1000}, NULL);
				continue;
			}
			LOG_ERR("poll: %s: stopping", strerror(errno));
			break;
		}
		if (pfd[1].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == sizeof(si))
				LOG_INFO("signal %u: stopping", si.ssi_signo);
			break;
		}
		if (pfd[2].revents & (POLLIN | POLLERR) &&
		    pif_monitor_run(mon, monitor_event, &sd) == ENOBUFS) {
			/* Thousands of bridges coming up at start overrun it. */
			LOG_INFO("link events lost (the socket overran): asking the kernel again");
			pif_carrier_resync(&sd);
		}
		if (pfd[3].revents & POLLIN)
			bond_punt_input(&sd); /* LACPDUs */
		server_run(srv);
	}
	rc = 0;
out:
	capture_stop_all(&sd);
	server_stop(srv);
	pif_monitor_close(mon);
	/* Ports first, then the DPDK devices they used (giving their buffers
	 * back), then the datapath and its pools. */
	dp_stop(sd.dp);
	store_close(sd.store);
	sd_objects_free(&sd);
	dp_destroy(sd.dp);
	if (o.pidfile && rc == 0)
		unlink(o.pidfile);
	dp_eal_cleanup();
	/* Until now a successor would adopt taps this process is removing. */
	server_destroy(srv);
	return rc;
}

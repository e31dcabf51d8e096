/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * eal.c - DPDK's environment for the datapath: the EAL started with
 * switchd's settings (lcores, memory, no shared runtime files), its log
 * lines written through the project's logger, and its runtime directory
 * removed at the end.
 */
#include <dirent.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_log.h>

#include "../lib/log.h"
#include "datapath.h"

#define MAX_EAL_ARGS 64

/* DPDK's log lines (the EAL's, drivers', the vhost library's) come through
 * a stream of our own: each line to the logger, at its DPDK level. A
 * driver or a guest can make many: rate-limited, errors and warnings apart
 * from the rest, so that a flood of the one hides none of the other. */
static struct log_rate_limit dpdk_rl = LOG_RATE_LIMIT_INIT(600, 600);
static struct log_rate_limit dpdk_err_rl = LOG_RATE_LIMIT_INIT(600, 600);

/* What a thread's message has so far (rte_log writes a message in pieces,
 * then flushes). */
static __thread char msg_line[1024];
static __thread size_t msg_len;

static enum log_level
level_of(int rte_level)
{
	if (rte_level <= (int)RTE_LOG_ERR)
		return LOG_LEVEL_ERROR;
	if (rte_level == (int)RTE_LOG_WARNING)
		return LOG_LEVEL_WARNING;
	if (rte_level <= (int)RTE_LOG_INFO)
		return LOG_LEVEL_INFO;
	return LOG_LEVEL_DEBUG;
}

static ssize_t
stream_write(void *cookie, const char *buf, size_t size)
{
	(void)cookie;
	for (size_t i = 0; i < size; i++) {
		if (buf[i] != '\n' && msg_len < sizeof(msg_line) - 1) {
			msg_line[msg_len++] = buf[i];
			continue;
		}
		if (buf[i] != '\n') /* too long: the rest is lost */
			continue;
		msg_line[msg_len] = '\0';
		if (msg_len > 0) {
			enum log_level level = level_of(rte_log_cur_msg_loglevel());

			log_msg_rl(level <= LOG_LEVEL_WARNING ? &dpdk_err_rl : &dpdk_rl, level,
				   "dpdk: %s", msg_line);
		}
		msg_len = 0;
	}
	return (ssize_t)size;
}

static void
log_stream_open(void)
{
	static const cookie_io_functions_t io = {.write = stream_write};
	FILE *f = fopencookie(NULL, "w", io);

	if (f == NULL)
		return;
	/* Unbuffered: each thread's pieces reach stream_write() from that
	 * thread, so a line is assembled and given its level where it was
	 * logged (a shared buffer would hand one thread's message to
	 * another's flush). */
	setvbuf(f, NULL, _IONBF, 0);
	if (rte_openlog_stream(f) != 0)
		fclose(f);
}

/* "0@(a,b..),1@(a,b..)": a control and a worker lcore, both free to run on
 * any CPU this process may use, so that several instances and their test
 * peers share a small machine. */
static void
default_lcores(char *out, size_t len)
{
	char cpus[256] = "";
	cpu_set_t set;
	size_t l = 0;
	int cpu;

	if (sched_getaffinity(0, sizeof(set), &set) == 0) {
		for (cpu = 0; cpu < CPU_SETSIZE && l + 8 < sizeof(cpus); cpu++)
			if (CPU_ISSET(cpu, &set))
				l += (size_t)snprintf(cpus + l, sizeof(cpus) - l, "%s%d",
						      l ? "," : "", cpu);
	}
	if (l == 0)
		snprintf(cpus, sizeof(cpus), "0");
	snprintf(out, len, "0@(%s),1@(%s)", cpus, cpus);
}

static bool
hugepages_free(void)
{
	char line[128];
	bool ok = false;
	FILE *f = fopen("/proc/meminfo", "re");

	if (f == NULL)
		return false;
	while (fgets(line, sizeof(line), f) != NULL) {
		long n;

		if (sscanf(line, "HugePages_Free: %ld", &n) == 1)
			ok = n > 0;
	}
	fclose(f);
	return ok;
}

static bool
extra_has_pci(const struct dp_eal_params *p)
{
	int i;

	for (i = 0; i < p->n_extra; i++)
		if (strcmp(p->extra[i], "-a") == 0 || strncmp(p->extra[i], "--allow", 7) == 0 ||
		    strcmp(p->extra[i], "-b") == 0 || strncmp(p->extra[i], "--block", 7) == 0)
			return true;
	return false;
}

int
dp_eal_start(const struct dp_eal_params *o)
{
	static char prefix[64], lcores[640], mem[16];
	char *args[MAX_EAL_ARGS];
	int n = 0, i;
	bool no_huge = o->no_huge;

	snprintf(prefix, sizeof(prefix), "%s", o->file_prefix);
	if (o->lcores)
		snprintf(lcores, sizeof(lcores), "%s", o->lcores);
	else
		default_lcores(lcores, sizeof(lcores));
	if (!no_huge && !hugepages_free()) {
		LOG_WARN("no free hugepages: running with --no-huge");
		no_huge = true;
	}
	args[n++] = (char *)o->program;
	args[n++] = (char *)"--file-prefix";
	args[n++] = prefix;
	/* No shared runtime files (config, memory maps, multi-process
	 * socket; hugepage files unlinked once mapped): switchd has no
	 * secondary processes, and a successor started while a killed
	 * switchd is being torn down would find them still locked (the
	 * kernel releases the files of a dead process one by one) and
	 * fail. (--in-memory says the same, but not with --no-huge.) */
	args[n++] = (char *)"--no-shconf";
	args[n++] = (char *)"--lcores";
	args[n++] = lcores;
	args[n++] = (char *)"--no-telemetry";
	args[n++] = (char *)"--log-level=lib.eal:warning";
	/* The host's own NICs stay with the kernel unless named explicitly. */
	if (!extra_has_pci(o))
		args[n++] = (char *)"--no-pci";
	if (!no_huge)
		args[n++] = (char *)"--huge-unlink";
	if (no_huge) {
		args[n++] = (char *)"--no-huge";
		snprintf(mem, sizeof(mem), "%u",
			 o->memory_mb ? o->memory_mb : o->no_huge_default_mb);
		args[n++] = (char *)"-m";
		args[n++] = mem;
	} else if (o->memory_mb) {
		snprintf(mem, sizeof(mem), "%u", o->memory_mb);
		args[n++] = (char *)"-m";
		args[n++] = mem;
	}
	for (i = 0; i < o->n_extra && n < MAX_EAL_ARGS - 1; i++)
		args[n++] = o->extra[i];
	args[n] = NULL;
	log_stream_open();
	if (rte_eal_init(n, args) < 0)
		return -1;
	/* The vhost library narrates every message of a connection at INFO;
	 * switchd logs connects and disconnects itself. */
	rte_log_set_level_pattern("lib.vhost.*", RTE_LOG_WARNING);
	return 0;
}

unsigned int
dp_eal_worker_lcores(unsigned int *lcores, unsigned int max)
{
	unsigned int lcore, n = 0;

	RTE_LCORE_FOREACH_WORKER(lcore) {
		if (n < max)
			lcores[n++] = lcore;
	}
	return n;
}

void
dp_eal_cleanup(void)
{
	char dir[PATH_MAX];
	struct dirent *e;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	d = opendir(dir);
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
	rmdir(dir);
}

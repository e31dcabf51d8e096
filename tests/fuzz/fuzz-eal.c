/* SPDX-License-Identifier: BSD-3-Clause */
/* DPDK for the fuzz targets that run the datapath; see fuzz.h. */
#include <stdio.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_memory.h>

#include "fuzz.h"

/* LeakSanitizer does not look into DPDK's memory (an mmap of its own), so
 * what only DPDK memory points to (the datapath's configuration, for one)
 * would be reported as leaked: tell it where that memory is. Weak: the
 * symbol exists only in sanitizer builds. */
extern void __lsan_register_root_region(const void *p, size_t size) __attribute__((weak));

static int
register_msl(const struct rte_memseg_list *msl, void *arg)
{
	(void)arg;
	__lsan_register_root_region(msl->base_va, msl->len);
	return 0;
}

int
fuzz_eal_start(const char *argv0, const char *name)
{
	static char prefix[64];
	char *eal[] = {(char *)argv0,	 "--no-huge",	  "-m",	  "512",	 "--no-pci",
		       "--no-telemetry", "--lcores",	  "0",	  "--log-level", "*:error",
		       "--no-shconf",	 "--file-prefix", prefix, NULL};

	snprintf(prefix, sizeof(prefix), "sdfuzz-%s-%d", name, (int)getpid());
	if (rte_eal_init((int)(sizeof(eal) / sizeof(eal[0])) - 1, eal) < 0)
		return -1;
	if (__lsan_register_root_region != NULL)
		rte_memseg_list_walk(register_msl, NULL);
	return 0;
}

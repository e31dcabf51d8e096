/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz.h - the libFuzzer entry points each target in tests/fuzz defines.
 * `make fuzz` links them with libFuzzer (clang, ASan, UBSan); `make check`
 * links them with replay.c, which feeds them the saved corpus once.
 */
#ifndef SWITCHD_FUZZ_H
#define SWITCHD_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* Optional (weak), as libFuzzer has it: targets with nothing to set up
 * leave it out. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Start DPDK as the targets that run the datapath need it (no hugepages,
 * one lcore, no shared files), prefix "sdfuzz-@name-<pid>". 0 or -1. */
int fuzz_eal_start(const char *argv0, const char *name);

#endif

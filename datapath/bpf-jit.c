/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bpf-jit.c - whether a capture filter may run in DPDK's BPF.
 *
 * DPDK 22.11's rte_bpf_convert() mistranslates libpcap's indirect packet
 * loads (BPF_LD | BPF_IND, "ldb [x + 27]", with X from BPF_LDX | BPF_MSH,
 * the IP header's length): the eBPF it makes indexes with A, not X, and
 * its x86-64 JIT crashes on them. tests/fuzz/fuzz-capture.c found it
 * with "tcp[tcpflags] & tcp-syn != 0" on a TCP frame. Such a program (any
 * filter on what follows the IP header: ports, TCP flags, ICMP types)
 * runs in libpcap's own interpreter, bpf_filter(); the others (addresses,
 * ethertypes, VLANs, IP protocols...) are converted and JIT-compiled.
 */
#include <sys/types.h>

#include <pcap/bpf.h>

#include "dp-private.h"

bool
dp_bpf_dpdk_ok(const struct bpf_program *prog)
{
	for (u_int i = 0; i < prog->bf_len; i++) {
		uint16_t code = prog->bf_insns[i].code;

		if ((BPF_CLASS(code) == BPF_LD && BPF_MODE(code) == BPF_IND) ||
		    (BPF_CLASS(code) == BPF_LDX && BPF_MODE(code) == BPF_MSH))
			return false;
	}
	return true;
}

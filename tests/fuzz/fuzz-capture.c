/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz-capture.c - capture filters: an expression in tcpdump's syntax and
 * a frame. The expression (the input up to its first NUL byte) is compiled
 * by libpcap as switchd compiles it; a program libpcap takes is converted
 * by DPDK's BPF library, as the datapath converts it (rte_bpf_convert(),
 * rte_bpf_load()), and both run on the frame (the rest of the input):
 * libpcap's own interpreter (bpf_filter()) on the bytes, DPDK's, JIT-
 * compiled where it can be, on an mbuf holding them.
 *
 * Checks, for the programs the datapath runs in DPDK's BPF (bpf-jit.c):
 * DPDK converts and loads them, and its interpreter and its JIT agree with
 * libpcap on whether the frame matches. (This target found DPDK 22.11's
 * mistranslation of indirect loads, and its JIT's crash on them, that
 * bpf-jit.c keeps from the datapath.)
 */
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>
#define ALLOW_EXPERIMENTAL_API /* rte_bpf_convert() */
#include <rte_bpf.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "../../datapath/dp-private.h"
#include "fuzz.h"

#define MAX_FRAME 2000

static struct rte_mempool *mp;
static pcap_t *pc;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	if (fuzz_eal_start((*argv)[0], "capture") != 0)
		return 1;
	mp = rte_pktmbuf_pool_create("fzcap", 63, 0, 0, MAX_FRAME + RTE_PKTMBUF_HEADROOM,
				     SOCKET_ID_ANY);
	pc = pcap_open_dead(DLT_EN10MB, 262144);
	return mp == NULL || pc == NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	struct bpf_program prog;
	struct rte_bpf_prm *prm;
	struct rte_bpf_jit jit;
	struct rte_bpf *bpf;
	struct rte_mbuf *m;
	size_t flen;
	char *expr;
	bool want, got;

	if (nul == NULL)
		return 0;
	expr = strndup((const char *)data, (size_t)(nul - data));
	flen = size - (size_t)(nul - data) - 1;
	if (expr == NULL || flen > MAX_FRAME) {
		free(expr);
		return 0;
	}
	if (pcap_compile(pc, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		free(expr);
		return 0; /* FILTER_INVALID */
	}
	free(expr);
	if (!dp_bpf_dpdk_ok(&prog)) {
		/* The datapath runs libpcap's interpreter: the reference. */
		pcap_freecode(&prog);
		return 0;
	}
	prm = rte_bpf_convert(&prog);
	if (prm == NULL)
		abort();
	bpf = rte_bpf_load(prm);
	rte_free(prm);
	if (bpf == NULL)
		abort();
	m = rte_pktmbuf_alloc(mp);
	if (m == NULL)
		abort();
	memcpy(rte_pktmbuf_append(m, (uint16_t)flen), nul + 1, flen);
	want = bpf_filter(prog.bf_insns, nul + 1, (u_int)flen, (u_int)flen) != 0;
	got = rte_bpf_exec(bpf, m) != 0;
	if (got != want)
		abort();
	if (rte_bpf_get_jit(bpf, &jit) == 0 && jit.func != NULL && (jit.func(m) != 0) != want)
		abort();
	rte_pktmbuf_free(m);
	rte_bpf_destroy(bpf);
	pcap_freecode(&prog);
	return 0;
}

# switchd - build, test, demo. `make help` lists the targets.

CC ?= cc
PKGS := libdpdk libnl-3.0 libnl-route-3.0 jansson sqlite3 uuid libpcap
WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Werror
OPT ?= -O2 -g
SAN ?=
CFLAGS_ALL := -std=gnu11 -D_GNU_SOURCE $(OPT) $(SAN) $(WARN) -MMD -MP \
	$(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS_ALL = $(shell pkg-config --libs $(PKGS) 2>/dev/null) $(SAN)
V ?= 0
Q := $(if $(filter 1,$(V)),,@)
B := build

PREFIX ?= /usr/local
DESTDIR ?=

LIB_SRC := lib/mac.c lib/text.c lib/log.c lib/fault.c lib/netdev.c
DP_SRC := $(wildcard datapath/*.c)
# What the datapath uses of lib/ (binaries without the rest of it).
DP_LIB_SRC := lib/log.c lib/fault.c lib/netdev.c
OBJ_MODULE_SRC := $(wildcard network/*.c pif/*.c vif/*.c vlan/*.c bond/*.c qos/*.c capture/*.c trace/*.c)
SWITCHD_SRC := $(wildcard switchd/*.c)
CTL_SRC := ctl/netctl.c ctl/args.c lib/text.c switchd/verb-table.c

.SECONDEXPANSION:

obj = $(patsubst %.c,$(B)/obj/%.o,$(1))

SWITCHD_OBJ := $(call obj,$(SWITCHD_SRC) $(OBJ_MODULE_SRC) $(DP_SRC) $(LIB_SRC))
NETCTL_OBJ := $(call obj,$(CTL_SRC))

UNIT_TESTS := $(B)/test-unit
DP_TEST := $(B)/test-datapath
RB_TEST := $(B)/test-rollback

.PHONY: all bench check check-asan demo fuzz soak fuzz-targets install uninstall format format-check \
	help clean setup tests

DOCS := $(B)/man/switchd.8 $(B)/man/netctl.8 $(B)/netctl.bash-completion

all: $(B)/switchd $(B)/netctl $(DOCS)

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS_ALL) -c -o $@ $<

$(B)/switchd: $(SWITCHD_OBJ)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) -o $@ $^ $(LDLIBS_ALL)

# netctl runs once per hotplug event: linked static (PIE, so still ASLR),
# it starts in ~0.17 ms instead of ~0.27 ms, as no shared library is loaded.
# Sanitizer builds cannot be static.
NETCTL_LINK := $(if $(SAN),,-static-pie)
$(B)/netctl: $(NETCTL_OBJ)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(NETCTL_LINK) -o $@ $^ $(shell pkg-config --libs jansson) $(SAN)

# Man pages and completion, generated from the tables the programs use.
$(B)/gen-doc: $(call obj,tools/gen-doc.c switchd/verb-table.c)
	$(Q)$(CC) -o $@ $^ $(SAN)

$(B)/man/%.8: $(B)/gen-doc
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  GEN     $@")
	$(Q)$(B)/gen-doc $*.8 >$@.tmp && mv $@.tmp $@

$(B)/netctl.bash-completion: $(B)/gen-doc
	@$(if $(Q),echo "  GEN     $@")
	$(Q)$(B)/gen-doc bash-completion >$@.tmp && mv $@.tmp $@

# Unit tests: no root, no DPDK start-up.
# The control plane is linked whole (its verbs run on a store; no
# datapath for those that need none), the daemon's main and socket aside.
$(UNIT_TESTS): $(call obj,tests/unit/test-unit.c tests/cp.c ctl/args.c \
		$(filter-out switchd/main.c switchd/server.c,$(SWITCHD_SRC)) \
		$(OBJ_MODULE_SRC) $(LIB_SRC) $(DP_SRC))
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) -o $@ $^ $(LDLIBS_ALL) -lcmocka

# Rollback tests: the control plane over the real datapath (root: it makes
# namespaces, veths and taps), every step of each verb failed in turn.
$(RB_TEST): $(call obj,tests/datapath/test-rollback.c tests/cp.c \
		$(filter-out switchd/main.c switchd/server.c,$(SWITCHD_SRC)) \
		$(OBJ_MODULE_SRC) $(LIB_SRC) $(DP_SRC))
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) -o $@ $^ $(LDLIBS_ALL) -lcmocka

# Datapath tests: the real datapath on DPDK ring ports, driven frame by frame.
$(DP_TEST): $(call obj,tests/datapath/test-datapath.c $(DP_SRC) $(DP_LIB_SRC))
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) -o $@ $^ $(LDLIBS_ALL) -lrte_net_ring -lcmocka

# In-process datapath benchmark (no root): VLAN forwarding, 1 vs 4094 VLANs.
$(B)/bench-dp-vlan: $(call obj,bench/dp-vlan.c bench/ring-port.c $(DP_SRC) $(DP_LIB_SRC))
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) -o $@ $^ $(LDLIBS_ALL) -lrte_net_ring

# Receiving from a kernel netdev: recvmmsg() next to a TPACKET_V3 ring.
$(B)/bench-afp-rx: $(call obj,bench/afp-rx.c)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) -o $@ $^

# In-process benchmark of the switching work: MAC scaling, Mpps and (under
# callgrind, bench/dp-instructions.sh) instructions per frame.
$(B)/bench-dp-fwd: $(call obj,bench/dp-fwd.c bench/ring-port.c $(DP_SRC) $(DP_LIB_SRC))
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) -o $@ $^ $(LDLIBS_ALL) -lrte_net_ring

# The machine's cost of waking a thread blocked in epoll on another CPU.
$(B)/bench-wake: $(call obj,bench/wake.c)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) -o $@ $^ -lpthread $(SAN)

# Traffic generator and sink on two ethdevs (virtio-user ports serving the
# vhost-user sockets a switch under test connects to): bench/switch-bench.sh.
$(B)/bench-trafgen: $(call obj,bench/trafgen.c)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) -o $@ $^ $(LDLIBS_ALL)

# Fuzz targets (tests/fuzz): linked with replay.c to run the saved corpus
# once (make check), or with libFuzzer to search (make fuzz).
FUZZ_TARGETS := frame request args lacp lock capture trace
FUZZ_OBJ_frame := $(call obj,tests/fuzz/fuzz-frame.c tests/fuzz/fuzz-eal.c tests/fuzz/fuzz-topo.c bench/ring-port.c $(DP_SRC) $(DP_LIB_SRC))
FUZZ_OBJ_request := $(call obj,tests/fuzz/fuzz-request.c tests/fuzz/fuzz-eal.c $(filter-out switchd/main.c,$(SWITCHD_SRC)) \
	$(OBJ_MODULE_SRC) $(DP_SRC) $(LIB_SRC))
FUZZ_OBJ_args := $(call obj,tests/fuzz/fuzz-args.c ctl/args.c lib/text.c)
FUZZ_OBJ_lacp := $(call obj,tests/fuzz/fuzz-lacp.c bond/lacp.c)
FUZZ_OBJ_lock := $(call obj,tests/fuzz/fuzz-lock.c datapath/lock.c)
FUZZ_OBJ_capture := $(call obj,tests/fuzz/fuzz-capture.c tests/fuzz/fuzz-eal.c datapath/bpf-jit.c)
FUZZ_OBJ_trace := $(call obj,tests/fuzz/fuzz-trace.c tests/fuzz/fuzz-eal.c tests/fuzz/fuzz-topo.c bench/ring-port.c trace/flow.c \
	lib/mac.c $(DP_SRC) $(DP_LIB_SRC))
FUZZ_LIBS_frame = $(LDLIBS_ALL) -lrte_net_ring
FUZZ_LIBS_request = $(LDLIBS_ALL)
FUZZ_LIBS_args = $(shell pkg-config --libs jansson) $(SAN)
FUZZ_LIBS_lacp = $(SAN)
FUZZ_LIBS_lock = $(LDLIBS_ALL)
FUZZ_LIBS_capture = $(LDLIBS_ALL)
FUZZ_LIBS_trace = $(LDLIBS_ALL) -lrte_net_ring
FUZZ_REPLAY := $(patsubst %,$(B)/fuzz-replay-%,$(FUZZ_TARGETS))

$(B)/fuzz-replay-%: $(call obj,tests/fuzz/replay.c) $$(FUZZ_OBJ_$$*)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) -o $@ $^ $(FUZZ_LIBS_$*)

$(B)/fuzzer-%: $$(FUZZ_OBJ_$$*)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) -fsanitize=fuzzer -o $@ $^ $(FUZZ_LIBS_$*)

tests: all $(UNIT_TESTS) $(DP_TEST) $(RB_TEST) $(B)/bench-dp-vlan $(B)/bench-dp-fwd $(B)/bench-trafgen \
	$(B)/bench-wake $(FUZZ_REPLAY)

setup:
	@scripts/setup.sh

check: setup
	$(MAKE) tests
	@scripts/check-layering.sh
	@scripts/check-commands.sh
	@$(MAKE) --no-print-directory format-check && echo "format: clang-format clean"
	@tests/run.sh

check-asan: setup
	$(MAKE) B=build-asan OPT="-O1 -g" SAN="-fsanitize=address,undefined -fno-omit-frame-pointer" tests
	@B=build-asan tests/run.sh

# Each fuzz target for FUZZ_SECONDS (default 300) under libFuzzer, ASan and
# UBSan, from the saved corpus; what it adds to the corpus is kept in
# build-fuzz/corpus (tests/fuzz/run.sh says how to save it).
FUZZ_SECONDS ?= 300
fuzz-targets: $(patsubst %,$(B)/fuzzer-%,$(FUZZ_TARGETS))

fuzz:
	@scripts/setup.sh fuzz
	$(MAKE) B=build-fuzz CC=clang OPT="-O1 -g" \
		SAN="-fsanitize=address,undefined,fuzzer-no-link -fno-omit-frame-pointer" fuzz-targets
	@tests/fuzz/run.sh build-fuzz $(FUZZ_SECONDS)

# 10,000 plug/unplug cycles with traffic under ASan and UBSan, then a
# valgrind pass on the control plane (tests/soak/soak.sh; CYCLES=N).
soak: setup
	$(MAKE) all
	$(MAKE) B=build-asan OPT="-O1 -g" SAN="-fsanitize=address,undefined -fno-omit-frame-pointer" all
	@B=build-asan tests/soak/soak.sh

demo: setup
	$(MAKE) all
	@scripts/demo.sh

bench: setup
	$(MAKE) all $(B)/bench-trafgen $(B)/bench-dp-fwd $(B)/bench-dp-vlan $(B)/bench-wake $(B)/bench-afp-rx
	@bench/switch-bench.sh
	@echo
	@$(B)/bench-wake
	@echo
	@$(B)/bench-dp-fwd --workers 1
	@echo
	@$(B)/bench-dp-fwd --workers 2
	@echo
	@bench/bond-instructions.sh
	@echo
	@bench/bond-failover.sh
	@echo
	@bench/qos.sh
	@echo
	@bench/vif-instructions.sh
	@echo
	@bench/capture.sh
	@echo
	@bench/vif-plug.sh 1000 1000
	@echo
	@bench/tcp.sh 3 3
	@echo
	@bench/afp-rx.sh 3 3
	@echo
	@bench/vlan-scale.sh 4094
	@echo
	@bench/plug-scale.sh 200 4093 1000
	@echo
	@$(B)/bench-dp-vlan

SYSTEMD_UNIT_DIR ?= $(PREFIX)/lib/systemd/system
# Tell a running systemd about the unit, and create the switchd group whose
# members may use the control socket (not for staged installs).
SYSTEMD_RELOAD ?= $(if $(DESTDIR),no,yes)
CREATE_GROUP ?= $(if $(DESTDIR),no,yes)

install: all
	install -D -m 0755 $(B)/switchd $(DESTDIR)$(PREFIX)/sbin/switchd
	install -D -m 0755 $(B)/netctl $(DESTDIR)$(PREFIX)/bin/netctl
	install -D -m 0755 scripts/vif $(DESTDIR)$(PREFIX)/libexec/switchd/vif
	install -d $(DESTDIR)$(SYSTEMD_UNIT_DIR)
	sed 's|@SBINDIR@|$(PREFIX)/sbin|g' dist/switchd.service.in \
		>$(DESTDIR)$(SYSTEMD_UNIT_DIR)/switchd.service
	install -D -m 0644 $(B)/man/switchd.8 $(DESTDIR)$(PREFIX)/share/man/man8/switchd.8
	install -D -m 0644 $(B)/man/netctl.8 $(DESTDIR)$(PREFIX)/share/man/man8/netctl.8
	install -D -m 0644 $(B)/netctl.bash-completion \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/netctl
	@if [ "$(CREATE_GROUP)" = yes ] && ! getent group switchd >/dev/null; then \
		groupadd --system switchd && echo "created group switchd"; fi
	@if [ "$(SYSTEMD_RELOAD)" = yes ] && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi

# The switchd group stays: files and members may still refer to it.
uninstall:
	rm -f $(DESTDIR)$(PREFIX)/sbin/switchd $(DESTDIR)$(PREFIX)/bin/netctl \
		$(DESTDIR)$(PREFIX)/libexec/switchd/vif $(DESTDIR)$(SYSTEMD_UNIT_DIR)/switchd.service \
		$(DESTDIR)$(PREFIX)/share/man/man8/switchd.8 $(DESTDIR)$(PREFIX)/share/man/man8/netctl.8 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/netctl
	@rmdir $(DESTDIR)$(PREFIX)/libexec/switchd 2>/dev/null || true
	@if [ "$(SYSTEMD_RELOAD)" = yes ] && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi

SOURCES = $(shell git ls-files '*.c' '*.h' 2>/dev/null)
format:
	clang-format -i $(SOURCES)

format-check:
	@clang-format --dry-run --Werror $(SOURCES)

clean:
	rm -rf build build-asan build-fuzz

help:
	@echo "make            build build/switchd and build/netctl"
	@echo "make check      install what is missing, build, run every test (unit, datapath, system)"
	@echo "make check-asan the same tests built with AddressSanitizer and UBSan"
	@echo "make demo       run switchd on a default topology in network namespaces"
	@echo "make fuzz       each fuzz target under libFuzzer, ASan and UBSan for FUZZ_SECONDS"
	@echo "make soak       10,000 VIF plug/unplug cycles with traffic under ASan/UBSan, valgrind"
	@echo "make bench      Mpps through switchd vs Open vSwitch-DPDK vs testpmd (vhost-user),"
	@echo "                and their idle CPU, first frame after idle and memory;"
	@echo "                switching work in process (1 and 2 workers); plug latency and"
	@echo "                memory per VIF vs Open vSwitch-DPDK; TCP next to a veth; 4094 VLANs"
	@echo "make install    install switchd, netctl, the hotplug script, the systemd unit,"
	@echo "                man pages and bash completion under PREFIX (default /usr/local)"
	@echo "make uninstall  remove what make install installed"
	@echo "make format     reformat the sources with clang-format (DPDK style)"
	@echo "make clean      remove build outputs"

-include $(shell find $(B) -name '*.d' 2>/dev/null)

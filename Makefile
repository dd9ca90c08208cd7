# SPDX-License-Identifier: GPL-2.0
#
# make            module (kvstore.ko), libkvstore, the kvstore CLI, tests
# make run        boot a VM with the module loaded and open the kvstore REPL
# make test       every test, in a VM on Debian's kernel and on the debug
#                 kernel (TAP, then "N passed, N failed"; KVS_LANES=normal
#                 for the first lane only)
# make bench      benchmarks in a VM
# make install    install library, headers, CLI (and the module via dkms)

# The running kernel's build tree, else the newest Debian kernel headers
# (the kernel the test VM boots).
KDIR ?= $(firstword $(wildcard /lib/modules/$(shell uname -r)/build) \
	$(lastword $(sort $(wildcard /lib/modules/*-amd64/build))))
KVER ?= $(notdir $(patsubst %/build,%,$(KDIR)))
PREFIX ?= /usr/local
DESTDIR ?=

VMRUN := tests/vm/run

.PHONY: all module userlib tests deps test run bench install uninstall \
	load unload clean check fuzz

all: module userlib tests

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

userlib:
	$(MAKE) -C userlib

tests: userlib
	$(MAKE) -C tests
	$(MAKE) -C tests/stress
	$(MAKE) -C tests/fuzz dev_fuzz
	$(MAKE) -C tests/fault

deps:
	tests/vm/deps

test: deps
	$(MAKE) all
	$(MAKE) check
	$(MAKE) -C userlib check
	$(MAKE) -C tests/unit check
	$(MAKE) -C tests/unit -f hll.mk check
	$(MAKE) -C tests/fuzz check
	tests/lanes.sh

# The same suite on the debug kernel (KASAN, lockdep, kmemleak, UBSAN; built
# once and cached, see tests/vm/README.md): fails on any kernel report, or a
# leak after rmmod. KVS_DEBUG_JOBS=N spreads it over N VMs.
.PHONY: test-debug
test-debug: deps
	$(MAKE) all
	tests/vm/build-debug-kernel >/dev/null
	tests/vm/debug-lane.sh

# Only the CLI's output goes to stdout, so `printf 'GET a\n' | make run`
# prints just the reply.
run:
	@tests/vm/deps >&2
	@$(MAKE) --no-print-directory -s module userlib >&2
	@$(VMRUN) -- userlib/kvstore

bench: deps
	$(MAKE) all
	$(MAKE) -C tests/bench
	$(VMRUN) --no-stdin -- tests/bench/run_bench.sh

# A long libFuzzer run of the RESP parser (make fuzz FUZZ_SECONDS=3600).
fuzz:
	$(MAKE) -C tests/fuzz fuzz

install: all
	$(MAKE) -C userlib install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(DESTDIR) \
		modules_install

check: deps
	KDIR=$(KDIR) tests/check.sh

uninstall:
	$(MAKE) -C userlib uninstall PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)

load: module
	insmod ./kvstore.ko

unload:
	rmmod kvstore

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C userlib clean
	$(MAKE) -C tests clean
	$(MAKE) -C tests/unit clean
	$(MAKE) -C tests/unit -f hll.mk clean
	$(MAKE) -C tests/bench clean
	$(MAKE) -C tests/stress clean
	$(MAKE) -C tests/fault clean
	$(MAKE) -C tests/fuzz clean

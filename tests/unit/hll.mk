# SPDX-License-Identifier: GPL-2.0
# Userspace bit-compatibility test of module/hll.c against redis-server:
#   make -C tests/unit -f hll.mk check
# module/float.c (the module's estimator) is linked in when present and
# checked against the test's own glibc reference (its userspace shim,
# float_host.h, lives here); FLOAT_SRC= turns it off.

CC ?= cc
CFLAGS ?= -O2 -g
HLL_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -Wno-unused-function \
	-Wno-missing-field-initializers
FLOAT_SRC ?= $(wildcard ../../module/float.c)
FLOAT_OBJ := $(if $(FLOAT_SRC),hll_test_float.o)

ifneq ($(FLOAT_SRC),)
HLL_CFLAGS += -DHLL_TEST_FLOAT_C
endif

.PHONY: check clean

hll_test: hll_test.c ../../module/hll.c $(FLOAT_OBJ)
	$(CC) $(CFLAGS) $(HLL_CFLAGS) -o $@ hll_test.c $(FLOAT_OBJ) -lm

hll_test_float.o: $(FLOAT_SRC) $(wildcard float_host.h)
	$(CC) $(CFLAGS) -I. -c -o $@ $<

check: hll_test
	./hll_test

clean:
	rm -f hll_test hll_test_float.o

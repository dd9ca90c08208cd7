/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kselftest_harness.h with kvstore's default per-test timeout.
 *
 * The harness's 30 s is a hang guard sized for a fast kernel; on the debug
 * kernel under TCG a test runs 10-20 times slower. Each binary stays
 * bounded by run_tests.sh's KVS_TEST_TIMEOUT.
 */
#ifndef KVS_HARNESS_H
#define KVS_HARNESS_H

#include "kselftest_harness.h"

#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 600

#endif /* KVS_HARNESS_H */

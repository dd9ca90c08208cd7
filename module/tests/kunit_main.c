// SPDX-License-Identifier: GPL-2.0
/*
 * kvstore_kunit.ko: KUnit suites for the internals of kvstore.ko, one file
 * per file under test. Loading it runs them (tests/kunit.sh); it needs a
 * kvstore.ko built for a kernel with KUnit, which exports what is tested.
 */
#include <linux/module.h>

MODULE_DESCRIPTION("KUnit tests for kvstore internals");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(KVSTORE_KUNIT);

/* SPDX-License-Identifier: GPL-2.0 */
/* userspace stand-in, see kvs_shim.h; glibc includes the real one too */
#include_next <linux/types.h>
#include "kvs_shim.h"

/* SPDX-License-Identifier: GPL-2.0 */
/* userspace stand-in, see kvs_shim.h */
#include "kvs_shim.h"

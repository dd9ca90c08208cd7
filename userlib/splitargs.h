/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * One line into arguments, as redis-cli splits what it reads and
 * redis-server its config lines (Redis's sdssplitargs): for the kvstore
 * CLI, kvstored's config file and kvstored's inline commands. Internal to
 * the tree (linked from libkvstore.a, not exported by the .so).
 */
#ifndef KVS_SPLITARGS_H
#define KVS_SPLITARGS_H

#include <stddef.h>

/*
 * Blanks (isspace) before an argument are skipped; outside quotes an
 * argument ends at ' ', '\n', '\r', '\t' or the end. "..." takes \xHH,
 * \n \r \t \b \a and \<any other> for that character; '...' takes only
 * \'. A closing quote must be followed by a blank or the end.
 * Returns argc with *@argvp (argc + 1 entries, NULL last, each argument
 * NUL-terminated) and, if @lensp, *@lensp (the lengths: an argument may
 * hold NUL bytes); -1 on unbalanced quotes or no memory, with nothing
 * allocated. Free with kvs_splitargs_free().
 */
int kvs_splitargs(const char *line, char ***argvp, size_t **lensp);
void kvs_splitargs_free(char **argv, int argc, size_t *lens);

#endif

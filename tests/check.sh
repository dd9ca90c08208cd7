#!/bin/bash
# make check: the style gates a kernel maintainer applies before reading.
#   checkpatch --strict on module/ (KUnit suites included) and uapi/,
#   sparse (C=2) on the module, and a -Werror -Wall -Wextra build of the
#   userspace parts.
# Prints TAP; exits non-zero on any finding.
set -u
cd "$(dirname "$0")/.."
KDIR=${KDIR:?KDIR not set (run through make check)}
ksft=$(tests/vm/deps --kselftest-dir 2>/dev/null) || ksft=
cp=${ksft%/tools/testing/selftests}/scripts/checkpatch.pl
n=0 fail=0

result() {	# result <status> <name> [details-file]
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		fail=$((fail + 1))
		echo "not ok $n - $2"
		[ -n "${3:-}" ] && sed 's/^/# /' "$3" | head -40
	fi
}

out=$(mktemp)
trap 'rm -f "$out"' EXIT

# checkpatch
if [ -f "$cp" ]; then
	perl "$cp" --no-tree --strict --terse --show-types \
		--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG,LONG_LINE_STRING \
		-f module/*.c module/*.h module/tests/*.c uapi/*.h >"$out" 2>&1
	grep -qE '(ERROR|WARNING|CHECK):' "$out"
	result $((1 - $?)) "checkpatch --strict module/ module/tests/ uapi/" "$out"
else
	result 1 "checkpatch not found (run tests/vm/deps)"
fi

# sparse: rebuild every module object through sparse, keep its findings
if command -v sparse >/dev/null; then
	make -s -C "$KDIR" M="$PWD" C=2 modules >/dev/null 2>"$out"
	grep -E '^(/[^:]*/)?(module|uapi)/[^:]+:[0-9]+:[0-9]+: (warning|error):' "$out" \
		>"$out.s"
	[ ! -s "$out.s" ]
	result $? "sparse (C=2) module/" "$out.s"
	rm -f "$out.s"
else
	result 1 "sparse not installed"
fi

# userspace with -Werror
make -s -C userlib clean >/dev/null 2>&1
make -s -C userlib >"$out" 2>&1
result $? "userlib builds with -Wall -Wextra -Werror" "$out"
make -s -C tests/bench clean >/dev/null 2>&1
make -s -C tests/bench CFLAGS="-O2 -Wall -Wextra -Werror" >"$out" 2>&1
result $? "tests/bench builds with -Wall -Wextra -Werror" "$out"

echo "# check: $((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]

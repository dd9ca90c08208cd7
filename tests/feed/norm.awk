# Normalise an AOF / feed byte stream (RESP, one element a line) for
# comparison: a PXAT or PEXPIREAT time below 4e12 ms (before 2096) came
# from a relative TTL and differs by when each server ran the command;
# it becomes T<minutes from t0, in 10-minute steps>. Absolute times (the
# scripts use 2100 and later) and everything else stay byte for byte.
# Usage: awk -v t0=START_MS -f norm.awk FILE
{
	line = $0
	if (line ~ /^\*/) {
		argi = -1
		prev = ""
		print line
		next
	}
	if (line ~ /^\$/) {
		hdr = line
		next
	}
	argi++
	val = line
	sub(/\r$/, "", val)
	if (argi == 0)
		cmd = toupper(val)
	istime = (prev == "PXAT" || (cmd == "PEXPIREAT" && argi == 2))
	if (istime && val ~ /^[0-9]+$/ && val + 0 < 4000000000000) {
		printf "$?\r\nT%d\r\n", int((val - t0) / 600000 + 0.5)
	} else {
		print hdr
		print line
	}
	prev = toupper(val)
}

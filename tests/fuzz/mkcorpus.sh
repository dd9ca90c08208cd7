#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Writes the seed corpus for resp_fuzz into corpus/resp/ (kept in git; run
# again after changing a seed). Each seed is the header resp_fuzz.c
# describes followed by a request: here mostly one split offset (at byte
# 5 or 9, inside the first command) and no allocation failure; the last
# few set the bytewise and failing-allocation bits.

cd "$(dirname "$0")" || exit 1
out=corpus/resp
mkdir -p "$out"

# seed NAME HEADER PAYLOAD: HEADER and PAYLOAD are printf formats
seed() {
	{ printf "$2"; printf "$3"; } >"$out/$1"
}

one_cut='\001\000\005'
seed mbulk-get		"$one_cut" '*2\r\n$3\r\nGET\r\n$3\r\nfoo\r\n'
seed mbulk-set-pipeline	'\002\000\011\000\040' \
	'*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n'
seed mbulk-binary	"$one_cut" '*2\r\n$4\r\nECHO\r\n$4\r\n\000\r\n\377\r\n'
seed mbulk-empty-arg	"$one_cut" '*2\r\n$4\r\nECHO\r\n$0\r\n\r\n'
seed mbulk-zero-null	"$one_cut" '*0\r\n*-1\r\n*1\r\n$4\r\nPING\r\n'
seed mbulk-truncated	"$one_cut" '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$10\r\nabc'
seed mbulk-bad-dollar	"$one_cut" '*1\r\n:3\r\nfoo\r\n'
seed mbulk-bad-len	"$one_cut" '*1\r\n$-5\r\nfoo\r\n'
seed mbulk-bad-count	"$one_cut" '*1x\r\n$3\r\nfoo\r\n'
seed mbulk-huge-count	"$one_cut" '*2147483648\r\n'
seed mbulk-unchecked-crlf "$one_cut" '*1\r\n$3\r\nfooXY*1\r\n$4\r\nPING\r\n'
seed inline-ping	"$one_cut" 'PING\r\n'
seed inline-quotes	"$one_cut" 'SET "a b\\x41\\n" '"'"'it\\'"'"'s'"'"'\nGET "a b"\n'
seed inline-unbalanced	"$one_cut" 'SET "abc\r\n'
seed inline-quote-glued	"$one_cut" 'ECHO "a"b\r\n'
seed inline-nul		"$one_cut" 'ECHO a\000b c\r\nPING\n'
seed inline-empty-lines	"$one_cut" '\r\n\n  \t \nPING\n'
seed mixed-bytewise	'\201\000\003' 'PING\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\nECHO x\n'
seed mixed-failalloc	'\031\000\004' '*3\r\n$3\r\nDEL\r\n$1\r\na\r\n$1\r\nb\r\nDEL "x" y z w v u t s r\n'
seed subcommand-echo	"$one_cut" '*2\r\n$6\r\nCONFIG\r\n$5\r\nx\r\ny\000\r\n'

# aof_fuzz: byte 0 is 0 for AOF commands, 1 for a manifest (aof_fuzz.c)
aof=corpus/aof
mkdir -p "$aof"
aseed() {
	{ printf "$2"; printf "$3"; } >"$aof/$1"
}
aseed cmds-set		'\000' '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n'
aseed cmds-ts-select	'\000' '#TS:1700000000\r\n*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n*2\r\n$3\r\nDEL\r\n$1\r\nk\r\n'
aseed cmds-multi	'\000' '*1\r\n$5\r\nMULTI\r\n*2\r\n$4\r\nINCR\r\n$1\r\nc\r\n*1\r\n$4\r\nEXEC\r\n'
aseed cmds-truncated	'\000' '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$10\r\nabc'
aseed cmds-garbage	'\000' '*1\r\n$4\r\nPING\r\nhello\r\n'
aseed cmds-binary	'\000' '*2\r\n$4\r\nECHO\r\n$4\r\n\000\r\n\377\r\n'
aseed cmds-ts-eof	'\000' '*1\r\n$4\r\nPING\r\n#TS:17'
aseed cmds-huge		'\000' '*1\r\n$536870913\r\n'
aseed man-redis		'\001' 'file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n'
aseed man-history	'\001' '# c\nfile a seq 2 type b\nfile h seq 1 type h\nfile i seq 3 type i newkey v\n'
aseed man-quoted	'\001' 'file "a \\x41\\"b" seq 1 type i\nfile '"'"'c'"'"' seq 2 type i\n'
aseed man-bad-seq	'\001' 'file a seq 2 type i\nfile b seq 2 type i\n'
aseed man-no-newline	'\001' 'file a seq 1 type b'

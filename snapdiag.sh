#!/bin/sh
cd /work/lead
tests/bench/snapbench -n 1000000
for f in /tmp/vm_base /tmp/vm_peak; do echo $f; awk '{split($3,a,"+"); c[a[1]]+=$2} END{for(k in c) if (c[k]>1000000) print k, c[k]}' $f; done

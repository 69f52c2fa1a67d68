#!/usr/bin/env bash
# One device call for the attention prefill kernels (GPU machine, repository root), as run
# for bench/RESULTS.md session 4: SASS of the prefill fatbins, the Python correctness check
# (200 random cases + one smoke case per variant) and bench with the experiments beside it,
# `flashserve bench attention --prefill` (the product's launcher; no FlashInfer, which needs
# minutes of JIT: use bench_attention_run.sh for it), then `flashserve selftest --gpu`.
# Carry `.device-carry` holding flashserve.gz (scripts/prepare-gpu-run.sh), commit, and
# kernels.tgz (`tar czf .device-carry/kernels.tgz -C build kernels`: the fatbins compress 4x,
# which keeps the call under the 64 MiB carry limit). Logs go to $OUT.
set -u
OUT="${OUT:-$PWD/gpu-logs}"; mkdir -p "$OUT"
t0=$SECONDS
mkdir -p /tmp/fsk && tar xzf .device-carry/kernels.tgz -C /tmp/fsk
export FLASHSERVE_KERNELS=/tmp/fsk/kernels
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader
echo "commit: $(cat .device-carry/commit)"
for f in $FLASHSERVE_KERNELS/attention_prefill_*.fatbin; do echo "$(basename $f): $(/usr/local/cuda/bin/cuobjdump -sass $f | grep -oE 'HGMMA\.[0-9x]+|UTMALDG|USETMAXREG|LDGSTS|LDL|STL' | sort | uniq -c | tr -s ' ' | tr '\n' ',')"; done > $OUT/sass.log
timeout 100 python3 scripts/gpu/prefill_run.py --cases 200 --seqs 1024,4096,8192,16384 > $OUT/prefill_run.out 2>&1; echo "prefill_run rc=$?" >> $OUT/prefill_run.out
grep -v "^  fs_" $OUT/prefill_run.out | tail -32
bin=/tmp/fsbin/flashserve; mkdir -p /tmp/fsbin; gunzip -c .device-carry/flashserve.gz > $bin; chmod +x $bin
timeout 150 $bin bench attention --prefill --no-flashinfer --json $OUT/attention.json --reference-dir $OUT --time-limit 140 > $OUT/attention.log 2>&1
echo "bench attention rc=$?" >> $OUT/attention.log
grep -v '^  prefill' $OUT/attention.log | grep -E "^\||rc=|copy" | tail -24
timeout 150 $bin selftest --gpu > $OUT/selftest.log 2>&1; echo "selftest rc=$?" >> $OUT/selftest.log
grep -E "passed|failed|FAIL|rc=" $OUT/selftest.log | tail -8
cat $OUT/sass.log
echo "total $(( SECONDS - t0 )) s"

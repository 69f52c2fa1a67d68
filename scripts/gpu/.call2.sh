set -u
t0=$SECONDS
mkdir -p /tmp/fsk && tar xzf .device-carry/kernels.tgz -C /tmp/fsk
export FLASHSERVE_KERNELS=/tmp/fsk/kernels
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader
echo "commit: $(cat .device-carry/commit)"
python3 -m pip install -q --no-index --no-deps --target /tmp/site .whl/*.whl > $OUT/pip.log 2>&1
for t in prefill-256 prefill-128 prefill-64; do
  PYTHONPATH=/tmp/site TVM_FFI_DISABLE_TORCH_C_DLPACK=1 MAX_JOBS=4 setsid python3 scripts/gpu/attention_references.py --warm $t > $OUT/warm-$t.log 2>&1 &
done
for f in $FLASHSERVE_KERNELS/attention_prefill_*.fatbin; do echo "$(basename $f): $(/usr/local/cuda/bin/cuobjdump -sass $f | grep -oE 'HGMMA\.[0-9x]+|UTMALDG|USETMAXREG|LDGSTS|LDL|STL' | sort | uniq -c | tr -s ' ' | tr '\n' ',')"; done > $OUT/sass.log
timeout 150 python3 scripts/gpu/prefill_run.py --cases 200 --seqs 1024,4096,8192,16384 > $OUT/prefill_run.out 2>&1; echo "prefill_run rc=$?" >> $OUT/prefill_run.out
bin=/tmp/fsbin/flashserve; mkdir -p /tmp/fsbin; gunzip -c .device-carry/flashserve.gz > $bin; chmod +x $bin
timeout 200 $bin selftest --gpu > $OUT/selftest.log 2>&1; echo "selftest rc=$?" >> $OUT/selftest.log
left=$(( 580 - SECONDS ))
PYTHONPATH=/tmp/site TVM_FFI_DISABLE_TORCH_C_DLPACK=1 timeout $left $bin bench attention --prefill --json $OUT/attention.json --reference-dir $OUT --time-limit $(( left - 10 )) > $OUT/attention.log 2>&1
echo "bench attention rc=$?" >> $OUT/attention.log
for t in $OUT/warm-*.log; do echo "$(basename $t): $(tail -n 1 $t | cut -c1-120)"; done
cat $OUT/sass.log
grep -v "^  fs_" $OUT/prefill_run.out | tail -32
grep -E "passed|failed|FAIL|rc=" $OUT/selftest.log | tail -8
grep -v '^  prefill' $OUT/attention.log | grep -E "^\||rc=|copy" | tail -24
echo "total $(( SECONDS - t0 )) s"

set -u
export FLASHSERVE_KERNELS=$PWD/build/attn-kernels
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm --format=csv,noheader
python3 -m pip install -q --no-index --no-deps --target /tmp/site .whl/*.whl > $OUT/pip.log 2>&1
for t in prefill-256 prefill-128 prefill-64; do
  PYTHONPATH=/tmp/site TVM_FFI_DISABLE_TORCH_C_DLPACK=1 MAX_JOBS=4 setsid python3 scripts/gpu/attention_references.py --warm $t > $OUT/warm-$t.log 2>&1 &
done
for f in build/attn-kernels/attention_prefill_*.fatbin; do echo "$(basename $f): $(/usr/local/cuda/bin/cuobjdump -sass $f | grep -oE 'HGMMA\.[0-9x]+|UTMALDG|USETMAXREG|LDGSTS|LDL|STL' | sort | uniq -c | tr -s ' ' | tr '\n' ',')"; done | tee $OUT/sass.log
timeout 330 python3 scripts/gpu/prefill_run.py --cases 200 2>&1 | tee $OUT/prefill_run.out | grep -v "^  fs_"
bin=/tmp/fsbin/flashserve; mkdir -p /tmp/fsbin; gunzip -c .device-carry/flashserve.gz > $bin; chmod +x $bin
left=$(( 575 - SECONDS )); echo "bench attention --prefill with ${left} s left"
PYTHONPATH=/tmp/site TVM_FFI_DISABLE_TORCH_C_DLPACK=1 timeout $left $bin bench attention --prefill --json $OUT/attention.json --reference-dir $OUT --time-limit $(( left - 10 )) > $OUT/attention.log 2>&1
echo "exit $?"; for t in $OUT/warm-*.log; do echo "$(basename $t): $(tail -n 1 $t | cut -c1-150)"; done
grep -v '^  prefill' $OUT/attention.log | tail -n 30

#!/usr/bin/env bash
# The benchmark: this library (JIT build and NativeAOT binary) beside PyTorch, TorchSharp and, for inference, ONNX Runtime,
# with the same data, normalization, models, batch 64, SGD momentum 0.9, fp32: MLP 784-128-64-10 and LeNet-5 on MNIST,
# the VGG-style net and the small ResNet on Fashion-MNIST. Interleaved: every repeat runs the FMA probe, then every
# framework on every model, one process each; medians over repeats. Writes, under --out (default artifacts/bench):
#   results.jsonl   one JSON line per measurement       table.md   the Markdown table of ratios
#   ratios.png      bar chart of the ratios (ScottPlot)  logs/      each runner's stderr
#
#   bash Samples/Benchmarks/run.sh [--quick] [--check] [--scaling] [--repeats N] [--threads N] [--cpu native|avx2]
#                                  [--models mlp,lenet5,vgg,resnet] [--skip torchsharp,onnxruntime,...] [--out DIR]
#
# --quick: 640 training and 500 test images, 1 repeat, short inference timings (CI: checks that everything runs and
# produces the JSON and the table; its figures mean nothing). --check: fail unless every framework not skipped produced
# every measurement on every model asked for (bench-report --require). --scaling: our builds also train each model at
# one thread (the table's "training speed-up" row: epoch time at 1 thread over all threads). --cpu avx2: an AVX2-only
# machine on this one: our JIT with AVX-512 off (DOTNET_EnableAVX512=0), our NativeAOT binary for x86-64-v3
# (CompiledCpu=avx2), PyTorch and TorchSharp held to AVX2 (ATEN_CPU_CAPABILITY, ONEDNN_MAX_CPU_ISA, OPENBLAS_CORETYPE,
# MKL_ENABLE_INSTRUCTIONS); ONNX Runtime has no such switch and keeps its widest kernels (the table says so). Installs Debian's python3-torch when /usr/bin/python3
# cannot import torch. Frameworks: compiled-jit compiled-aot pytorch torchsharp onnxruntime (onnxruntime needs pytorch,
# which exports the ONNX models). MNIST and Fashion-MNIST come from scripts/fetch-mnist.sh and fetch-fashion-mnist.sh
# (which installs Debian's dataset-fashion-mnist when missing); when the latter fails, the VGG-style net and the ResNet
# are skipped with a message (and --check fails).
set -euo pipefail
self="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
cd "$(dirname "$0")/../.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

all_models="mlp lenet5 vgg resnet"
all_frameworks="compiled-jit compiled-aot pytorch torchsharp onnxruntime"
quick=0 check=0 scaling=0 repeats=3 threads=$(nproc) skip="" out=artifacts/bench models=$all_models cpu_limit=native
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1; shift ;;
    --check) check=1; shift ;;
    --scaling) scaling=1; shift ;;
    --models) models="${2//,/ }"; shift 2 ;;
    --repeats) repeats="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --cpu) cpu_limit="$2"; shift 2 ;;
    --skip) skip="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n '2,22p' "$self"; exit 0 ;;
    *) echo "run.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
done
if [ "$quick" -eq 1 ]; then
  limit=640 test_limit=500 infer_seconds=0.05 probe_seconds=0.2; repeats=1
else
  limit=0 test_limit=0 infer_seconds=0.5 probe_seconds=1
fi
skipped() { [[ ",$skip," == *",$1,"* ]]; }
case "$cpu_limit" in
  native) aot_cpu=native ;;
  avx2)
    aot_cpu=avx2
    # Every process of the run inherits these: .NET's JIT (our JIT build, the probe) without AVX-512; PyTorch's and
    # TorchSharp's libtorch (ATen's kernels, oneDNN's convolutions, OpenBLAS's or MKL's GEMMs) at AVX2.
    export DOTNET_EnableAVX512=0 ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2 DNNL_MAX_CPU_ISA=AVX2 \
      OPENBLAS_CORETYPE=Haswell MKL_ENABLE_INSTRUCTIONS=AVX2 ;;
  *) echo "run.sh: --cpu $cpu_limit: expected native or avx2" >&2; exit 2 ;;
esac
for name in ${skip//,/ }; do
  [[ " $all_frameworks " == *" $name "* ]] || { echo "run.sh: --skip $name: expected some of $all_frameworks" >&2; exit 2; }
done
for model in $models; do
  [[ " $all_models " == *" $model "* ]] || { echo "run.sh: --models $model: expected some of ${all_models// /,}" >&2; exit 2; }
done

bench=Samples/Benchmarks
python=/usr/bin/python3
if ! skipped pytorch && ! "$python" -c "import torch" 2>/dev/null; then
  echo "PyTorch is missing for $python: installing python3-torch ..."
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch libopenblas0-openmp
fi
bash scripts/fetch-mnist.sh data/mnist
models_asked=$models
# The models' data: MNIST for the MLP and LeNet-5, Fashion-MNIST for the VGG-style net and the ResNet.
if [[ " $models " == *" vgg "* || " $models " == *" resnet "* ]] && ! bash scripts/fetch-fashion-mnist.sh data/fashion-mnist; then
  echo "run.sh: no Fashion-MNIST (scripts/fetch-fashion-mnist.sh failed): skipping the VGG-style net and the ResNet" >&2
  kept=""; for model in $models; do [[ $model == vgg || $model == resnet ]] || kept="$kept $model"; done; models=$kept
fi
data_for() { if [[ $1 == vgg || $1 == resnet ]]; then echo data/fashion-mnist; else echo data/mnist; fi; }

mkdir -p "$out/logs" "$out/onnx"
stage() { echo "=== $* (${SECONDS} s since start)"; }
stage "build"
build() { dotnet build "$bench/$1" -c Release -nologo -v quiet -warnaserror > "$out/logs/build-$1.log" 2>&1 || { tail -n 30 "$out/logs/build-$1.log"; echo "run.sh: building $1 failed" >&2; exit 1; }; }
build Compiled.Benchmarks.Library
build Compiled.Benchmarks.Report
skipped onnxruntime || build Compiled.Benchmarks.OnnxRuntime
ts_dir=$bench/Compiled.Benchmarks.TorchSharp/bin/Release/net10.0/linux-x64
if ! skipped torchsharp; then
  build Compiled.Benchmarks.TorchSharp
  # libLibTorchSharp.so wants GLIBCXX_3.4.32; mark what this libstdc++ lacks weak, in the build output's copy only.
  "$python" "$bench/patch_glibcxx_weak.py" "$ts_dir/libLibTorchSharp.so"
fi
aot_dir=$out/aot
if ! skipped compiled-aot; then
  stage "NativeAOT publish"
  # CompiledCpu=native: this machine's widest vectors, as the JIT build uses (avx2 under --cpu avx2: x86-64-v3).
  dotnet publish "$bench/Compiled.Benchmarks.Library" -c Release -r linux-x64 -p:CompiledCpu=$aot_cpu -o "$aot_dir" -nologo -v quiet \
    > "$out/logs/publish-aot.log" 2>&1 || { tail -n 30 "$out/logs/publish-aot.log"; echo "run.sh: NativeAOT publish failed" >&2; exit 1; }
fi

results=$out/results.jsonl
: > "$results"
if ! skipped compiled-aot; then
  echo "{\"framework\":\"compiled-aot\",\"model\":\"machine\",\"metric\":\"binary_bytes\",\"value\":$(stat -c %s "$aot_dir/bench-compiled"),\"repeat\":1}" >> "$results"
fi
common=(--limit "$limit" --test-limit "$test_limit" --infer-seconds "$infer_seconds" --onnx-dir "$out/onnx")
jit=(dotnet "$bench/Compiled.Benchmarks.Library/bin/Release/net10.0/bench-compiled.dll")
failures=0
run() {  # run FRAMEWORK MODEL REPEAT THREADS COMMAND...: keep the JSON lines, the stderr in logs/, go on after a failure
  local framework=$1 model=$2 repeat=$3 n=$4; shift 4
  local label=$framework tag=""
  [ "$n" = "$threads" ] || { tag="-${n}t"; label="$framework, $n thread(s)"; }
  local log="$out/logs/$framework-$model-$repeat$tag.log"
  if "$@" "${common[@]}" --threads "$n" --data "$(data_for "$model")" --model "$model" --repeat "$repeat" > "$log.out" 2> "$log"; then
    grep '^{' "$log.out" >> "$results" || true
    if grep -q '"metric":"not_available"' "$log.out"; then
      printf '  %-26s %-7s not available yet\n' "$label" "$model"
    else
      printf '  %-26s %-7s ok\n' "$label" "$model"
    fi
  else
    grep '^{' "$log.out" >> "$results" || true
    failures=$((failures + 1))
    printf '  %-26s %-7s FAILED (see %s)\n' "$label" "$model" "$log"; tail -n 5 "$log" | sed 's/^/    /'
  fi
}
for repeat in $(seq 1 "$repeats"); do
  stage "repeat $repeat of $repeats"
  "${jit[@]}" probe --threads "$threads" --infer-seconds "$probe_seconds" --repeat "$repeat" | grep '^{' >> "$results"
  for model in $models; do
    skipped compiled-jit || run compiled-jit "$model" "$repeat" "$threads" "${jit[@]}" --framework compiled-jit
    skipped compiled-aot || run compiled-aot "$model" "$repeat" "$threads" "$aot_dir/bench-compiled" --framework compiled-aot
    if [ "$scaling" -eq 1 ] && [ "$threads" -gt 1 ]; then
      skipped compiled-jit || run compiled-jit "$model" "$repeat" 1 "${jit[@]}" --framework compiled-jit --train-only
      skipped compiled-aot || run compiled-aot "$model" "$repeat" 1 "$aot_dir/bench-compiled" --framework compiled-aot --train-only
    fi
    skipped pytorch || run pytorch "$model" "$repeat" "$threads" "$python" "$bench/bench_pytorch.py"
    skipped torchsharp || run torchsharp "$model" "$repeat" "$threads" "$ts_dir/bench-torchsharp"
    skipped onnxruntime || run onnxruntime "$model" "$repeat" "$threads" "$bench/Compiled.Benchmarks.OnnxRuntime/bin/Release/net10.0/linux-x64/bench-onnxruntime"
  done
done

cpu="$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)"
if [ "$cpu_limit" = avx2 ]; then
  cpu="$cpu, held to AVX2 (--cpu avx2: AVX-512 off for our builds, PyTorch and TorchSharp; ONNX Runtime cannot be held and uses its widest kernels)"
elif grep -qw avx512f /proc/cpuinfo; then cpu="$cpu, AVX-512"; else cpu="$cpu, no AVX-512"; fi
cpu="$cpu, $(nproc) cores, $threads threads"
stage "report"
report=(--results "$results" --table "$out/table.md" --chart "$out/ratios.png" --cpu "$cpu")
if [ "$check" -eq 1 ]; then
  # Every framework not skipped, on every model asked for (a model skipped for want of data counts as missing).
  required=""; for name in $all_frameworks; do skipped "$name" || required="$required,$name"; done
  asked=""; for model in $models_asked; do asked="$asked,$model"; done
  report+=(--require "${required#,}" --models "${asked#,}")
  [ "$scaling" -eq 0 ] || report+=(--require-scaling)
fi
report_status=0
dotnet "$bench/Compiled.Benchmarks.Report/bin/Release/net10.0/bench-report.dll" "${report[@]}" || report_status=$?
echo "wrote $results, $out/table.md, $out/ratios.png"
stage "done"
if [ "$failures" -gt 0 ]; then echo "run.sh: $failures runner(s) failed" >&2; exit 1; fi
if [ "$report_status" -ne 0 ]; then echo "run.sh: the report failed (exit $report_status)" >&2; exit 1; fi

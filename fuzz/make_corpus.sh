#!/usr/bin/env bash
# Generates the fuzzers' seed corpora: make_corpus.sh BUILD_DIR OUT_DIR
# BUILD_DIR is a -DOCTET_FUZZ=ON build (it runs BUILD_DIR/fuzz/fuzz_make_seeds). Writes
# OUT_DIR/{tflite,idx,cifar_bin,image,checkpoint,archive,experiment}; nothing binary is kept in the
# repository.
set -euo pipefail
build=${1:?usage: make_corpus.sh BUILD_DIR OUT_DIR}
out=${2:?usage: make_corpus.sh BUILD_DIR OUT_DIR}
rm -rf "$out"
mkdir -p "$out"
"$build/fuzz/fuzz_make_seeds" "$out"

# Archives: a small tree (images, a CIFAR batch, a nested dir) as tar, tar.gz/bz2/xz/zst.
tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
mkdir -p "$tree/d/cat" "$tree/d/dog"
cp "$out/image/grey.png" "$tree/d/cat/a.png"
cp "$out/image/rgb.jpg" "$tree/d/dog/b.jpg"
printf 'hello\n' > "$tree/d/readme.txt"
ln -s readme.txt "$tree/d/link.txt"
mkdir -p "$out/archive"
tar_opts=(--sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$tree")
tar "${tar_opts[@]}" -cf "$out/archive/tree.tar" d
tar "${tar_opts[@]}" --format=ustar -cf - d | gzip -n -9 > "$out/archive/tree.tar.gz"
tar "${tar_opts[@]}" -cf - d/readme.txt | bzip2 -9 > "$out/archive/small.tar.bz2"
tar "${tar_opts[@]}" -cf - d/readme.txt | xz -9 > "$out/archive/small.tar.xz"
if command -v zstd > /dev/null; then
  tar "${tar_opts[@]}" -cf - d/readme.txt | zstd -q -19 > "$out/archive/small.tar.zst"
fi
# Experiment specs: the shipped ones (valid, every section used somewhere) as they are.
mkdir -p "$out/experiment"
cp "$(dirname "$0")/../experiments/"*.json "$out/experiment/"
echo "make_corpus: seeds in $out" >&2

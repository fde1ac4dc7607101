#!/bin/sh
# SPDX-License-Identifier: MIT
# What `make test` checks of the pvirq-sys package (bindings_rust_package):
#   package-check.sh WORK_DIR [INSTALL_PREFIX]
# 1. a copy of this workspace in WORK_DIR gets the C sources (sync-csrc.sh)
#    and `cargo package --offline` packs pvirq-sys;
# 2. the packed crate's csrc/ equals the source tree (sync-csrc.sh --check:
#    a stale or incomplete copy fails here);
# 3. the unpacked crate, alone, builds from its own C sources and passes its
#    tests (the bindgen check included), with pkg-config switched off;
# 4. with INSTALL_PREFIX (a `cmake --install` of this build), the unpacked
#    crate links that installed libpvirq through pkg-config instead.
# Everything happens in WORK_DIR; the source tree is not written.
set -eu
src=$(cd "$(dirname "$0")" && pwd)
work=$1
prefix=${2:-}

rm -rf "$work"
mkdir -p "$work/ws"
cp "$src/Cargo.toml" "$src/Cargo.lock" "$work/ws/"
for crate in pvirq-sys pvirq; do
	mkdir -p "$work/ws/$crate"
	(cd "$src/$crate" && tar cf - --exclude=./csrc --exclude=./target .) |
		(cd "$work/ws/$crate" && tar xf -)
done
"$src/pvirq-sys/sync-csrc.sh" --into "$work/ws/pvirq-sys/csrc"

export CARGO_TARGET_DIR="$work/target"
cargo package --offline --no-verify --allow-dirty --quiet -p pvirq-sys \
	--manifest-path "$work/ws/Cargo.toml"
mkdir -p "$work/unpacked"
tar -xzf "$CARGO_TARGET_DIR"/package/pvirq-sys-*.crate -C "$work/unpacked"
crate=$(echo "$work"/unpacked/pvirq-sys-*)
"$src/pvirq-sys/sync-csrc.sh" --check "$crate/csrc"

echo "pvirq-sys package: building from its own C sources"
(cd "$crate" && PVIRQ_NO_PKG_CONFIG=1 PVIRQ_SYS_EXPECT_LIBRARY=bundled \
	cargo test --offline --quiet)

if [ -n "$prefix" ]; then
	echo "pvirq-sys package: linking the libpvirq installed in $prefix"
	(cd "$crate" && PKG_CONFIG_PATH="$prefix/lib/pkgconfig:$prefix/lib64/pkgconfig" \
		PVIRQ_SYS_EXPECT_LIBRARY=pkg-config cargo test --offline --quiet)
fi
echo "pvirq-sys package: OK"

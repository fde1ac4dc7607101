#!/bin/sh
# SPDX-License-Identifier: MIT
# Copies the C sources pvirq-sys builds when no installed libpvirq is found
# (the public headers, the freestanding engine and the architecture shims)
# into pvirq-sys/csrc/, so the crate is self-contained once packaged:
#
#   bindings/rust/pvirq-sys/sync-csrc.sh            # before cargo package
#   bindings/rust/pvirq-sys/sync-csrc.sh --into D   # copy into D/ instead
#   bindings/rust/pvirq-sys/sync-csrc.sh --check D  # D/ holds a current copy?
#
# --check compares the copy in D (default: this crate's csrc/) with the
# source tree, file list and contents, and exits 1 listing what differs.
# csrc/ is not committed (.gitignore): the tree is the one source of truth.
set -eu
crate=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$crate/../../.." && pwd)
parts="include src/core src/arch"

copy_to() {
	rm -rf "$1"
	for part in $parts; do
		mkdir -p "$1/$part"
		(cd "$root/$part" && find . -type f \( -name '*.c' -o -name '*.h' \) | sort |
			while read -r f; do
				mkdir -p "$1/$part/$(dirname "$f")"
				cp "$f" "$1/$part/$f"
			done)
	done
	cp "$root/LICENSE" "$1/LICENSE"
}

if [ "${1:-}" = "--check" ]; then
	copy="${2:-$crate/csrc}"
	fresh=$(mktemp -d)
	trap 'rm -rf "$fresh"' EXIT
	copy_to "$fresh/csrc"
	if ! diff -r "$fresh/csrc" "$copy" >/dev/null 2>&1; then
		echo "pvirq-sys: the C sources in $copy are stale; run $0" >&2
		diff -rq "$fresh/csrc" "$copy" >&2 || true
		exit 1
	fi
	echo "pvirq-sys: $copy matches the source tree"
	exit 0
fi
into="$crate/csrc"
if [ "${1:-}" = "--into" ]; then
	into="$2"
fi
copy_to "$into"
echo "pvirq-sys: copied $(find "$into" -type f | wc -l) files into $into"

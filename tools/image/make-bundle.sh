#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make bundle BOARD=...: the signed RAUC update bundle for a board's units (docs/image.md).
#
# Usage: tools/image/make-bundle.sh BOARD [OUT_DIR]     (default OUT_DIR: build/image/BOARD)
#
# Needs OUT_DIR/rootfs.ext4 from make image. Writes OUT_DIR/anpr-BOARD.raucb: a "plain" bundle
# (squashfs of the root file system image plus manifest, CMS-signed as a whole), compatible
# "anpr-BOARD", installed by rauc into the inactive root slot. Signed with the dev keyring of
# make-dev-rauc-keys.sh unless RAUC_CERT / RAUC_KEY / RAUC_KEYRING name the production signer.
# Exit status: 0 built, 1 failed, 64 usage error.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
die() { printf 'make-bundle: error: %s\n' "$*" >&2; exit 1; }
[ $# -ge 1 ] && [ $# -le 2 ] || { sed -n '3,/^set -euo/s/^# \{0,1\}//p' "$0" | sed '$d' >&2; exit 64; }
board=$1
out=$(realpath -m "${2:-$repo/build/image/$board}")
[ -f "$out/rootfs.ext4" ] || die "no $out/rootfs.ext4: run make image BOARD=$board first"
keys=$repo/build/image/rauc-dev-keys
"$here/make-dev-rauc-keys.sh" "$keys" >/dev/null
cert=${RAUC_CERT:-$keys/signing.cert.pem}
key=${RAUC_KEY:-$keys/signing.key.pem}
keyring=${RAUC_KEYRING:-$keys/ca.cert.pem}
version=$(git -C "$repo" describe --always --dirty 2>/dev/null || echo 0)
dir=$(mktemp -d "$out/.bundle.XXXXXX")
trap 'rm -rf "$dir"' EXIT
# A hard link, not a copy: the bundle's squashfs reads it once.
ln "$out/rootfs.ext4" "$dir/rootfs.ext4" 2>/dev/null || cp --sparse=always "$out/rootfs.ext4" "$dir/rootfs.ext4"
cat >"$dir/manifest.raucm" <<MANIFEST
[update]
compatible=anpr-$board
version=$version
description=ANPR firmware root file system for $board
build=$(date -u +%Y%m%dT%H%M%SZ)

[bundle]
format=plain

[image.rootfs]
filename=rootfs.ext4
MANIFEST
bundle=$out/anpr-$board.raucb
rm -f "$bundle"
started=$SECONDS
nice -n 10 rauc bundle --cert="$cert" --key="$key" --keyring="$keyring" "$dir" "$bundle"
echo "make-bundle: $bundle ($(du -h "$bundle" | cut -f1), version $version) in $((SECONDS - started))s"

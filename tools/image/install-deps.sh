#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the host tools the image targets need (make image, make bundle, make image-test).
# Not part of tools/install-deps.sh: make test does not build images. Idempotent.
# Usage: tools/image/install-deps.sh     (as root)
set -euo pipefail
read -r -d '' PACKAGES <<'LIST' || true
mmdebstrap         downloads and unpacks the Debian arm64 packages of the root file system
qemu-system-arm    qemu-system-aarch64: the configuration boot and make image-test
python3-pexpect    drives qemu's serial console
rauc               signs update bundles; test-bundle.sh installs them into loop-device slots
squashfs-tools     rauc bundle payloads
dbus               a private system bus for rauc's service in test-bundle.sh
bmap-tools         bmaptool create: the .bmap next to each image
dosfstools         mkfs.vfat: the boot partition
mtools             mcopy/mtype: files into and out of the FAT boot partition without mounting it
e2fsprogs          mke2fs -d, debugfs: ext4 partitions from directories without mounting
fdisk              sfdisk: the partition table on the image file
kmod               depmod/modprobe --show-depends for the configuration initrd
cpio               packs the configuration initrd
openssl            the dev update-signing keyring
file               checks binaries are aarch64
LIST
list=$(printf '%s\n' "$PACKAGES" | awk 'NF {print $1}')
missing=()
for p in $list; do
	[ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)" = installed ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && { echo "image/install-deps: all packages present"; exit 0; }
[ "$(id -u)" = 0 ] || { echo "image/install-deps: missing ${missing[*]}; run as root" >&2; exit 1; }
echo "image/install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mtime -1 2>/dev/null | head -1)" ]; then
	apt-get update -q
fi
apt-get install -y -q --no-install-recommends "${missing[@]}"

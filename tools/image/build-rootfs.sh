#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds a board's configured Debian 12 arm64 root file system as an ext4 image.
#
# Usage: tools/image/build-rootfs.sh BOARD OUT_DIR
#
# BOARD is an image profile in tools/image/boards/BOARD.conf. Writes into OUT_DIR:
#   rootfs.ext4        the root file system (both A/B slots start from it; the bundle carries it)
#   vmlinuz, initrd.img  the kernel and the initrd that dpkg made inside the image (/boot)
#   boot.vfat          the boot partition (FAT32) as the configuration boot left it (on Pi
#                      boards: raspi-firmware's firmware, kernel, initrd, device trees)
#   packages.txt       name, architecture and version of every installed package
#   configure.log      the console transcript of the configuration boot
#
# How, without binfmt_misc (no arm64 program can run in a chroot on this x86_64 host):
#  1. mmdebstrap --variant=extract downloads and unpacks the packages (no scripts run).
#  2. dpkg-db.py records them in /var/lib/dpkg as dpkg --unpack would ("unpacked").
#  3. The image's own files (tools/image/rootfs/, the board's) are copied in, mke2fs -d
#     makes the ext4 image, and one boot of qemu-system-aarch64 with a tiny busybox
#     initrd (made here from the image's own busybox and kernel modules) runs
#     dpkg --configure -a and the image's configure step in it, then powers off.
#     That boot takes a few minutes of TCG emulation; it is the only emulated step.
#
# Environment: ANPR_DEB=path of the anpr-firmware arm64 .deb (default: the newest
# build/aarch64/packages/anpr-firmware_*_arm64.deb); without one, the anprd binary from
# ANPR_AARCH64_BIN (default build/aarch64/bin) is installed instead (for bring-up only).
# ANPR_DEBIAN_MIRROR / ANPR_DEBIAN_SECURITY_MIRROR as in tools/make-sysroot.sh.
# Exit status: 0 built, 1 a step failed, 64 usage error.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
log() { printf 'build-rootfs: %s\n' "$*"; }
die() { printf 'build-rootfs: error: %s\n' "$*" >&2; exit 1; }

[ $# -eq 2 ] || { sed -n '3,/^set -euo/s/^# \{0,1\}//p' "$0" | sed '$d' >&2; exit 64; }
board=$1
out=$(realpath -m "$2")
profile=$here/boards/$board.conf
[ -f "$profile" ] || die "no image profile $profile (boards: $(cd "$here/boards" && ls | sed 's/\.conf$//' | tr '\n' ' '))"
# shellcheck source=/dev/null
. "$profile"
: "${ANPR_BOARD:?profile must set ANPR_BOARD}" "${ROOT_SIZE_MB:?}" "${BOOT_SIZE_MB:?}" "${IMAGE_PACKAGES:=}"
[ "$(id -u)" = 0 ] || die "run as root (file ownership in the image, mke2fs -d)"

suite=bookworm
# raspi-firmware is in non-free-firmware (the Pi's closed boot firmware); the profile says so.
components=${COMPONENTS:-main}
mirror=${ANPR_DEBIAN_MIRROR:-http://deb.debian.org/debian}
security_mirror=${ANPR_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}

deb=${ANPR_DEB:-$(ls -t "$repo"/build/aarch64/packages/anpr-firmware_*_arm64.deb 2>/dev/null | head -1 || true)}
mkdir -p "$out"
work=$(mktemp -d "$out/.rootfs.XXXXXX")
chmod 0755 "$work"
cleanup() { [ -n "${work:-}" ] && rm -rf --one-file-system -- "$work"; return 0; }
trap cleanup EXIT
root=$work/root
debs=$work/debs
mkdir -p "$debs"

packages=$(sed 's/#.*//' "$here/packages.txt" | awk 'NF {print $1}')
packages="$packages $IMAGE_PACKAGES"
if [ -n "$deb" ]; then
	[ -f "$deb" ] || die "ANPR_DEB=$deb: no such file"
	log "project package: $deb"
	# Not handed to apt: mmdebstrap's chroot cannot see a local file without mounts (skipped
	# here). Its Depends go to apt by name; the package itself is unpacked after the others.
	deps=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/:any//' | awk 'NF {print $1}')
	packages="$packages $deps"
else
	log "warning: no anpr-firmware arm64 .deb (make package-aarch64); installing the bare binaries from ${ANPR_AARCH64_BIN:-build/aarch64/bin}"
fi
include=$(echo $packages | tr ' ' ',')

log "1/4 mmdebstrap (extract variant) for $board: $(echo $packages | wc -w) packages plus Depends"
started=$SECONDS
# shellcheck disable=SC2016 # $1 and $MMDEBSTRAP_ESSENTIAL are mmdebstrap's
# Downloaded packages are kept in build/image/.deb-cache and handed back to apt next time
# (apt only downloads what is not there; the dpkg database is made from $debs either way).
cache=$repo/build/image/.deb-cache
mkdir -p "$cache"
nice -n 10 mmdebstrap --variant=extract --arch=arm64 --skip=chroot/mount --skip=download/empty \
	--include="$include" \
	--setup-hook='for d in bin sbin lib; do mkdir -p "$1/usr/$d" && ln -s "usr/$d" "$1/$d"; done' \
	--setup-hook='mkdir -p "$1/var/cache/apt/archives" && find '"$cache"' -name "*.deb" -exec cp -t "$1/var/cache/apt/archives/" {} +' \
	--extract-hook='for deb in $MMDEBSTRAP_ESSENTIAL; do cp "$1$deb" '"$debs"'/; cp -n "$1$deb" '"$cache"'/; done' \
	"$suite" "$root" "deb $mirror $suite $components" "deb $mirror $suite-updates $components" \
	"deb $security_mirror $suite-security $components" 2>&1 | grep -v '^I: ' || true
[ -x "$root/usr/bin/dpkg" ] || die "mmdebstrap failed"
if [ -n "$deb" ]; then
	# --keep-directory-symlink: /lib, /bin and /sbin are merged-/usr links and must stay links.
	dpkg-deb --fsys-tarfile "$deb" | tar -C "$root" -xf - --keep-directory-symlink ||
		die "cannot unpack $deb"
	cp "$deb" "$debs/"
fi
log "unpacked $(ls "$debs" | wc -l) packages in $((SECONDS - started))s"

log "2/4 dpkg database (packages unpacked, not yet configured)"
python3 "$here/dpkg-db.py" "$root" "$debs"/*.deb
for f in "$debs"/*.deb; do dpkg-deb -f "$f" Package Architecture Version | paste -sd' '; done |
	LC_ALL=C sort >"$out/packages.txt"
kver=$(ls "$root/lib/modules")
[ "$(echo "$kver" | wc -w)" = 1 ] || die "expected one kernel, found: $kver"

log "3/4 the image's own files"
# Files every image has, then the profile's (tools/image/rootfs-<overlay>/).
cp -a --no-preserve=ownership "$here/rootfs/." "$root/"
for o in ${ROOTFS_OVERLAYS:-}; do cp -a --no-preserve=ownership "$here/rootfs-$o/." "$root/"; done
chmod 0755 "$root/usr/lib/anpr-image/"* "$root/etc/initramfs-tools/hooks/"*
printf 'anpr-%s\n' "$board" >"$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tanpr-%s\n::1\tlocalhost ip6-localhost ip6-loopback\n' "$board" >"$root/etc/hosts"
cat >"$root/etc/anpr-image.conf" <<EOF
# Written by tools/image/build-rootfs.sh: what this root file system was built as.
IMAGE_BOARD=$board
ANPR_BOARD=$ANPR_BOARD
CONSOLE=${CONSOLE:-}
IMAGE_BUILT=$(date -u +%Y-%m-%dT%H:%M:%SZ)
IMAGE_VERSION=$(git -C "$repo" describe --always --dirty 2>/dev/null || echo unknown)
EOF
# RAUC: the slots of this board and the dev keyring that verifies bundles.
mkdir -p "$root/etc/rauc"
sed "s/@COMPATIBLE@/anpr-$board/" "$here/rauc/system.conf.in" >"$root/etc/rauc/system.conf"
"$here/make-dev-rauc-keys.sh" "$repo/build/image/rauc-dev-keys" >/dev/null
cp "$repo/build/image/rauc-dev-keys/ca.cert.pem" "$root/etc/rauc/keyring.pem"
if [ -z "$deb" ]; then
	bin=${ANPR_AARCH64_BIN:-$repo/build/aarch64/bin}
	file "$bin/anprd" | grep -q 'ARM aarch64' || die "$bin/anprd is not an aarch64 binary"
	install -m 0755 "$bin/anprd" "$root/usr/bin/anprd"
	[ -x "$bin/anpr-diag" ] && install -m 0755 "$bin/anpr-diag" "$root/usr/bin/anpr-diag"
	install -D -m 0644 "$repo/ocr/model/plate.traineddata" "$root/usr/share/anpr/tessdata/plate.traineddata"
	ln -sf /usr/share/tesseract-ocr/5/tessdata/eng.traineddata "$root/usr/share/anpr/tessdata/eng.traineddata"
	for b in "$repo"/boards/*/board.ini; do
		install -D -m 0644 "$b" "$root/usr/share/anpr/boards/$(basename "$(dirname "$b")")/board.ini"
	done
	printf 'u anpr - "ANPR camera daemon" /var/lib/anpr\n' >"$root/usr/lib/sysusers.d/anpr.conf"
	printf 'ANPR_BOARD=%s\n' "$ANPR_BOARD" >"$root/etc/default/anprd"
	mkdir -p "$root/etc/anpr"
fi
# depmod here (the kernel's postinst does it again) so the configure initrd can find modules.
/sbin/depmod -b "$root" "$kver"
# What debootstrap does before configuring: the users and groups base-passwd's postinst would
# make, so that postinsts running before it can already chown to root:root.
for f in passwd group; do
	[ -s "$root/etc/$f" ] || cp "$root/usr/share/base-passwd/$f.master" "$root/etc/$f"
done

log "4/4 configuration boot under qemu-system-aarch64 (dpkg --configure -a; several minutes)"
# The configure initrd: busybox and its libraries from the image, the block and ext4 modules.
ird=$work/initrd
mkdir -p "$ird"/{bin,lib,proc,sys,dev,newroot,mods}
cp "$root/usr/bin/busybox" "$ird/bin/"
ln -s busybox "$ird/bin/sh"
for l in ld-linux-aarch64.so.1 aarch64-linux-gnu/libc.so.6 aarch64-linux-gnu/libresolv.so.2; do
	cp -L "$root/usr/lib/$l" "$ird/lib/"
done
for m in virtio_pci virtio_blk ext4 vfat nls_cp437 nls_ascii; do
	/sbin/modprobe -d "$root" -S "$kver" --show-depends "$m" | awk '$1 == "insmod" {print $2}'
done | awk '!seen[$0]++' | while read -r ko; do
	cp "$ko" "$ird/mods/"
	basename "$ko" >>"$ird/mods/order"
done
cp "$here/configure-init.sh" "$ird/init"
chmod 0755 "$ird/init"
(cd "$ird" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/configure-initrd.gz"
cp "$root/boot/vmlinuz-$kver" "$work/vmlinuz"

# The configure step that runs inside the image (then removes itself).
sed -e "s/@ANPR_BOARD@/$ANPR_BOARD/" -e "s/@IMAGE_BOARD@/$board/" "$here/configure-image.sh" >"$root/anpr-configure.sh"
rm -f "$root/etc/machine-id"
mkdir -p "$root/proc" "$root/sys" "$root/dev" "$root/run" "$root/tmp"
chmod 1777 "$root/tmp"
rm -f "$out/rootfs.ext4"
# The boot partition exists during the configuration boot (/boot/firmware, /dev/vdb), so
# raspi-firmware's kernel hooks fill it as on a running Pi.
rm -f "$out/boot.vfat"
truncate -s "${BOOT_SIZE_MB}M" "$out/boot.vfat.tmp"
mkfs.vfat -F 32 -n ANPR-BOOT "$out/boot.vfat.tmp" >/dev/null
mke2fs -q -t ext4 -L anpr-root -d "$root" -E root_owner=0:0 "$out/rootfs.ext4.tmp" "${ROOT_SIZE_MB}M"
started=$SECONDS
python3 "$here/qemu-run.py" configure --kernel "$work/vmlinuz" --initrd "$work/configure-initrd.gz" \
	--disk "$out/rootfs.ext4.tmp" --boot "$out/boot.vfat.tmp" --log "$out/configure.log" --timeout 5400 ||
	die "configuration boot failed; console transcript: $out/configure.log"
log "configuration boot took $((SECONDS - started))s"
e2fsck -fy "$out/rootfs.ext4.tmp" >/dev/null || [ $? -le 1 ] || die "e2fsck found errors in the configured root"

# The kernel and initrd dpkg made in the image, for qemu's -kernel/-initrd and the boot partition.
debugfs -R "dump /boot/vmlinuz-$kver $out/vmlinuz" "$out/rootfs.ext4.tmp" 2>/dev/null
debugfs -R "dump /boot/initrd.img-$kver $out/initrd.img" "$out/rootfs.ext4.tmp" 2>/dev/null
[ -s "$out/initrd.img" ] || die "the image has no /boot/initrd.img-$kver (see $out/configure.log)"
mv "$out/boot.vfat.tmp" "$out/boot.vfat"
mv "$out/rootfs.ext4.tmp" "$out/rootfs.ext4"
echo "$kver" >"$out/kernel-version"
log "done: $out/rootfs.ext4 ($(du -h --apparent-size "$out/rootfs.ext4" | cut -f1), $(du -h "$out/rootfs.ext4" | cut -f1) used), kernel $kver"

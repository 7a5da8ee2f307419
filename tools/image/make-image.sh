#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make image BOARD=...: the SD-card/eMMC image of a board (docs/image.md).
#
# Usage: tools/image/make-image.sh BOARD [OUT_DIR]     (default OUT_DIR: build/image/BOARD)
#
# Builds the root file system (build-rootfs.sh, skipped when OUT_DIR/rootfs.ext4 is newer than
# every input, or with ANPR_IMAGE_REUSE_ROOTFS=1), then assembles, without loop devices:
#   OUT_DIR/anpr-BOARD.img    MBR, disk id 0x414e5052, 1 MiB aligned:
#                               1 boot   FAT32 "ANPR-BOOT"  firmware, config.txt, cmdline.txt
#                               2 root A ext4 (read-only)   the configured root file system
#                               3 root B ext4               empty until the first update
#                               4 data   ext4 "anpr-data"   ring buffer, keys, site config
#   OUT_DIR/anpr-BOARD.img.bmap  block map for bmaptool copy (skips the empty blocks)
# Exit status: 0 built, 1 failed, 64 usage error.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
log() { printf 'make-image: %s\n' "$*"; }
die() { printf 'make-image: error: %s\n' "$*" >&2; exit 1; }
[ $# -ge 1 ] && [ $# -le 2 ] || { sed -n '3,/^set -euo/s/^# \{0,1\}//p' "$0" | sed '$d' >&2; exit 64; }
board=$1
out=$(realpath -m "${2:-$repo/build/image/$board}")
profile=$here/boards/$board.conf
[ -f "$profile" ] || die "no image profile $profile"
# shellcheck source=/dev/null
. "$profile"
export MTOOLS_SKIP_CHECK=1

# The data partition's size: the profile's, else the board's [storage] data_size_mb.
board_ini=$repo/boards/$ANPR_BOARD/board.ini
if [ -z "${DATA_SIZE_MB:-}" ]; then
	DATA_SIZE_MB=$(sed -n '/^\[storage\]/,/^\[/s/^data_size_mb *= *\([0-9]*\).*/\1/p' "$board_ini")
	[ -n "$DATA_SIZE_MB" ] || die "$board_ini has no [storage] data_size_mb"
fi

# 1. The root file system, rebuilt only when an input changed.
stamp_inputs=("$here" "$profile" "$repo/boards/$ANPR_BOARD")
rebuild=1
if [ -f "$out/rootfs.ext4" ] && [ "${ANPR_IMAGE_REUSE_ROOTFS:-0}" = 1 ]; then
	rebuild=0
elif [ -f "$out/rootfs.ext4" ] && [ -z "$(find "${stamp_inputs[@]}" -newer "$out/rootfs.ext4" -print -quit)" ]; then
	deb=${ANPR_DEB:-$(ls -t "$repo"/build/aarch64/packages/anpr-firmware_*_arm64.deb 2>/dev/null | head -1 || true)}
	if [ -z "$deb" ] || [ ! "$deb" -nt "$out/rootfs.ext4" ]; then rebuild=0; fi
fi
if [ $rebuild = 1 ]; then
	"$here/build-rootfs.sh" "$board" "$out"
else
	log "root file system up to date: $out/rootfs.ext4"
fi

# 2. The partitions, each as a file.
started=$SECONDS
mib=$((1024 * 1024))
boot_start=16 # MiB: room before the first partition for i.MX's SPL/U-Boot (32 KiB on)
root_mb=$ROOT_SIZE_MB
img=$out/anpr-$board.img
tmp=$out/.parts
rm -rf "$tmp"
mkdir -p "$tmp"

root_bytes=$(stat -c %s "$out/rootfs.ext4")
[ "$root_bytes" -le $((root_mb * mib)) ] || die "rootfs.ext4 is larger than ROOT_SIZE_MB=$root_mb"

# Boot (FAT32): what the configuration boot left there, the board's config.txt lines, cmdline.txt.
cp "$out/boot.vfat" "$tmp/boot.vfat"
cmdline="console=${CONSOLE:-ttyAMA0},115200 root=PARTUUID=414e5052-02 rootfstype=ext4 ro rootwait fsck.repair=yes rauc.slot=A"
if [ "${PI_FIRMWARE:-no}" = yes ]; then
	cmdline="$cmdline net.ifnames=0 cma=64M"
	# raspi-firmware's config.txt, then the board's overlay lines (boards/BOARD/config.txt).
	mcopy -o -i "$tmp/boot.vfat" ::config.txt "$tmp/config.txt" 2>/dev/null || : >"$tmp/config.txt"
	if [ -f "$repo/boards/$ANPR_BOARD/config.txt" ]; then
		{ printf '\n# --- boards/%s/config.txt ---\n[all]\n' "$ANPR_BOARD"; cat "$repo/boards/$ANPR_BOARD/config.txt"; } >>"$tmp/config.txt"
	fi
	mcopy -o -i "$tmp/boot.vfat" "$tmp/config.txt" ::config.txt
fi
if [ "$ANPR_BOARD" = imx8mp-evk ]; then
	# U-Boot's boot script source (boot.cmd): the slot from cmdline.txt's root= (docs/image.md).
	kver=$(cat "$out/kernel-version")
	mcopy -o -i "$tmp/boot.vfat" "$out/vmlinuz" ::vmlinuz
	mcopy -o -i "$tmp/boot.vfat" "$out/initrd.img" ::initrd.img
	debugfs -R "dump /usr/lib/linux-image-$kver/freescale/imx8mp-evk.dtb $tmp/imx8mp-evk.dtb" "$out/rootfs.ext4" 2>/dev/null
	[ -s "$tmp/imx8mp-evk.dtb" ] && mcopy -o -i "$tmp/boot.vfat" "$tmp/imx8mp-evk.dtb" ::imx8mp-evk.dtb
	printf '%s\n' '# U-Boot: load kernel, initrd and dtb from this partition; the root slot is in cmdline.txt.' \
		'load mmc ${devnum}:1 ${loadaddr} cmdline.txt && env import -t ${loadaddr} ${filesize} || true' \
		'load mmc ${devnum}:1 ${kernel_addr_r} vmlinuz' 'load mmc ${devnum}:1 ${fdt_addr_r} imx8mp-evk.dtb' \
		'load mmc ${devnum}:1 ${ramdisk_addr_r} initrd.img' \
		'booti ${kernel_addr_r} ${ramdisk_addr_r}:${filesize} ${fdt_addr_r}' >"$tmp/boot.cmd"
	mcopy -o -i "$tmp/boot.vfat" "$tmp/boot.cmd" ::boot.cmd
	cmdline="$cmdline"
fi
printf '%s\n' "$cmdline" >"$tmp/cmdline.txt"
mcopy -o -i "$tmp/boot.vfat" "$tmp/cmdline.txt" ::cmdline.txt
printf 'STATE_A=good\nSTATE_B=bad\nTRY=\n' >"$tmp/anpr-ab.env"
mcopy -o -i "$tmp/boot.vfat" "$tmp/anpr-ab.env" ::anpr-ab.env

# Data (ext4): the folders fstab binds and overlays, and the seed files (clip for qemu-virt).
data=$tmp/data
mkdir -p "$data"/{anpr,etc-anpr/upper,etc-anpr/work,timesync}
if [ -d "$out/data-seed" ]; then cp -a "$out/data-seed/." "$data/"; fi
mke2fs -q -t ext4 -L anpr-data -d "$data" -E root_owner=0:0 "$tmp/data.ext4" "${DATA_SIZE_MB}M"

# 3. The disk: partition table on a sparse file, then each partition written in place.
boot_mb=$BOOT_SIZE_MB
p1=$boot_start
p2=$((p1 + boot_mb))
p3=$((p2 + root_mb))
p4=$((p3 + root_mb))
end=$((p4 + DATA_SIZE_MB + 1))
rm -f "$img"
truncate -s "${end}M" "$img"
sfdisk -q --no-reread --no-tell-kernel "$img" <<EOF
label: dos
label-id: 0x414e5052
unit: sectors
start=$((p1 * 2048)), size=$((boot_mb * 2048)), type=c, bootable
start=$((p2 * 2048)), size=$((root_mb * 2048)), type=83
start=$((p3 * 2048)), size=$((root_mb * 2048)), type=83
start=$((p4 * 2048)), size=$((DATA_SIZE_MB * 2048)), type=83
EOF
put() { dd if="$1" of="$img" bs=1M seek="$2" conv=notrunc,sparse status=none; }
put "$tmp/boot.vfat" $p1
put "$out/rootfs.ext4" $p2
put "$tmp/data.ext4" $p4
rm -rf "$tmp"
if command -v bmaptool >/dev/null; then
	bmaptool -q create -o "$img.bmap" "$img"
fi
log "$img: $((end)) MiB ($(du -h "$img" | cut -f1) allocated), assembled in $((SECONDS - started))s"
sfdisk -l "$img" | sed -n '/^Device/,$p'

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Proves the A/B update path on this host with the real rauc (Debian 12, 1.8) and the image's
# own custom bootloader backend, against two loop-device slots (docs/image.md: how it was proven).
#
# Usage: tools/image/test-bundle.sh [BOARD]
#   BOARD given: the bundle and root file system of make image/make bundle BOARD=... (big, slow)
#   no BOARD:    a small synthetic root file system and bundle made here (seconds; ctest)
#
# Checks:
#   1. the signed bundle installs into the inactive slot B (B's bytes = the bundle's image), the
#      active slot A is untouched, and the backend makes B the trial slot (cmdline-try.txt)
#   2. the same bundle with one byte flipped in its payload is refused, and slot B's SHA-256 is
#      unchanged (nothing was written), as are A and the boot files
#   3. one byte flipped in the signature: refused, nothing written
#   4. a bundle signed by a CA outside the keyring: refused, nothing written
#   and the backend's next-boot logic: a trial that never marks itself good rolls back to A,
#   one that does becomes the committed slot.
# rauc runs as its D-Bus service on a private bus (dbus-daemon) with --override-boot-slot=A.
# Needs root (loop devices, mounting the bundle), rauc, dbus-daemon, losetup, mksquashfs.
# Exit status: 0 all checks passed, 1 a check failed, 77 cannot run here (not root, no tools).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
board=${1:-}
for t in rauc dbus-daemon losetup mksquashfs mke2fs sha256sum; do
	command -v "$t" >/dev/null || { echo "test-bundle: SKIP: $t not installed (tools/image/install-deps.sh)"; exit 77; }
done
[ "$(id -u)" = 0 ] || { echo "test-bundle: SKIP: needs root (loop devices)"; exit 77; }
losetup -f >/dev/null 2>&1 || { echo "test-bundle: SKIP: no free loop device"; exit 77; }

work=$(mktemp -d /tmp/anpr-rauc-test.XXXXXX)
loops=() pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	sleep 0.3
	grep -q " $work/mnt" /proc/mounts && grep " $work/mnt" /proc/mounts | cut -d' ' -f2 | sort -r | xargs -r umount -l
	for l in "${loops[@]}"; do losetup -d "$l" 2>/dev/null || true; done
	rm -rf --one-file-system "$work"
}
trap cleanup EXIT
fails=0
pass() { echo "test-bundle: PASS $*"; }
fail() { echo "test-bundle: FAIL $*"; fails=$((fails + 1)); }
sha() { head -c "$2" "$1" | sha256sum | cut -d' ' -f1; }

if [ -n "$board" ]; then
	out=$repo/build/image/$board
	rootfs=$out/rootfs.ext4
	bundle=$out/anpr-$board.raucb
	[ -f "$bundle" ] || { echo "test-bundle: no $bundle (make bundle BOARD=$board)"; exit 1; }
	compatible=anpr-$board
else
	# A small root file system with random content, bundled by the real make-bundle.sh.
	mkdir -p "$work/src/etc" "$work/b"
	echo "synthetic root for test-bundle.sh" >"$work/src/etc/os-release"
	head -c 3M /dev/urandom >"$work/src/payload"
	mke2fs -q -t ext4 -L anpr-root -d "$work/src" "$work/b/rootfs.ext4" 16M
	"$here/make-bundle.sh" test "$work/b" >/dev/null
	rootfs=$work/b/rootfs.ext4
	bundle=$work/b/anpr-test.raucb
	compatible=anpr-test
fi
keys=$repo/build/image/rauc-dev-keys
size=$(stat -c %s "$rootfs")
echo "test-bundle: bundle $bundle ($(du -h "$bundle" | cut -f1)), slot image $size bytes"

# Two slots, each a loop device over a file: A holds the current system, B old junk.
for s in A B; do
	truncate -s "$size" "$work/slot$s.img"
	loops+=("$(losetup --find --show "$work/slot$s.img")")
done
slotA=${loops[0]} slotB=${loops[1]}
dd if="$rootfs" of="$slotA" bs=1M conv=fsync status=none
head -c 1M /dev/urandom | dd of="$slotB" bs=1M conv=fsync status=none

# The boot partition's files as on a unit booted from A.
mkdir -p "$work/boot" "$work/mnt"
echo "console=ttyAMA0,115200 root=PARTUUID=414e5052-02 rootfstype=ext4 ro rootwait rauc.slot=A" >"$work/boot/cmdline.txt"
printf 'STATE_A=good\nSTATE_B=bad\nTRY=\n' >"$work/boot/anpr-ab.env"
# The unit's system.conf with the slot devices swapped for the loop devices.
sed -e "s/@COMPATIBLE@/$compatible/" -e "s|^statusfile=.*|statusfile=$work/rauc.status|" \
	-e "s|^bootloader-custom-backend=.*|bootloader-custom-backend=$here/rootfs/usr/lib/anpr-image/rauc-bootloader|" \
	-e "s|^path=.*|path=$keys/ca.cert.pem|" \
	-e "s|/dev/disk/by-partuuid/414e5052-02|$slotA|" -e "s|/dev/disk/by-partuuid/414e5052-03|$slotB|" \
	"$here/rauc/system.conf.in" >"$work/system.conf"
printf '[system]\nmountprefix=%s/mnt\n' "$work" >/dev/null

# A private system bus and the rauc service on it.
cat >"$work/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$work/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
EOF
dbus-daemon --config-file="$work/bus.conf" --nofork --nopidfile >"$work/dbus.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -S "$work/bus" ] && break; sleep 0.1; done
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$work/bus
export ANPR_BOOT_DIR=$work/boot
# The backend must not take this host's /proc/cmdline for a unit's.
echo "rauc.slot=A" >"$work/proc-cmdline"
export ANPR_PROC_CMDLINE=$work/proc-cmdline
rauc --conf="$work/system.conf" --mount="$work/mnt" service --override-boot-slot=A >"$work/service.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do rauc status >/dev/null 2>&1 && break; sleep 0.1; done
rauc status >/dev/null 2>&1 || { cat "$work/service.log"; echo "test-bundle: FAIL rauc service did not come up"; exit 1; }

state() { echo "A=$(sha "$slotA" "$size") B=$(sha "$slotB" "$size") boot=$(cat "$work/boot"/* | sha256sum | cut -c1-16)"; }
# try_install NAME BUNDLE: a bundle that must be refused without any write.
refused() {
	local name=$1 b=$2 before after
	before=$(state)
	if rauc install "$b" >"$work/$name.log" 2>&1; then
		fail "$name: installed, must be refused"
		return
	fi
	after=$(state)
	if [ "$before" = "$after" ]; then
		pass "$name: refused ($(grep -m1 -o 'signature verification failed.*' "$work/$name.log" | head -c 120)); slots and boot files unchanged"
	else
		fail "$name: refused but something changed: before $before, after $after"
	fi
}

# 1. The genuine bundle: B gets it, A stays, B becomes the trial slot.
a_before=$(sha "$slotA" "$size")
t0=$SECONDS
if rauc install "$bundle" >"$work/good.log" 2>&1; then
	if [ "$(sha "$slotB" "$size")" = "$(sha "$rootfs" "$size")" ]; then
		pass "signed bundle installed into inactive slot B in $((SECONDS - t0))s (B's SHA-256 = the image's)"
	else
		fail "installed, but slot B does not hold the image"
	fi
	[ "$(sha "$slotA" "$size")" = "$a_before" ] && pass "active slot A untouched" || fail "slot A changed"
	if [ "$(ANPR_BOOT_DIR=$work/boot "$here/rootfs/usr/lib/anpr-image/rauc-bootloader" get-primary)" = B ] &&
		grep -q 'root=PARTUUID=414e5052-03 .*rauc.slot=B' "$work/boot/cmdline-try.txt" &&
		grep -q 'rauc.slot=A' "$work/boot/cmdline.txt"; then
		pass "B is the trial slot (cmdline-try.txt), A still the committed one (cmdline.txt)"
	else
		fail "boot files after install: $(cat "$work/boot/anpr-ab.env" | tr '\n' ' ')"
	fi
else
	cat "$work/good.log"; tail -20 "$work/service.log"
	fail "the signed bundle was refused"
fi

# What happens at the next boot (rauc status mark-good calls set-state BOOTED good):
be=$here/rootfs/usr/lib/anpr-image/rauc-bootloader
if [ -f "$work/boot/cmdline-try.txt" ]; then
	# a) The trial boot of B failed (or was never made): the firmware's plain boot is A.
	cp -a "$work/boot" "$work/boot-rb"
	ANPR_BOOT_DIR=$work/boot-rb ANPR_PROC_CMDLINE=$work/boot-rb/cmdline.txt "$be" set-state A good
	if [ "$(ANPR_BOOT_DIR=$work/boot-rb "$be" get-primary)" = A ] && [ ! -e "$work/boot-rb/cmdline-try.txt" ] &&
		[ "$(ANPR_BOOT_DIR=$work/boot-rb "$be" get-state B)" = bad ]; then
		pass "rollback: A marked good while B was on trial: B marked bad, trial dropped, A stays primary"
	else
		fail "rollback: $(tr '\n' ' ' <"$work/boot-rb/anpr-ab.env")"
	fi
	# b) The trial boot of B came up and marked itself good: B becomes the committed slot.
	cp -a "$work/boot" "$work/boot-ok"
	ANPR_BOOT_DIR=$work/boot-ok ANPR_PROC_CMDLINE=$work/boot-ok/cmdline-try.txt "$be" set-state B good
	if grep -q 'root=PARTUUID=414e5052-03 .*rauc.slot=B' "$work/boot-ok/cmdline.txt" &&
		[ ! -e "$work/boot-ok/cmdline-try.txt" ] && [ "$(ANPR_BOOT_DIR=$work/boot-ok "$be" get-primary)" = B ]; then
		pass "commit: B booted on trial and marked good: cmdline.txt now boots B"
	else
		fail "commit: $(cat "$work/boot-ok/cmdline.txt")"
	fi
fi

# Slot B back to junk for the refusals (so a write would show), boot files back to A only.
head -c 1M /dev/urandom | dd of="$slotB" bs=1M conv=fsync status=none
rm -f "$work/boot/cmdline-try.txt" "$work/boot/tryboot.txt"
printf 'STATE_A=good\nSTATE_B=bad\nTRY=\n' >"$work/boot/anpr-ab.env"

# 2. One byte flipped in the middle of the payload (the squashfs with the root image).
bsize=$(stat -c %s "$bundle")
flip() { # file offset
	local b
	b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	printf "$(printf '\\%03o' $((b ^ 1)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
cp "$bundle" "$work/tampered.raucb"
flip "$work/tampered.raucb" $((bsize / 2))
cmp -s "$bundle" "$work/tampered.raucb" && fail "the flip did not change the bundle"
refused "payload byte flipped" "$work/tampered.raucb"

# 3. One byte flipped in the CMS signature (the last bytes before the 8-byte size trailer).
cp "$bundle" "$work/badsig.raucb"
flip "$work/badsig.raucb" $((bsize - 8 - 100))
refused "signature byte flipped" "$work/badsig.raucb"

# 4. Signed by a stranger: the same content re-signed with a CA the unit does not trust.
if rauc resign --keyring="$keys/ca.cert.pem" --signing-keyring="$keys/other-ca.cert.pem" \
	--cert="$keys/other-signing.cert.pem" --key="$keys/other-signing.key.pem" \
	"$bundle" "$work/stranger.raucb" >"$work/resign.log" 2>&1; then
	refused "signed by an untrusted CA" "$work/stranger.raucb"
else
	cat "$work/resign.log"
	fail "could not make the stranger-signed bundle"
fi

if [ $fails = 0 ]; then
	echo "test-bundle: all checks passed"
else
	echo "test-bundle: $fails check(s) failed; rauc service log:"
	tail -30 "$work/service.log"
	exit 1
fi

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs an anpr-firmware .deb into a fresh Debian 12 chroot (mmdebstrap minbase with
# systemd, as an image build does), with ANPR_BOARD set, and checks what the maintainer
# scripts did: the anpr user, the folders and their owners, /etc/default/anprd, the
# enabled units, that nothing was started (no systemd in a chroot); then purges it and
# checks what is left. Needs root and the Debian archive (about 250 MB, 3-5 minutes).
# The .deb's architecture must be this machine's (amd64), or qemu-user-binfmt for arm64.
# Usage: chroot-install-test.sh PACKAGE.deb [BOARD]    (BOARD default rpi4-imx477)
set -euo pipefail
deb=$(realpath "${1:?usage: chroot-install-test.sh PACKAGE.deb [BOARD]}")
board=${2:-rpi4-imx477}
arch=$(dpkg-deb -f "$deb" Architecture)
mirror=${ANPR_DEBIAN_MIRROR:-http://deb.debian.org/debian}
root=$(mktemp -d /tmp/anpr-chroot.XXXXXX)
cleanup() {
	umount "$root/proc" 2>/dev/null || true
	rm -rf "$root"
}
trap cleanup EXIT
passed=0 failed=0
check() { # DESCRIPTION COMMAND...
	local what=$1
	shift
	if "$@"; then passed=$((passed + 1)); else
		failed=$((failed + 1))
		echo "FAIL: $what"
	fi
}

mmdebstrap --arch="$arch" --variant=minbase --include=systemd,udev bookworm "$root" \
	"deb $mirror bookworm main" "deb $mirror bookworm-updates main" >/dev/null
cp "$deb" "$root/tmp/"
mount -t proc proc "$root/proc"
chroot "$root" apt-get update -q >/dev/null
ANPR_BOARD=$board DEBIAN_FRONTEND=noninteractive chroot "$root" \
	apt-get install -y -q --no-install-recommends "/tmp/$(basename "$deb")" >"$root/install.log" 2>&1 ||
	{
		cat "$root/install.log"
		exit 1
	}
console=$(sed -n '/^\[console\]/,/^\[/s/^device *= *\/dev\/\([A-Za-z0-9]*\) *$/\1/p' \
	"$root/usr/share/anpr/boards/$board/board.ini")

check "anpr user" chroot "$root" getent passwd anpr
check "ANPR_BOARD=$board" grep -qx "ANPR_BOARD=$board" "$root/etc/default/anprd"
check "ANPR_CONSOLE=$console" grep -qx "ANPR_CONSOLE=$console" "$root/etc/default/anprd"
owner() { [ "$(chroot "$root" stat -c '%U:%G %a' "$1")" = "$2" ]; }
check "/etc/anpr/keys anpr 700" owner /etc/anpr/keys "anpr:anpr 700"
check "/var/lib/anpr anpr 750" owner /var/lib/anpr "anpr:anpr 750"
check "/var/lib/anpr/reads anpr 700" owner /var/lib/anpr/reads "anpr:anpr 700"
check "/var/lib/anpr/diag root 700" owner /var/lib/anpr/diag "root:root 700"
check "anprd.service enabled" test -L "$root/etc/systemd/system/multi-user.target.wants/anprd.service"
check "anpr-console@$console enabled" \
	test -L "$root/etc/systemd/system/getty.target.wants/anpr-console@$console.service"
check "nothing started" test ! -e "$root/run/anpr"
check "check-config with the board" chroot "$root" anprd \
	--board-file "/usr/share/anpr/boards/$board/board.ini" --config /etc/anpr/anpr.conf --check-config
check "units verify" chroot "$root" systemd-analyze verify --man=no /lib/systemd/system/anprd.service \
	"/etc/systemd/system/getty.target.wants/anpr-console@$console.service"

DEBIAN_FRONTEND=noninteractive chroot "$root" apt-get purge -y -q anpr-firmware >"$root/purge.log" 2>&1
check "purge removes /etc/default/anprd" test ! -e "$root/etc/default/anprd"
check "purge removes the console link" test ! -e "$root/etc/systemd/system/getty.target.wants/anpr-console@$console.service"
check "purge removes the anprd link" test ! -e "$root/etc/systemd/system/multi-user.target.wants/anprd.service"
check "purge keeps the keys folder" test -d "$root/etc/anpr/keys"

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]

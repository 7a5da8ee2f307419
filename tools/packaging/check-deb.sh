#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The package bars for one .deb: dpkg-deb --info, lintian without errors (warnings listed),
# and, with --needed, every shared library its programs need (readelf -d NEEDED) covered
# by a package in Depends (for the arm64 package, whose Depends are written by hand;
# tools/packaging/depends-arm64.txt). Sonames are mapped to Debian packages through this
# machine's own (amd64) copies of the same libraries: Debian names them alike on all
# architectures. Usage: check-deb.sh [--needed] PACKAGE.deb
set -euo pipefail
needed=0
if [ "${1:-}" = --needed ]; then
	needed=1
	shift
fi
deb=${1:?usage: check-deb.sh [--needed] PACKAGE.deb}
status=0

echo "== dpkg-deb --info $(basename "$deb")"
dpkg-deb --info "$deb"

echo "== lintian $(basename "$deb")"
lint=$(lintian --tag-display-limit 0 "$deb" 2>&1 || true)
[ -n "$lint" ] && echo "$lint"
if grep -q '^E: ' <<<"$lint"; then
	echo "check-deb: lintian reports errors" >&2
	status=1
else
	echo "lintian: no errors ($(grep -c '^W: ' <<<"$lint" || true) warnings)"
fi

if [ $needed = 1 ]; then
	echo "== NEEDED libraries against Depends"
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	dpkg-deb -x "$deb" "$tmp"
	depends=$(dpkg-deb -f "$deb" Depends | tr ',|' '\n\n' | sed 's/(.*//; s/ //g' | sort -u)
	multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
	for elf in "$tmp"/usr/bin/*; do
		for so in $(readelf -d "$elf" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
			case $so in
			ld-linux-*) pkg=libc6 ;;
			*)
				pkg=$(dpkg -S "/usr/lib/$multiarch/$so" "/lib/$multiarch/$so" 2>/dev/null |
					head -1 | sed 's/:.*//' || true)
				;;
			esac
			if [ -z "$pkg" ]; then
				echo "  $so: no Debian package found (MISSING)"
			elif grep -qx "$pkg" <<<"$depends"; then
				echo "  $so -> $pkg"
			else
				echo "  $so -> $pkg (MISSING from Depends)"
			fi
		done
	done | sort -u >"$tmp/needed.txt"
	cat "$tmp/needed.txt"
	if grep -q MISSING "$tmp/needed.txt"; then
		status=1
	elif ! [ -s "$tmp/needed.txt" ]; then
		echo "check-deb: no NEEDED entries found" >&2
		status=1
	fi
fi
exit $status

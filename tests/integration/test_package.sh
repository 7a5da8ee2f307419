#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The amd64 .deb from the outside: builds it with cpack from the build tree, then checks its
# control data and file modes, the systemd units (verify, exposure <= 3.0), lintian (no
# errors), and runs the packaged programs from an unpacked copy: anprd --check-config with
# every packaged board file and the site template, anpr-read with the packaged model only,
# and anprd on a clip under its unit's system call filter and MemoryDenyWriteExecute.
# Usage: test_package.sh BUILD_DIR SOURCE_DIR
set -u
build=$1 src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
ok() {
	passed=$((passed + 1))
}
fail() {
	failed=$((failed + 1))
	echo "FAIL: $*"
}
# check DESCRIPTION COMMAND...: passes when the command succeeds.
check() {
	local what=$1
	shift
	if "$@" >"$tmp/out" 2>&1; then ok; else
		fail "$what"
		head -20 "$tmp/out"
	fi
}
for tool in cpack dpkg-deb lintian systemd-analyze; do
	command -v $tool >/dev/null || {
		echo "SKIP: $tool not installed (tools/install-deps.sh)"
		exit 77
	}
done

# ---- build the package ----
if ! cpack --config "$build/CPackConfig.cmake" -B "$tmp/pkgs" >"$tmp/cpack.log" 2>&1; then
	cat "$tmp/cpack.log"
	echo "0 passed, 1 failed"
	exit 1
fi
deb=$(ls "$tmp"/pkgs/anpr-firmware_*_amd64.deb 2>/dev/null | head -1)
[ -n "$deb" ] && ok || {
	fail "no anpr-firmware_*_amd64.deb from cpack"
	ls "$tmp/pkgs"
	echo "$passed passed, $failed failed"
	exit 1
}

# ---- control data ----
info=$(dpkg-deb --info "$deb")
field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = anpr-firmware ] && ok || fail "Package: $(field Package)"
[ "$(field Architecture)" = amd64 ] && ok || fail "Architecture: $(field Architecture)"
for dep in libc6 libtesseract5 libopencv-core406 libcurl4 libsystemd0 libmbedcrypto7 tesseract-ocr-eng \
	init-system-helpers procps; do
	[[ ", $(field Depends)," == *", $dep"[\ ,]* ]] && ok || fail "Depends lacks $dep: $(field Depends)"
done
for script in postinst prerm postrm conffiles md5sums; do
	[[ $info == *" $script"* ]] && ok || fail "control member $script missing"
done
dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles | grep -qx /etc/anpr/anpr.conf && ok ||
	fail "/etc/anpr/anpr.conf is not a conffile"

# ---- files and modes (owner root/root everywhere) ----
dpkg-deb -c "$deb" | awk '{print $1, $2, $6}' >"$tmp/contents"
want() { # MODE PATH
	grep -qx -- "$1 root/root ./${2#/}" "$tmp/contents" && ok ||
		fail "$2: want $1 root/root, have: $(grep " ./${2#/}\$" "$tmp/contents" || echo absent)"
}
want -rwxr-xr-x /usr/bin/anprd
want -rwxr-xr-x /usr/bin/anpr-read
[ -x "$build/bin/anpr-diag" ] && want -rwxr-xr-x /usr/bin/anpr-diag
want -rw-r--r-- /usr/share/anpr/tessdata/plate.traineddata
want -rw-r--r-- /etc/anpr/anpr.conf
want -rw-r--r-- /lib/systemd/system/anprd.service
want -rw-r--r-- /lib/systemd/system/anpr-console@.service
want -rw-r--r-- /lib/udev/rules.d/60-anpr.rules
want -rw-r--r-- /usr/lib/sysusers.d/anpr.conf
want -rw-r--r-- /usr/lib/tmpfiles.d/anpr.conf
want -rw-r--r-- /usr/share/doc/anpr-firmware/copyright
want -rw-r--r-- /usr/share/doc/anpr-firmware/changelog.Debian.gz
boards=$(ls -d "$src"/boards/*/ | xargs -n1 basename)
for b in $boards; do want -rw-r--r-- "/usr/share/anpr/boards/$b/board.ini"; done
if grep -v '^d' "$tmp/contents" | grep -qv ' root/root '; then fail "files not owned by root"; else ok; fi
# Stripped: no debug sections in the shipped programs.
dpkg-deb -x "$deb" "$tmp/root"
if readelf -S "$tmp/root/usr/bin/anprd" | grep -q '\.debug_info'; then fail "anprd not stripped"; else ok; fi

# ---- units ----
units=$tmp/root/lib/systemd/system
for u in anprd.service anpr-console@.service; do
	# verify wants the programs at their installed paths; a copy with them in reach.
	sed "s#/usr/bin/#$tmp/root/usr/bin/#g" "$units/$u" >"$tmp/$u"
	out=$(systemd-analyze verify --man=no "$tmp/$u" 2>&1)
	# A tree without tools/diag packages no anpr-diag; its unit is verified all the same.
	[ -x "$tmp/root/usr/bin/anpr-diag" ] || out=$(grep -v 'anpr-diag is not executable' <<<"$out" || true)
	[ -z "$out" ] && ok || fail "systemd-analyze verify $u: $out"
done
cp "$units/anpr-console@.service" "$tmp/anpr-console@ttyAMA0.service"
for u in "$units/anprd.service" "$tmp/anpr-console@ttyAMA0.service"; do
	level=$(systemd-analyze security --offline=true --no-pager "$u" 2>&1 |
		sed -n 's/.*Overall exposure level for .*: \([0-9.]*\).*/\1/p')
	echo "exposure $(basename "$u"): ${level:-none}"
	if [ -n "$level" ] && awk -v l="$level" 'BEGIN { exit !(l <= 3.0) }'; then ok; else
		fail "$(basename "$u"): exposure ${level:-unknown} above 3.0"
	fi
done

# ---- lintian: no errors ----
lintian --tag-display-limit 0 "$tmp"/pkgs/*.deb >"$tmp/lintian" 2>&1   # anpr-tools too
if grep -q '^E: ' "$tmp/lintian"; then
	fail "lintian errors:"
	grep '^E: ' "$tmp/lintian"
else ok; fi

# ---- the unpacked programs, from the package's own paths ----
r=$tmp/root
for b in $boards; do
	out=$("$r/usr/bin/anprd" --board-file "$r/usr/share/anpr/boards/$b/board.ini" --config "$r/etc/anpr/anpr.conf" \
		--check-config 2>&1)
	[[ $out == *"configuration OK: board $b"* ]] && ok || fail "check-config $b: $out"
done
# The site template points the keys and the ring buffer at the unit's folders.
out=$("$r/usr/bin/anprd" --config "$r/etc/anpr/anpr.conf" --print-config 2>&1)
for kv in 'dir = /var/lib/anpr/reads' 'key_file = /etc/anpr/keys/store-key.bin' \
	'key_file = /etc/anpr/keys/device-key.pem'; do
	[[ $out == *"$kv"* ]] && ok || fail "template lacks '$kv'"
done

# anpr-read with the packaged model, the source tree's hidden (a private mount namespace).
synth=$build/bin/anpr-synth
if [ -x "$synth" ] && unshare -m true 2>/dev/null; then
	"$synth" plates --seed 7 --count 3 --out "$tmp/plates" >/dev/null 2>&1
	hidden() { unshare -m sh -c 'mount -t tmpfs none "$1/ocr/model" && shift && exec "$@"' sh "$src" "$@" 2>&1; }
	out=$(hidden "$r/usr/bin/anpr-read" --country uk --json "$tmp"/plates/*.jpg)
	n=$(grep -c '"plates":\[{"text":"[A-Z0-9]' <<<"$out" || true)
	[ "$n" -ge 2 ] && ok || fail "anpr-read with the packaged model read $n of 3: $(head -3 <<<"$out")"
	# The control: the build tree's anpr-read has no model once the source tree's is hidden.
	out=$(hidden "$build/bin/anpr-read" --country uk --json "$tmp"/plates/*.jpg)
	n=$(grep -c '"plates":\[{"text":"[A-Z0-9]' <<<"$out" || true)
	[ "$n" -eq 0 ] && ok || fail "hiding ocr/model did not hide the model from the build tree's anpr-read"
else
	echo "note: no anpr-synth or no mount namespaces; packaged-model read skipped"
fi

# The unit's filters let the read-only clock status through (glibc's adjtimex is the
# clock_adjtime call) and still refuse setting the clock.
if /usr/bin/python3 -c 'import seccomp' 2>/dev/null; then
	probe='import ctypes
libc = ctypes.CDLL(None, use_errno=True)
r = libc.adjtimex(ctypes.create_string_buffer(256))
e = ctypes.get_errno()
s = libc.clock_settime(0, (ctypes.c_long * 2)(0, 0))
print("adjtimex", "ok" if r >= 0 else e, "settime", ctypes.get_errno() if s < 0 else "ok")'
	out=$(/usr/bin/python3 "$src/tests/integration/unit_sandbox.py" "$units/anprd.service" -- /usr/bin/python3 -c "$probe" 2>&1)
	[ "$out" = "adjtimex ok settime 1" ] && ok || fail "clock calls under anprd.service's filter: $out"
fi

# anprd on a clip under the unit's filters: no JIT (W+X kills it), no forbidden call it needs.
if [ -x "$synth" ] && /usr/bin/python3 -c 'import seccomp' 2>/dev/null; then
	"$synth" clip --seed 5 --out "$tmp/clip.avi" --vehicles 3 --duration 6 >/dev/null 2>&1
	mkdir -m 700 "$tmp/keys"
	"$r/usr/bin/anprd" --set signing.key_file="$tmp/keys/dev.pem" --gen-key >/dev/null 2>&1
	# As ProtectSystem=strict: every mount read-only but /dev, /proc, /sys and the test's
	# folder (standing in for StateDirectory and ReadWritePaths), when namespaces work here.
	strict=()
	unshare -m true 2>/dev/null && strict=(unshare -m sh -c '
		mount --make-rprivate / && mount --bind "$0" "$0" || exit 1
		for m in $(cut -d" " -f2 /proc/self/mounts | sort -u); do
			case $m in /dev | /dev/* | /proc | /proc/* | /sys | /sys/* | "$0") continue ;; esac
			mount -o remount,bind,ro "$m" 2>/dev/null
		done
		exec "$@"' "$tmp")
	"${strict[@]}" /usr/bin/python3 "$src/tests/integration/unit_sandbox.py" "$units/anprd.service" -- "$r/usr/bin/anprd" \
		--board-file "$r/usr/share/anpr/boards/host-sim/board.ini" --config "$r/etc/anpr/anpr.conf" \
		--set signing.key_file="$tmp/keys/dev.pem" --set store.key_file="$tmp/keys/store.bin" \
		--set store.dir="$tmp/spool" --set pipeline.replay_pace=fast --source "file:$tmp/clip.avi" \
		--linger 0 --report "$tmp/report.json" >"$tmp/sandbox.log" 2>&1
	st=$?
	stored=$(sed -n 's/.*"reads_stored": *\([0-9]*\).*/\1/p' "$tmp/report.json" 2>/dev/null)
	[ ${#strict[@]} -gt 0 ] || echo "note: no mount namespaces; the read-only system was not applied"
	if [ $st -eq 0 ] && [ "${stored:-0}" -ge 1 ]; then ok; else
		fail "anprd under the unit's sandbox: status $st, reads stored ${stored:-none}"
		tail -5 "$tmp/sandbox.log"
	fi
	# anpr-diag under the console unit's filters: configuration and the clock check work.
	if [ -x "$r/usr/bin/anpr-diag" ]; then
		mkdir -m 700 "$tmp/diag"
		/usr/bin/python3 "$src/tests/integration/unit_sandbox.py" "$units/anpr-console@.service" -- \
			"$r/usr/bin/anpr-diag" --board-file "$r/usr/share/anpr/boards/rpi4-imx477/board.ini" \
			--config "$r/etc/anpr/anpr.conf" --set diag.state_dir="$tmp/diag" \
			--set diag.audit_file="$tmp/diag/audit.log" --set diag.users_file="$tmp/diag/users" \
			-c "config show" >"$tmp/diag.log" 2>&1
		st=$?
		if [ $st -eq 0 ] && grep -q 'board.name *rpi4-imx477' "$tmp/diag.log"; then ok; else
			fail "anpr-diag under the console unit's sandbox: status $st"
			tail -5 "$tmp/diag.log"
		fi
	fi
else
	echo "note: no anpr-synth or python3-seccomp; sandboxed run skipped"
fi

echo "$passed passed, $failed failed"
[ $failed -eq 0 ] && [ $passed -gt 0 ]

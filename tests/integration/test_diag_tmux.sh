#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# anpr-diag through a real terminal emulator: tmux runs it in an 80x24 window, keys are typed
# with send-keys and `tmux capture-pane` shows the screen the engineer sees: login, status,
# selftest in colour, the aim preview drawn in place, Ctrl-C, and no colour with TERM=dumb.
# Usage: test_diag_tmux.sh ANPR_DIAG
set -u
diag=$1
here=$(cd "$(dirname "$0")" && pwd)
command -v tmux >/dev/null || { echo "SKIP: no tmux (tools/install-deps.sh installs it)"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }
tmp=$(mktemp -d)
sockname=anpr-diag-test-$$
fake=
trap 'tmux -L $sockname kill-server 2>/dev/null; [ -n "$fake" ] && kill $fake 2>/dev/null; rm -rf "$tmp"' EXIT
passed=0 failed=0
check() { if eval "$2"; then passed=$((passed + 1)); echo "ok: $1"; else failed=$((failed + 1)); echo "FAIL: $1"; fi; }

python3 "$here/diag_fake_anprd.py" --socket "$tmp/control.sock" --record "$tmp/requests.jsonl" &
fake=$!
mkdir "$tmp/reads"
cat >"$tmp/site.ini" <<INI
[device]
id = anpr-test
[store]
dir = $tmp/reads
key_file = $tmp/store-key.bin
[diag]
users_file = $tmp/users
state_dir = $tmp/state
audit_file = $tmp/audit.log
[control]
socket = $tmp/control.sock
INI
printf 'correct horse 1\ncorrect horse 1\n' | "$diag" --config "$tmp/site.ini" --set-password alice engineer >/dev/null 2>&1
for _ in $(seq 50); do [ -S "$tmp/control.sock" ] && break; sleep 0.1; done

T="tmux -L $sockname -f /dev/null"
screen() { $T capture-pane -p -t diag; }
wait_for() { # wait_for REGEX [SECONDS]: until the screen shows it
	local i
	for i in $(seq $((${2:-30} * 10))); do screen | grep -Eq "$1" && return 0; sleep 0.1; done
	echo "  (screen was:)"; screen | sed 's/^/  | /'
	return 1
}

$T new-session -d -s diag -x 80 -y 24 "TERM=tmux-256color $diag --config $tmp/site.ini --systemctl /bin/false --journalctl /bin/false; sleep 30"
check "banner and login prompt on screen" 'wait_for "^login:"'
check "banner says anprd runs" 'screen | grep -q "anpr-test: anprd running"'
$T send-keys -t diag alice Enter
wait_for "^password:" >/dev/null
$T send-keys -t diag "correct horse 1" Enter
check "logged in" 'wait_for "Logged in as alice"'
check "password not on screen" '! screen | grep -q "correct horse"'
$T send-keys -t diag C-u "status" Enter
check "status screen" 'wait_for "^Alarms "'
check "status lines as the engineer reads them" 'screen | grep -Eq "^Camera +running \(replay\) 24\.9 fps" && screen | grep -Eq "^Buffer +412 reads"'
check "nothing wider than 80 columns" '[ "$($T capture-pane -p -J -t diag | awk "{ if (length > m) m = length } END { print m }")" -le 80 ]'
$T send-keys -t diag "selftest" Enter
check "selftest summary" 'wait_for "[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped" 60'
check "selftest marks in colour" '$T capture-pane -p -e -t diag | grep -q $'"'"'\x1b\[32mPASS'"'"''
$T send-keys -t diag "camera aim" Enter
check "aim preview header" 'wait_for "^Aim: frame +[0-9]+ "'
sleep 1.5
f1=$(screen | sed -n 's/^Aim: frame *\([0-9]*\).*/\1/p')
sleep 1.5
f2=$(screen | sed -n 's/^Aim: frame *\([0-9]*\).*/\1/p')
check "aim redraws in place (frame $f1 -> $f2 at the top of the screen)" '[ -n "$f1" ] && [ -n "$f2" ] && [ "$f2" -gt "$f1" ] && screen | head -1 | grep -q "^Aim: frame"'
check "aim picture: 20 rows of 64 characters" '[ "$($T capture-pane -p -N -t diag | sed -n 2,21p | awk "length == 64" | wc -l)" = 20 ]'
$T send-keys -t diag C-c
check "Ctrl-C ends the preview" 'wait_for "frames shown"'
$T send-keys -t diag C-d
check "Ctrl-D logs out" 'wait_for "Logged out"'
# Another session keeps the server up: killing its last session makes tmux exit, and a session
# started at once can meet the server on its way out ("server exited unexpectedly").
$T new-session -d -s keep "sleep 600"
$T kill-session -t diag

# A dumb terminal: no colour, no cursor movement.
$T new-session -d -s diag -x 80 -y 24 "TERM=dumb $diag --config $tmp/site.ini --systemctl /bin/false --journalctl /bin/false; sleep 30"
wait_for "^login:" >/dev/null
$T send-keys -t diag alice Enter
wait_for "^password:" >/dev/null
$T send-keys -t diag "correct horse 1" Enter
wait_for "Logged in" >/dev/null
$T send-keys -t diag "selftest" Enter
check "selftest on a dumb terminal" 'wait_for "[0-9]+ passed" 60'
check "no colour with TERM=dumb" '! $T capture-pane -p -e -t diag | grep -q $'"'"'\x1b\[3[0-9]m'"'"''

echo "$passed passed, $failed failed"
[ $failed = 0 ] && [ $passed -gt 0 ]

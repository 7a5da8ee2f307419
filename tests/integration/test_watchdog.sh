#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# anprd on host-sim with the simulated hardware watchdog: a healthy run over a clip never misses
# a feed and disarms cleanly; with the readers hung (test hook ANPR_TEST_HANG_READERS_AFTER_S)
# the feeding stops once the pipeline counts as stuck and the simulation reports the reset one
# timeout after the last feed.
# Usage: test_watchdog.sh ANPRD ANPR_SYNTH [EMULATOR...]
. "$(dirname "$0")/sim_lib.sh"
sim_setup 808 6 12 mixed
common=(--board host-sim --set "signing.key_file=$key" --set store.backend=folder --set pipeline.workers=2
	--set pipeline.replay_pace=realtime --source "file:$tmp/clip.avi")

# ---- healthy: the board's own settings (15 s timeout, 10 s stall) over a real-time clip ----
"${run[@]}" "${common[@]}" --set "store.dir=$tmp/reads" --set "watchdog.sim_file=$tmp/wdt" 2>"$tmp/healthy.log"
status=$?
check "healthy run exits 0 (got $status)" '[ $status -eq 0 ]'
[ $status -eq 0 ] || tail -5 "$tmp/healthy.log"
feeds=$(field feeds "$tmp/wdt") gap=$(field max_gap_ms "$tmp/wdt")
echo "healthy: $feeds feeds, longest gap ${gap:-?} ms, missed $(field missed "$tmp/wdt")"
check "healthy: zero missed feeds" '[ "$(field missed "$tmp/wdt")" = 0 ] && [ "$(field would_reset "$tmp/wdt")" = 0 ]'
check "healthy: fed throughout (12 s clip, $feeds feeds)" '[ "${feeds:-0}" -ge 20 ]'
check "healthy: longest gap ${gap:-?} ms well inside the 15 s timeout" '[ "${gap:-99999}" -lt 5000 ]'
check "healthy: disarmed at the end (magic close)" '[ "$(field state "$tmp/wdt")" = disarmed ]'
check "healthy: never reported stuck" '! grep -q "pipeline stuck" "$tmp/healthy.log"'

# ---- hung readers: 3 s stall, 3 s timeout; the readers hang 3 s in ----
timeout_s=3 stall_s=3 hang_s=3
ANPR_TEST_HANG_READERS_AFTER_S=$hang_s "${run[@]}" "${common[@]}" --set "store.dir=$tmp/hung" \
	--set "watchdog.sim_file=$tmp/wdt2" --set watchdog.timeout_s=$timeout_s --set watchdog.stall_s=$stall_s \
	2>"$tmp/hung.log" &
pid=$!
t0=$(date +%s%N)
stuck_ms="" reset_ms=""
while [ $(( ($(date +%s%N) - t0) / 1000000 )) -lt 40000 ]; do
	now=$(( ($(date +%s%N) - t0) / 1000000 ))
	[ -z "$stuck_ms" ] && grep -q "pipeline stuck" "$tmp/hung.log" && stuck_ms=$now
	# The record is rewritten at the expiry itself, so its feed count is exact here.
	[ "$(field would_reset "$tmp/wdt2")" = 1 ] && { reset_ms=$now; feeds_at_reset=$(field feeds "$tmp/wdt2"); break; }
	kill -0 $pid 2>/dev/null || break
	sleep 0.1
done
# Still hung 1.5 s later (the record is rewritten each second): no feed since.
sleep 1.5
feeds_after=$(field feeds "$tmp/wdt2")
kill -TERM $pid 2>/dev/null
for _ in $(seq 100); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
pid=""
echo "hung: stuck reported at ${stuck_ms:-never} ms, reset at ${reset_ms:-never} ms after start; gap $(field max_gap_ms "$tmp/wdt2") ms (timeout ${timeout_s}000 ms)"
check "hung: the readers stage is reported stuck" 'grep -q "pipeline stuck: the readers stage" "$tmp/hung.log"'
check "hung: the simulation reports the reset" '[ -n "$reset_ms" ] && grep -q "the board would reset now" "$tmp/hung.log"'
check "hung: fed normally before the hang (${feeds_at_reset:-?} feeds)" '[ "${feeds_at_reset:-0}" -ge 8 ]'
check "hung: no feed after the reset (${feeds_at_reset:-?} then ${feeds_after:-?})" '[ -n "${feeds_at_reset:-}" ] && [ "$feeds_at_reset" = "$feeds_after" ]'
# The reset comes one timeout after the last feed: the stall is seen within a tick, the simulated hardware checks every 50 ms.
check "hung: reset within the timeout of being stuck ($stuck_ms -> $reset_ms ms)" \
	'[ -n "$stuck_ms" ] && [ -n "$reset_ms" ] && [ $((reset_ms - stuck_ms)) -le $((timeout_s * 1000 + 600)) ] && [ $((reset_ms - stuck_ms)) -ge $((timeout_s * 1000 - 600)) ]'
check "hung: one missed feed, left expired" '[ "$(field missed "$tmp/wdt2")" = 1 ] && [ "$(field state "$tmp/wdt2")" = expired ]'

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]

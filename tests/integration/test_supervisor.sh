#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# anprd on host-sim drives the simulated hardware: the IR illuminator and IR-cut filter switch
# to night from the scene's brightness, a hot unit throttles the readers and raises the thermal
# alarm, and opening the enclosure (the tamper line in the GPIO simulation file) raises the
# tamper alarm.
# Usage: test_supervisor.sh ANPRD ANPR_SYNTH [EMULATOR...]
. "$(dirname "$0")/sim_lib.sh"
sim_setup 909 4 10 day

echo 91000 >"$tmp/temp"
# Any daylight scene is "dark" below 250: night after the 1 s dwell.
"${run[@]}" --board host-sim --set "signing.key_file=$key" --set store.backend=folder --set "store.dir=$tmp/reads" \
	--set pipeline.workers=2 --set pipeline.replay_pace=realtime --set "gpio.sim_file=$tmp/gpio" \
	--set "thermal.zone=$tmp/temp" --set ir.night_below=250 --set ir.day_above=254 --set ir.dwell_s=1 \
	--source "file:$tmp/clip.avi" 2>"$tmp/run.log" &
pid=$!
for _ in $(seq 100); do [ "$(field illuminator "$tmp/gpio")" = 1 ] && break; sleep 0.1; done
check "night: illuminator on" '[ "$(field illuminator "$tmp/gpio")" = 1 ]'
check "night: IR-cut filter out" '[ "$(field ircut "$tmp/gpio")" = 0 ]'
# Open the enclosure.
sed 's/^tamper=.*/tamper=1/' "$tmp/gpio" >"$tmp/gpio.new" && mv "$tmp/gpio.new" "$tmp/gpio"
for _ in $(seq 50); do grep -q "the enclosure is open" "$tmp/run.log" && break; sleep 0.1; done
wait $pid
status=$?
pid=""
check "run exits 0 (got $status)" '[ $status -eq 0 ]'
check "day/night switch logged" 'grep -q "night (scene luma [0-9]*): IR-cut filter out, illuminator on" "$tmp/run.log"'
check "hot unit: readers cut to one" 'grep -q "91.0 C: at or above 80.0 C, the plate readers are cut to one" "$tmp/run.log"'
check "hot unit: thermal alarm" 'grep -q "91.0 C: thermal alarm" "$tmp/run.log"'
check "tamper alarm" 'grep -q "the enclosure is open" "$tmp/run.log"'
check "lamp off again at exit" '[ "$(field illuminator "$tmp/gpio")" = 0 ] && [ "$(field ircut "$tmp/gpio")" = 1 ]'
check "reads still stored while throttled" '[ "$(ls "$tmp/reads" | wc -l)" -ge 1 ]'

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]

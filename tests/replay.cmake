# SPDX-License-Identifier: MIT
# The recorded-video harness (tools/replay/, docs/clip-format.md): its parsers under fuzzing, the manifest's
# short sets through the real anprd (host build; the aarch64 build under qemu), and the bad-input cases.
# Clips are generated into build/clips/ (cached by command line) from tests/clips/standard.ini.
set(ANPR_REPLAY_CLIPS ${CMAKE_SOURCE_DIR}/build/clips CACHE PATH "where anpr-replay caches generated clips")

if(TARGET anpr-replay)
  anpr_fuzz_target(fuzz_clip_truth SOURCES fuzz/fuzz_clip_truth.c LIBS anpr_replay_parse CORPUS clip_truth)
  anpr_unit_test(test_replay_score SOURCES unit/test_replay_score.c LIBS anpr_replay_parse)
  add_test(NAME replay_short
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_replay.sh host "$<TARGET_FILE:anpr-replay>"
                   "$<TARGET_FILE_DIR:anpr-replay>" "$<TARGET_FILE:anprd>" ${CMAKE_CURRENT_SOURCE_DIR}/clips/standard.ini
                   ${ANPR_REPLAY_CLIPS})
  # Real time: too slow under sanitizers for its latency gate.
  if(ANPR_SANITIZE)
    set_tests_properties(replay_short PROPERTIES DISABLED TRUE)
  endif()
  set_tests_properties(replay_short PROPERTIES LABELS integration TIMEOUT 900 SKIP_RETURN_CODE 77
                       RESOURCE_LOCK anpr_replay_clips)
elseif(CMAKE_CROSSCOMPILING)
  # The aarch64 anprd under qemu, driven by the host build's anpr-replay, anpr-bofsim and anpr-synth
  # (make test builds the host tree first; the test is skipped without it).
  set(ANPR_HOST_BIN ${CMAKE_SOURCE_DIR}/build/host/bin CACHE PATH "host build's bin directory (anpr-replay)")
  add_test(NAME replay_short_arm
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_replay.sh arm ${ANPR_HOST_BIN}/anpr-replay
                   ${ANPR_HOST_BIN} "$<TARGET_FILE:anprd>" ${CMAKE_CURRENT_SOURCE_DIR}/clips/standard.ini
                   ${ANPR_REPLAY_CLIPS} ${CMAKE_SYSROOT})
  set_tests_properties(replay_short_arm PROPERTIES LABELS integration TIMEOUT 1200 SKIP_RETURN_CODE 77
                       RESOURCE_LOCK anpr_replay_clips)
endif()

# SPDX-License-Identifier: MIT
# The capture pipeline (firmware/): tracker, evidence images, read payload and store; anprd on a clip.
if(NOT TARGET anpr_pipeline)
  return()
endif()

anpr_unit_test(test_tracker SOURCES unit/test_tracker.c LIBS anpr_pipeline)
set_target_properties(test_tracker PROPERTIES LINKER_LANGUAGE CXX)
anpr_unit_test(test_evidence SOURCES unit/test_evidence.c LIBS anpr_pipeline)
set_target_properties(test_evidence PROPERTIES LINKER_LANGUAGE CXX)
anpr_unit_test(test_store SOURCES unit/test_store.c LIBS anpr_pipeline)
set_target_properties(test_store PROPERTIES LINKER_LANGUAGE CXX)

# anprd on a synthetic clip, with the bad-input cases (needs anpr-synth, a host tool, and Debian's python3-jwcrypto).
set(ANPR_CLIP_SYNTH ${CMAKE_SOURCE_DIR}/build/host/bin/anpr-synth)
if(TARGET anpr-synth)
  set(ANPR_CLIP_SYNTH $<TARGET_FILE:anpr-synth>)
endif()
find_program(ANPR_SYSTEM_PYTHON3 python3 PATHS /usr/bin NO_DEFAULT_PATH)
add_test(NAME anprd_clip
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_anprd_clip.sh "$<TARGET_FILE:anprd>"
                 ${ANPR_CLIP_SYNTH} ${CMAKE_CURRENT_SOURCE_DIR}/integration/check_reads.py ${ANPR_EMULATOR})
set_tests_properties(anprd_clip PROPERTIES LABELS integration TIMEOUT 1500)
if(CMAKE_CROSSCOMPILING)
  # The aarch64 build must read the same VRMs as the host build.
  set_tests_properties(anprd_clip PROPERTIES ENVIRONMENT REFERENCE_ANPRD=${CMAKE_SOURCE_DIR}/build/host/bin/anprd)
endif()

# What anprd parses at start: the newest read file (chain recovery), --source, --start-time.
anpr_fuzz_target(fuzz_store SOURCES fuzz/fuzz_store.c LIBS anpr_pipeline CORPUS store)

# The back office's acknowledgement (docs/back-office-protocol.md).
anpr_unit_test(test_ack SOURCES unit/test_ack.c LIBS anpr_pipeline)
set_target_properties(test_ack PROPERTIES LINKER_LANGUAGE CXX)
anpr_fuzz_target(fuzz_ack SOURCES fuzz/fuzz_ack.c LIBS anpr_pipeline CORPUS ack)

# Store and forward end to end against anpr-bofsim (host only: the simulator is a host tool): kill -9
# cycles (SOAK_CYCLES, default 100; `make soak` runs 2,000), damaged segments, an outage, a wrong
# server certificate, retention with a test clock.
if(TARGET anpr-bofsim AND NOT ANPR_SANITIZE)
  add_test(NAME store_forward
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_store_forward.sh "$<TARGET_FILE:anprd>"
                   "$<TARGET_FILE:anpr-synth>" "$<TARGET_FILE:anpr-bofsim>" ${CMAKE_SOURCE_DIR}/tools/make-dev-pki.sh)
  set_tests_properties(store_forward PROPERTIES LABELS integration TIMEOUT 3600)
  # The uplink against hostile 200s (not JSON, over the 1 MiB cap, wrong ids, half the ids): no read lost.
  add_test(NAME uplink_hostile
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_uplink_hostile.sh "$<TARGET_FILE:anprd>"
                   "$<TARGET_FILE:anpr-synth>" "$<TARGET_FILE:anpr-bofsim>" ${CMAKE_SOURCE_DIR}/tools/make-dev-pki.sh)
  set_tests_properties(uplink_hostile PROPERTIES LABELS integration TIMEOUT 900)
  # The ring buffer on a 2 MiB tmpfs (needs root to mount, else skipped); live reads first while a
  # backlog drains slowly.
  foreach(mode disk-full live-first)
    add_test(NAME store_${mode}
             COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_store_limits.sh ${mode} "$<TARGET_FILE:anprd>"
                     "$<TARGET_FILE:anpr-synth>" "$<TARGET_FILE:anpr-bofsim>" ${CMAKE_SOURCE_DIR}/tools/make-dev-pki.sh)
    set_tests_properties(store_${mode} PROPERTIES LABELS integration TIMEOUT 900 SKIP_RETURN_CODE 77)
  endforeach()
endif()

# Benchmark (make bench): signed reads appended to the ring buffer, then drained to anpr-bofsim.
add_executable(bench_uplink bench/bench_uplink.c)
target_link_libraries(bench_uplink PRIVATE anpr_pipeline anpr_warnings)
set_target_properties(bench_uplink PROPERTIES LINKER_LANGUAGE CXX)

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

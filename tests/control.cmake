# SPDX-License-Identifier: MIT
# anprd's control interface (firmware/control.c): request parser, JSON, luma helpers, read-only spool inspection, fuzz target, the real socket.
if(NOT TARGET anpr_pipeline)
  return()
endif()

anpr_unit_test(test_control SOURCES unit/test_control.c LIBS anpr_pipeline)
set_target_properties(test_control PROPERTIES LINKER_LANGUAGE CXX)
anpr_unit_test(test_spool_inspect SOURCES unit/test_spool_inspect.c LIBS anpr_pipeline)
set_target_properties(test_spool_inspect PROPERTIES LINKER_LANGUAGE CXX)

anpr_fuzz_target(fuzz_control_request SOURCES fuzz/fuzz_control_request.c LIBS anpr_pipeline CORPUS control_request)

# The real anprd on a synthetic clip, driven over its socket by a python3 client. Host builds only:
# it needs the clip replayed in real time with reads landing within a 20 s read test, which
# qemu cannot keep up with (the aarch64 build runs the unit and fuzz tests above).
if(CMAKE_CROSSCOMPILING)
  return()
endif()
set(ANPR_CONTROL_SYNTH ${CMAKE_SOURCE_DIR}/build/host/bin/anpr-synth)
if(TARGET anpr-synth)
  set(ANPR_CONTROL_SYNTH $<TARGET_FILE:anpr-synth>)
endif()
add_test(NAME anprd_control
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_control.sh "$<TARGET_FILE:anprd>"
                 ${ANPR_CONTROL_SYNTH})
set_tests_properties(anprd_control PROPERTIES LABELS integration TIMEOUT 900 SKIP_RETURN_CODE 77)

# SPDX-License-Identifier: MIT
# anpr-bofsim, the back-office simulator (tools/bofsim/, host only): its request parsers under fuzzing, and the
# server against real signed reads from anprd over mutual TLS.
if(NOT TARGET anpr-bofsim)
  return()
endif()

anpr_fuzz_target(fuzz_bofsim_request SOURCES fuzz/fuzz_bofsim_request.c LIBS anpr_bofsim_parse
                 CORPUS bofsim_request)

# Needs anpr-synth (host tool), the openssl and curl CLIs, and Debian's python3 (stdlib; cryptography optional).
find_program(ANPR_SYSTEM_PYTHON3 python3 PATHS /usr/bin NO_DEFAULT_PATH)
add_test(NAME bofsim_integration
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_bofsim.sh "$<TARGET_FILE:anprd>"
                 "$<TARGET_FILE:anpr-synth>" "$<TARGET_FILE:anpr-bofsim>" ${CMAKE_SOURCE_DIR}/tools/make-dev-pki.sh
                 ${CMAKE_CURRENT_SOURCE_DIR}/integration/bofsim_client.py ${ANPR_EMULATOR})
set_tests_properties(bofsim_integration PROPERTIES LABELS integration TIMEOUT 900)

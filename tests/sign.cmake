# SPDX-License-Identifier: MIT
# Device key and JWS signing (firmware/sign.c): unit test, an independent verification in Python, a benchmark.
if(NOT TARGET anpr_sign)
  return()
endif()

anpr_unit_test(test_sign SOURCES unit/test_sign.c LIBS anpr_sign anpr_mbedtls_deps
               ARGS ${CMAKE_CURRENT_SOURCE_DIR}/unit/data/sign)

# Writes a key, its public half and a JWS for python to check with jwcrypto and cryptography.
add_executable(sign_jws_fixture integration/sign_jws_fixture.c)
target_link_libraries(sign_jws_fixture PRIVATE anpr_sign anpr_warnings)

# Debian's interpreter first: python3-jwcrypto is installed for it, not for a python3 earlier on PATH.
find_program(ANPR_SYSTEM_PYTHON3 python3 PATHS /usr/bin NO_DEFAULT_PATH)
find_program(ANPR_SYSTEM_PYTHON3 python3)
if(ANPR_SYSTEM_PYTHON3)
  add_test(NAME sign_jws_verify
           COMMAND ${ANPR_SYSTEM_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/integration/verify_jws.py
                   "$<TARGET_FILE:sign_jws_fixture>" ${ANPR_EMULATOR})
  set_tests_properties(sign_jws_verify PROPERTIES LABELS integration TIMEOUT 300 SKIP_RETURN_CODE 77)
endif()

# Benchmark: built everywhere, run by make bench only.
add_executable(bench_sign bench/bench_sign.c)
target_link_libraries(bench_sign PRIVATE anpr_sign anpr_warnings)

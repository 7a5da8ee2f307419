# SPDX-License-Identifier: MIT
# Tests of boards/ and the hardware drivers (GPIO, day/night, watchdog, tamper, thermal, clock
# status) and of the pipeline health that feeds the watchdog; included from tests/CMakeLists.txt.
anpr_unit_test(test_daynight SOURCES unit/test_daynight.c LIBS anpr_drivers)
anpr_unit_test(test_watchdog SOURCES unit/test_watchdog.c LIBS anpr_drivers)
anpr_unit_test(test_tamper SOURCES unit/test_tamper.c LIBS anpr_drivers)
anpr_unit_test(test_thermal SOURCES unit/test_thermal.c LIBS anpr_drivers)
anpr_unit_test(test_health SOURCES unit/test_health.c LIBS anpr_pipeline)
foreach(t test_daynight test_watchdog test_tamper test_thermal test_health)
  set_target_properties(${t} PROPERTIES LINKER_LANGUAGE CXX)
endforeach()

anpr_fuzz_target(fuzz_thermal SOURCES fuzz/fuzz_thermal.c LIBS anpr_drivers CORPUS thermal)

# Every board validates with a plate size in range; bad board files fail with file:line.
add_test(NAME boards_config
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_boards.sh "$<TARGET_FILE:anprd>"
                 ${CMAKE_SOURCE_DIR}/boards ${ANPR_EMULATOR})
set_tests_properties(boards_config PROPERTIES LABELS integration TIMEOUT 300)

# anpr-synth (a host tool) makes the clip; tests/CMakeLists.txt sets ANPR_SYNTH_BIN only after the areas.
set(boards_synth ${CMAKE_SOURCE_DIR}/build/host/bin/anpr-synth)
if(TARGET anpr-synth)
  set(boards_synth $<TARGET_FILE:anpr-synth>)
endif()
# The watchdog bar: a healthy run never misses a feed, hung readers stop the feeding and the board would reset.
add_test(NAME watchdog_sim
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_watchdog.sh "$<TARGET_FILE:anprd>" ${boards_synth}
                 ${ANPR_EMULATOR})
set_tests_properties(watchdog_sim PROPERTIES LABELS integration TIMEOUT 300)

# On a unit: the board's GPIO, thermal zone, watchdog and RTC (ANPR_HW_BOARD=NAME); skipped elsewhere.
anpr_unit_test(test_drivers_hw SOURCES unit/test_drivers_hw.c LIBS anpr_drivers anpr_pipeline anpr_firmware)
set_target_properties(test_drivers_hw PROPERTIES LINKER_LANGUAGE CXX)
set_tests_properties(test_drivers_hw PROPERTIES LABELS hw SKIP_RETURN_CODE 77 TIMEOUT 60)

# The supervisor drives the simulated hardware: day/night lines, thermal throttle and alarm, tamper alarm.
add_test(NAME supervisor_sim
         COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_supervisor.sh "$<TARGET_FILE:anprd>" ${boards_synth}
                 ${ANPR_EMULATOR})
set_tests_properties(supervisor_sim PROPERTIES LABELS integration TIMEOUT 300)

# SPDX-License-Identifier: MIT
# anpr-diag (tools/diag): line editor, command-line parser, accounts and lockout; fuzzing the
# console input; end-to-end through a pseudo-terminal and through tmux (docs/anpr-diag.md).
if(TARGET anpr_diag)
  anpr_unit_test(test_diag SOURCES unit/test_diag.c LIBS anpr_diag)
  set_target_properties(test_diag PROPERTIES LINKER_LANGUAGE CXX)
  # PBKDF2 at 100,000 rounds a check: slow under qemu on a loaded machine.
  set_tests_properties(test_diag PROPERTIES TIMEOUT 300)

  anpr_fuzz_target(fuzz_diag_line SOURCES fuzz/fuzz_diag_line.c LIBS anpr_diag_term anpr_diag CORPUS diag_line)
endif()

# End to end through a pseudo-terminal against a fake anprd (which sends plate text regardless,
# so the client's own role check is what is tested; aarch64 binaries run under the emulator),
# and through tmux.
if(TARGET anpr-diag)
  set(ANPR_DIAG_EMU "")
  if(ANPR_EMULATOR)
    set(ANPR_DIAG_EMU -- ${ANPR_EMULATOR})
  endif()
  add_test(NAME diag_pty COMMAND python3 ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_diag_pty.py
                                 "$<TARGET_FILE:anpr-diag>" ${ANPR_DIAG_EMU})
  set_tests_properties(diag_pty PROPERTIES LABELS integration TIMEOUT 600 SKIP_RETURN_CODE 77)
endif()
if(TARGET anpr-diag AND NOT CMAKE_CROSSCOMPILING)
  add_test(NAME diag_tmux COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_diag_tmux.sh "$<TARGET_FILE:anpr-diag>")
  set_tests_properties(diag_tmux PROPERTIES LABELS integration TIMEOUT 300 SKIP_RETURN_CODE 77)
endif()

# Against the real anprd replaying a synthetic clip, then with anprd stopped.
if(TARGET anpr-diag AND NOT CMAKE_CROSSCOMPILING)
  set(ANPR_DIAG_SYNTH ${CMAKE_SOURCE_DIR}/build/host/bin/anpr-synth)
  if(TARGET anpr-synth)
    set(ANPR_DIAG_SYNTH $<TARGET_FILE:anpr-synth>)
  endif()
  set(ANPR_DIAG_BOFSIM "")
  if(TARGET anpr-bofsim)
    set(ANPR_DIAG_BOFSIM $<TARGET_FILE:anpr-bofsim>)
  endif()
  add_test(NAME diag_anprd
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/integration/test_diag_anprd.sh "$<TARGET_FILE:anpr-diag>"
                   "$<TARGET_FILE:anprd>" ${ANPR_DIAG_SYNTH} ${ANPR_DIAG_BOFSIM})
  set_tests_properties(diag_anprd PROPERTIES LABELS integration TIMEOUT 600 SKIP_RETURN_CODE 77)
endif()

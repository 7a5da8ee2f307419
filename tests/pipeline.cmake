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

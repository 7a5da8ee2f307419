# SPDX-License-Identifier: MIT
# Tests of drivers/ (the frame sources); included from tests/CMakeLists.txt.
anpr_unit_test(test_source SOURCES unit/test_source.c LIBS anpr_drivers anpr_opencv_video)
set_target_properties(test_source PROPERTIES LINKER_LANGUAGE CXX)
if(NOT ANPR_WITH_LIBCAMERA)
  target_compile_definitions(test_source PRIVATE ANPR_TEST_NO_LIBCAMERA)
endif()

# The board's camera through libcamera: exits 77 (reported skipped) where there is none.
anpr_unit_test(test_source_camera SOURCES unit/test_source_camera.c LIBS anpr_drivers)
set_target_properties(test_source_camera PROPERTIES LINKER_LANGUAGE CXX)
set_tests_properties(test_source_camera PROPERTIES LABELS hw SKIP_RETURN_CODE 77 TIMEOUT 60)

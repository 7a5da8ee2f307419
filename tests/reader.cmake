# SPDX-License-Identifier: MIT
# The plate reader's strip cutting and detection (ocr/strip.h, ocr/detect.h); included from tests/CMakeLists.txt. The other
# reader tests (test_grammar, test_recog, fuzz_read, reader_accuracy) are registered there.
anpr_unit_test(test_strip SOURCES unit/test_strip.c LIBS anpr_ocr)
set_target_properties(test_strip PROPERTIES LINKER_LANGUAGE CXX)
anpr_unit_test(test_detect SOURCES unit/test_detect.c LIBS anpr_ocr)
set_target_properties(test_detect PROPERTIES LINKER_LANGUAGE CXX)

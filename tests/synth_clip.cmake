# SPDX-License-Identifier: MIT
# Synthetic roadside clips (tools/synth/synth_clip.c), host only like the rest of anpr_synth.
if(TARGET anpr_synth)
  anpr_unit_test(test_synth_clip SOURCES unit/test_synth_clip.c LIBS anpr_synth)
  set_target_properties(test_synth_clip PROPERTIES LINKER_LANGUAGE CXX)
endif()

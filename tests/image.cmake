# SPDX-License-Identifier: MIT
# The flashable image's update path (tools/image/, docs/image.md); included from tests/CMakeLists.txt.
# The real rauc installs a small signed bundle into the inactive one of two loop-device slots;
# payload, signature and signer tampering are each refused with both slots unchanged; the custom
# bootloader backend commits a good trial boot and rolls back a failed one. Skips (77) without
# root or the image tools (tools/image/install-deps.sh). make image-test boots the whole image.
add_test(NAME image_bundle COMMAND ${CMAKE_SOURCE_DIR}/tools/image/test-bundle.sh)
set_tests_properties(image_bundle PROPERTIES LABELS integration TIMEOUT 300 SKIP_RETURN_CODE 77 RUN_SERIAL TRUE)

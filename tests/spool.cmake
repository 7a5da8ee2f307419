# SPDX-License-Identifier: MIT
# The encrypted ring buffer of reads (firmware/spool.c) and its key store: unit test, record decoder fuzz target, benchmark.
if(NOT TARGET anpr_pipeline)
  return()
endif()

anpr_unit_test(test_spool SOURCES unit/test_spool.c LIBS anpr_pipeline anpr_mbedtls_deps)
set_target_properties(test_spool PROPERTIES LINKER_LANGUAGE CXX)

# The record decoder over arbitrary bytes: the input becomes a segment file, the spool opens it and reads it all.
anpr_fuzz_target(fuzz_spool_record SOURCES fuzz/fuzz_spool_record.c LIBS anpr_pipeline CORPUS spool_record)

# Benchmark: built everywhere, run by make bench only (it writes gigabytes; see its usage line).
add_executable(bench_spool bench/bench_spool.c)
target_link_libraries(bench_spool PRIVATE anpr_pipeline anpr_warnings)
set_target_properties(bench_spool PROPERTIES LINKER_LANGUAGE CXX)

# taskwire_fuzz(NAME SRC file.cc DEPS modules... SEEDS dir)
#
# With Clang and TASKWIRE_FUZZ (the clang preset): a libFuzzer binary, and a ctest test
# fuzz.NAME that fuzzes it for TASKWIRE_FUZZ_SECONDS from the seeds. Otherwise: the same source
# linked with a replay driver (src/testing/fuzz_main.cc), and a test fuzz_replay.NAME that runs
# every seed through it, so the targets build and their seeds pass in every preset.
set(TASKWIRE_FUZZ_SECONDS 30 CACHE STRING "How long each fuzz test fuzzes, in seconds")

function(taskwire_fuzz name)
  cmake_parse_arguments(F "" "SRC;SEEDS" "DEPS" ${ARGN})
  set(target ${name}_fuzz)
  add_executable(${target} ${F_SRC})
  foreach(dep IN LISTS F_DEPS)
    target_link_libraries(${target} PRIVATE taskwire_${dep})
  endforeach()
  taskwire_compile_options(${target})
  if(TASKWIRE_FUZZ AND CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    target_compile_options(${target} PRIVATE -fsanitize=fuzzer)
    target_link_options(${target} PRIVATE -fsanitize=fuzzer)
    set(corpus ${CMAKE_BINARY_DIR}/fuzz-corpus/${name})
    file(MAKE_DIRECTORY ${corpus})
    add_test(NAME fuzz.${name}
             COMMAND ${target} -max_total_time=${TASKWIRE_FUZZ_SECONDS} -rss_limit_mb=2048
                     -timeout=10 ${corpus} ${F_SEEDS})
    set_tests_properties(fuzz.${name} PROPERTIES LABELS fuzz TIMEOUT 300)
  else()
    target_sources(${target} PRIVATE ${PROJECT_SOURCE_DIR}/src/testing/fuzz_main.cc)
    add_test(NAME fuzz_replay.${name} COMMAND ${target} ${F_SEEDS})
    set_tests_properties(fuzz_replay.${name} PROPERTIES LABELS fuzz)
  endif()
endfunction()

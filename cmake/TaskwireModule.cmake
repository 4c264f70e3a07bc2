# taskwire_module(NAME SRCS a.cc ... DEPS base ... [LIBS third-party targets] [TESTS x_test.cc ...])
#
# One static library per folder of src/ (ARCHITECTURE.md), named taskwire_<NAME>. DEPS names other
# modules (the arrows of the architecture, checked again by tests/architecture_test.cc); LIBS are
# third-party targets. TESTS are compiled into one GoogleTest binary, <NAME>_test, registered with
# CTest test by test.
function(taskwire_compile_options target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
    # Designated initializers that rely on member defaults are how we build options structs.
    -Wno-missing-field-initializers)
  if(TASKWIRE_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

function(taskwire_module name)
  cmake_parse_arguments(M "" "" "SRCS;DEPS;LIBS;TESTS;TEST_DEPS" ${ARGN})
  set(target taskwire_${name})
  add_library(${target} STATIC ${M_SRCS})
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  foreach(dep IN LISTS M_DEPS)
    target_link_libraries(${target} PUBLIC taskwire_${dep})
  endforeach()
  target_link_libraries(${target} PUBLIC ${M_LIBS})
  taskwire_compile_options(${target})
  if(M_TESTS)
    add_executable(${name}_test ${M_TESTS})
    target_link_libraries(${name}_test PRIVATE ${target} GTest::gtest GTest::gmock GTest::gtest_main)
    foreach(dep IN LISTS M_TEST_DEPS)
      target_link_libraries(${name}_test PRIVATE taskwire_${dep})
    endforeach()
    taskwire_compile_options(${name}_test)
    gtest_discover_tests(${name}_test DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 120)
  endif()
endfunction()

# Helpers that give every baton target the same warnings, standard and test wiring.

set(BATON_WARNINGS -Wall -Wextra -Werror)
# GCC 12 reports -Wrestrict false positives inside libstdc++ for ordinary
# std::string concatenation at -O2/-O3 (GCC bug 105651); the warning is noise
# there, so it is not an error for that compiler.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  list(APPEND BATON_WARNINGS -Wno-restrict)
endif()

# baton_library(NAME SOURCES... [DEPS targets...])
# One library per src/ folder. Sans-I/O cores pass only baton_core in DEPS.
function(baton_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_compile_options(${name} PRIVATE ${BATON_WARNINGS})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
endfunction()

# baton_test(NAME SOURCES... [DEPS targets...] [LABELS labels...])
# One GoogleTest executable registered with ctest.
function(baton_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_compile_options(${name} PRIVATE ${BATON_WARNINGS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  add_test(NAME ${name} COMMAND ${name})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  set_tests_properties(${name} PROPERTIES TIMEOUT ${ARG_TIMEOUT} LABELS "${ARG_LABELS}")
endfunction()

# The cores (raft, store, detect, failover) are pure state machines. They may
# link only baton_core and must never see Boost, sockets or threads; this check
# fails the configure step when someone adds such a dependency.
function(baton_assert_sans_io name)
  get_target_property(deps ${name} LINK_LIBRARIES)
  foreach(dep IN LISTS deps)
    if(NOT dep MATCHES "^baton_(core|raft|store|detect|failover)$")
      message(FATAL_ERROR "${name} is a sans-I/O core and may not link ${dep}")
    endif()
  endforeach()
endfunction()

# baton_bench(NAME SOURCES... [DEPS targets...])
# A benchmark program under bench/. Not run by ctest; see docs/benchmarks.md.
function(baton_bench name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_compile_options(${name} PRIVATE ${BATON_WARNINGS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS})
endfunction()

# Helpers shared by every module's CMakeLists.txt.

# octet_add_library(NAME SOURCES ... DEPS ...): one static library per module.
function(octet_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
endfunction()

# octet_add_test(NAME SOURCES ... DEPS ...): one GoogleTest executable, registered with CTest.
# Tests find the repository (for ../shared/datasets) through OCTET_SOURCE_DIR.
function(octet_add_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  target_compile_definitions(${name} PRIVATE OCTET_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60
    PROPERTIES ENVIRONMENT "OCTET_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
endfunction()

# octet_add_bench(NAME SOURCES ... DEPS ...): one Google Benchmark executable (not run by CTest).
function(octet_add_bench name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} benchmark::benchmark)
endfunction()

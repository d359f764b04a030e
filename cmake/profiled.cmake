# Precompiled headers: Boost.JSON's headers alone take ~2.5 s of parsing in every translation
# unit that includes them (most of service/, api/ and the tests), most of an unoptimised unit's
# ~4 s; a per-target PCH parses them once. Only for builds that do not optimise (Debug, the ASan
# build): there parsing is most of the cost, and with optimisation GCC 12 reports its own
# libstdc++'s inlined string code under a PCH (-Warray-bounds, -Wstringop-overflow/-overread,
# which it keeps quiet for system headers otherwise) while saving only ~25%.
# -DPROFILED_PCH=OFF (or CMake's own CMAKE_DISABLE_PRECOMPILE_HEADERS) builds without. The list
# is what most files include anyway.
set(profiled_pch_default ON)
if(CMAKE_BUILD_TYPE MATCHES "Rel")
  set(profiled_pch_default OFF)
endif()
option(PROFILED_PCH "Precompile Boost.JSON and the common standard headers per target"
  ${profiled_pch_default})
set(PROFILED_PCH_HEADERS <boost/json.hpp> <algorithm> <chrono> <cstdint> <functional> <map>
  <memory> <optional> <set> <string> <string_view> <utility> <vector>)
function(profiled_precompile TARGET)
  if(PROFILED_PCH)
    target_precompile_headers(${TARGET} PRIVATE ${PROFILED_PCH_HEADERS} ${ARGN})
  endif()
endfunction()

# Unity (jumbo) builds of the libraries: PROFILED_UNITY_BATCH source files compiled as one unit,
# so the headers they share (Boost.JSON, the standard library) are parsed and their inline code
# optimised once per batch instead of once per file. For builds that compile everything once
# (scripts/build.sh serve and integration: a first start, CI); an edit-and-rebuild cycle is
# faster without (it recompiles one file, not its batch). Files of one directory must therefore
# not define two things of one name, not even in anonymous namespaces.
option(PROFILED_UNITY "Compile the libraries as unity (jumbo) units" OFF)
set(PROFILED_UNITY_BATCH 32 CACHE STRING "Source files per unity unit (0: one unit per library)")

# profiled_library(NAME DIR <dir> DEPS ...): a static library of every *.cc in DIR except
# *_test.cc, *_bench.cc and *_fuzz.cc. Globbing keeps new files from touching shared CMake files.
function(profiled_library NAME)
  cmake_parse_arguments(L "" "DIR" "DEPS" ${ARGN})
  if(NOT L_DIR)
    set(L_DIR ${CMAKE_CURRENT_SOURCE_DIR})
  endif()
  file(GLOB srcs CONFIGURE_DEPENDS ${L_DIR}/*.cc)
  list(FILTER srcs EXCLUDE REGEX "_(test|bench|fuzz)\\.cc$")
  if(srcs)
    add_library(${NAME} STATIC ${srcs})
    target_include_directories(${NAME} PUBLIC ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(${NAME} PUBLIC ${L_DEPS})
    profiled_precompile(${NAME})
    if(PROFILED_UNITY)
      set_target_properties(${NAME} PROPERTIES UNITY_BUILD ON
        UNITY_BUILD_BATCH_SIZE ${PROFILED_UNITY_BATCH})
    endif()
  else()
    # A layer that is only headers so far (e.g. the store interface).
    add_library(${NAME} INTERFACE)
    target_include_directories(${NAME} INTERFACE ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(${NAME} INTERFACE ${L_DEPS})
  endif()
endfunction()

# profiled_test(NAME DIR <dir> DEPS ... [LABELS ...]): one GoogleTest binary of every *_test.cc
# in DIR, registered with ctest under NAME.
function(profiled_test NAME)
  cmake_parse_arguments(T "" "DIR" "DEPS;LABELS" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS ${T_DIR}/*_test.cc)
  if(NOT srcs)
    return()
  endif()
  add_executable(${NAME} ${srcs})
  target_include_directories(${NAME} PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/tests)
  # Tests find their data (golden requests, vectors, docs/status.md, scripts) in the source tree
  # by this, not by __FILE__, which ccache's CCACHE_BASEDIR makes relative.
  target_compile_definitions(${NAME} PRIVATE PROFILED_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  target_link_libraries(${NAME} PRIVATE ${T_DEPS} GTest::gtest GTest::gtest_main)
  profiled_precompile(${NAME} <gtest/gtest.h>)
  add_test(NAME ${NAME} COMMAND ${NAME})
  if(NOT T_LABELS)
    set(T_LABELS unit)
  endif()
  set_tests_properties(${NAME} PROPERTIES LABELS "${T_LABELS}" TIMEOUT 600)
endfunction()

# salus_library(NAME SRCS ... [DEPS ...] [PRIVATE_DEPS ...])
#   One library target per layer: salus_<NAME>. Public headers are included as "<layer>/x.h".
# salus_test(NAME SRCS ... [DEPS ...] [LABELS ...])
#   A GoogleTest executable registered with ctest.

# -Wrestrict: GCC 12 false positives on std::string concatenation at -O3 (GCC bug 105329).
set(SALUS_WARNINGS -Wall -Wextra -Werror -Wno-missing-field-initializers)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  list(APPEND SALUS_WARNINGS -Wno-restrict)
endif()

function(salus_library name)
  cmake_parse_arguments(A "" "" "SRCS;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(salus_${name} STATIC ${A_SRCS})
  target_include_directories(salus_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(salus_${name} PRIVATE ${SALUS_WARNINGS})
  target_link_libraries(salus_${name} PUBLIC ${A_DEPS} PRIVATE ${A_PRIVATE_DEPS})
endfunction()

function(salus_test name)
  cmake_parse_arguments(A "" "TIMEOUT" "SRCS;DEPS;LABELS" ${ARGN})
  if(NOT SALUS_BUILD_TESTS)
    return()
  endif()
  add_executable(${name} ${A_SRCS})
  target_compile_options(${name} PRIVATE ${SALUS_WARNINGS})
  target_link_libraries(${name} PRIVATE ${A_DEPS} GTest::gtest GTest::gtest_main)
  target_compile_definitions(${name} PRIVATE
    SALUS_SHARED_TESTDATA="${PROJECT_SOURCE_DIR}/../shared/testdata"
    SALUS_BINARY="$<TARGET_FILE_DIR:${name}>/salus")
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/bin)
  add_test(NAME ${name} COMMAND ${name} --gtest_brief=1)
  if(NOT A_TIMEOUT)
    set(A_TIMEOUT 600)
  endif()
  set_tests_properties(${name} PROPERTIES TIMEOUT ${A_TIMEOUT} LABELS "${A_LABELS}")
endfunction()

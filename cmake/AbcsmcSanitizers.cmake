# Sanitizer builds: -DABCSMC_SANITIZE=address,undefined (ASan + UBSan + LeakSanitizer) or
# -DABCSMC_SANITIZE=thread (TSan). Included from the top-level CMakeLists.txt before any target, so
# the flags reach every target: libraries, the abcsmc binary, plugins, the external test command
# and the test executables. Empty (the default) changes nothing.
#
# Flags: -O1 -g1 -fno-omit-frame-pointer (readable stacks at a bearable speed; the last -O wins
# over the build type's), and for UBSan -fno-sanitize-recover=all so that a finding ends the
# process with an error instead of a line in the log that a test would not notice. -g1 (line
# tables: every frame of a report, inlined ones too, has its function and file:line; no local
# variables) compiles in two thirds of -g's time; the test programs get -O0
# (ABCSMC_SANITIZER_TEST_OPTIONS: their code only drives the library, and -O0 compiles them in
# a third of -O1's time). Measured on src/core/transition.cpp under ASan: -O1 -g 36 s, -O1 -g1
# 23 s, -O0 -g1 17 s; tests/io/config_test.cpp 58 s, 39 s, 14 s.
#
# Sets ABCSMC_SANITIZER_ENVIRONMENT (a list of VAR=value for ctest's ENVIRONMENT property:
# ASAN_OPTIONS, UBSAN_OPTIONS, LSAN_OPTIONS, TSAN_OPTIONS), ABCSMC_SANITIZER_LABEL (asan or
# tsan) and ABCSMC_SANITIZER_TEST_OPTIONS (compile options of the test programs) for
# tests/CMakeLists.txt, which also wraps every test in tests/support/sanitized.sh (each
# process writes its report to a file; the wrapper fails the test when there is one and prints
# it, so findings in background workers, external commands or captured stderr are not lost).
set(ABCSMC_SANITIZE "" CACHE STRING
  "Build with sanitizers: address,undefined or thread (empty: none)")
set_property(CACHE ABCSMC_SANITIZE PROPERTY STRINGS "" "address,undefined" "thread")
set(ABCSMC_SANITIZER_ENVIRONMENT "")
set(ABCSMC_SANITIZER_LABEL "")
set(ABCSMC_SANITIZER_TEST_OPTIONS "")

# abcsmc_add_sanitizer_suite(LABEL <asan|tsan> SANITIZE <sanitizers> AREAS <area>...
#                            [TARGETS <target>...] [OPTIONS <-Dvar=value>...] [TIMEOUT <s>])
#   In a normal build (tests/CMakeLists.txt), ctest entries labelled LABEL that build this source
#   tree again with -DABCSMC_SANITIZE=SANITIZE in <build>/sanitizers/LABEL (Debug, -O1; only
#   TARGETS, default all; OPTIONS for its configure; incremental on the next run) and run the
#   tests of that build labelled LABEL: "LABEL: build" (a fixture: on failure its output is the
#   compiler's) and one "LABEL: <area>" per area (that build's `ctest -L ^LABEL$ -L ^<area>$`:
#   a failure names the area, and its output holds the failing tests' output with the reports).
function(abcsmc_add_sanitizer_suite)
  cmake_parse_arguments(ARG "" "LABEL;SANITIZE;TIMEOUT" "AREAS;TARGETS;OPTIONS" ${ARGN})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 1200)
  endif()
  # The build's limit: four times what it takes on 2 free cores (a shared machine is slower).
  math(EXPR build_timeout "${ARG_TIMEOUT} * 2")
  set(dir ${PROJECT_BINARY_DIR}/sanitizers/${ARG_LABEL})
  string(REPLACE ";" "," targets "${ARG_TARGETS}")
  string(REPLACE ";" "," sanitize "${ARG_SANITIZE}")
  string(REPLACE ";" "," options "${ARG_OPTIONS}")
  cmake_host_system_information(RESULT jobs QUERY NUMBER_OF_LOGICAL_CORES)
  add_test(NAME "${ARG_LABEL}: build"
    COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${PROJECT_SOURCE_DIR} -DBUILD_DIR=${dir}
            -DSANITIZE=${sanitize} -DGENERATOR=${CMAKE_GENERATOR} -DTARGETS=${targets}
            -DOPTIONS=${options} -DJOBS=${jobs}
            -DCXX_COMPILER=${CMAKE_CXX_COMPILER} -DC_COMPILER=${CMAKE_C_COMPILER}
            -P ${PROJECT_SOURCE_DIR}/cmake/AbcsmcSanitizerBuild.cmake)
  # PROCESSORS: the build uses every core, so ctest runs nothing beside it. COST: ctest starts
  # the builds first, so that the sanitized tests can run beside the rest afterwards.
  set_tests_properties("${ARG_LABEL}: build" PROPERTIES LABELS ${ARG_LABEL}
    FIXTURES_SETUP ${ARG_LABEL}_build PROCESSORS ${jobs} TIMEOUT ${build_timeout} COST 10000)
  foreach(area ${ARG_AREAS})
    add_test(NAME "${ARG_LABEL}: ${area}"
      COMMAND ${CMAKE_CTEST_COMMAND} --test-dir ${dir} -L ^${ARG_LABEL}$ -L ^${area}$
              --output-on-failure --no-tests=error)
    set_tests_properties("${ARG_LABEL}: ${area}" PROPERTIES LABELS ${ARG_LABEL}
      FIXTURES_REQUIRED ${ARG_LABEL}_build TIMEOUT ${ARG_TIMEOUT} COST 1000)
  endforeach()
endfunction()

if(NOT ABCSMC_SANITIZE)
  return()
endif()

if(NOT CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
  message(FATAL_ERROR "ABCSMC_SANITIZE needs GCC or Clang (have ${CMAKE_CXX_COMPILER_ID})")
endif()
string(REPLACE "," ";" _abcsmc_sanitizers "${ABCSMC_SANITIZE}")
foreach(s ${_abcsmc_sanitizers})
  if(NOT s MATCHES "^(address|undefined|leak|thread)$")
    message(FATAL_ERROR "ABCSMC_SANITIZE: unknown sanitizer '${s}' (address, undefined, leak, thread)")
  endif()
endforeach()
if("thread" IN_LIST _abcsmc_sanitizers AND ("address" IN_LIST _abcsmc_sanitizers
                                            OR "leak" IN_LIST _abcsmc_sanitizers))
  message(FATAL_ERROR "ABCSMC_SANITIZE: thread cannot be combined with address or leak")
endif()

set(_abcsmc_san_flags -fsanitize=${ABCSMC_SANITIZE} -fno-omit-frame-pointer)
if("undefined" IN_LIST _abcsmc_sanitizers)
  list(APPEND _abcsmc_san_flags -fno-sanitize-recover=all)
endif()
add_compile_options(${_abcsmc_san_flags} -O1 -g1)
set(ABCSMC_SANITIZER_TEST_OPTIONS -O0)
add_link_options(-fsanitize=${ABCSMC_SANITIZE})
if(CMAKE_C_COMPILER_ID STREQUAL "GNU" AND "address" IN_LIST _abcsmc_sanitizers
   AND "undefined" IN_LIST _abcsmc_sanitizers)
  # GCC's UBSan beside ASan ignores UBSAN_OPTIONS=log_path (tests/sanitizers/ubsan_log_path.c):
  # a constructor in every target hands it over. Build tree only (nothing of it is installed).
  # Compiled once; its object goes into every target created after link_libraries.
  add_library(abcsmc_ubsan_log_path_object OBJECT
    ${CMAKE_CURRENT_LIST_DIR}/../tests/sanitizers/ubsan_log_path.c)
  set_target_properties(abcsmc_ubsan_log_path_object PROPERTIES POSITION_INDEPENDENT_CODE ON)
  add_library(abcsmc_ubsan_log_path INTERFACE)
  target_sources(abcsmc_ubsan_log_path INTERFACE $<TARGET_OBJECTS:abcsmc_ubsan_log_path_object>)
  link_libraries($<BUILD_INTERFACE:abcsmc_ubsan_log_path>)
endif()

set(_abcsmc_supp ${CMAKE_CURRENT_LIST_DIR}/../tests/sanitizers)
get_filename_component(_abcsmc_supp ${_abcsmc_supp} ABSOLUTE)
# halt_on_error: the first report ends the process (TSan would otherwise go on); exitcode 66 for
# every sanitizer (TSan's default), so a report is never mistaken for one of abcsmc's statuses
# (0, 1, 2, 3, 4, 130, 143). abort_on_error=0: exit, not SIGABRT, so no core files.
set(_abcsmc_common "halt_on_error=1:exitcode=66:abort_on_error=0:print_summary=1")
if("thread" IN_LIST _abcsmc_sanitizers)
  set(ABCSMC_SANITIZER_LABEL tsan)
  # second_deadlock_stack: both stacks in a lock-order report. The suppressions file is for
  # third-party code only (see the file).
  list(APPEND ABCSMC_SANITIZER_ENVIRONMENT
    "TSAN_OPTIONS=${_abcsmc_common}:second_deadlock_stack=1:suppressions=${_abcsmc_supp}/tsan.supp")
else()
  set(ABCSMC_SANITIZER_LABEL asan)
  list(APPEND ABCSMC_SANITIZER_ENVIRONMENT
    "ASAN_OPTIONS=${_abcsmc_common}:detect_leaks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1:detect_invalid_pointer_pairs=0"
    "UBSAN_OPTIONS=${_abcsmc_common}:print_stacktrace=1"
    # Leaks inside third-party libraries only (see the file).
    "LSAN_OPTIONS=suppressions=${_abcsmc_supp}/lsan.supp:print_suppressions=0")
endif()
message(STATUS "abcsmc: sanitizers ${ABCSMC_SANITIZE} (tests labelled ${ABCSMC_SANITIZER_LABEL})")

# Configures and builds a sanitizer build of this source tree: the "asan: build" and
# "tsan: build" ctest entries (abcsmc_add_sanitizer_suite in cmake/AbcsmcSanitizers.cmake).
# Run with cmake -P:
#   -DSOURCE_DIR=... -DBUILD_DIR=... -DSANITIZE=address,undefined|thread -DGENERATOR=...
#   [-DCXX_COMPILER=... -DC_COMPILER=...] [-DTARGETS=t1,t2,...] [-DOPTIONS=-Da=b,-Dc=d] [-DJOBS=n]
# A second run only builds what changed.
foreach(v SOURCE_DIR BUILD_DIR SANITIZE GENERATOR)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "AbcsmcSanitizerBuild.cmake: -D${v}=... is required")
  endif()
endforeach()
if(NOT JOBS)
  set(JOBS 2)
endif()

function(run what)
  string(TIMESTAMP t0 "%s")
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  string(TIMESTAMP t1 "%s")
  math(EXPR s "${t1} - ${t0}")
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (${rc}) after ${s} s: ${ARGN}")
  endif()
  message(STATUS "${what}: ${s} s")
endfunction()

set(compilers)
if(CXX_COMPILER)
  list(APPEND compilers -DCMAKE_CXX_COMPILER=${CXX_COMPILER})
endif()
if(C_COMPILER)
  list(APPEND compilers -DCMAKE_C_COMPILER=${C_COMPILER})
endif()
string(REPLACE "," ";" OPTIONS "${OPTIONS}")
# Configured every time (a few seconds; keeps the build's options those of the suite). Debug:
# assertions stay on; the sanitizer module sets -O1 -g1. No benchmarks (not tested). A unity
# build (CMake batches of 8 sources per compiler run): the libraries' heavy headers (yaml-cpp,
# spdlog, HDF5, hiredis) are parsed once per batch, not once per file; measured on the ASan
# build of the abcsmc binary: 429 s of CPU without, 259 s with. The test programs stay one file
# per compiler run (tests/CMakeLists.txt: their helpers share names).
run("configure ${BUILD_DIR}" ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${BUILD_DIR} -G ${GENERATOR}
    -DCMAKE_BUILD_TYPE=Debug -DABCSMC_SANITIZE=${SANITIZE} -DABCSMC_BUILD_BENCHMARKS=OFF
    -DCMAKE_UNITY_BUILD=ON ${OPTIONS} ${compilers})
set(targets)
if(TARGETS)
  string(REPLACE "," ";" TARGETS "${TARGETS}")
  set(targets --target ${TARGETS})
endif()
run("build ${BUILD_DIR} (${JOBS} jobs)" ${CMAKE_COMMAND} --build ${BUILD_DIR} ${targets} -j ${JOBS})

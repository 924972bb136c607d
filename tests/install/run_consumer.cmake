# Installs the build at BUILD_DIR into WORK_DIR/prefix, then configures, builds and runs the
# out-of-tree project SOURCE_DIR against it with find_package(abcsmc), and the same for the
# project CXX_ONLY_SOURCE_DIR (default: consumer_cxx beside SOURCE_DIR), declared
# project(x CXX), in which the package must enable what its HDF5 dependency needs. Run with
# cmake -P.
foreach(v BUILD_DIR SOURCE_DIR WORK_DIR GENERATOR)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "run_consumer.cmake: -D${v}=... is required")
  endif()
endforeach()
file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  message(STATUS "${out}")
endfunction()

run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
foreach(f include/abcsmc/plugin.h include/abcsmc/abcsmc.hpp bin/abcsmc)
  if(NOT EXISTS ${prefix}/${f})
    message(FATAL_ERROR "the install tree lacks ${f}")
  endif()
endforeach()
set(compilers)
if(CXX_COMPILER)
  list(APPEND compilers -DCMAKE_CXX_COMPILER=${CXX_COMPILER})
endif()
if(C_COMPILER)
  list(APPEND compilers -DCMAKE_C_COMPILER=${C_COMPILER})
endif()
run(${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR}/build -G ${GENERATOR}
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH=${prefix} ${compilers})
run(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
run(${WORK_DIR}/build/consumer ${prefix}/bin/abcsmc)
run(${prefix}/bin/abcsmc validate ${WORK_DIR}/build/consumer_plugin.yaml)

# project(x CXX): no C enabled by the consumer (only the C++ compiler is passed).
if(NOT DEFINED CXX_ONLY_SOURCE_DIR)
  get_filename_component(CXX_ONLY_SOURCE_DIR ${SOURCE_DIR}/../consumer_cxx ABSOLUTE)
endif()
set(cxx_compiler)
if(CXX_COMPILER)
  set(cxx_compiler -DCMAKE_CXX_COMPILER=${CXX_COMPILER})
endif()
run(${CMAKE_COMMAND} -S ${CXX_ONLY_SOURCE_DIR} -B ${WORK_DIR}/build_cxx -G ${GENERATOR}
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH=${prefix} ${cxx_compiler})
run(${CMAKE_COMMAND} --build ${WORK_DIR}/build_cxx)
run(${WORK_DIR}/build_cxx/consumer_cxx ${WORK_DIR}/consumer_cxx.h5)
run(${prefix}/bin/abcsmc inspect ${WORK_DIR}/consumer_cxx.h5)

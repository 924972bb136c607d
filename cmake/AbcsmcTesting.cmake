# Test helpers.
#
# abcsmc_add_mpi_test(NAME <name> RANKS <n>... COMMAND <cmd>... [LAUNCH] [TIMEOUT <s>]
#                     [ENVIRONMENT <VAR=value>...])
#   Registers one ctest entry per rank count, "<name>.np<n>", labelled `mpi`, with PROCESSORS n.
#   With LAUNCH the command is started as `mpiexec -n <n> <cmd>...`; without it the command (a
#   script that calls mpirun itself) gets the rank count in ABCSMC_MPI_RANKS and the launcher in
#   MPIEXEC. Open MPI is told to run as root and to oversubscribe (more ranks than cores is the
#   normal case on CI machines; mpirun then yields idle ranks' cores: TOOLCHAIN.md section 3).
function(abcsmc_add_mpi_test)
  cmake_parse_arguments(ARG "LAUNCH" "NAME;TIMEOUT" "RANKS;COMMAND;ENVIRONMENT" ${ARGN})
  if(NOT ARG_NAME OR NOT ARG_RANKS OR NOT ARG_COMMAND)
    message(FATAL_ERROR "abcsmc_add_mpi_test: NAME, RANKS and COMMAND are required")
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 180)
  endif()
  foreach(n ${ARG_RANKS})
    set(test_name "${ARG_NAME}.np${n}")
    if(ARG_LAUNCH)
      add_test(NAME "${test_name}" COMMAND ${MPIEXEC_EXECUTABLE} ${MPIEXEC_NUMPROC_FLAG} ${n}
                                         ${MPIEXEC_PREFLAGS} ${ARG_COMMAND} ${MPIEXEC_POSTFLAGS})
    else()
      add_test(NAME "${test_name}" COMMAND ${ARG_COMMAND})
    endif()
    set_tests_properties("${test_name}" PROPERTIES
      LABELS mpi
      PROCESSORS ${n}
      TIMEOUT ${ARG_TIMEOUT}
      ENVIRONMENT "OMPI_ALLOW_RUN_AS_ROOT=1;OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1;OMPI_MCA_rmaps_base_oversubscribe=1;ABCSMC_MPI_RANKS=${n};MPIEXEC=${MPIEXEC_EXECUTABLE};${ARG_ENVIRONMENT}")
  endforeach()
endfunction()

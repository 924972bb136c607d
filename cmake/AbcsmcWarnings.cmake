# Project warnings as an INTERFACE target, linked PRIVATE so they never leak to users.
add_library(abcsmc_warnings INTERFACE)
target_compile_options(abcsmc_warnings INTERFACE
  $<$<CXX_COMPILER_ID:GNU,Clang>:-Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor>)

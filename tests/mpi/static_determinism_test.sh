#!/usr/bin/env bash
# DESIGN.md section 2: MPI-static results are bit-identical to threads-static at this entry's
# rank count (blocks of particle slots scattered to P-1 workers vs split across 2 threads).
source "$(dirname "$0")/common.sh"
P=$ABCSMC_MPI_RANKS
WORKERS=workers; [ "$P" -ne 2 ] || WORKERS=worker
cfg="$ABCSMC_SOURCE_DIR/tests/mpi/determinism.yaml"
expect_status 0 "$ABCSMC" run "$cfg" -o threads.h5 --sampler threads --threads 2 --scheduling static
expect_mpi "$P" run "$cfg" -o mpi.h5 --sampler mpi --scheduling static
same_results threads.h5 mpi.h5 "static P=$P vs threads-static"
"$ABCSMC" inspect mpi.h5 | grep -q "sampler  *mpi, static scheduling, $((P - 1)) $WORKERS" ||
  fail "results header does not record static MPI: $("$ABCSMC" inspect mpi.h5 | grep sampler)"
echo "static determinism at P=$P: all checks passed"

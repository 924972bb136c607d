#!/usr/bin/env bash
# DESIGN.md section 2: MPI-dynamic results are bit-identical to single-core, for this entry's
# rank count and batch sizes 1, 7 and 64 (every generation compared, not only the last).
source "$(dirname "$0")/common.sh"
P=$ABCSMC_MPI_RANKS
WORKERS=workers; [ "$P" -ne 2 ] || WORKERS=worker
cfg="$ABCSMC_SOURCE_DIR/tests/mpi/determinism.yaml"
expect_status 0 "$ABCSMC" run "$cfg" -o single.h5 --sampler single
for B in 1 7 64; do
  expect_mpi "$P" run "$cfg" -o "mpi_b$B.h5" --sampler mpi --scheduling dynamic --batch-size "$B"
  same_results single.h5 "mpi_b$B.h5" "dynamic P=$P batch $B vs single-core"
  "$ABCSMC" inspect "mpi_b$B.h5" > header.txt
  grep -q "sampler  *mpi, dynamic scheduling, batch size $B, $((P - 1)) $WORKERS ($P MPI ranks)" header.txt ||
    fail "results header does not record the MPI sampler: $(grep sampler header.txt)"
done
echo "dynamic determinism at P=$P: all checks passed"

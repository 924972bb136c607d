#!/usr/bin/env bash
# Persistent simulators under MPI: every rank that evaluates starts its own Python child
# (config/examples/persistent_python.yaml), and the results are bit-identical to single-core.
source "$(dirname "$0")/common.sh"
py=/usr/bin/python3
[ -x "$py" ] || { echo "SKIP: no /usr/bin/python3"; exit 77; }
ex="$ABCSMC_SOURCE_DIR/config/examples"
sed "s|persistent: \[./persistent_sim.py\]|persistent: [$py, $ex/persistent_sim.py]|" \
  "$ex/persistent_python.yaml" > example.yaml
grep -q "persistent: \[$py" example.yaml || fail "the example's persistent line changed; update this test"
expect_status 0 "$ABCSMC" run example.yaml -o single.h5 --sampler single
# Blocks of 1 (single requests), and blocks of 16 with the model taking batches of 8 (batch:).
sed 's/^  restarts: 100 .*/&\n  batch: 8/' example.yaml > batched.yaml
grep -q "^  batch: 8" batched.yaml || fail "the example's restarts line changed; update this test"
expect_mpi "$ABCSMC_MPI_RANKS" run example.yaml -o mpi_b1.h5 --sampler mpi --batch-size 1
same_results single.h5 mpi_b1.h5 "persistent simulator, MPI batch 1 vs single-core"
expect_mpi "$ABCSMC_MPI_RANKS" run batched.yaml -o mpi_b16.h5 --sampler mpi --batch-size 16
same_results single.h5 mpi_b16.h5 "persistent simulator in batches of 8, MPI blocks of 16 vs single-core"
echo "persistent under MPI at P=$ABCSMC_MPI_RANKS: all checks passed"

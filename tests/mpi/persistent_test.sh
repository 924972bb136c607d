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
for B in 1 16; do
  expect_mpi "$ABCSMC_MPI_RANKS" run example.yaml -o "mpi_b$B.h5" --sampler mpi --batch-size "$B"
  same_results single.h5 "mpi_b$B.h5" "persistent simulator, MPI batch $B vs single-core"
done
echo "persistent under MPI at P=$ABCSMC_MPI_RANKS: all checks passed"

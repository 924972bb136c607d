#!/usr/bin/env bash
# A simulator that fails (an external command exiting non-zero for theta > 1) under each
# failure policy on MPI workers: 'reject' counts the failures on rank 0 exactly like the
# in-process samplers (same results, same failed counts); 'abort' ends the job with the rank and
# the model's message, never a hang.
source "$(dirname "$0")/common.sh"
P=$ABCSMC_MPI_RANKS
write_config() {  # write_config POLICY FILE
  cat > "$2" <<YAML
seed: 11
population_size: 30
parameters: {theta: {type: normal, mean: 0, sd: 1}}
model:
  command: [awk, -v, 't={theta}', 'BEGIN { if (t > 1.0) exit 3; print t }']
  statistics: [y]
  on_failure: $1
observed: {y: 0.5}
# Quantile epsilon: a calibration round with failures too (static retries a failed
# calibration slot with its next attempt's stream).
epsilon: {type: quantile, alpha: 0.5}
stop: {max_generations: 2}
YAML
}
write_config reject reject.yaml
write_config abort abort.yaml

expect_status 0 "$ABCSMC" run reject.yaml -o single.h5 --sampler single
failed=$("$ABCSMC" inspect single.h5 | awk '/^  t +epsilon/{on=1; next} on&&NF==0{on=0} on{s+=$5} END{print s+0}')
[ "$failed" -gt 0 ] || fail "the failing simulator never failed; the test checks nothing"
expect_mpi "$P" run reject.yaml -o dynamic.h5 --batch-size 2
same_results single.h5 dynamic.h5 "on_failure reject, dynamic P=$P"
expect_status 0 "$ABCSMC" run reject.yaml -o threads.h5 --sampler threads --threads 2 --scheduling static
expect_mpi "$P" run reject.yaml -o static.h5 --scheduling static
same_results threads.h5 static.h5 "on_failure reject, static P=$P"

for scheduling in dynamic static; do
  set +e
  mpi_run "$P" run abort.yaml -o "abort_$scheduling.h5" --scheduling "$scheduling" >out.txt 2>err.txt
  rc=$?
  set -e
  [ "$rc" -ne 0 ] || fail "on_failure abort ($scheduling) did not fail the job"
  [ "$rc" -ne 124 ] && [ "$rc" -ne 137 ] || fail "on_failure abort ($scheduling) hung the job"
  grep -q "\[r[1-9][0-9]*\] \[error\] worker rank [1-9][0-9]* failed: .*on_failure policy is 'abort'" err.txt ||
    fail "on_failure abort ($scheduling): no rank-tagged error with the model's message: $(cat err.txt)"
done
echo "failure policies under MPI: all checks passed"

#!/usr/bin/env bash
# MPI job control: a worker that throws ends the job (non-zero, rank and message logged, no
# hang); config errors release the workers (exit 2); the default sampler under mpirun is mpi and
# the results header says so; P = 1 falls back to the in-process samplers; logs carry the rank.
source "$(dirname "$0")/common.sh"
P=$ABCSMC_MPI_RANKS
cat > small.yaml <<'YAML'
seed: 5
population_size: 60
parameters: {theta: {type: normal, mean: 0, sd: 1}}
model: {builtin: gaussian_mean, options: {n: 10, sigma: 1}}
observed: {y: 0.5}
stop: {max_generations: 2}
YAML

# Default sampler under mpirun: mpi (dynamic), recorded with the worker count; rank in every log
# line, info from rank 0 only, bytes broadcast per generation stated.
expect_mpi "$P" run small.yaml -o default.h5
"$ABCSMC" inspect default.h5 | grep -q "sampler  *mpi, dynamic scheduling, $((P - 1)) workers" ||
  fail "default sampler under mpirun is not mpi: $("$ABCSMC" inspect default.h5 | grep sampler)"
grep -q '^\[[0-9:.]*\] \[r0\] \[info\] t=1 .* bcast=[0-9]*B' err.txt || fail "no rank-0 progress line with bytes broadcast: $(cat err.txt)"
! grep -q '\[r[1-9][0-9]*\] \[info\]' err.txt || fail "workers log info lines: $(cat err.txt)"
grep -q "Posterior at generation 1" out.txt || fail "rank 0 printed no summary"
[ "$(grep -c 'Posterior at generation' out.txt)" -eq 1 ] || fail "more than one rank printed a summary"
expect_status 0 "$ABCSMC" run small.yaml -o single.h5 --sampler single
same_results single.h5 default.h5 "default MPI run vs single-core"

# A worker that throws: the job ends non-zero within the timeout, naming the rank and the error.
# Here the last rank's model fails (Open MPI names each rank in its environment) under
# on_failure: abort, which makes the evaluator throw on that rank only.
cat > last_rank_fails.sh <<SH
#!/bin/sh
if [ "\${OMPI_COMM_WORLD_RANK:-}" = "$((P - 1))" ]; then echo "fault on the last rank" >&2; exit 1; fi
echo "\$1"
SH
chmod +x last_rank_fails.sh
cat > throw.yaml <<YAML
seed: 5
population_size: 60
parameters: {theta: {type: normal, mean: 0, sd: 1}}
model: {command: [$PWD/last_rank_fails.sh, '{theta}'], statistics: [y], on_failure: abort}
observed: {y: 0.5}
stop: {max_generations: 2}
YAML
set +e
mpi_run "$P" run throw.yaml -o throw.h5 --batch-size 1 >out.txt 2>err.txt
rc=$?
set -e
[ "$rc" -ne 0 ] || fail "a throwing worker did not fail the job"
[ "$rc" -ne 124 ] && [ "$rc" -ne 137 ] || fail "a throwing worker hung the job (timeout)"
grep -q "\[r$((P - 1))\] \[error\] worker rank $((P - 1)) failed: model .*on_failure policy is 'abort'" err.txt ||
  fail "the error does not name the rank: $(cat err.txt)"
grep -q "fault on the last rank" err.txt || fail "the error does not carry the model's message: $(cat err.txt)"

# Config-level errors on rank 0 release the workers: exit 2, no hang.
set +e
mpi_run "$P" run small.yaml -o default.h5 >out.txt 2>err.txt; rc=$?
set -e
[ "$rc" -eq 2 ] || { cat err.txt >&2; fail "existing output under mpirun exited $rc, expected 2"; }
grep -q -- "--overwrite" err.txt || fail "no --overwrite hint: $(cat err.txt)"
set +e
mpi_run "$P" run small.yaml -o threads.h5 --sampler threads >out.txt 2>err.txt; rc=$?
set -e
[ "$rc" -eq 2 ] || { cat err.txt >&2; fail "--sampler threads under mpirun exited $rc, expected 2"; }
grep -q "cannot run under an MPI launcher" err.txt || fail "no explanation: $(cat err.txt)"
[ ! -e threads.h5 ] || fail "a refused run left an output file"

# P = 1 (mpirun -n 1, or no launcher): --sampler mpi falls back to the in-process samplers.
set +e
mpi_run 1 run small.yaml -o one.h5 --sampler mpi >out.txt 2>err.txt; rc=$?
set -e
[ "$rc" -eq 0 ] || { cat err.txt >&2; fail "mpirun -n 1 --sampler mpi exited $rc"; }
grep -q "running in-process" err.txt || fail "no fallback warning: $(cat err.txt)"
same_results single.h5 one.h5 "mpirun -n 1 fallback vs single-core"
expect_status 0 "$ABCSMC" run small.yaml -o plain.h5 --sampler mpi
grep -q "running in-process" err.txt || fail "no fallback warning without a launcher"
echo "MPI failures and job control: all checks passed"

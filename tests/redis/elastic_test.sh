#!/usr/bin/env bash
# Workers started after the master, a worker added mid-run, and a worker SIGKILLed in the middle
# of a generation: the run completes within a bound (lease 1 s), with the single-core result,
# and no manual step.
source "$(dirname "$0")/common.sh"
cat > slow.yaml <<YAML
seed: 77
population_size: 40
parameters:
  a: {type: normal, mean: 0, sd: 1}
  k: {type: discrete_uniform, low: 0, high: 4}
model: {builtin: gaussian_linear, options: {n: 2, sigma: 0.5}, delay: {type: constant, value: 0.01}}
observed: {x: [0.3, 2.0]}
epsilon: {type: quantile, alpha: 0.5, calibration_size: 40}
stop: {max_generations: 3}
YAML
expect_status 0 "$ABCSMC" run slow.yaml -o single.h5 --sampler single
# The master first, workers later; one more joins mid-run.
master late slow.yaml --batch-size 2 --lease 1
sleep 0.5
worker w1 --runtime 60s; w1=$WPID
sleep 0.5
worker w2 --runtime 60s; w2=$WPID
wait_ok "$MPID" "master with late workers" late.err
same_results single.h5 late.h5 "workers started after the master"
grep -q "joined run" w2.log || fail "the worker added mid-run did not join: $(cat w2.log)"
# SIGKILL of a worker in the middle of a generation.
worker k1 --runtime 60s; k1=$WPID
worker k2 --runtime 60s
start=$(date +%s.%N)
master killed slow.yaml --batch-size 4 --lease 1
for i in $(seq 200); do grep -q "t=0 " killed.err && break; sleep 0.02; done
sleep 0.05  # into generation 1, where both workers hold claims
kill9 "$k1"
wait_ok "$MPID" "master after a worker was killed" killed.err
took=$(python3 -c "import sys; print(float('$(date +%s.%N)') - float('$start'))")
same_results single.h5 killed.h5 "run with a SIGKILLed worker"
grep -q "re-issued" killed.err || fail "no range was re-issued after the kill: $(cat killed.err)"
python3 -c "import sys; sys.exit(0 if $took < 30 else 1)" || fail "run with a killed worker took $took s"
# Simulations longer than the lease: the worker's renewal thread keeps its claims alive.
cat > long.yaml <<YAML
seed: 5
population_size: 3
parameters:
  a: {type: normal, mean: 0, sd: 1}
  k: {type: discrete_uniform, low: 0, high: 4}
model: {builtin: gaussian_linear, options: {n: 2, sigma: 0.5}, delay: {type: constant, value: 0.4}}
observed: {x: [0.3, 2.0]}
epsilon: {type: constant, value: 100}
stop: {max_generations: 1}
YAML
master long long.yaml --batch-size 1 --lease 0.15
wait_ok "$MPID" "master of long simulations" long.err
! grep -q "re-issued" long.err || fail "leases of live workers expired: $(grep re-issued long.err)"
manager stop >/dev/null
echo "redis elastic workers: all checks passed ($took s with a killed worker)"

#!/usr/bin/env bash
# Two models (model selection state travels in the generation context): MPI dynamic equals
# single-core, MPI static equals threads-static.
source "$(dirname "$0")/common.sh"
P=$ABCSMC_MPI_RANKS
cat > two.yaml <<'YAML'
seed: 77
population_size: 100
models:
  - name: m0
    parameters: {x: {type: normal, mean: 0, sd: 0.5}}
    model: {builtin: gaussian_mean, options: {n: 1, sigma: 0.5}}
  - name: m1
    parameters: {x: {type: normal, mean: 1, sd: 0.5}}
    model: {builtin: gaussian_mean, options: {n: 1, sigma: 0.5}}
observed: {y: 1.0}
stop: {max_generations: 3}
YAML
expect_status 0 "$ABCSMC" run two.yaml -o single.h5 --sampler single
expect_mpi "$P" run two.yaml -o dynamic.h5 --batch-size 3
same_results single.h5 dynamic.h5 "two models, dynamic P=$P"
expect_status 0 "$ABCSMC" run two.yaml -o threads.h5 --sampler threads --threads 2 --scheduling static
expect_mpi "$P" run two.yaml -o static.h5 --scheduling static
same_results threads.h5 static.h5 "two models, static P=$P"
echo "model selection under MPI: all checks passed"

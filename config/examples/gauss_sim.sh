#!/usr/bin/env bash
# B1's simulator as an external command (config/examples/external_model.yaml):
#   gauss_sim.sh THETA SEED [OUTPUT]
# prints "y <mean of 10 draws THETA + N(0,1)>" on stdout, or writes it to OUTPUT when given
# (the {output} placeholder). awk's generator is seeded from SEED, so a run is reproducible.
set -euo pipefail
theta=$1 seed=$2 out=${3:-/dev/stdout}
awk -v theta="$theta" -v seed="$seed" -v n=10 -v sigma=1 '
BEGIN {
  srand(substr(seed, length(seed) > 9 ? length(seed) - 8 : 1) + 0)
  sum = 0
  for (i = 0; i < n; i++) {
    u1 = 1 - rand(); u2 = rand()                       # Box-Muller, u1 in (0, 1]
    sum += theta + sigma * sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2)
  }
  printf "y %.17g\n", sum / n
}' > "$out"

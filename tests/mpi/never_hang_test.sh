#!/usr/bin/env bash
# Never a silent hang under MPI (issue 10), dynamic and static: a model that always fails ends
# the job with exit 1 and its message (fail fast); SIGUSR1 during a generation that can never
# finish ends it within seconds with exit 3, resumable; the reasons candidates fail travel back
# from the workers and are counted exactly as single-core (dynamic) or threads-static count them.
source "$(dirname "$0")/common.sh"
P=$ABCSMC_MPI_RANKS
has() { grep -q -- "$1" "$2" || { cat "$2" >&2; fail "'$1' not in $2"; }; }
cat > diverge.sh <<'SH'
#!/bin/sh
case "$1" in -*) echo "ODE solver diverged" >&2; exit 1;; esac
echo "$1"
SH
cat > fails.sh <<'SH'
#!/bin/sh
echo "licence server unreachable" >&2; exit 2
SH
chmod +x diverge.sh fails.sh
config() {  # config FILE MODEL [EXTRA]
  cat > "$1" <<YAML
seed: 4
population_size: 40
parameters: {theta: {type: normal, mean: 0, sd: 1}}
model: $2
observed: {y: 0.5}
${3:-}
YAML
}
config fails.yaml "{command: [$PWD/fails.sh], statistics: [y]}" "stop: {max_generations: 2, fail_fast: 60}"
config hopeless.yaml "{builtin: gaussian_mean}" "epsilon: {type: list, values: [5, 1.0e-12]}
stop: {max_generations: 3}"
config diverge.yaml "{command: [$PWD/diverge.sh, '{theta}'], statistics: [y]}" "stop: {max_generations: 2}"

for scheduling in dynamic static; do
  # Fail fast: exit 1 with the model's message, well before MPI_TIMEOUT.
  start=$SECONDS
  set +e; mpi_run "$P" run fails.yaml -o "fails_$scheduling.h5" --scheduling "$scheduling" >out.txt 2>err.txt; rc=$?; set -e
  [ "$rc" -eq 1 ] || { cat err.txt >&2; fail "$scheduling: an always failing model exited $rc, expected 1"; }
  [ $((SECONDS - start)) -le 60 ] || fail "$scheduling: fail fast took $((SECONDS - start)) s"
  has "all failed" err.txt
  has "licence server unreachable" err.txt

  # SIGUSR1 (forwarded by mpirun) while generation 1 cannot finish: exit 3 within seconds.
  timeout -k 5 "$MPI_TIMEOUT" "$MPIEXEC" -n "$P" "$ABCSMC" run hopeless.yaml -o "h_$scheduling.h5" \
    --scheduling "$scheduling" > h.out 2> h.err &
  pid=$!
  wait_for_generation "h_$scheduling.h5" 0
  sleep 1
  kill -USR1 "$(pgrep -P "$pid")"
  start=$SECONDS
  rc=0; wait "$pid" || rc=$?
  [ "$rc" -eq 3 ] || { cat h.err >&2; fail "$scheduling: SIGUSR1 in a hopeless generation: exit $rc, expected 3"; }
  [ $((SECONDS - start)) -le 15 ] || fail "$scheduling: SIGUSR1 took $((SECONDS - start)) s to act"
  has "stopped early (stop requested) after generation 0 (generation 1 was in progress" h.err
  [ "$(generations "h_$scheduling.h5")" -eq 1 ] || fail "$scheduling: expected generation 0 on file"
  echo "$scheduling: fail fast exit 1, SIGUSR1 in a hopeless generation exit 3"
done

# Failure reasons from the workers: the same tallies as in one process.
expect_mpi "$P" run diverge.yaml -o diverge_mpi.h5
expect_status 0 "$ABCSMC" run diverge.yaml -o diverge_single.h5 --sampler single
expect_mpi "$P" run diverge.yaml -o diverge_mpi_static.h5 --scheduling static
expect_status 0 "$ABCSMC" run diverge.yaml -o diverge_static.h5 --threads 2 --scheduling static
/usr/bin/python3 - diverge_single.h5 diverge_mpi.h5 diverge_static.h5 diverge_mpi_static.h5 <<'PY'
import sys, h5py
def tallies(path):
    f = h5py.File(path, "r")
    out = [(list(map(str, f.attrs.get("calibration_failure_reasons", []))),
            list(f.attrs.get("calibration_failure_counts", [])))]
    for t in sorted(f["generations"]):
        a = f["generations"][t].attrs
        out.append((list(map(str, a["failure_reasons"])), list(a["failure_counts"]), str(a["first_failure"])))
    return out
single, mpi, static, mpi_static = (tallies(p) for p in sys.argv[1:5])
assert single == mpi, (single, mpi)
assert static == mpi_static, (static, mpi_static)
assert sum(single[1][1]) > 0, single
PY
echo "MPI never-hang at P=$P: all checks passed"

# Shared set-up for the Slurm template tests (sourced, not a test itself). The cluster is the
# one started by slurm_cluster.sh (ctest fixture "sched: slurm start"); its SLURM_CONF comes from
# $ABCSMC_SCHED_DIR/slurm/env.sh. Environment (tests/CMakeLists.txt): ABCSMC, ABCSMC_BIN_DIR,
# ABCSMC_SOURCE_DIR, ABCSMC_SCHED_DIR, ABCSMC_TMP. No accounting: a job's state and exit code
# come from `scontrol show job` (finished jobs stay visible for MinJobAge = 300 s).
set -euo pipefail
: "${ABCSMC:?path to the abcsmc binary}" "${ABCSMC_SOURCE_DIR:?}" "${ABCSMC_TMP:?}" "${ABCSMC_SCHED_DIR:?}"
fail() { echo "FAIL: $*" >&2; exit 1; }
rm -rf "$ABCSMC_TMP" && mkdir -p "$ABCSMC_TMP" && cd "$ABCSMC_TMP"
ENV_SH=$ABCSMC_SCHED_DIR/slurm/env.sh
[ -f "$ENV_SH" ] || fail "no Slurm cluster ($ENV_SH missing): run 'bash tests/sched/slurm_cluster.sh start' first"
source "$ENV_SH"
# The machine's one test cluster must still be this build's (slurm_cluster.sh records its owner).
owner=$(cat "${ABCSMC_SLURM_LOCK_DIR:-/tmp}/abcsmc-slurm-cluster.owner" 2>/dev/null || true)
[ "${owner#* }" = "$ABCSMC_SCHED_DIR/slurm" ] ||
  fail "the Slurm test cluster is not this build's (owner record: '$owner'); was it restarted from another build directory?"
timeout 10 sinfo -h -o %T 2>/dev/null | grep -qE 'idle|mix|alloc' ||
  fail "the Slurm cluster of $ENV_SH does not answer: $(timeout 10 sinfo 2>&1 || true)"
SLURM_DIR=$ABCSMC_SOURCE_DIR/slurm
# Debian's python3 with python3-h5py (a python3 earlier in PATH, e.g. pyenv's, may lack h5py).
PY=/usr/bin/python3
"$PY" -c 'import h5py' 2>/dev/null || fail "$PY cannot import h5py (apt-get install python3-h5py)"
# The templates' variables: nothing from the caller's environment leaks in.
for v in $(compgen -e | grep '^ABCSMC_' | grep -vxE 'ABCSMC_(BIN_DIR|SOURCE_DIR|SCHED_DIR|TMP)'); do unset "$v"; done
export ABCSMC_BIN=$ABCSMC
# Jobs run as root here: Open MPI refuses root without these (TOOLCHAIN.md section 3).
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
JOBS=()
BACKGROUND=()
# A failed or interrupted test leaves no job and no reference run behind (the next test would
# wait for the CPUs).
cleanup_jobs() {
  [ ${#JOBS[@]} -eq 0 ] || scancel "${JOBS[@]}" 2>/dev/null || true
  local p
  for p in "${BACKGROUND[@]}"; do pkill -TERM -P "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done
}
trap cleanup_jobs EXIT
START=$SECONDS

# submit ARGS...: sbatch --parsable ARGS; prints the job id and remembers it for cleanup.
submit() {
  local id
  id=$(sbatch --parsable "$@") || fail "sbatch $* failed"
  id=${id%%;*}
  JOBS+=("$id")
  echo "$id"
}
# job_states ID: "STATE EXITCODE" per job (one line per array task) from scontrol.
job_states() {
  scontrol show job -o "$1" 2>/dev/null | tr ' ' '\n' | awk -F= '
    $1 == "JobState" {s = $2} $1 == "ExitCode" {print s, $2}'
}
# wait_job ID SECONDS: waits until every task of job ID has ended; fails after SECONDS.
wait_job() {
  local id=$1 limit=$2 deadline=$((SECONDS + $2)) states
  while :; do
    states=$(job_states "$id")
    [ -n "$states" ] || fail "job $id is unknown to scontrol"
    grep -qE '^(PENDING|RUNNING|COMPLETING|CONFIGURING|SUSPENDED|REQUEUED|RESIZING|SIGNALING|STAGE_OUT)' <<<"$states" || return 0
    [ "$SECONDS" -lt "$deadline" ] || { scontrol show job "$id" >&2; fail "job $id not finished after ${limit}s: $states"; }
    sleep 0.5
  done
}
# expect_job ID STATE EXIT SECONDS LOG: waits for job ID, fails (showing LOG) unless it ended in
# STATE with exit code EXIT (scontrol's ExitCode=EXIT:0).
expect_job() {
  local id=$1 state=$2 code=$3 limit=$4 log=$5 got
  wait_job "$id" "$limit"
  got=$(job_states "$id")
  if [ "$got" != "$state $code:0" ]; then
    echo "----- $log" >&2; cat "$log" >&2 2>/dev/null || echo "(no log)" >&2
    fail "job $id ended '$got', expected '$state $code:0'"
  fi
}
# reference CONFIG OUT [ARGS...]: the same config run here (no Slurm, no MPI), in the foreground.
# reference_bg CONFIG OUT [ARGS...]: the same in the background; sets REF (wait "$REF").
reference_bg() {
  reference "$@" &
  REF=$!
  BACKGROUND+=("$REF")
}
reference() {
  local cfg=$1 out=$2; shift 2
  timeout 300 "$ABCSMC" run "$cfg" -o "$out" --overwrite "$@" >"$out.out" 2>"$out.err" ||
    { cat "$out.err" >&2; fail "reference run of $cfg exited $?"; }
}
# same_results A B WHAT: fails unless the two results files hold the same generations, bit for
# bit: every dataset of every generation (theta, weight, distance, model, eval_index, stats) and
# every generation attribute except wall_seconds, plus the final stop reason; then the last
# generation as `abcsmc inspect --format csv`.
same_results() {
  "$PY" - "$1" "$2" <<'PY' || fail "$3: $1 and $2 differ"
import sys
import h5py
import numpy as np
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
bad = []
ga, gb = sorted(a["generations"]), sorted(b["generations"])
if ga != gb:
    bad.append(f"generations {ga} vs {gb}")
for g in sorted(set(ga) & set(gb)):
    x, y = a["generations"][g], b["generations"][g]
    if sorted(x) != sorted(y):
        bad.append(f"{g}: datasets {sorted(x)} vs {sorted(y)}")
    for k in sorted(set(x) & set(y)):
        u, v = x[k][()], y[k][()]
        same = u.shape == v.shape and (np.array_equal(u, v, equal_nan=True)
                                       if u.dtype.kind == "f" else np.array_equal(u, v))
        if not same:
            bad.append(f"{g}/{k} differs")
    for k in sorted((set(x.attrs) | set(y.attrs)) - {"wall_seconds"}):
        if k not in x.attrs or k not in y.attrs:
            bad.append(f"{g} attribute {k} only in one file")
            continue
        u, v = np.asarray(x.attrs[k]), np.asarray(y.attrs[k])
        if u.shape != v.shape or not (np.array_equal(u, v, equal_nan=True) if u.dtype.kind == "f" else np.array_equal(u, v)):
            bad.append(f"{g} attribute {k}: {x.attrs[k]} vs {y.attrs[k]}")
for k in ("seed", "population_size", "stop_reason"):
    if a.attrs.get(k) != b.attrs.get(k):
        bad.append(f"root attribute {k}: {a.attrs.get(k)} vs {b.attrs.get(k)}")
for line in bad[:20]:
    print("  " + line, file=sys.stderr)
print(f"compared {len(ga)} generations: {'identical' if not bad else 'DIFFERENT'}", file=sys.stderr)
sys.exit(1 if bad else 0)
PY
  "$ABCSMC" inspect "$1" --generation last --format csv >"$1.last.csv" || fail "inspect $1"
  "$ABCSMC" inspect "$2" --generation last --format csv >"$2.last.csv" || fail "inspect $2"
  cmp -s "$1.last.csv" "$2.last.csv" || { diff "$1.last.csv" "$2.last.csv" | head >&2; fail "$3: last generations differ"; }
}
# h5attr FILE NAME: a root attribute of a results file.
h5attr() {
  "$PY" -c 'import sys, h5py; v = h5py.File(sys.argv[1], "r").attrs[sys.argv[2]]; print(v.decode() if isinstance(v, bytes) else v)' "$1" "$2"
}
# generation_count FILE: complete generations in a results file (0 without a file).
generation_count() {
  [ -f "$1" ] || { echo 0; return; }
  "$PY" -c 'import sys, h5py; print(len(h5py.File(sys.argv[1], "r")["generations"]))' "$1"
}
# wait_for_generations FILE N SECONDS: waits until FILE holds at least N complete generations.
wait_for_generations() {
  local i
  for i in $(seq $(($3 * 10))); do
    [ "$(generation_count "$1" 2>/dev/null || echo 0)" -ge "$2" ] && return 0
    sleep 0.1
  done
  fail "$1 did not reach $2 generation(s) within $3 s"
}
# slow_config OUT DELAY GENERATIONS: slurm_slow.yaml with DELAY-second simulations and
# GENERATIONS generations (about 310 + 80 per further generation simulations in all).
# slow_config x.yaml 0.05 6: about 15 s on 2 worker ranks, long enough to signal a run midway.
slow_config() {
  sed -e "s/value: 0.2}/value: $2}/" -e "s/^stop: .*/stop: {max_generations: $3}/" \
    "$ABCSMC_SOURCE_DIR/tests/sched/slurm_slow.yaml" >"$1"
  grep -q "value: $2}" "$1" && grep -q "max_generations: $3}" "$1" || fail "could not write $1"
}
# resume_stopped TEMPLATE: stopped.h5 (a run of medium.yaml that TEMPLATE's job ended with exit 3)
# holds some, not all, of its 6 generations; a second job of TEMPLATE with --resume completes it
# from the right generation, bit-identical to the reference run medium_single.h5 ($REF).
resume_stopped() {
  local kept job
  kept=$(generation_count stopped.h5)
  [ "$kept" -ge 1 ] && [ "$kept" -lt 6 ] || fail "the stopped run kept $kept generations"
  job=$(ABCSMC_CONFIG=$PWD/medium.yaml ABCSMC_OUTPUT=$PWD/stopped.h5 ABCSMC_ARGS=--resume \
    submit --ntasks=3 --overcommit --time=10 -o "$PWD/resume-%j.out" "$SLURM_DIR/$1")
  expect_job "$job" COMPLETED 0 90 "resume-$job.out"
  grep -q "resuming '.*stopped.h5' after generation $((kept - 1))" "resume-$job.out" ||
    { cat "resume-$job.out"; fail "the second job did not resume after generation $((kept - 1))"; }
  wait "$REF" || fail "reference run failed"
  same_results stopped.h5 medium_single.h5 "$1 stopped by SIGUSR1 and resumed vs uninterrupted run"
}
passed() { echo "$1: all checks passed in $((SECONDS - START)) s"; }

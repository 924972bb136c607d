#!/usr/bin/env bash
# The run summary's rate after --resume: this invocation's simulations over this invocation's
# time (not the whole run's total over this invocation's time), with the whole run's total
# beside it; a complete run resumed says it ran no simulations (no absurd rate).
source "$(dirname "$0")/common.sh"
write_config() {  # write_config FILE MAX_GENERATIONS
  sed "s/^stop: .*/stop: {max_generations: $2}/" "$ABCSMC_SOURCE_DIR/tests/cli/resume.yaml" > "$1"
}
write_config short.yaml 2
write_config long.yaml 4
# summary_numbers: "SIMULATIONS SECONDS RATE" from the summary line in out.txt.
summary_numbers() {
  sed -n 's/^  simulations: \([0-9]*\) in \([0-9.]*\) s (\([0-9]*\) simulations\/s).*/\1 \2 \3/p' out.txt
}
# check_rate SIMULATIONS SECONDS RATE: RATE is SIMULATIONS / SECONDS (SECONDS has 2 decimals).
check_rate() {
  awk -v n="$1" -v s="$2" -v r="$3" 'BEGIN {
    lo = n / (s + 0.005); hi = (s > 0.005) ? n / (s - 0.005) : 1e300
    exit !(r >= lo - 1 && r <= hi + 1) }' || fail "rate $3/s does not match $1 simulations in $2 s: $(cat out.txt)"
}

expect_status 0 "$ABCSMC" run short.yaml -o run.h5 --threads 2
read -r first seconds rate <<< "$(summary_numbers)"
[ -n "$first" ] || fail "no simulations line in the first summary: $(cat out.txt)"
grep -q "in this invocation" out.txt && fail "a fresh run's summary speaks of invocations: $(cat out.txt)"
check_rate "$first" "$seconds" "$rate"
echo "fresh run: $first simulations in $seconds s ($rate/s)"

expect_status 0 "$ABCSMC" run long.yaml -o run.h5 --resume --threads 2
read -r here seconds rate <<< "$(summary_numbers)"
total=$(sed -n 's/.* in this invocation; \([0-9]*\) in the whole run$/\1/p' out.txt)
[ -n "$here" ] && [ -n "$total" ] || fail "the resumed summary lacks this invocation's or the total count: $(cat out.txt)"
[ "$total" -eq $((first + here)) ] || fail "total $total is not $first before + $here now: $(cat out.txt)"
[ "$here" -gt 0 ] && [ "$here" -lt "$total" ] || fail "this invocation's count $here is not part of $total"
check_rate "$here" "$seconds" "$rate"
echo "resumed: $here of $total simulations in $seconds s ($rate/s)"

# Resuming the complete run runs nothing.
expect_status 0 "$ABCSMC" run long.yaml -o run.h5 --resume
grep -q "^  simulations: no simulations in this invocation ($total in the whole run)$" out.txt ||
  fail "a complete run resumed does not say it ran no simulations: $(cat out.txt)"
grep -q "simulations/s" out.txt && fail "a complete run resumed prints a rate: $(cat out.txt)"
echo "resume_summary: all checks passed"

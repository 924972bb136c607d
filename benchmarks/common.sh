# Shared by the benchmark scripts (sourced).

# gen_sums FILE -> "simulations seconds" summed over the results file's generations
# (the sampling phase of BENCHMARKS.md B2).
gen_sums() {
  h5dump -A "$1" | python3 -c '
import re, sys
text = sys.stdin.read()
sims = secs = 0.0
for g in re.split(r"GROUP \"t\d+\"", text)[1:]:
    sims += float(re.search(r"ATTRIBUTE \"simulations\".*?\(0\): ([0-9.e+-]+)", g, re.S).group(1))
    secs += float(re.search(r"ATTRIBUTE \"wall_seconds\".*?\(0\): ([0-9.e+-]+)", g, re.S).group(1))
print(f"{sims:.0f} {secs:.6f}")'
}

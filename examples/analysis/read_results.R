# Reads an abcsmc results file in R with hdf5r (Debian: apt-get install r-cran-hdf5r).
#   Rscript examples/analysis/read_results.R gaussian.h5
# Prints the per-generation epsilon and ESS, and the weighted posterior mean and sd of each
# model's parameters at the last generation (the numbers of `abcsmc inspect`).
# Layout: docs/results-format.md. hdf5r returns a dataset of shape (n, D) as a D x n matrix:
# parameter c's values are theta[c, ].
suppressMessages(library(hdf5r))
Sys.setenv(HDF5_USE_FILE_LOCKING = "FALSE")  # as abcsmc: works on network file systems

args <- commandArgs(trailingOnly = TRUE)
path <- if (length(args) > 0) args[1] else "gaussian.h5"
f <- H5File$new(path, mode = "r")

columns <- f[["parameter_names"]]$read()         # the theta columns (all models' parameters)
models <- f[["models/names"]]$read()
groups <- f[["generations"]]$names
ts <- sapply(groups, function(n) h5attr(f[[paste0("generations/", n)]], "t"))
groups <- groups[order(ts)]                         # sort by t, not by name
stop_reason <- h5attr(f, "stop_reason")
cat(sprintf("%s: seed %s, %d generations, %s\n", path, format(h5attr(f, "seed")),
            length(groups), if (nchar(stop_reason) > 0) stop_reason else "running"))
for (name in groups) {
  g <- f[[paste0("generations/", name)]]
  cat(sprintf("t=%d epsilon=%.6g ess=%.1f simulations=%d\n", h5attr(g, "t"),
              h5attr(g, "epsilon"), h5attr(g, "ess"), h5attr(g, "simulations")))
}

last <- f[[paste0("generations/", tail(groups, 1))]]
theta <- last[["theta"]]$read(drop = FALSE)         # D x n
w <- last[["weight"]]$read()
m <- last[["model"]]$read()                          # model index per particle, 0-based
for (k in seq_along(models)) {
  own <- f[[sprintf("models/m%d/parameter_names", k - 1)]]$read()
  sel <- m == k - 1
  if (!any(sel)) next
  wk <- w[sel] / sum(w[sel])                         # renormalised within the model
  for (p in own) {
    x <- theta[match(p, columns), sel]
    mu <- sum(wk * x)
    cat(sprintf("model %s parameter %s mean %.6g sd %.6g\n", models[k], p, mu,
                sqrt(sum(wk * (x - mu)^2))))
  }
}
f$close_all()

# Serve an R simulator to abcsmc as a persistent simulator (docs/persistent-protocol.md).
# Base R only: copy this file next to your simulator and source it.
#
#   # sim.R
#   source("abcsmc_sim.R")
#   simulate <- function(theta, seed) {   # theta: named numeric vector; seed: integer
#     set.seed(seed)
#     c(y = theta[["theta"]] + rnorm(1))
#   }
#   abcsmc_serve(simulate)
#
# and in the config:  model: {persistent: [Rscript, sim.R], statistics: [y]}
#
# simulate returns the statistics in the order of `statistics` (a numeric vector; a named list
# works too, taken in that order). An error fails that candidate only (its message becomes the
# failure reason) and the process stays. The seed abcsmc sends is 64 bits, more than R's
# integers hold: simulate gets it reduced modulo 2147483647 (exactly, from its digits), a valid
# set.seed() argument that depends only on the seed, so runs stay reproducible.
# While abcsmc_serve runs, R's printed output goes to stderr: stdout carries the protocol.

abcsmc_seed32 <- function(digits) {
  r <- 0
  for (d in as.integer(strsplit(digits, "")[[1]])) r <- (r * 10 + d) %% 2147483647
  as.integer(r)
}

abcsmc_number <- function(x) {
  s <- sprintf("%.17g", x)  # reads back to the same double; NaN and Inf are understood
  s[is.na(x) & !is.nan(x)] <- "nan"
  s
}

abcsmc_serve <- function(simulate) {
  input <- file("stdin", "r")
  output <- file("/dev/stdout", "w")  # the protocol channel, before R's own output is diverted
  sink(stderr())
  first <- readLines(input, n = 1)
  if (length(first) == 0 || !startsWith(first, "abcsmc-persistent 1")) {
    stop("not an abcsmc protocol version 1 hello: ", first)
  }
  parameters <- character(0)
  n_stats <- 0
  repeat {
    line <- readLines(input, n = 1)
    if (length(line) == 0) stop("stdin closed inside the hello")
    words <- strsplit(line, "[ \t]+")[[1]]
    if (words[1] == "end") break
    if (words[1] == "parameters") parameters <- words[-(1:2)]
    if (words[1] == "statistics") {
      sizes <- words[-(1:2)]
      n_stats <- sum(as.integer(sizes[seq(2, length(sizes), by = 2)]))
    }
  }
  # Batches (config `batch:`) save a pipe round trip per candidate; each is still simulated alone.
  cat("ready 1 batch 256\n", file = output)
  flush(output)
  reply <- function(words) {
    id <- words[2]
    theta <- as.numeric(words[-(1:3)])
    names(theta) <- parameters
    result <- tryCatch(as.numeric(unlist(simulate(theta, abcsmc_seed32(words[3])))),
                       error = function(e) e)
    if (inherits(result, "error")) {
      return(paste("fail", id, gsub("[[:cntrl:]]", " ", conditionMessage(result))))
    }
    if (length(result) != n_stats) {
      return(sprintf("fail %s simulate returned %d values, %d expected", id, length(result),
                     n_stats))
    }
    paste(c("ok", id, abcsmc_number(result)), collapse = " ")
  }
  repeat {
    line <- readLines(input, n = 1)
    if (length(line) == 0) break  # abcsmc closed stdin: the run is over
    words <- strsplit(line, "[ \t]+")[[1]]
    if (words[1] == "batch") {
      k <- as.integer(words[2])
      lines <- vapply(seq_len(k), function(i) {
        reply(strsplit(readLines(input, n = 1), "[ \t]+")[[1]])
      }, "")
      cat(paste0(lines, "\n"), sep = "", file = output)
    } else {
      cat(reply(words), "\n", sep = "", file = output)
    }
    flush(output)
  }
  invisible(NULL)
}

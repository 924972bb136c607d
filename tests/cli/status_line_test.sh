#!/usr/bin/env bash
# On a terminal the heartbeat is one status line rewritten in place ("\r" + clear to end of
# line) and cleared before every log line; log lines keep their usual pattern. `script` (from
# util-linux, essential on Debian) gives the run a pseudo-terminal.
source "$(dirname "$0")/common.sh"
command -v script >/dev/null || fail "script (util-linux) is missing"
cat > slow.sh <<'SH'
#!/bin/sh
sleep 0.03; echo "$1"
SH
chmod +x slow.sh
cat > slow.yaml <<YAML
seed: 3
population_size: 40
parameters: {theta: {type: normal, mean: 0, sd: 1}}
model: {command: [$PWD/slow.sh, '{theta}'], statistics: [y]}
observed: {y: 0.5}
output: {path: slow.h5}
stop: {max_generations: 1}
YAML
timeout 60 script -q -e -c "'$ABCSMC' run slow.yaml" tty.log > /dev/null || { cat -v tty.log >&2; fail "the run failed"; }
LC_ALL=C grep -q $'\r\033\\[Kt=0 in progress: accepted=' tty.log || { cat -v tty.log >&2; fail "no status line"; }
# Every log line starts with the time and level (the status line was cleared before it).
LC_ALL=C grep -a 't=0 eps=' tty.log | grep -Eq $'\033\\[K\\[[0-9:.]+\\] \\[\033\\[32minfo' ||
  { cat -v tty.log >&2; fail "a log line after the status line does not clear it or lost its pattern"; }
echo "status line: updated in place, cleared before log lines"

#!/usr/bin/env bash
# A full disk while the results file is written (the header, a --resume reopening it, a
# generation) is an error, exit 1, with HDF5's "No space left on device", never a crash at exit
# (HDF5 1.10 crashed closing a file whose close had failed: SIGSEGV, 139). The disk is a small
# tmpfs mounted by the test (root only: skipped with 77 where mounting is impossible).
# A disk left mounted by a run killed with -9 would stop common.sh from clearing ABCSMC_TMP.
if [ -n "${ABCSMC_TMP:-}" ] && mountpoint -q "$ABCSMC_TMP/mnt" 2> /dev/null; then
  umount "$ABCSMC_TMP/mnt"
fi
source "$(dirname "$0")/common.sh"
mnt=$ABCSMC_TMP/mnt
mkdir -p "$mnt"
mounted=0
cleanup() { if [ "$mounted" -eq 1 ]; then umount "$mnt" || umount -l "$mnt"; fi; }
trap cleanup EXIT
trap 'exit 143' TERM INT  # run the EXIT trap (unmount) when ctest stops the test
# fresh_disk KIB: an empty tmpfs of KIB KiB at $mnt.
fresh_disk() {
  cleanup; mounted=0
  if ! mount -t tmpfs -o "size=$1k" tmpfs "$mnt" 2> mount.err; then
    echo "SKIP: cannot mount a tmpfs at $mnt ($(id -un), $(cat mount.err)); this test needs root"
    exit 77
  fi
  mounted=1
}
# fill_disk KIB: fills $mnt until only KIB KiB are free.
fill_disk() {
  local avail
  avail=$(df -k --output=avail "$mnt" | tail -1)
  [ "$avail" -le "$1" ] || dd if=/dev/zero of="$mnt/fill" bs=1k count=$((avail - $1)) status=none
}
# expect_disk_full WHAT CMD...: CMD must exit 1 with a no-space message.
expect_disk_full() {
  local what=$1; shift
  set +e; "$@" > out.txt 2> err.txt; local got=$?; set -e
  [ "$got" -ne 139 ] || { cat err.txt >&2; fail "$what: crashed with SIGSEGV (139)"; }
  [ "$got" -eq 1 ] || { cat err.txt >&2; fail "$what: exited $got, expected 1"; }
  grep -q "No space left on device" err.txt || { cat err.txt >&2; fail "$what: no 'No space left on device'"; }
}
sed 's/value: 0.002/value: 0/; s/^population_size: .*/population_size: 40/; s/^stop: .*/stop: {max_generations: 2}/' \
  "$ABCSMC_SOURCE_DIR/tests/cli/resume.yaml" > run.yaml
sed 's/^stop: .*/stop: {max_generations: 6}/' run.yaml > longer.yaml

# The header: with no room at all, room for part of it, or room for it but not generation 0.
for free in 0 4 8 12 16 24 32; do
  fresh_disk 64; fill_disk "$free"
  expect_disk_full "header with $free KiB free" "$ABCSMC" run run.yaml -o "$mnt/out.h5"
  ! ls "$mnt" | grep -q '\.tmp\.' || fail "header with $free KiB free left a temp file: $(ls "$mnt")"
  # What is published is always complete: the header (and generations) that fit, or nothing.
  [ ! -e "$mnt/out.h5" ] || "$ABCSMC" inspect "$mnt/out.h5" > /dev/null ||
    fail "header with $free KiB free left an unreadable out.h5"
done
echo "header and first generation: exit 1 at every fill level"

# --resume: a complete 2-generation file, then too little room to reopen it and go on.
fresh_disk 256
expect_status 0 "$ABCSMC" run run.yaml -o "$mnt/r.h5"
cp "$mnt/r.h5" r.h5.saved
size_k=$(( ($(stat -c %s "$mnt/r.h5") + 1023) / 1024 ))
for free in 0 $((size_k / 2)) "$size_k" $((size_k + 4)) $((size_k + 8)); do
  rm -f "$mnt/fill"; cp r.h5.saved "$mnt/r.h5"; fill_disk "$free"
  set +e; "$ABCSMC" run longer.yaml -o "$mnt/r.h5" --resume > out.txt 2> err.txt; got=$?; set -e
  [ "$got" -ne 139 ] || { cat err.txt >&2; fail "resume with $free KiB free: crashed with SIGSEGV (139)"; }
  if [ "$got" -ne 0 ]; then  # enough room for some generations is fine; otherwise a clean error
    [ "$got" -eq 1 ] || { cat err.txt >&2; fail "resume with $free KiB free: exited $got, expected 1"; }
    grep -q "No space left on device" err.txt || { cat err.txt >&2; fail "resume with $free KiB free: no 'No space left on device'"; }
  fi
  # The file on disk is always one a reader accepts (each write is published atomically).
  "$ABCSMC" inspect "$mnt/r.h5" > /dev/null 2>&1 || fail "resume with $free KiB free broke r.h5"
  echo "resume with $free KiB free: exit $got: $(grep -o "cannot [a-z ]*" err.txt | head -1)"
done

# A generation that does not fit (the header and maybe a few generations do): exit 1, and the
# file keeps the generations that fit. Each generation is written once (no copy of the file),
# so the largest disk may hold the whole run: then it ends with every generation readable (and
# keeps its generation folder when there is no room to pack it into the one file).
full=0
for disk in 72 96 128; do
  fresh_disk "$disk"
  set +e; "$ABCSMC" run longer.yaml -o "$mnt/g.h5" > out.txt 2> err.txt; got=$?; set -e
  [ "$got" -ne 139 ] || { cat err.txt >&2; fail "generations on a $disk KiB disk: crashed with SIGSEGV (139)"; }
  [ ! -e "$mnt/g.h5" ] || "$ABCSMC" inspect "$mnt/g.h5" > /dev/null ||
    fail "generations on a $disk KiB disk: g.h5 is unreadable"
  if [ "$got" -eq 0 ]; then
    [ "$(generations "$mnt/g.h5")" -eq 6 ] || fail "$disk KiB disk: finished with $(generations "$mnt/g.h5") generations"
    echo "$disk KiB disk: finished, 6 generations on file"
    continue
  fi
  [ "$got" -eq 1 ] || { cat err.txt >&2; fail "generations on a $disk KiB disk: exited $got, expected 1"; }
  grep -q "No space left on device" err.txt || { cat err.txt >&2; fail "$disk KiB disk: no 'No space left on device'"; }
  full=$((full + 1))
  echo "$disk KiB disk: exit 1 with $(generations "$mnt/g.h5") generation(s) on file"
done
[ "$full" -ge 1 ] || fail "no disk was too small for the run"
echo "disk_full: all checks passed"

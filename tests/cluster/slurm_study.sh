#!/usr/bin/env bash
# The study on a real (one-node) Slurm cluster, as docs/reproduction.md describes it:
#   1. installs Debian's slurm-wlm and munge when missing (root)
#   2. starts munged, slurmctld and slurmd on this machine, on loopback only, everything
#      (keys, config, state, logs) in one work folder; stopped again at the end, also on failure
#   3. submits tools/slurm/study.sbatch (the file the docs show) as a 10-task array over a small
#      synthetic ten-pair study (deepdiff-pairs --synthetic, raw_d, 3 epochs), cancels one task
#      while it trains (scancel, after its first epoch) and resubmits it, which continues from
#      the run's state.bin, and runs tools/slurm/merge.sbatch as a job that
#      depends on both
#   4. checks the merged table equals an unsharded study's (all but the timing column) and
#      prints its summary and the time it took
# Exit: 0 passed, 1 failed, 77 skipped (not root, no packages, or the daemons cannot start
# here), with the reason.
# usage: tests/cluster/slurm_study.sh [PATH/TO/deepdiff-pairs [WORK_DIR]]
#        (without a program it builds build/examples/deepdiff-pairs from this checkout)
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
T0=$(date +%s)
skip() { echo "skipped: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
elapsed() { echo "$(( $(date +%s) - T0 )) s"; }

[ "${DEEPDIFF_SKIP_CLUSTER:-0}" = 1 ] && skip "DEEPDIFF_SKIP_CLUSTER=1"
[ "$(id -u)" -eq 0 ] || skip "needs root (installs slurm-wlm and munge, starts munged, slurmctld and slurmd)"
need=()
for p in slurm-wlm munge; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done
if ((${#need[@]})); then
  echo "== installing: ${need[*]}"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"; } \
    >/dev/null 2>&1 || skip "cannot install ${need[*]} (no package mirror reachable?)"
fi

BIN=${1:-}
if [ -z "$BIN" ]; then
  echo "== building deepdiff-pairs"
  { cmake -S "$ROOT" -B "$ROOT/build" -DCMAKE_BUILD_TYPE=Release && cmake --build "$ROOT/build" -j"${JOBS:-2}" --target deepdiff_pairs; } \
    >/dev/null || fail "cannot build deepdiff-pairs"
  BIN=$ROOT/build/examples/deepdiff-pairs
fi
BIN=$(readlink -f "$BIN")
[ -x "$BIN" ] || fail "no program $BIN"
OWN_WORK=0
[ -z "${2:-}" ] && OWN_WORK=1
WORK=${2:-$(mktemp -d /tmp/deepdiff_slurm_XXXXXX)}
rm -rf "$WORK" && mkdir -p "$WORK" && WORK=$(readlink -f "$WORK")
mkdir -p "$WORK"/{etc,state,spool,log,munge,logs}
chmod 700 "$WORK/munge"
export SLURM_CONF=$WORK/etc/slurm.conf

# --- stop everything we started, whatever happens ---
cleanup() {
  if [ -f "$SLURM_CONF" ] && [ -f "$WORK/slurmctld.pid" ]; then
    scancel --quiet --user=root >/dev/null 2>&1 || true
  fi
  local pids=()
  for f in "$WORK/slurmd.pid" "$WORK/slurmctld.pid" "$WORK/munge/munged.pid"; do
    [ -f "$f" ] && pids+=("$(cat "$f")")
  done
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  for _ in $(seq 1 50); do  # up to 5 s for them to stop, then for good
    alive=0
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ "$alive" -eq 0 ] && break
    sleep 0.1
  done
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  true
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# --- munge: its own key, socket and files ---
dd if=/dev/urandom of="$WORK/munge/munge.key" bs=1024 count=1 2>/dev/null
chmod 400 "$WORK/munge/munge.key"
MUNGE_SOCKET=$WORK/munge/munge.socket
munged --force --key-file="$WORK/munge/munge.key" --socket="$MUNGE_SOCKET" --pid-file="$WORK/munge/munged.pid" \
  --log-file="$WORK/munge/munged.log" --seed-file="$WORK/munge/munged.seed" >/dev/null 2>&1 \
  || skip "munged does not start here: $(tail -2 "$WORK/munge/munged.log" 2>/dev/null)"

# --- slurm.conf for this one node, loopback only, no cgroups, no accounting ---
HOST=$(hostname -s)
NODE=$(slurmd -C 2>/dev/null | head -1)
case $NODE in NodeName=*) ;; *) skip "slurmd -C cannot describe this machine";; esac
NCPU=$(echo "$NODE" | sed -n 's/.* CPUs=\([0-9]*\).*/\1/p')
cat > "$SLURM_CONF" <<EOF
ClusterName=deepdiff-test
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldPort=16817
SlurmdPort=16818
AuthType=auth/munge
AuthInfo=socket=$MUNGE_SOCKET
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$WORK/state
SlurmdSpoolDir=$WORK/spool
SlurmctldPidFile=$WORK/slurmctld.pid
SlurmdPidFile=$WORK/slurmd.pid
SlurmctldLogFile=$WORK/log/slurmctld.log
SlurmdLogFile=$WORK/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MinJobAge=3600
$NODE NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=test Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld -f "$SLURM_CONF" >/dev/null 2>&1 || skip "slurmctld does not start here: $(tail -3 "$WORK/log/slurmctld.log" 2>/dev/null)"
slurmd -f "$SLURM_CONF" >/dev/null 2>&1 || skip "slurmd does not start here: $(tail -3 "$WORK/log/slurmd.log" 2>/dev/null)"
up=0
for _ in $(seq 1 60); do
  case $(sinfo -h -o %T 2>/dev/null) in idle*|mixed*|allocated*) up=1; break;; esac
  sleep 0.5
done
[ "$up" -eq 1 ] || skip "the node does not come up: $(sinfo -h 2>&1 | head -1); $(tail -3 "$WORK/log/slurmd.log" 2>/dev/null)"
echo "== one-node Slurm up on $HOST ($NCPU CPUs) after $(elapsed): $(sinfo -h -o '%P %a %D %T' | head -1)"

# --- the docs show the very file this test submits ---
docblock=$(awk '/<!-- tools\/slurm\/study.sbatch -->/{f=1; next} f&&/^```/{n++; if(n==2) exit; next} f&&n==1' "$ROOT/docs/reproduction.md")
[ "$docblock" = "$(cat "$ROOT/tools/slurm/study.sbatch")" ] \
  || fail "docs/reproduction.md does not show tools/slurm/study.sbatch as it is"

# --- the study: ten synthetic pairs x raw_d, one run per array task ---
export DEEPDIFF_PAIRS=$BIN
export STUDY_SAVE_ROOT=$WORK/study
export STUDY_SHARDS=10
export STUDY_ARGS="--synthetic --model-names raw_d --genes 2000 --bins 100 --hidden 16 --epochs 3 --lr 1e-3 --no-alpha-csv"
SB=(--cpus-per-task=1 --mem=100M --time=00:20:00 --chdir="$WORK")
jid=$(sbatch --parsable --array=1-10 "${SB[@]}" --output="$WORK/logs/study-%A_%a.out" "$ROOT/tools/slurm/study.sbatch") \
  || fail "sbatch of the array failed"
echo "== submitted array job $jid (10 tasks) at $(elapsed)"

# cancel a task while it trains: once its run has finished an epoch (state.bin exists), so the
# resubmitted task must continue from there
cancelled=""
for _ in $(seq 1 6000); do
  for running in $(squeue -h -j "$jid" -t R -o %i 2>/dev/null); do
    pair=$(sed -n 's/^\[1\/1\] \([^ ]*\) raw_d seed 1 \.\.\.$/\1/p' "$WORK/logs/study-${jid}_${running##*_}.out" 2>/dev/null)
    if [ -n "$pair" ] && [ -f "$STUDY_SAVE_ROOT/$pair/raw_d/seed1/state.bin" ] && scancel "$running" 2>/dev/null; then
      cancelled=$running
      break 2
    fi
  done
  [ -z "$(squeue -h -j "$jid" 2>/dev/null)" ] && break
  sleep 0.05
done
[ -n "$cancelled" ] || fail "no task of $jid was caught between its first and last epoch to cancel it"
task=${cancelled##*_}
echo "== cancelled task $cancelled while it ran, at $(elapsed)"
for _ in $(seq 1 100); do
  state=$(scontrol show job "$cancelled" 2>/dev/null | sed -n 's/.*JobState=\([A-Z]*\).*/\1/p' | head -1)
  [ "$state" = "CANCELLED" ] && break
  sleep 0.2
done
[ "$state" = "CANCELLED" ] && echo "   its state: $state" || fail "task $cancelled is $state, not CANCELLED"

jid2=$(sbatch --parsable --array="$task" "${SB[@]}" --output="$WORK/logs/study-%A_%a.out" "$ROOT/tools/slurm/study.sbatch") \
  || fail "resubmitting task $task failed"
jm=$(sbatch --parsable --dependency="afterany:$jid:$jid2" "${SB[@]}" --output="$WORK/logs/merge-%j.out" \
     "$ROOT/tools/slurm/merge.sbatch") || fail "sbatch of the merge failed"
echo "== resubmitted task $task as $jid2; merge job $jm after both"
for _ in $(seq 1 1800); do
  [ -z "$(squeue -h 2>/dev/null)" ] && break
  sleep 0.5
done
[ -z "$(squeue -h 2>/dev/null)" ] || fail "jobs still queued after 15 minutes: $(squeue -h | head -3)"
mstate=$(scontrol show job "$jm" | sed -n 's/.*JobState=\([A-Z]*\).*/\1/p' | head -1)
mexit=$(scontrol show job "$jm" | sed -n 's/.* ExitCode=\([0-9:]*\).*/\1/p' | head -1)
echo "== all jobs done at $(elapsed); merge job $mstate (exit $mexit)"
[ "$mstate" = "COMPLETED" ] || { cat "$WORK"/logs/merge-*.out; fail "merge job $mstate"; }
rstate=$(scontrol show job "${jid2}_$task" 2>/dev/null | sed -n 's/.*JobState=\([A-Z]*\).*/\1/p' | head -1)
[ "$rstate" = "COMPLETED" ] || fail "the resubmitted task is $rstate"
sed 's/^/   resubmitted task: /' "$WORK"/logs/study-"${jid2}"_*.out | grep "continuing\|\[1/1\]"
grep -q "continuing an interrupted run after epoch" "$WORK"/logs/study-"${jid2}"_*.out \
  || fail "the resubmitted task did not continue from the cancelled run's state.bin"

# --- compare with the same study unsharded ---
# shellcheck disable=SC2086
"$BIN" $STUDY_ARGS --save-root "$WORK/unsharded" --threads 1 > "$WORK/unsharded.out" 2>&1 \
  || { tail -5 "$WORK/unsharded.out"; fail "the unsharded study failed"; }
rowset() { tail -n +2 "$1" | cut -d, -f1-16,18- | sort; }
merged=$STUDY_SAVE_ROOT/results.csv
[ -f "$merged" ] || fail "no merged table $merged"
rows=$(($(wc -l < "$merged") - 1))
[ "$rows" -eq 10 ] || fail "the merged table has $rows rows, wanted 10"
[ "$(cut -d, -f18 "$merged" | grep -c '^ok$')" -eq 10 ] || fail "not every merged row is ok: $(cut -d, -f1,18 "$merged")"
if [ "$(rowset "$merged")" != "$(rowset "$WORK/unsharded/results.csv")" ]; then
  diff <(rowset "$merged") <(rowset "$WORK/unsharded/results.csv")
  fail "the merged table differs from the unsharded study's"
fi
echo "== the merged table (10 runs via Slurm, one cancelled and resubmitted) equals the unsharded study's"
sed 's/^/   /' "$WORK"/logs/merge-"$jm".out | tail -3
sed -n '/^| pair/,/^$/p' "$STUDY_SAVE_ROOT/results.md" | head -14 | sed 's/^/   /'
echo "passed in $(elapsed)"
# a folder of our own goes (after the daemons, in the exit trap); a given one stays for a look
if [ "$OWN_WORK" -eq 1 ]; then trap 'cleanup; rm -rf "$WORK"' EXIT; else echo "work folder: $WORK"; fi

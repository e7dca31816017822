#!/usr/bin/env bash
# Runs training jobs one after another (never two at once: the machine has 2 cores).
#   training/run_queue.sh [QUEUE]      QUEUE defaults to $CLARITY_CACHE/queue.txt
# QUEUE holds one command per line (run from the repository root; '#' lines skipped).
# Lines may be appended while it runs. A finished line is recorded in QUEUE.done (with its
# exit status in QUEUE.status) and not run again; rerunning this script resumes the queue,
# and train.py itself resumes an interrupted job from its last checkpoint.
# Start it in the background with:
#   nohup nice -n 10 training/run_queue.sh > /work/cache/logs/queue.out 2>&1 &
set -uo pipefail
cd "$(dirname "$0")/.."
CACHE=${CLARITY_CACHE:-/work/cache}
Q=${1:-$CACHE/queue.txt}
touch "$Q.done" "$Q.status"
export OMP_NUM_THREADS=2 MKL_NUM_THREADS=2 PY=${PY:-/work/venv/bin/python}
while true; do
  job=""
  while IFS= read -r line; do
    [[ -z "$line" || "$line" == \#* ]] && continue
    grep -qxF -- "$line" "$Q.done" || { job=$line; break; }
  done < "$Q"
  [ -z "$job" ] && { echo "$(date '+%F %T') queue empty"; break; }
  echo "$(date '+%F %T') start: $job"
  bash -c "$job"
  rc=$?
  echo "$job" >> "$Q.done"
  echo "$rc $job" >> "$Q.status"
  echo "$(date '+%F %T') exit $rc: $job"
done

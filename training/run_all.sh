#!/usr/bin/env bash
# Start (or resume) the default training queue in the background: training/jobs.txt is
# copied to $CLARITY_CACHE/queue.txt unless a queue exists there already (append lines to
# it to add jobs), then training/run_queue.sh runs the jobs one at a time, niced, with
# 2 torch threads. Logs: $CLARITY_CACHE/logs/, checkpoints: $CLARITY_CACHE/ckpt/,
# exported models: models/. Afterwards: training/evaluate.py (see README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE=${CLARITY_CACHE:-/work/cache}
export PY=${PY:-/work/venv/bin/python}
mkdir -p "$CACHE/logs"
[ -f "$CACHE/queue.txt" ] || cp training/jobs.txt "$CACHE/queue.txt"
nohup nice -n 10 training/run_queue.sh "$CACHE/queue.txt" >> "$CACHE/logs/queue.out" 2>&1 &
echo "queue runner pid $! (log $CACHE/logs/queue.out)"

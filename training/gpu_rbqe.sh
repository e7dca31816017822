#!/usr/bin/env bash
# Continues training both RBQE models on a lent GPU machine, side by side, from the bundled
# weights; what comes back is each run's best.pt and log. One device call, about MINUTES + 2.
#
# Here, once (writes .pairs/, about 48 MiB, which the device call then carries):
#   /work/venv/bin/python training/data/pack_rbqe.py .pairs --width 0.45 --val-crop 256
# The device call (the tool's `run`, carry [".pairs"], timeout_s at least 60 * (MINUTES + 3)):
#   MINUTES=8 bash training/gpu_rbqe.sh
# Back here, for each model: export best.pt (training/export.py), recalibrate on val
# (calibrate_rbqe.py --record), make_reference.py, then score on the test clips with
# `clarity bench deartifact --step 5` (training/README.md, "RBQE").
# The settings are the tenth session's better runs (full-b, lite-b: batch 128, lr 1e-3,
# patches 96, validation every minute on the 256-px val crops).
set -euo pipefail
cd "$(dirname "$0")/.."
MINUTES=${MINUTES:-8}
OUT=${OUT:?run through the device tool, which sets OUT}
[ -d .pairs/train ] || { echo "no .pairs/: pack the pairs here first (see the top of this script)" >&2; exit 2; }
python3 -c "import torch; assert torch.cuda.is_available(), 'no CUDA device'" || {
  echo "torch with CUDA is missing on this machine" >&2; exit 2; }
export CLARITY_CACHE=/tmp/clarity-cache PYTHONUNBUFFERED=1
stamp=$(date +%m%d%H%M)
run() {  # name levels channels weights
  python3 training/train_rbqe.py --device cuda --pairs .pairs --levels "$2" --channels "$3" \
    --init "Sources/ClarityModels/Weights/$4.safetensors" --minutes "$MINUTES" --val-minutes 1 --val-crop 256 \
    --patch 96 --batch 128 --lr 1e-3 --seed 15 --name "$1" --no-export
}
run "rbqe-full-$stamp" 6 32 rbqe-full > "$OUT/full.out" 2>&1 &
run "rbqe-lite-$stamp" 4 16 rbqe-lite > "$OUT/lite.out" 2>&1 &
wait
for m in full lite; do
  cp "$CLARITY_CACHE/ckpt/rbqe-$m-$stamp/best.pt" "$OUT/rbqe-$m-$stamp-best.pt"
  grep -E "^.*(val iter|done)" "$CLARITY_CACHE/logs/rbqe-$m-$stamp.log" | tail -4
done

#!/usr/bin/env bash
# The VID methods side by side in one run (docs/results/speed.md): each
# R50-DC5 ImageNet VID config's own test path next to the single-frame
# Faster R-CNN of the same run, random weights, 2 CPU threads, the street
# video resized by the configs to 1000x563; HVR-Net online with 21
# supports. Writes OUT_DIR/<config>.json and OUT_DIR/benchmark_methods.json
# (all of them, by method).
#
#   bash tools/analysis_tools/benchmark_methods.sh OUT_DIR [VIDEO] [FRAMES]
#
# Run it on an otherwise idle machine; tools/misc/record_result.py stores
# the merged file with the command, commit and machine.
set -euo pipefail
OUT=${1:?usage: benchmark_methods.sh OUT_DIR [VIDEO] [FRAMES]}
VIDEO=${2:-../shared/data/demo.mp4}
FRAMES=${3:-10}
PY=${PYTHON:-.venv/bin/python}
mkdir -p "$OUT"
BENCH="$PY tools/analysis_tools/benchmark.py --video $VIDEO --num-frames $FRAMES --warmup 2 --threads 2"
for c in configs/faster_rcnn/faster-rcnn_r50-dc5_8xb1-7e_imagenetvid.py \
         configs/selsa/selsa_faster-rcnn_r50-dc5_8xb1-7e_imagenetvid.py \
         configs/temporal_roi_align/selsa-troialign_faster-rcnn_r50-dc5_8xb1-7e_imagenetvid.py \
         configs/fgfa/fgfa_faster-rcnn_r50-dc5_8xb1-7e_imagenetvid.py \
         configs/dff/dff_faster-rcnn_r50-dc5_8xb1-7e_imagenetvid.py; do
  echo "== $(date -u +%H:%M:%S) $c"
  $BENCH "$c" --out "$OUT/$(basename "$c" .py).json"
done
c=configs/hvrnet/hvrnet_faster-rcnn_r50-dc5_stage2_imagenetvid.py
echo "== $(date -u +%H:%M:%S) $c"
$BENCH "$c" --supports 21 --main-support 21 --out "$OUT/$(basename "$c" .py).json"
$PY - "$OUT" <<'PYEOF'
import glob, json, os.path as osp, sys
out = sys.argv[1]
merged = {}
for path in sorted(glob.glob(osp.join(out, '*_imagenetvid.json'))):
    name = osp.basename(path).split('_')[0]
    merged[name] = json.load(open(path))
json.dump(merged, open(osp.join(out, 'benchmark_methods.json'), 'w'),
          indent=1)
print('wrote', osp.join(out, 'benchmark_methods.json'), sorted(merged))
PYEOF

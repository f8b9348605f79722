#!/usr/bin/env bash
# The quick start: set up, generate the toy VID set, train HVR-Net stage 1
# and stage 2 on the CPU, evaluate both stages, then one table (stage 1 vs
# stage 2: per-class AP, mAP, the confusion measure when the metric gives
# it, the wall time of each step), a figure and a side-by-side demo clip.
#   bash tools/quickstart.sh [--fast]    (--fast: a few iterations only)
# The console shows a progress bar per loop and the metrics; the full logs
# (environment, config, every logged iteration) are in the work dirs.
# MMHVR_QUICKSTART_DIR (work_dirs/quickstart), MMHVR_TOY_DATA (data/toy_vid)
# and MMHVR_VENV (.venv) move the outputs, the data and the environment;
# MMHVR_SKIP_SETUP=1 only checks the environment (no pip run).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
OUT=${MMHVR_QUICKSTART_DIR:-work_dirs/quickstart}
DATA=${MMHVR_TOY_DATA:-data/toy_vid}
VENV=${MMHVR_VENV:-$ROOT/.venv}
S1_ITERS=${S1_ITERS:-}
S2_ITERS=${S2_ITERS:-}
if [ "${1:-}" = "--fast" ]; then
  S1_ITERS=${S1_ITERS:-4}; S2_ITERS=${S2_ITERS:-2}
  TOY_ARGS=${TOY_ARGS:-"--num-train-videos 20 --num-val-videos 2"}
elif [ -n "${1:-}" ]; then
  echo "usage: bash tools/quickstart.sh [--fast]" >&2; exit 2
fi
TOY_ARGS=${TOY_ARGS:-}

TIMES=()
step_start=$(date +%s)
step_done() {  # $1 = step name: record its wall time
  local now; now=$(date +%s)
  TIMES+=(--time "$1=$((now - step_start))")
  step_start=$now
}

echo "== 1/6 environment ($VENV)"
PY="$VENV/bin/python"
if [ "${MMHVR_SKIP_SETUP:-0}" = 1 ]; then  # an environment shared with others
  "$PY" -c "import mmcv.ops, mmdet, mmengine, mmhvr" || {
    echo "MMHVR_SKIP_SETUP=1 but $VENV lacks mmcv.ops/mmdet/mmengine/mmhvr" >&2; exit 1; }
else
  MMHVR_VENV="$VENV" bash tools/setup_env.sh
fi
export PYTHONPATH="$ROOT:${PYTHONPATH:-}"
step_done "set-up"

S1_CFG=configs/hvrnet/hvrnet_faster-rcnn_r18-dc5_stage1_toyvid.py
S2_CFG=configs/hvrnet/hvrnet_faster-rcnn_r18-dc5_stage2_toyvid.py
mkdir -p "$OUT"

echo "== 2/6 toy VID set -> $DATA"
$PY tools/dataset_converters/make_toy_vid.py --out "$DATA" $TOY_ARGS
step_done "toy data"

opts() {  # --cfg-options shared by every step
  echo "train_dataloader.dataset.data_root=$DATA/ val_dataloader.dataset.data_root=$DATA/ test_dataloader.dataset.data_root=$DATA/"
}
iters() {  # $1 = iterations ('' keeps the config's)
  [ -n "$1" ] && echo "train_cfg.max_iters=$1 train_cfg.val_interval=$1 default_hooks.checkpoint.interval=$1 default_hooks.logger.interval=1" || true
}

echo "== 3/6 stage 1: RPN + detector up to intra(2) -> $OUT/stage1"
$PY tools/train.py $S1_CFG --quiet --work-dir "$OUT/stage1" --cfg-options $(opts) $(iters "$S1_ITERS")
S1_CKPT=$(cat "$OUT/stage1/last_checkpoint")
step_done "stage 1 training"

echo "== 4/6 stage 2: video triplets, inter-video relation, relation loss -> $OUT/stage2"
$PY tools/train.py $S2_CFG --quiet --work-dir "$OUT/stage2" --cfg-options $(opts) $(iters "$S2_ITERS") load_from="$S1_CKPT"
S2_CKPT=$(cat "$OUT/stage2/last_checkpoint")
step_done "stage 2 training"

echo "== 5/6 evaluation: ImageNet VID mAP on the toy val set"
for s in 1 2; do
  cfg_var=S${s}_CFG; ckpt_var=S${s}_CKPT
  echo "stage $s:"
  mkdir -p "$OUT/test_stage$s"
  $PY tools/test.py "${!cfg_var}" "${!ckpt_var}" --eval bbox --quiet \
    --out "$OUT/test_stage$s/dets.pkl" --work-dir "$OUT/test_stage$s" \
    --cfg-options $(opts)
done
step_done "evaluation"

echo "== 6/6 report: table, figure, side-by-side demo clip"
$PY tools/misc/quickstart_report.py --config "$S2_CFG" \
  --ann-file "$DATA/annotations/toy_vid_val.json" --img-root "$DATA/Data" \
  --stage1 "$OUT/stage1" "$OUT/test_stage1" "$OUT/test_stage1/dets.pkl" \
  --stage2 "$OUT/stage2" "$OUT/test_stage2" "$OUT/test_stage2/dets.pkl" \
  --out-dir "$OUT" "${TIMES[@]}"
echo
echo "quick start done. Full logs and outputs:"
echo "  toy data:           $DATA"
echo "  stage-1 weights:    $S1_CKPT   (training log: $OUT/stage1/*/*.log)"
echo "  stage-2 weights:    $S2_CKPT   (training log: $OUT/stage2/*/*.log)"
echo "  test logs, metrics: $OUT/test_stage{1,2}/*/  (predictions: dets.pkl)"
echo "  next: python demo/video_demo.py VIDEO $S2_CFG $S2_CKPT --out out.mp4"

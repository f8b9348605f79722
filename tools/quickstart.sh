#!/usr/bin/env bash
# The quick start: set up, generate the toy VID set, train HVR-Net stage 1
# and stage 2 on the CPU, evaluate both stages and render a demo video.
#   bash tools/quickstart.sh [--fast]    (--fast: a few iterations only)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
OUT=${MMHVR_QUICKSTART_DIR:-work_dirs/quickstart}
DATA=${MMHVR_TOY_DATA:-data/toy_vid}
S1_ITERS=${S1_ITERS:-}
S2_ITERS=${S2_ITERS:-}
if [ "${1:-}" = "--fast" ]; then
  S1_ITERS=${S1_ITERS:-4}; S2_ITERS=${S2_ITERS:-2}
  TOY_ARGS=${TOY_ARGS:-"--num-train-videos 20 --num-val-videos 2"}
fi
TOY_ARGS=${TOY_ARGS:-}

bash tools/setup_env.sh
PY=.venv/bin/python
export PYTHONPATH="$ROOT:${PYTHONPATH:-}"
start=$(date +%s)

S1_CFG=configs/hvrnet/hvrnet_faster-rcnn_r18-dc5_stage1_toyvid.py
S2_CFG=configs/hvrnet/hvrnet_faster-rcnn_r18-dc5_stage2_toyvid.py

echo "== 1/5 toy VID set -> $DATA"
$PY tools/dataset_converters/make_toy_vid.py --out "$DATA" $TOY_ARGS

opts() {  # --cfg-options shared by every step
  echo "train_dataloader.dataset.data_root=$DATA/ val_dataloader.dataset.data_root=$DATA/ test_dataloader.dataset.data_root=$DATA/"
}
iters() {  # $1 = iterations ('' keeps the config's)
  [ -n "$1" ] && echo "train_cfg.max_iters=$1 train_cfg.val_interval=$1 default_hooks.checkpoint.interval=$1" || true
}

echo "== 2/5 stage 1 (RPN + detector up to intra(2))"
$PY tools/train.py $S1_CFG --work-dir "$OUT/stage1" --cfg-options $(opts) $(iters "$S1_ITERS")
S1_CKPT=$(cat "$OUT/stage1/last_checkpoint")

echo "== 3/5 stage 2 (video triplets, inter-video relation, relation loss)"
$PY tools/train.py $S2_CFG --work-dir "$OUT/stage2" --cfg-options $(opts) $(iters "$S2_ITERS") load_from="$S1_CKPT"
S2_CKPT=$(cat "$OUT/stage2/last_checkpoint")

echo "== 4/5 evaluation (ImageNet VID mAP on the toy val set)"
$PY tools/test.py $S1_CFG "$S1_CKPT" --eval bbox --work-dir "$OUT/test_stage1" --cfg-options $(opts) 2>&1 | tee "$OUT/test_stage1.log"
$PY tools/test.py $S2_CFG "$S2_CKPT" --eval bbox --work-dir "$OUT/test_stage2" --cfg-options $(opts) 2>&1 | tee "$OUT/test_stage2.log"

echo "== 5/5 demo video"
VAL_VIDEO=$(ls -d "$DATA"/Data/val/*/ | head -n 1)
$PY demo/video_demo.py "$VAL_VIDEO" $S2_CFG "$S2_CKPT" --out "$OUT/demo.mp4" --out-json "$OUT/demo.json" --score-thr 0.5

end=$(date +%s)
echo
echo "quick start done in $((end - start)) s (after set-up)"
echo "  toy data:          $DATA"
echo "  stage-1 weights:   $S1_CKPT"
echo "  stage-2 weights:   $S2_CKPT"
echo "  stage-1 mAP log:   $OUT/test_stage1.log"
echo "  stage-2 mAP log:   $OUT/test_stage2.log"
echo "  demo video:        $OUT/demo.mp4 (+ $OUT/demo.json)"
$PY - "$OUT" <<'PYEOF'
import glob, json, os, sys
out = sys.argv[1]
for stage in ('stage1', 'stage2'):
    files = sorted(glob.glob(os.path.join(out, f'test_{stage}', '*', '*.json')))
    if files:
        metrics = json.load(open(files[-1]))
        shown = {k: round(v, 4) for k, v in metrics.items() if 'mAP' in k}
        print(f'  {stage} {shown}')
PYEOF

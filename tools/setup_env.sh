#!/usr/bin/env bash
# One-command set-up for mmhvr: a virtual environment in the repo (.venv) with
# torch, mmcv 2.1.0 built with its compiled ops, mmdet 3.3.0, mmengine 0.10.7 and
# mmhvr itself in editable mode with its test extras. Idempotent: a second run on
# a set-up machine only checks the imports.
#
#   bash tools/setup_env.sh            # create or reuse .venv
#   MMHVR_VENV=/path/venv bash tools/setup_env.sh
#
# CUDA: when nvcc is on PATH and torch sees a GPU, mmcv is built with
# FORCE_CUDA=1 (set MMCV_FORCE_CUDA=0 to skip, =1 to force without a GPU).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${MMHVR_VENV:-$ROOT/.venv}
PYTHON=${PYTHON:-python3}
TORCH_VERSION=${TORCH_VERSION:-2.13.0}
MMCV_VERSION=2.1.0
MMDET_VERSION=3.3.0
MMENGINE_VERSION=0.10.7

log() { printf '[setup] %s\n' "$*"; }

if [ ! -x "$VENV/bin/python" ]; then
  log "creating virtual environment $VENV"
  "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"
PIP=("$PY" -m pip)

# The fingerprint of what the project asks for: a change re-runs the installs.
fingerprint=$(cat "$ROOT/setup.py" "$ROOT/setup.cfg" "$ROOT"/requirements/*.txt "$0" 2>/dev/null | sha256sum | cut -d' ' -f1)
stamp="$VENV/.mmhvr-setup"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$fingerprint" ] \
   && "$PY" -c "import mmcv.ops, mmdet, mmengine, mmhvr" >/dev/null 2>&1; then
  log "environment $VENV is up to date"
  exit 0
fi

"${PIP[@]}" install -q wheel ninja

if "$PY" -c "import torch" >/dev/null 2>&1; then
  log "keeping installed torch $("$PY" -c 'import torch; print(torch.__version__)')"
else
  log "installing torch==$TORCH_VERSION"
  "${PIP[@]}" install -q "torch==$TORCH_VERSION"
fi

have_mmcv_ops() {
  "$PY" - <<PYEOF >/dev/null 2>&1
import mmcv
assert mmcv.__version__ == '$MMCV_VERSION', mmcv.__version__
from mmcv.ops import nms, RoIAlign  # noqa: F401  compiled ops
import mmcv._ext  # noqa: F401
PYEOF
}

if have_mmcv_ops; then
  log "mmcv $MMCV_VERSION with ops already installed"
else
  "${PIP[@]}" uninstall -y -q mmcv-lite mmcv mmcv-full >/dev/null 2>&1 || true
  # mmcv's setup.py and ops need these at build time (no build isolation).
  "${PIP[@]}" install -q numpy packaging addict pyyaml yapf 'opencv-python' "mmengine==$MMENGINE_VERSION"
  # mmcv 2.1.0 does not build with setuptools>=70, while torch>=2.9 asks for
  # setuptools>=77 at run time: build with an old one, then restore.
  "${PIP[@]}" install -q 'setuptools<70' 2>&1 | grep -v "requires setuptools" || true
  cuda=${MMCV_FORCE_CUDA:-auto}
  if [ "$cuda" = auto ]; then
    cuda=0
    if command -v nvcc >/dev/null 2>&1 && "$PY" -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)" >/dev/null 2>&1; then
      cuda=1
    fi
  fi
  export MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-$(nproc)}
  if [ "$cuda" = 1 ]; then
    export FORCE_CUDA=1
    log "building mmcv $MMCV_VERSION with CPU and CUDA ops (this takes a while)"
    # A CPU-only wheel in pip's cache must not be reused for a CUDA build.
    "${PIP[@]}" install --no-build-isolation --no-cache-dir "mmcv==$MMCV_VERSION"
  else
    log "building mmcv $MMCV_VERSION with CPU ops (about 10 minutes on 2 cores; pip caches the wheel)"
    "${PIP[@]}" install --no-build-isolation "mmcv==$MMCV_VERSION"
  fi
  "${PIP[@]}" install -q 'setuptools>=77.0.3'
  have_mmcv_ops || { log "mmcv was installed but its compiled ops do not import"; exit 1; }
fi

log "installing mmengine $MMENGINE_VERSION, mmdet $MMDET_VERSION and mmhvr (editable, with test extras)"
"${PIP[@]}" install -q "mmengine==$MMENGINE_VERSION" "mmdet==$MMDET_VERSION"
"${PIP[@]}" install -q --no-build-isolation -e "$ROOT[tests]"

"$PY" -c "import mmcv.ops, mmdet, mmengine, mmhvr; print('[setup] ok: torch', __import__('torch').__version__, '| mmcv', mmcv.__version__, '| mmdet', mmdet.__version__, '| mmengine', mmengine.__version__, '| mmhvr', mmhvr.__version__)"
echo "$fingerprint" > "$stamp"

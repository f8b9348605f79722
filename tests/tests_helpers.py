import os.path as osp

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
TOY1 = osp.join(REPO, 'configs/hvrnet/'
                'hvrnet_faster-rcnn_r18-dc5_stage1_toyvid.py')
TOY2 = osp.join(REPO, 'configs/hvrnet/'
                'hvrnet_faster-rcnn_r18-dc5_stage2_toyvid.py')

import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402


def run_tool(args, check=True, timeout=900, runner=None, env=None):
    """Run ``python ARGS`` (or ``RUNNER ARGS``) from the repo root, with
    ``env`` added to the environment."""
    env = dict(os.environ, PYTHONPATH=REPO, **(env or {}))
    cmd = (runner or [sys.executable]) + args
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f'{cmd} failed:\n{proc.stdout[-3000:]}\n'
                             f'{proc.stderr[-3000:]}')
    return proc


def data_opts(toy_data):
    """--cfg-options pointing the toy configs at a generated set, small."""
    return [f'{k}.dataset.data_root={toy_data}/'
            for k in ('train_dataloader', 'val_dataloader',
                      'test_dataloader')] + [
        'model.test_cfg.rpn.max_per_img=32',
        'model.train_cfg.rpn_proposal.max_per_img=32',
        'test_dataloader.dataset.pipeline.0.num_support=3',
        'val_dataloader.dataset.pipeline.0.num_support=3',
    ]


def free_port() -> int:
    """A TCP port nobody listens on now (for torchrun's rendezvous)."""
    import socket
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def examples(n: int) -> int:
    """Hypothesis examples for a property test: ``n``, scaled by
    ``MMHVR_HYPOTHESIS_SCALE`` (mutation runs use fewer, docs/testing.md)."""
    scale = float(os.environ.get('MMHVR_HYPOTHESIS_SCALE', '1'))
    return max(5, int(round(n * scale)))


def frame_folder(path, sizes):
    """A folder of random JPEG frames, one per (h, w) in ``sizes``."""
    import cv2
    import numpy as np
    path.mkdir()
    rng = np.random.default_rng(0)
    for i, (h, w) in enumerate(sizes):
        cv2.imwrite(str(path / f'{i:06d}.jpg'),
                    rng.integers(0, 255, (h, w, 3), dtype=np.uint8))
    return path

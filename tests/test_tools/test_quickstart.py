"""The README's first command, shortened (``--fast``): every step runs."""
import json
import os
import subprocess

import cv2

from tests_helpers import REPO


def test_quickstart_fast_runs_every_step(tmp_path):
    out, data = tmp_path / 'qs', tmp_path / 'toy'
    env = dict(os.environ, MMHVR_QUICKSTART_DIR=str(out),
               MMHVR_TOY_DATA=str(data))
    proc = subprocess.run(['bash', 'tools/quickstart.sh', '--fast'],
                          cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=1500)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    for stage in ('stage1', 'stage2'):
        assert f'{stage} {{' in proc.stdout, proc.stdout[-2000:]
        log = (out / f'test_{stage}.log').read_text()
        assert 'mAP' in log
    assert 'quick start done' in proc.stdout
    # the demo video has one frame per val frame
    video = cv2.VideoCapture(str(out / 'demo.mp4'))
    assert int(video.get(cv2.CAP_PROP_FRAME_COUNT)) == 12
    dets = json.load(open(out / 'demo.json'))
    assert len(dets['frames']) == 12 and len(dets['classes']) == 5

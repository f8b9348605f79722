"""demo/video_demo.py writes a playable video with the input's frames."""
import json
import os
import os.path as osp
import subprocess
import sys

import cv2
import numpy as np
import pytest

from tests_helpers import REPO, TOY2

DEMO_MP4 = osp.join(osp.dirname(REPO), 'shared', 'data', 'demo.mp4')
FAST = ['--num-support', '2']


def run(args):
    env = dict(os.environ, PYTHONPATH=REPO)
    return subprocess.run([sys.executable, 'demo/video_demo.py'] + args,
                          cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=600)


def frame_count(path):
    cap = cv2.VideoCapture(str(path))
    n = 0
    while cap.read()[0]:
        n += 1
    return n


def test_frame_folder(tmp_path):
    folder = tmp_path / 'frames'
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(5):
        cv2.imwrite(str(folder / f'{i:06d}.jpg'),
                    rng.integers(0, 255, (90, 120, 3), dtype=np.uint8))
    out, js = tmp_path / 'out.mp4', tmp_path / 'out.json'
    proc = run([str(folder), TOY2, '--out', str(out), '--out-json', str(js)]
               + FAST)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert 'RANDOM' in proc.stderr
    assert frame_count(out) == 5
    dets = json.load(open(js))
    assert len(dets['frames']) == 5 and dets['classes'][0] == 'disc'


@pytest.mark.skipif(not osp.exists(DEMO_MP4), reason='shared demo.mp4 absent')
def test_shared_demo_video(tmp_path):
    out = tmp_path / 'demo.mp4'
    proc = run([DEMO_MP4, TOY2, '--out', str(out), '--online'] + FAST)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert frame_count(out) == frame_count(DEMO_MP4)
    img = cv2.VideoCapture(str(out)).read()[1]
    assert img.shape[:2] == (1080, 1920)


def test_unreadable_and_empty_inputs(tmp_path):
    bad = tmp_path / 'bad.mp4'
    bad.write_bytes(b'garbage')
    proc = run([str(bad), TOY2, '--out', str(tmp_path / 'o.mp4')])
    assert proc.returncode != 0 and 'error:' in proc.stderr
    empty = tmp_path / 'empty'
    empty.mkdir()
    proc = run([str(empty), TOY2, '--out', str(tmp_path / 'o.mp4')])
    assert proc.returncode != 0 and 'no frames' in proc.stderr

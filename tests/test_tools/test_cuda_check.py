"""tools/misc/cuda_check.py: the CPU-vs-GPU comparison logic (CI has no GPU;
the whole script runs here with --device cpu, the CPU against itself)."""
import importlib.util
import json
import os.path as osp

import numpy as np
import pytest

from tests_helpers import REPO, TOY2, frame_folder, run_tool


def cuda_check():
    path = osp.join(REPO, 'tools', 'misc', 'cuda_check.py')
    spec = importlib.util.spec_from_file_location('cuda_check', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def dets(boxes, scores, labels):
    return (np.array(boxes, np.float32).reshape(-1, 4),
            np.array(scores, np.float32), np.array(labels))


def test_compare_matches_boxes_and_reports_differences():
    compare = cuda_check().compare
    a = [dets([[0, 0, 10, 10], [20, 20, 40, 40]], [0.9, 0.5], [0, 1])]
    same = compare(a, a)
    assert same == dict(detections_cpu=2, unmatched=0, max_score_diff=0.0,
                        max_box_diff_px=0.0)
    # a shifted score and box are measured on the matched pair
    b = [dets([[0, 0, 10, 10.5], [20, 20, 40, 40]], [0.9, 0.47], [0, 1])]
    r = compare(a, b)
    assert r['unmatched'] == 0
    assert r['max_score_diff'] == pytest.approx(0.03, abs=1e-6)
    assert r['max_box_diff_px'] == pytest.approx(0.5)
    # another label or a missing box is unmatched on both sides
    c = [dets([[0, 0, 10, 10]], [0.9], [2])]
    assert compare(a, c)['unmatched'] == 3
    assert compare(a, [dets([], [], [])])['unmatched'] == 2


def test_script_runs_cpu_against_itself(tmp_path):
    folder = frame_folder(tmp_path / 'frames', [(64, 80)] * 3)
    out = tmp_path / 'check.json'
    proc = run_tool(['tools/misc/cuda_check.py', TOY2, '--video',
                     str(folder), '--device', 'cpu', '--frames', '3',
                     '--out', str(out)])
    res = json.load(open(out))
    assert res['failures'] == []
    assert res['ops']['nms_same_keep'] is True
    assert res['detections']['unmatched'] == 0
    assert 'cuda_check: ok' in proc.stdout


@pytest.mark.parametrize('tool', ['tools/misc/cuda_check.py',
                                  'tools/analysis_tools/benchmark.py'])
def test_bad_paths_are_one_error_line_before_any_work(tool, tmp_path):
    folder = frame_folder(tmp_path / 'frames', [(64, 80)])
    blocker = tmp_path / 'a_file'
    blocker.write_text('x')
    device = ['--device', 'cpu']
    for args, said in (
            ([str(tmp_path / 'none.py'), '--video', str(folder)],
             f'config {tmp_path / "none.py"} does not exist'),
            ([TOY2, str(tmp_path / 'none.pth'), '--video', str(folder)],
             'checkpoint'),
            ([TOY2, '--video', str(tmp_path / 'none.mp4')],
             'no video file or frame folder'),
            ([TOY2, '--video', str(folder), '--out',
              str(blocker / 'r.json')], 'cannot write into')):
        proc = run_tool([tool, *args, *device], check=False)
        assert proc.returncode == 1, (args, proc.stderr[-1000:])
        lines = [ln for ln in proc.stderr.splitlines()
                 if ln.startswith('error: ')]
        assert len(lines) == 1 and said in lines[0], proc.stderr[-1000:]
        assert 'Traceback' not in proc.stderr

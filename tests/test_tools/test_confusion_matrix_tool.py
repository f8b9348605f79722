"""tools/analysis_tools/confusion_matrix.py on a hand-written set."""
import json
import pickle

import numpy as np
import pytest

from tests_helpers import TOY1, run_tool

from mmhvr.evaluation import load_cocovid_gt, match_dumped_detections


def write_set(tmp_path):
    coco = dict(
        categories=[dict(id=7, name='cat'), dict(id=9, name='dog')],
        videos=[dict(id=1, name='v')],
        images=[dict(id=i, file_name=f'{i}.jpg', height=50, width=50,
                     video_id=1, frame_id=i) for i in (1, 2)],
        annotations=[
            dict(id=1, image_id=1, category_id=7, bbox=[0, 0, 10, 10]),
            dict(id=2, image_id=2, category_id=9, bbox=[20, 20, 10, 10]),
        ])
    ann = tmp_path / 'ann.json'
    ann.write_text(json.dumps(coco))
    dets = [
        dict(img_id=1, pred_instances=dict(
            bboxes=np.array([[0, 0, 10, 10], [0, 0, 10, 10.]]),
            scores=np.array([0.9, 0.6]), labels=np.array([1, 0]))),
        dict(img_id=2, pred_instances=dict(
            bboxes=np.zeros((0, 4)), scores=np.zeros(0),
            labels=np.zeros(0, int))),
    ]
    return ann, dets


def test_load_cocovid_gt_and_matching(tmp_path):
    ann, dets = write_set(tmp_path)
    classes, gt = load_cocovid_gt(str(ann))
    assert classes == ['cat', 'dog']
    np.testing.assert_array_equal(gt[2]['bboxes'], [[20, 20, 30, 30]])
    assert gt[2]['labels'].tolist() == [1]  # category 9 -> label 1
    _, anns = match_dumped_detections(dets[::-1], gt)
    assert anns[0] is gt[2]
    with pytest.raises(ValueError, match='misses 1 of 2'):
        match_dumped_detections(dets[:1], gt)
    with pytest.raises(ValueError, match='not in the annotations'):
        match_dumped_detections(dets + [dict(dets[0], img_id=5)], gt)


def test_confusion_matrix_tool_prints_and_plots(tmp_path):
    ann, dets = write_set(tmp_path)
    pkl = tmp_path / 'dets.pkl'
    pkl.write_bytes(pickle.dumps(dets))
    out = tmp_path / 'c.png'
    proc = run_tool(['tools/analysis_tools/confusion_matrix.py', TOY1,
                     str(pkl), '--ann-file', str(ann), '--out', str(out)])
    rows = {ln.split('|')[1].strip(): [c.strip() for c in ln.split('|')[2:-1]]
            for ln in proc.stdout.splitlines() if ln.startswith('| ')}
    # the cat is called a dog (higher score) and a cat: double; the dog
    # is missed
    assert rows['cat'] == ['0', '1', '0', '1.000']
    assert rows['dog'] == ['0', '0', '1', '0.000']
    assert out.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    # a dump of another set is refused, naming the problem
    pkl.write_bytes(pickle.dumps(dets[:1]))
    proc = run_tool(['tools/analysis_tools/confusion_matrix.py', TOY1,
                     str(pkl), '--ann-file', str(ann), '--out', str(out)],
                    check=False)
    assert proc.returncode != 0 and 'misses 1 of 2' in proc.stderr

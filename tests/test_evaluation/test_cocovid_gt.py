"""load_cocovid_gt and match_dumped_detections on hand-written inputs."""
import json
import re

import numpy as np
import pytest

from mmhvr.evaluation import load_cocovid_gt, match_dumped_detections


def _coco():
    # category ids neither 0-based nor sorted: labels follow their order
    return dict(
        categories=[dict(id=7, name='cat'), dict(id=3, name='dog')],
        videos=[dict(id=1, name='v')],
        images=[dict(id=i, file_name=f'{i}.jpg', video_id=1, frame_id=i)
                for i in (10, 11, 12)],
        annotations=[
            dict(id=1, image_id=10, category_id=3, bbox=[1, 2, 3, 4],
                 iscrowd=0),
            dict(id=2, image_id=10, category_id=7, bbox=[0, 0, 5, 5]),
            # a crowd box and an ignored box are dropped; the box after
            # them is kept
            dict(id=3, image_id=11, category_id=7, bbox=[0, 0, 9, 9],
                 iscrowd=1),
            dict(id=4, image_id=11, category_id=3, bbox=[0, 0, 8, 8],
                 ignore=True),
            dict(id=5, image_id=11, category_id=7, bbox=[10, 20, 1, 2],
                 ignore=False),
        ])


def _write(tmp_path, coco):
    path = tmp_path / 'ann.json'
    path.write_text(json.dumps(coco))
    return str(path)


def test_load_converts_boxes_labels_and_keeps_empty_frames(tmp_path):
    classes, gt = load_cocovid_gt(_write(tmp_path, _coco()))
    assert classes == ['cat', 'dog']
    assert sorted(gt) == [10, 11, 12]
    # xywh -> xyxy; category 3 is 'dog' (label 1), 7 is 'cat' (label 0)
    np.testing.assert_array_equal(gt[10]['bboxes'],
                                  [[1, 2, 4, 6], [0, 0, 5, 5]])
    np.testing.assert_array_equal(gt[10]['labels'], [1, 0])
    np.testing.assert_array_equal(gt[11]['bboxes'], [[10, 20, 11, 22]])
    np.testing.assert_array_equal(gt[11]['labels'], [0])
    # a frame without boxes: (0, 4) boxes and (0, ) labels
    assert gt[12]['bboxes'].shape == (0, 4)
    assert gt[12]['labels'].shape == (0, )
    # float boxes (even from integer JSON), integer labels (even when empty)
    for frame in gt.values():
        assert sorted(frame) == ['bboxes', 'labels']
        assert frame['bboxes'].dtype == np.float64
        assert frame['labels'].dtype.kind == 'i'


def _filtering_coco():
    coco = _coco()
    # a degenerate box (0 wide), a 1 x 1 box, and a third category
    coco['categories'].append(dict(id=9, name='bird'))
    coco['annotations'] += [
        dict(id=6, image_id=12, category_id=7, bbox=[3, 3, 0, 5],
             instance_id=4),
        dict(id=7, image_id=12, category_id=3, bbox=[5, 5, 1, 1],
             instance_id=0),
        dict(id=8, image_id=12, category_id=9, bbox=[0, 0, 6, 6])]
    return coco


def test_classes_set_the_label_order_and_drop_other_categories(tmp_path):
    path = _write(tmp_path, _filtering_coco())
    classes, gt = load_cocovid_gt(path)
    assert classes == ['cat', 'dog', 'bird']
    np.testing.assert_array_equal(gt[12]['labels'], [0, 1, 2])
    classes, gt = load_cocovid_gt(path, classes=['dog', 'cat'])
    assert classes == ['dog', 'cat']
    # dog is label 0 now; the bird box is dropped
    np.testing.assert_array_equal(gt[10]['labels'], [0, 1])
    np.testing.assert_array_equal(gt[12]['labels'], [1, 0])
    with pytest.raises(ValueError, match=r"classes \['cow'\] are not "):
        load_cocovid_gt(path, classes=['cat', 'cow'])


def test_min_size_drops_narrow_boxes_only_when_asked(tmp_path):
    path = _write(tmp_path, _filtering_coco())
    _, kept = load_cocovid_gt(path)
    assert len(kept[12]['labels']) == 3  # the 0-wide box is kept
    _, gt = load_cocovid_gt(path, min_size=1)
    # the 0-wide box goes, the 1 x 1 box stays (w < 1 or h < 1 goes)
    np.testing.assert_array_equal(gt[12]['bboxes'],
                                  [[5, 5, 6, 6], [0, 0, 6, 6]])
    _, gt = load_cocovid_gt(path, min_size=2)
    np.testing.assert_array_equal(gt[12]['bboxes'], [[0, 0, 6, 6]])
    # a crowd box is dropped whatever min_size is (9 x 9 in image 11)
    np.testing.assert_array_equal(gt[11]['bboxes'], np.zeros((0, 4)))


def test_frame_info_for_the_motion_breakdown_and_clips(tmp_path):
    path = _write(tmp_path, _filtering_coco())
    _, gt = load_cocovid_gt(path, with_frame_info=True)
    frame = gt[12]
    assert (frame['video_id'], frame['frame_id'],
            frame['file_name']) == (1, 12, '12.jpg')
    # instance_id when given (0 included), else the annotation id
    np.testing.assert_array_equal(frame['instance_ids'], [4, 0, 8])
    assert frame['instance_ids'].dtype.kind == 'i'
    assert gt[10]['instance_ids'].tolist() == [1, 2]


def test_frame_info_of_an_image_outside_any_video(tmp_path):
    coco = _coco()
    coco['images'].append(dict(id=13, file_name='det.jpg'))
    _, gt = load_cocovid_gt(_write(tmp_path, coco), with_frame_info=True)
    # a still image (e.g. ImageNet DET): video 0, frame 0
    assert (gt[13]['video_id'], gt[13]['frame_id']) == (0, 0)
    # a frame without boxes: integer (0, ) instance ids
    assert gt[12]['instance_ids'].shape == (0, )
    assert gt[12]['instance_ids'].dtype.kind == 'i'


def test_unreadable_file_raises_value_error_naming_it(tmp_path):
    missing = str(tmp_path / 'nope.json')
    with pytest.raises(ValueError, match='^cannot read annotations '
                       f'{re.escape(missing)}: '):
        load_cocovid_gt(missing)
    bad = tmp_path / 'bad.json'
    bad.write_text('{"images": [')
    with pytest.raises(ValueError, match='^cannot read annotations '):
        load_cocovid_gt(str(bad))


@pytest.mark.parametrize('key', ['categories', 'images', 'annotations'])
def test_missing_top_level_key_raises(tmp_path, key):
    coco = _coco()
    del coco[key]
    path = _write(tmp_path, coco)
    with pytest.raises(ValueError,
                       match=f"^{re.escape(path)} has no '{key}': "
                       'not CocoVID$'):
        load_cocovid_gt(path)


GT = {10: dict(bboxes=np.zeros((0, 4)), labels=np.zeros(0, int)),
      11: dict(bboxes=np.array([[0, 0, 4, 4.]]), labels=np.array([1]))}


def _record(img_id):
    return dict(img_id=img_id, pred_instances=dict(
        bboxes=[[0, 0, 4, 4], [1, 1, 2, 2]], scores=[0.9, 0.3],
        labels=[1, 0]))


def test_match_pairs_records_in_their_order_with_arrays():
    det_results, anns = match_dumped_detections([_record(11), _record(10)],
                                                GT)
    assert anns[0] is GT[11] and anns[1] is GT[10]
    assert len(det_results) == 2
    for det in det_results:
        assert sorted(det) == ['bboxes', 'labels', 'scores']
        assert all(isinstance(v, np.ndarray) for v in det.values())
        np.testing.assert_array_equal(det['bboxes'],
                                      [[0, 0, 4, 4], [1, 1, 2, 2]])
        np.testing.assert_array_equal(det['scores'], [0.9, 0.3])
        np.testing.assert_array_equal(det['labels'], [1, 0])


def test_match_rejects_unknown_images_naming_three():
    dets = [_record(i) for i in (10, 11, 40, 30, 20, 50)]
    with pytest.raises(ValueError, match=(
            r'^detections: 4 records name images that are not in the '
            r'annotations \(e\.g\. \[20, 30, 40\]\); wrong annotation '
            r'file\?$')):
        match_dumped_detections(dets, GT)
    with pytest.raises(ValueError, match=r'^run A: 1 records name images'):
        match_dumped_detections(dets[:3], GT, source='run A')


def test_match_rejects_a_partial_dump():
    with pytest.raises(ValueError, match=(
            r'^detections misses 1 of 2 annotated frames: a partial or '
            r'stale dump\?$')):
        match_dumped_detections([_record(11)], GT)
    with pytest.raises(ValueError, match=r'^run B misses 2 of 2 '):
        match_dumped_detections([], GT, source='run B')

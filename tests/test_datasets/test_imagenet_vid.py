import copy
import json

import numpy as np
import pytest
from mmengine.config import Config

from mmhvr.registry import DATASETS, TRANSFORMS
from tests_helpers import TOY1


def build(cfg_dataset, toy_data, **kwargs):
    cfg = copy.deepcopy(cfg_dataset)
    cfg.data_root = toy_data + '/'
    cfg.update(kwargs)
    return DATASETS.build(cfg)


@pytest.fixture(scope='module')
def cfg():
    return Config.fromfile(TOY1)


def test_videos_labels_and_candidates(cfg, toy_data):
    ds = build(cfg.train_dataloader.dataset, toy_data)
    assert len(ds) == 15
    info = ds.get_data_info(0)
    assert [img['frame_id'] for img in info['images']] == list(range(5))
    labels = [inst['bbox_label'] for img in info['images']
              for inst in img['instances']]
    assert info['video_label'] == max(set(labels), key=labels.count)
    assert info['key_frame_candidates'] == list(range(5))
    assert len(ds.video_labels) == 15


def test_train_pipeline_item_layout(cfg, toy_data):
    ds = build(cfg.train_dataloader.dataset, toy_data)
    for i in range(6):
        item = ds[i]
        inputs, sample = item['inputs'], item['data_samples']
        assert inputs.ndim == 4 and inputs.shape[:2] == (3, 3)
        assert sample.metainfo['key_frames_inds'] == [0]
        assert sample.metainfo['ref_frames_inds'] == [1, 2]
        frames = sample.video_data_samples
        assert len({f.metainfo['flip'] for f in frames}) == 1
        assert len({f.metainfo['video_id'] for f in frames}) == 1
        h, w = inputs.shape[-2:]
        for f in frames:
            b = f.gt_instances.bboxes
            b = b.tensor if hasattr(b, 'tensor') else b
            assert len(b) == len(f.gt_instances.labels) == len(
                f.gt_instances.instances_ids)
            if len(b):
                assert (b[:, 2] <= w + 1e-3).all() and (
                    b[:, 3] <= h + 1e-3).all()


def test_unknown_category_is_an_error(cfg, toy_data, tmp_path):
    ann = json.load(open(f'{toy_data}/annotations/toy_vid_val.json'))
    ann['annotations'][0]['category_id'] = 99
    bad = tmp_path / 'bad.json'
    bad.write_text(json.dumps(ann))
    with pytest.raises(ValueError, match='category_id 99'):
        build(cfg.val_dataloader.dataset, toy_data, ann_file=str(bad))


def test_empty_val_set_is_an_error(cfg, toy_data, tmp_path):
    ann = json.load(open(f'{toy_data}/annotations/toy_vid_val.json'))
    ann.update(images=[], annotations=[], videos=[])
    empty = tmp_path / 'empty.json'
    empty.write_text(json.dumps(ann))
    with pytest.raises(ValueError, match='no images'):
        build(cfg.val_dataloader.dataset, toy_data, ann_file=str(empty))


def test_bad_boxes_are_skipped(cfg, toy_data, tmp_path):
    ann = json.load(open(f'{toy_data}/annotations/toy_vid_val.json'))
    n = len(ann['annotations'])
    ann['annotations'][0]['bbox'] = [5, 5, 0, 10]  # zero width
    ann['annotations'][1]['bbox'] = [500, 500, 10, 10]  # outside
    path = tmp_path / 'boxes.json'
    path.write_text(json.dumps(ann))
    ds = build(cfg.val_dataloader.dataset, toy_data, ann_file=str(path))
    kept = sum(len(img['instances']) for i in range(len(ds))
               for img in ds.get_data_info(i)['images'])
    assert kept == n - 2 and ds._bad_boxes == 2


def test_crop_that_removes_every_box_keeps_a_background_frame():
    crop = TRANSFORMS.build(dict(type='VideoMinIoURandomCrop'))
    img = np.zeros((100, 100, 3), np.uint8)
    results = dict(
        img=[img.copy(), img.copy()], img_shape=[(100, 100)] * 2,
        gt_bboxes=[np.array([[0., 0., 20., 20.]], np.float32),
                   np.array([[80., 80., 99., 99.]], np.float32)],
        gt_bboxes_labels=[np.array([1]), np.array([2])],
        gt_instances_ids=[np.array([7]), np.array([8])],
        gt_ignore_flags=[np.array([False]), np.array([False])],
        key_frame_flags=[True, False])
    crop._crop_frame(results, 1, np.array([0, 0, 50, 50]))
    assert results['img'][1].shape[:2] == (50, 50)
    assert len(results['gt_bboxes'][1]) == 0
    assert len(results['gt_bboxes_labels'][1]) == 0
    assert len(results['gt_instances_ids'][1]) == 0
    crop._crop_frame(results, 0, np.array([0, 0, 50, 50]))
    assert results['gt_instances_ids'][0].tolist() == [7]


def test_shared_crop_gives_equal_frame_sizes():
    import random
    random.seed(0)
    crop = TRANSFORMS.build(dict(type='VideoMinIoURandomCrop'))
    for _ in range(20):
        boxes = np.array([[10., 10., 60., 60.]], np.float32)
        results = dict(
            img=[np.zeros((100, 120, 3), np.uint8) for _ in range(3)],
            img_shape=[(100, 120)] * 3,
            gt_bboxes=[boxes.copy() for _ in range(3)],
            gt_bboxes_labels=[np.array([0])] * 3,
            key_frame_flags=[True, False, False])
        out = crop(results)
        assert len({im.shape for im in out['img']}) == 1


def test_imagenet_vid_train_pipeline_runs_on_video_data(toy_data):
    """The R101 configs' SSD-style pipeline (expand, shared crop, 1000x600)
    on toy frames."""
    import os.path as osp
    from tests_helpers import REPO
    cfg = Config.fromfile(osp.join(
        REPO, 'configs/hvrnet/'
        'hvrnet_faster-rcnn_r101-dc5_stage1_imagenetvid.py'))
    vid = copy.deepcopy(cfg.train_dataloader.dataset.datasets[0])
    vid.update(data_root=toy_data + '/',
               ann_file='annotations/toy_vid_train.json',
               data_prefix=dict(img_path='Data'),
               metainfo=dict(classes=('disc', 'square', 'triangle',
                                      'striped_cat', 'spotted_cat')))
    ds = DATASETS.build(vid)
    for i in range(5):
        item = ds[i]
        assert item['inputs'].shape[:2] == (3, 3)
        assert max(item['inputs'].shape[-2:]) <= 1000
        assert min(item['inputs'].shape[-2:]) <= 600

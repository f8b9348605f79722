"""ImagenetVIDDataset on a tiny hand-written CocoVID set, and the training
pipeline of configs/_base_/datasets/imagenet_vid_hvr.py on it."""
import copy
import json
import os.path as osp
import random
from unittest import mock

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import Compose

from mmhvr.registry import DATASETS, TRANSFORMS
from tests_helpers import REPO

BASE = osp.join(REPO, 'configs/_base_/datasets/imagenet_vid_hvr.py')
CLASSES = ('cat', 'dog', 'bird')
W, H = 64, 48


def make_cocovid(root) -> dict:
    """4 videos: v1 (4 frames, cat x4 + dog x1, key frames 1 and 3), v2
    (3 frames of a dog + one zero-width and one outside box), v3 (one frame,
    a bird), v4 (2 frames, no box). Images listed out of frame order."""
    cats = [dict(id=i + 1, name=n, encode_name=f'n0{i}')
            for i, n in enumerate(CLASSES)]
    videos = [dict(id=v, name=f'train/v{v}') for v in (1, 2, 3, 4)]
    frames = {1: 4, 2: 3, 3: 1, 4: 2}
    train_flags = {1: [False, True, False, True]}
    images, anns = [], []
    for v, n in frames.items():
        for f in reversed(range(n)):
            img_id = 10 * v + f
            name = f'train/v{v}/{f:06d}.JPEG'
            path = osp.join(root, 'Data', name)
            img = np.full((H, W, 3), 40 * v + 10 * f, np.uint8)
            import os
            os.makedirs(osp.dirname(path), exist_ok=True)
            cv2.imwrite(path, img)
            images.append(
                dict(id=img_id, file_name=name, height=H, width=W,
                     video_id=v, frame_id=f,
                     is_vid_train_frame=train_flags.get(v, [True] * n)[f]))

    def ann(img_id, video_id, cat, inst, bbox):
        anns.append(
            dict(id=len(anns) + 1, image_id=img_id, video_id=video_id,
                 category_id=cat, instance_id=inst, bbox=bbox,
                 area=bbox[2] * bbox[3], occluded=False, generated=False,
                 iscrowd=False))

    for f in range(4):
        ann(10 + f, 1, 1, 0, [4 + f, 4, 20, 16])  # cat, instance id 0
    ann(10, 1, 2, 1, [30, 20, 16, 16])  # a dog in v1's frame 0
    for f in range(3):
        ann(20 + f, 2, 2, 2, [10, 10, 30, 20])
    ann(21, 2, 2, 3, [5, 5, 0, 10])  # zero width
    ann(21, 2, 2, 4, [200, 200, 10, 10])  # outside the image
    ann(30, 3, 3, 5, [8, 8, 40, 30])
    data = dict(categories=cats, videos=videos, images=images,
                annotations=anns)
    os.makedirs(osp.join(root, 'annotations'), exist_ok=True)
    with open(osp.join(root, 'annotations', 'tiny.json'), 'w') as f:
        json.dump(data, f)
    return data


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp('tiny_vid')
    data = make_cocovid(str(root))
    return str(root), data


@pytest.fixture(scope='module')
def base_cfg():
    return Config.fromfile(BASE)


def build(root, test_mode=False, ann_file='annotations/tiny.json',
          pipeline=(), **kwargs):
    return DATASETS.build(
        dict(type='ImagenetVIDDataset', data_root=root, ann_file=ann_file,
             metainfo=dict(classes=CLASSES), data_prefix=dict(img_path='Data'),
             test_mode=test_mode, pipeline=list(pipeline), **kwargs))


def write(tmp_path, data, name='bad.json'):
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return str(path)


def test_default_classes_are_the_30_vid_classes():
    from mmhvr.datasets import VID_CLASSES, ImagenetVIDDataset
    meta = ImagenetVIDDataset.METAINFO
    assert meta['classes'] == VID_CLASSES and len(VID_CLASSES) == 30
    assert VID_CLASSES[0] == 'airplane' and VID_CLASSES[-1] == 'zebra'
    assert len(meta['palette']) == 30


def test_videos_frames_labels_and_key_frame_candidates(tiny):
    root, _ = tiny
    with mock.patch('mmhvr.datasets.imagenet_vid.print_log') as log:
        ds = build(root, key_frames_only=True)
    # v4 has no box: its frames are filtered out in training, and so is it
    assert len(ds) == 3
    infos = [ds.get_data_info(i) for i in range(3)]
    assert [v['video_id'] for v in infos] == [1, 2, 3]
    assert [[im['frame_id'] for im in v['images']] for v in infos] == \
        [[0, 1, 2, 3], [0, 1, 2], [0]]
    assert [v['video_length'] for v in infos] == [4, 3, 1]
    # majority class: v1 has 4 cat boxes and 1 dog box
    assert [v['video_label'] for v in infos] == [0, 1, 2]
    assert ds.video_labels == [0, 1, 2]
    # key frames only among is_vid_train_frame frames
    assert infos[0]['key_frame_candidates'] == [1, 3]
    assert infos[1]['key_frame_candidates'] == [0, 1, 2]
    assert infos[2]['key_frame_candidates'] == [0]
    v1 = infos[0]['images'][0]
    assert v1['img_path'] == osp.join(root, 'Data', 'train/v1/000000.JPEG')
    # instance id 0 is kept (mmdet would replace it by the box index)
    assert [i['instance_id'] for i in v1['instances']] == [0, 1]
    assert v1['instances'][0]['bbox'] == [4, 4, 24, 20]
    # the zero-width and the outside box are skipped, counted once
    assert len(infos[1]['images'][1]['instances']) == 1
    assert ds._bad_boxes == 2
    messages = [c.args[0] for c in log.call_args_list]
    bad = [m for m in messages if 'skipped' in m]
    assert len(bad) == 1 and 'tiny.json' in bad[0] and ' 2 boxes' in bad[0]
    all_frames = build(root)
    assert all_frames.get_data_info(0)['key_frame_candidates'] == \
        [0, 1, 2, 3]


def test_test_mode_with_track_img_sampler(tiny, base_cfg):
    from mmdet.datasets.samplers import TrackImgSampler
    root, _ = tiny
    ds = build(root, test_mode=True, pipeline=base_cfg.test_pipeline)
    assert len(ds) == 4  # the box-less video stays for testing
    indices = list(TrackImgSampler(ds, seed=0))
    assert indices[:5] == [(0, 0), (0, 1), (0, 2), (0, 3), (1, 0)]
    assert len(indices) == 10
    item = ds[(0, 2)]
    meta = item['data_samples'].metainfo
    assert meta['key_frames_inds'] == [0] and meta['video_id'] == 1
    assert meta['support_frame_ids'] == [0, 1, 3]
    key = item['data_samples'].video_data_samples[0]
    assert key.metainfo['frame_id'] == 2 and key.metainfo['img_id'] == 12
    assert key.metainfo['ori_shape'] == (H, W)
    assert item['inputs'].shape[-2:] == (600, 800)
    # a video index alone is not a test item
    with pytest.raises(ValueError, match='TrackImgSampler'):
        ds[0]


def test_unknown_category_is_an_error(tiny, tmp_path):
    root, data = tiny
    data = copy.deepcopy(data)
    data['annotations'][3]['category_id'] = 99
    path = write(tmp_path, data)
    with pytest.raises(ValueError) as err:
        build(root, ann_file=path)
    msg = str(err.value)
    assert 'annotation 4' in msg and 'category_id 99' in msg
    assert 'bad.json' in msg


def test_empty_test_set_is_an_error(tiny, tmp_path):
    root, data = tiny
    data = dict(copy.deepcopy(data), images=[], annotations=[], videos=[])
    path = write(tmp_path, data, 'empty.json')
    with pytest.raises(ValueError, match='empty.json holds no images'):
        build(root, test_mode=True, ann_file=path)


def _boxes(sample):
    b = sample.gt_instances.bboxes
    return b.tensor if hasattr(b, 'tensor') else torch.as_tensor(b)


def test_full_train_pipeline(tiny, base_cfg):
    root, _ = tiny
    ds = build(root, key_frames_only=True, pipeline=base_cfg.train_pipeline)
    flips = set()
    random.seed(0)
    np.random.seed(0)
    for _ in range(6):
        for i in range(len(ds)):
            item = ds[i]
            inputs, sample = item['inputs'], item['data_samples']
            assert inputs.ndim == 4 and inputs.shape[:2] == (3, 3)
            h, w = inputs.shape[-2:]
            assert h % 16 == 0 and w % 16 == 0
            assert sample.metainfo['key_frames_inds'] == [0]
            assert sample.metainfo['ref_frames_inds'] == [1, 2]
            frames = sample.video_data_samples
            info = ds.get_data_info(i)
            key_frame = frames[0].metainfo['frame_id']
            assert key_frame in info['key_frame_candidates']
            if info['video_length'] > 1:
                assert all(f.metainfo['frame_id'] != key_frame
                           for f in frames[1:])
            # one flip, one geometry for every frame of the video
            assert len({f.metainfo['flip'] for f in frames}) == 1
            flips.add(frames[0].metainfo['flip'])
            assert len({f.metainfo['img_shape'] for f in frames}) == 1
            assert len({f.metainfo['video_id'] for f in frames}) == 1
            img_h, img_w = frames[0].metainfo['img_shape']
            for f in frames:
                b = _boxes(f)
                n = len(f.gt_instances.labels)
                assert len(b) == n == len(f.gt_instances.instances_ids)
                if n:
                    assert (b[:, 0] >= 0).all() and (b[:, 1] >= 0).all()
                    assert (b[:, 2] <= img_w + 1e-3).all()
                    assert (b[:, 3] <= img_h + 1e-3).all()
                    assert (b[:, 2] > b[:, 0]).all() and (
                        b[:, 3] > b[:, 1]).all()
    assert flips == {True, False}


def test_crop_that_removes_every_box_gives_an_empty_valid_frame(
        tiny, base_cfg):
    """The crop patch (drawn from the key frame's cat box, on the left)
    leaves out the support frame's only box (on the right): the support
    frame stays, background only, and the item packs."""
    root, _ = tiny
    results = dict(
        img=[np.zeros((H, W, 3), np.uint8) for _ in range(2)],
        img_shape=[(H, W)] * 2, ori_shape=[(H, W)] * 2,
        img_id=[1, 2], frame_id=[0, 1], video_id=[9, 9],
        gt_bboxes=[np.array([[2., 2., 20., 20.]], np.float32),
                   np.array([[44., 28., 62., 46.]], np.float32)],
        gt_bboxes_labels=[np.array([1]), np.array([2])],
        gt_instances_ids=[np.array([7]), np.array([8])],
        gt_ignore_flags=[np.array([False]), np.array([False])],
        key_frame_flags=[True, False])
    crop = TRANSFORMS.build(dict(type='VideoMinIoURandomCrop'))
    with mock.patch.object(crop, '_draw_patch',
                           return_value=np.array([0, 0, 30, 24])):
        out = crop(results)
    assert [im.shape[:2] for im in out['img']] == [(24, 30), (24, 30)]
    assert out['gt_bboxes'][0].tolist() == [[2., 2., 20., 20.]]
    assert out['gt_instances_ids'][0].tolist() == [7]
    for key in ('gt_bboxes', 'gt_bboxes_labels', 'gt_instances_ids',
                'gt_ignore_flags'):
        assert len(out[key][1]) == 0
    rest = Compose(base_cfg.train_pipeline[-2:])  # resize/flip/pad + pack
    packed = rest(out)
    support = packed['data_samples'].video_data_samples[1]
    assert len(support.gt_instances.labels) == 0
    assert _boxes(support).shape[0] == 0
    assert packed['inputs'].shape[0] == 2


def test_crop_is_shared_and_keeps_boxes_with_their_ids():
    random.seed(1)
    crop = TRANSFORMS.build(dict(type='VideoMinIoURandomCrop'))
    cropped = 0
    for _ in range(30):
        boxes = np.array([[10., 10., 60., 60.], [70., 5., 110., 40.]],
                         np.float32)
        results = dict(
            img=[np.zeros((100, 120, 3), np.uint8) for _ in range(3)],
            img_shape=[(100, 120)] * 3,
            gt_bboxes=[boxes.copy(), boxes.copy() + 1, boxes[:1].copy()],
            gt_bboxes_labels=[np.array([0, 1]), np.array([0, 1]),
                              np.array([0])],
            gt_instances_ids=[np.array([3, 4]), np.array([3, 4]),
                              np.array([3])],
            key_frame_flags=[True, False, False])
        out = crop(results)
        assert len({im.shape for im in out['img']}) == 1
        cropped += out['img'][0].shape != (100, 120, 3)
        for b, labels, ids in zip(out['gt_bboxes'], out['gt_bboxes_labels'],
                                  out['gt_instances_ids']):
            assert len(b) == len(labels) == len(ids)
            # label 0 always goes with instance 3, label 1 with 4
            assert all({0: 3, 1: 4}[lab] == i for lab, i in zip(labels, ids))
    assert cropped > 0

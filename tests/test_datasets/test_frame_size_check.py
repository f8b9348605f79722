"""A frame whose size is not the annotation file's is refused, naming it."""
import json
import os.path as osp

import cv2
import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import DefaultScope

from mmhvr.registry import DATASETS
from tests_helpers import TOY1


@pytest.fixture
def tiny_toy(tmp_path):
    from mmhvr.datasets.toy_vid import MIN_TOY_SIZE, make_toy_vid
    root = str(tmp_path / 'toy')
    make_toy_vid(root, seed=0, num_train_videos=1, num_val_videos=1,
                 num_frames=2, size=(MIN_TOY_SIZE, MIN_TOY_SIZE))
    return root


def val_set(root):
    cfg = Config.fromfile(TOY1).test_dataloader.dataset
    cfg.data_root = root + '/'
    with DefaultScope.overwrite_default_scope('mmhvr'):
        return DATASETS.build(cfg)


def test_frame_larger_than_its_annotation_is_refused(tiny_toy):
    dataset = val_set(tiny_toy)
    item = dataset[(0, 0)]  # the set as generated loads fine
    assert item['data_samples'].video_data_samples[0].ori_shape == tuple(
        json.load(open(osp.join(tiny_toy, 'annotations',
                                'toy_vid_val.json')))['images'][0][k]
        for k in ('height', 'width'))
    ann = json.load(open(osp.join(tiny_toy, 'annotations',
                                  'toy_vid_val.json')))
    info = ann['images'][1]
    path = osp.join(tiny_toy, 'Data', info['file_name'])
    cv2.imwrite(path, np.zeros((info['height'] + 8, info['width'] + 16, 3),
                               np.uint8))
    dataset = val_set(tiny_toy)
    with pytest.raises(ValueError) as e:
        dataset[(0, 0)]  # frame 1 is a support of frame 0
    msg = str(e.value)
    assert info['file_name'] in msg
    assert f'{info["width"] + 16}x{info["height"] + 8}' in msg
    assert f'{info["width"]}x{info["height"]}' in msg

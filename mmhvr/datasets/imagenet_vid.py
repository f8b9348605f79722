"""ImageNet VID (and DET as one-frame videos) in the CocoVID format."""
import copy
from collections import Counter
from typing import Any, List

from mmdet.datasets import BaseVideoDataset
from mmengine.logging import print_log

from mmhvr.registry import DATASETS

VID_CLASSES = ('airplane', 'antelope', 'bear', 'bicycle', 'bird', 'bus',
               'car', 'cattle', 'dog', 'domestic_cat', 'elephant', 'fox',
               'giant_panda', 'hamster', 'horse', 'lion', 'lizard', 'monkey',
               'motorcycle', 'rabbit', 'red_panda', 'sheep', 'snake',
               'squirrel', 'tiger', 'train', 'turtle', 'watercraft', 'whale',
               'zebra')


@DATASETS.register_module()
class ImagenetVIDDataset(BaseVideoDataset):
    """CocoVID annotations of ImageNet VID / DET (or any CocoVID set: pass
    ``metainfo=dict(classes=...)``).

    Each item is a video (``images`` in frame order). Video-level extras:
    ``video_label`` (the class of most of its boxes, -1 without boxes, used
    by :class:`VideoTripletSampler`) and ``key_frame_candidates`` (frame
    indices a training key frame may be drawn from: the
    ``is_vid_train_frame`` frames when ``key_frames_only``).

    In test mode an index ``(video_index, frame_index)`` hands the pipeline
    the whole video with ``key_frame_id`` set, so that the support-sampling
    transform can pick the key frame's supports.

    Args:
        key_frames_only (bool): draw training key frames only among
            ``is_vid_train_frame`` frames (the authors' 15 per video).
    """

    METAINFO = dict(
        classes=VID_CLASSES,
        palette=[(int(37 * i) % 255, int(97 * i + 80) % 255,
                  int(151 * i + 40) % 255) for i in range(30)])

    def __init__(self, *args, key_frames_only: bool = False, **kwargs):
        self.key_frames_only = key_frames_only
        super().__init__(*args, **kwargs)

    def load_data_list(self) -> List[dict]:
        from mmengine import fileio

        from mmdet.datasets.api_wrappers import COCO
        with fileio.get_local_path(self.ann_file) as local_path:
            coco = COCO(local_path)
        known = set(coco.cats)
        for ann in coco.dataset.get('annotations', []):
            if ann.get('category_id') not in known:
                raise ValueError(
                    f'{self.ann_file}: annotation {ann.get("id")} has '
                    f'category_id {ann.get("category_id")}, which is not in '
                    f'its categories {sorted(known)}')
        missing = [c for c in self.metainfo['classes']
                   if c not in {cat['name'] for cat in coco.cats.values()}]
        if missing:
            raise ValueError(f'{self.ann_file}: classes {missing} asked for '
                             'by the dataset metainfo are not in its '
                             'categories')
        self._bad_boxes = 0
        data_list = super().load_data_list()
        if self._bad_boxes:
            print_log(
                f'{self.ann_file}: skipped {self._bad_boxes} boxes with zero '
                'or negative size or outside their image', 'current',
                level=30)
        if self.test_mode and not any(v['images'] for v in data_list):
            raise ValueError(f'{self.ann_file} holds no images to test on')
        for video in data_list:
            video['images'].sort(key=lambda img: img.get('frame_id', 0))
        return data_list

    def parse_data_info(self, raw_data_info: dict) -> dict:
        img = raw_data_info['raw_img_info']
        for ann in raw_data_info['raw_ann_info']:
            x, y, w, h = ann['bbox']
            inside_w = min(x + w, img['width']) - max(x, 0)
            inside_h = min(y + h, img['height']) - max(y, 0)
            if w < 1 or h < 1 or inside_w <= 0 or inside_h <= 0:
                self._bad_boxes += 1
        info = super().parse_data_info(raw_data_info)
        info.setdefault('is_vid_train_frame', True)
        return info

    def filter_data(self) -> List[dict]:
        data_list = super().filter_data()
        kept = []
        for video in data_list:
            if not video['images']:
                continue
            labels = [inst['bbox_label'] for img in video['images']
                      for inst in img['instances']]
            video['video_label'] = Counter(labels).most_common(1)[0][0] \
                if labels else -1
            frames = range(len(video['images']))
            candidates = [
                i for i in frames
                if video['images'][i].get('is_vid_train_frame', True)
            ] if self.key_frames_only else list(frames)
            video['key_frame_candidates'] = candidates or list(frames)
            kept.append(video)
        return kept

    @property
    def video_labels(self) -> List[int]:
        """Class of every video (-1: no box)."""
        return [self.get_data_info(i)['video_label'] for i in range(len(self))]

    def prepare_data(self, idx) -> Any:
        if self.test_mode and isinstance(idx, tuple):
            video_idx, frame_idx = idx
            data_info = copy.deepcopy(self.get_data_info(video_idx))
            data_info['key_frame_id'] = frame_idx
            return self.pipeline(data_info)
        return super().prepare_data(idx)

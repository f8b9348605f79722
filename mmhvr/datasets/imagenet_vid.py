"""ImageNet VID (and DET as one-frame videos) in the CocoVID format."""
import os.path as osp
from typing import Any, Dict, List, Optional

from mmdet.datasets import BaseVideoDataset
from mmdet.datasets.api_wrappers import COCO
from mmengine import fileio
from mmengine.logging import print_log

from mmhvr.registry import DATASETS
from mmhvr.utils import majority_label

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

    One item is one video: ``images`` (frame infos sorted by ``frame_id``),
    ``video_id``, ``video_length`` and two mmhvr extras:

    * ``video_label``: the class (label index) of most of the video's
      boxes, -1 for a video without boxes (used by
      :class:`~mmhvr.datasets.VideoTripletSampler`, see
      :attr:`video_labels`);
    * ``key_frame_candidates``: indices (into ``images``) a training key
      frame may be drawn from: the ``is_vid_train_frame`` frames when
      ``key_frames_only`` (every frame of a video that has none), else every
      frame.

    Images without ``video_id`` (ImageNet DET) become one-frame videos, as in
    mmdet's :class:`BaseVideoDataset`.

    Checks: an annotation whose ``category_id`` is not among the file's
    ``categories`` is a ``ValueError`` naming the annotation and the file; a
    box of zero/negative size or entirely outside its image is skipped and
    counted (one warning per file); a test set without images is a
    ``ValueError``.

    Test mode: an index ``(video_index, frame_index)`` (mmdet's
    ``TrackImgSampler``) hands the pipeline the whole video with
    ``key_frame_id = frame_index``, for ``VideoTestSupportSample``.

    Args:
        key_frames_only (bool): draw training key frames only among the
            ``is_vid_train_frame`` frames (the authors' 15 per video).
            Defaults to False.
        *args, **kwargs: see :class:`mmdet.datasets.BaseVideoDataset`.
    """

    METAINFO = dict(
        classes=VID_CLASSES,
        palette=[(int(37 * i) % 255, int(97 * i + 80) % 255,
                  int(151 * i + 40) % 255) for i in range(30)])

    def __init__(self, *args, key_frames_only: bool = False, **kwargs):
        self.key_frames_only = key_frames_only
        self._video_labels: Optional[List[int]] = None
        super().__init__(*args, **kwargs)

    # ------------------------------------------------------------- loading
    def load_data_list(self) -> List[dict]:
        """Videos of the CocoVID file (the annotation file is read once)."""
        with fileio.get_local_path(self.ann_file) as local_path:
            coco = COCO(local_path)
        self._check_categories(coco)
        self.cat_ids = coco.get_cat_ids(cat_names=self.metainfo['classes'])
        self.cat2label = {cat_id: i for i, cat_id in enumerate(self.cat_ids)}
        self.cat_img_map = {k: list(v) for k, v in coco.cat_img_map.items()}
        self.img_ids_with_ann = set()
        self._bad_boxes = 0

        ann_ids_seen = []
        single_video_id = 100000
        videos: Dict[Any, dict] = {}
        for img_id in coco.get_img_ids():
            raw_img_info = dict(coco.load_imgs([img_id])[0], img_id=img_id)
            if 'video_id' in raw_img_info:
                video_id = raw_img_info['video_id']
            else:  # an image dataset: every image is a one-frame video
                single_video_id += 1
                video_id = raw_img_info['video_id'] = single_video_id
            video = videos.setdefault(
                video_id, dict(video_id=video_id, images=[], video_length=0))
            video['video_length'] += 1
            ann_ids = coco.get_ann_ids(img_ids=[img_id], cat_ids=self.cat_ids)
            ann_ids_seen.extend(ann_ids)
            info = self.parse_data_info(
                dict(raw_img_info=raw_img_info,
                     raw_ann_info=coco.load_anns(ann_ids)))
            if info['instances']:
                self.img_ids_with_ann.add(info['img_id'])
            video['images'].append(info)

        if len(set(ann_ids_seen)) != len(ann_ids_seen):
            raise ValueError(f'annotation ids in {self.ann_file} are not '
                             'unique')
        if self._bad_boxes:
            print_log(
                f'{self.ann_file}: skipped {self._bad_boxes} boxes with zero '
                'or negative size or entirely outside their image',
                'current', level=30)
        if self.test_mode and not videos:
            raise ValueError(f'{self.ann_file} holds no images to test on')
        data_list = list(videos.values())
        for video in data_list:
            video['images'].sort(key=lambda img: img.get('frame_id', 0))
        return data_list

    def _check_categories(self, coco: COCO) -> None:
        known = set(coco.cats)
        for ann in coco.dataset.get('annotations', []):
            if ann.get('category_id') not in known:
                raise ValueError(
                    f'{self.ann_file}: annotation {ann.get("id")} has '
                    f'category_id {ann.get("category_id")}, which is not in '
                    f'the file\'s categories {sorted(known)}')
        names = {cat['name'] for cat in coco.cats.values()}
        missing = [c for c in self.metainfo['classes'] if c not in names]
        if missing:
            raise ValueError(
                f'{self.ann_file}: classes {missing} of the dataset metainfo '
                f'are not in the file\'s categories {sorted(names)}')

    def parse_data_info(self, raw_data_info: dict) -> dict:
        """One frame: image info, ``img_path`` and valid ``instances``
        (``bbox`` xyxy, ``bbox_label``, ``instance_id``, ``ignore_flag``).

        Unlike mmdet's, an ``instance_id`` of 0 is kept (mmdet replaces a
        falsy id by the annotation's index in the frame).
        """
        img = raw_data_info['raw_img_info']
        data_info = dict(img)
        prefix = self.data_prefix.get('img_path')
        data_info['img_path'] = osp.join(prefix, img['file_name']) \
            if prefix is not None else img['file_name']
        data_info.setdefault('is_vid_train_frame', True)
        instances = []
        for i, ann in enumerate(raw_data_info['raw_ann_info']):
            if ann.get('ignore', False) or \
                    ann['category_id'] not in self.cat2label:
                continue
            x1, y1, w, h = ann['bbox']
            # testing keeps the devkit's 1-px objects (xmin == xmax, w = 0)
            pad = 1 if self.test_mode else 0
            inter_w = max(0, min(x1 + w + pad, img['width']) - max(x1, 0))
            inter_h = max(0, min(y1 + h + pad, img['height']) - max(y1, 0))
            if inter_w * inter_h <= 0 or min(w, h) < 1 - pad or \
                    ann.get('area', (w + pad) * (h + pad)) <= 0:
                self._bad_boxes += 1
                continue
            instance_id = ann.get('instance_id')
            instances.append(
                dict(
                    bbox=[x1, y1, x1 + w, y1 + h],
                    bbox_label=self.cat2label[ann['category_id']],
                    instance_id=i if instance_id is None else instance_id,
                    ignore_flag=int(bool(ann.get('iscrowd', False))),
                    occluded=ann.get('occluded', False),
                    generated=ann.get('generated', False)))
        data_info['instances'] = instances
        return data_info

    def filter_data(self) -> List[dict]:
        """Training: drop the frames without a valid box (unless
        ``filter_cfg=dict(filter_empty_gt=False)``) or smaller than
        ``filter_cfg['min_size']`` (32), as mmdet's filter means to (mmdet
        3.3's keeps every frame of a video that has no box at all), then the
        videos left without frames. Every mode: set ``video_label`` and
        ``key_frame_candidates``."""
        data_list = self.data_list
        if not self.test_mode:
            cfg = self.filter_cfg or {}
            empty_gt = cfg.get('filter_empty_gt', True)
            min_size = cfg.get('min_size', 32)
            before = sum(len(v['images']) for v in data_list)
            for video in data_list:
                video['images'] = [
                    img for img in video['images']
                    if (not empty_gt or img['img_id'] in self.img_ids_with_ann)
                    and min(img['width'], img['height']) >= min_size
                ]
            print_log(
                'The number of frames before and after filtering: '
                f'{before} / {sum(len(v["images"]) for v in data_list)}',
                'current')
        kept = []
        for video in data_list:
            images = video['images']
            if not images:
                continue
            video['video_length'] = len(images)
            labels = [inst['bbox_label'] for img in images
                      for inst in img['instances']]
            video['video_label'] = majority_label(labels)
            frames = list(range(len(images)))
            candidates = [
                i for i in frames if images[i].get('is_vid_train_frame', True)
            ] if self.key_frames_only else frames
            video['key_frame_candidates'] = candidates or frames
            kept.append(video)
        if not self.test_mode and not kept:
            raise ValueError(
                f'{self.ann_file}: no training frame has a box of the '
                f'classes {self.metainfo["classes"]}')
        return kept

    # ------------------------------------------------------------- access
    @property
    def video_labels(self) -> List[int]:
        """The ``video_label`` of every item (-1: a video without boxes),
        computed once."""
        if self._video_labels is None:
            self._video_labels = [
                self.get_data_info(i)['video_label']
                for i in range(len(self))
            ]
        return self._video_labels

    def prepare_data(self, idx) -> Any:
        """A training item (``idx`` a video index, or ``(video, frame)`` to
        fix the key frame) or a test item (``(video, frame)``: the whole
        video with ``key_frame_id``)."""
        if not self.test_mode:
            return super().prepare_data(idx)
        if isinstance(idx, tuple):
            video_idx, frame_idx = idx
        else:
            video_idx, frame_idx = idx, None
        data_info = self.get_data_info(video_idx)  # a copy already
        if frame_idx is not None:
            data_info['key_frame_id'] = int(frame_idx)
        return self.pipeline(data_info)

"""ILSVRC2015 VID/DET XML → CocoVID JSON (used by the converter tools)."""
import os
import os.path as osp
import xml.etree.ElementTree as ET
from collections import defaultdict
from typing import Dict, List, Optional, Tuple

import numpy as np

from .imagenet_vid import VID_CLASSES

VID_WNIDS = ('n02691156', 'n02419796', 'n02131653', 'n02834778', 'n01503061',
             'n02924116', 'n02958343', 'n02402425', 'n02084071', 'n02121808',
             'n02503517', 'n02118333', 'n02510455', 'n02342885', 'n02374451',
             'n02129165', 'n01674464', 'n02484322', 'n03790512', 'n02324045',
             'n02509815', 'n02411705', 'n01726692', 'n02355227', 'n02129604',
             'n04468005', 'n01662784', 'n04530566', 'n02062744', 'n02391049')
CATEGORIES = [
    dict(id=i + 1, name=name, encode_name=wnid)
    for i, (name, wnid) in enumerate(zip(VID_CLASSES, VID_WNIDS))
]
WNID_TO_ID = {wnid: i + 1 for i, wnid in enumerate(VID_WNIDS)}
TRAIN_FRAMES_PER_VIDEO = 15


class BadAnnotation(ValueError):
    """A missing or malformed annotation XML (the message names it)."""


def parse_xml(path: str) -> dict:
    """One ILSVRC annotation XML → ``dict(width, height, objects)``; objects
    hold ``wnid``, ``trackid`` (-1 for DET), ``bbox`` xyxy, ``occluded``,
    ``generated``."""
    if not osp.isfile(path):
        raise BadAnnotation(f'missing annotation file {path}')
    try:
        root = ET.parse(path).getroot()
        size = root.find('size')
        if size is None:
            raise ValueError('no <size>')
        width = int(size.findtext('width'))
        height = int(size.findtext('height'))
        objects = []
        for obj in root.findall('object'):
            box = obj.find('bndbox')
            if box is None:
                raise ValueError('an <object> has no <bndbox>')
            xyxy = [float(box.findtext(k))
                    for k in ('xmin', 'ymin', 'xmax', 'ymax')]
            objects.append(
                dict(wnid=obj.findtext('name', '').strip(),
                     trackid=int(obj.findtext('trackid', '-1')),
                     bbox=xyxy,
                     occluded=obj.findtext('occluded', '0').strip() == '1',
                     generated=obj.findtext('generated', '0').strip() == '1'))
    except (ET.ParseError, ValueError, TypeError) as e:
        raise BadAnnotation(f'malformed annotation file {path}: {e}') from e
    return dict(width=width, height=height, objects=objects)


def train_frame_flags(num_frames: int,
                      count: int = TRAIN_FRAMES_PER_VIDEO) -> List[bool]:
    """``count`` evenly spaced frames of a training video (all if fewer)."""
    keep = set(np.linspace(0, num_frames - 1, min(count, num_frames)).round()
               .astype(int).tolist()) if num_frames else set()
    return [i in keep for i in range(num_frames)]


class CocoVIDWriter:
    """Accumulates CocoVID videos/images/annotations and statistics."""

    def __init__(self) -> None:
        self.videos: List[dict] = []
        self.images: List[dict] = []
        self.annotations: List[dict] = []
        self.skipped_objects: Dict[str, int] = defaultdict(int)
        self.bad_files: List[str] = []
        # boxes with xmax < xmin or ymax < ymin: skipped, one line each
        self.invalid_boxes: List[str] = []
        self.per_class = defaultdict(lambda: [set(), set(), 0])
        self._instances: Dict[Tuple[int, int], int] = {}

    def read(self, path: str, skip_bad: bool) -> Optional[dict]:
        """``parse_xml(path)``; a bad file raises, or with ``skip_bad`` is
        listed in ``bad_files`` and gives None."""
        try:
            return parse_xml(path)
        except BadAnnotation:
            if not skip_bad:
                raise
            self.bad_files.append(path)
            return None

    def add_video(self, name: str) -> int:
        self.videos.append(dict(id=len(self.videos) + 1, name=name))
        return len(self.videos)

    def add_frame(self, video_id: int, frame_id: int, file_name: str,
                  ann: dict, is_train_frame: bool) -> None:
        image_id = len(self.images) + 1
        self.images.append(
            dict(id=image_id, file_name=file_name, height=ann['height'],
                 width=ann['width'], video_id=video_id, frame_id=frame_id,
                 is_vid_train_frame=is_train_frame))
        for obj in ann['objects']:
            cat = WNID_TO_ID.get(obj['wnid'])
            if cat is None:
                self.skipped_objects[obj['wnid']] += 1
                continue
            key = (video_id, obj['trackid']) if obj['trackid'] >= 0 else \
                (video_id, -len(self.annotations) - 1)
            x1, y1, x2, y2 = obj['bbox']
            # the XML's numbers, kept (x + w = xmax); the devkit measures a
            # box as w + 1 pixels, so xmin == xmax is a 1-px object (kept)
            # and only xmax < xmin or ymax < ymin is no box at all
            w, h = x2 - x1, y2 - y1
            if not (w >= 0 and h >= 0):
                self.invalid_boxes.append(
                    f'{file_name}: {obj["wnid"]} xmin={x1:g} ymin={y1:g} '
                    f'xmax={x2:g} ymax={y2:g}')
                continue
            instance = self._instances.setdefault(key,
                                                  len(self._instances) + 1)
            self.annotations.append(
                dict(id=len(self.annotations) + 1, image_id=image_id,
                     video_id=video_id, category_id=cat,
                     instance_id=instance, bbox=[x1, y1, w, h],
                     area=(w + 1) * (h + 1),
                     occluded=obj['occluded'], generated=obj['generated'],
                     iscrowd=False))
            stats = self.per_class[cat]
            stats[0].add(video_id)
            stats[1].add(image_id)
            stats[2] += 1

    def to_json(self) -> dict:
        return dict(categories=CATEGORIES, videos=self.videos,
                    images=self.images, annotations=self.annotations)

    def summary_rows(self) -> List[list]:
        rows = [['class', 'videos', 'frames', 'boxes']]
        for cat in CATEGORIES:
            v, f, b = self.per_class.get(cat['id'], (set(), set(), 0))
            rows.append([cat['name'], len(v), len(f), b])
        rows.append(['total', len(self.videos), len(self.images),
                     len(self.annotations)])
        return rows


def read_lines(path: str) -> Optional[List[str]]:
    if not osp.isfile(path):
        return None
    with open(path) as f:
        return [ln.split()[0] for ln in f if ln.strip()]


def vid_snippets(root: str, split: str) -> Tuple[List[str], str]:
    """Snippet folders of a split (relative to Data/VID/) and the source."""
    sets = osp.join(root, 'ImageSets', 'VID')
    if split == 'train':
        names = sorted(f for f in os.listdir(sets)
                       if f.startswith('train_') and f.endswith('.txt')) \
            if osp.isdir(sets) else []
        listed = []
        for name in names:
            listed += read_lines(osp.join(sets, name)) or []
    else:
        listed = read_lines(osp.join(sets, 'val.txt')) or []
        # val.txt lists frames ("snippet/000000 index"): keep the snippets
        listed = sorted({osp.dirname(x) for x in listed}) if listed and \
            osp.basename(listed[0]).isdigit() else listed
    if listed:
        snippets = [f'{split}/{x}' if not x.startswith(split) else x
                    for x in dict.fromkeys(listed)]
        return snippets, 'ImageSets'
    ann_root = osp.join(root, 'Annotations', 'VID', split)
    snippets = []
    for dirpath, dirnames, filenames in os.walk(ann_root):
        if any(f.endswith('.xml') for f in filenames):
            snippets.append(osp.relpath(dirpath, osp.join(root, 'Annotations',
                                                          'VID')))
    return sorted(snippets), 'a walk of Annotations/VID'

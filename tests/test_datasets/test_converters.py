"""ImageNet VID/DET converters on a small fake ILSVRC2015 tree."""
import json
import os
import os.path as osp

import pytest

from tests_helpers import run_tool

OBJ = ('<object><trackid>{t}</trackid><name>{n}</name><bndbox>'
       '<xmax>{x2}</xmax><xmin>{x1}</xmin><ymax>{y2}</ymax><ymin>{y1}</ymin>'
       '</bndbox><occluded>{o}</occluded><generated>0</generated></object>')


def xml(objects, w=64, h=48):
    return (f'<annotation><size><width>{w}</width><height>{h}</height>'
            f'</size>{"".join(OBJ.format(**o) for o in objects)}'
            '</annotation>')


def write(path, text):
    os.makedirs(osp.dirname(path), exist_ok=True)
    with open(path, 'w') as f:
        f.write(text)


@pytest.fixture
def ilsvrc(tmp_path):
    root = str(tmp_path / 'ILSVRC2015')
    a = 'ILSVRC2015_VID_train_0000/ILSVRC2015_train_00000000'
    b = 'ILSVRC2015_VID_train_0000/ILSVRC2015_train_00000001'
    for i in range(20):  # 20 frames: 15 train frames evenly spaced
        objs = [dict(t=0, n='n02691156', x1=1, y1=2, x2=11, y2=22, o=1),
                dict(t=1, n='n02691156', x1=30, y1=5, x2=40, y2=15, o=0),
                dict(t=2, n='n00000000', x1=0, y1=0, x2=5, y2=5, o=0)]
        write(f'{root}/Annotations/VID/train/{a}/{i:06d}.xml', xml(objs))
    for i in range(3):
        objs = [dict(t=0, n='n02391049', x1=0, y1=0, x2=10, y2=10, o=0)]
        write(f'{root}/Annotations/VID/train/{b}/{i:06d}.xml', xml(objs))
    for i in range(2):
        objs = [dict(t=0, n='n02084071', x1=3, y1=3, x2=9, y2=9, o=0)]
        write(f'{root}/Annotations/VID/val/ILSVRC2015_val_00000000/'
              f'{i:06d}.xml', xml(objs))
    write(f'{root}/Annotations/DET/train/n02084071/n02084071_1.xml',
          xml([dict(t=-1, n='n02084071', x1=1, y1=1, x2=5, y2=5, o=0),
               dict(t=-1, n='n09999999', x1=1, y1=1, x2=5, y2=5, o=0)]))
    for kind in ('VID', 'DET'):  # the converters refuse a root without
        os.makedirs(f'{root}/Data/{kind}')  # them (no frames needed here)
    return root


def test_vid_conversion(ilsvrc, tmp_path):
    out = tmp_path / 'out'
    proc = run_tool(['tools/dataset_converters/imagenet2coco_vid.py', '-i',
                     ilsvrc, '-o', str(out)])
    assert 'from a walk of Annotations/VID' in proc.stdout
    assert 'skipped 20 objects of classes outside the 30' in proc.stdout
    train = json.load(open(out / 'imagenet_vid_train.json'))
    cats = train['categories']
    assert len(cats) == 30 and cats[0] == dict(
        id=1, name='airplane', encode_name='n02691156')
    assert cats[-1]['name'] == 'zebra'
    assert [v['name'] for v in train['videos']] == [
        'train/ILSVRC2015_VID_train_0000/ILSVRC2015_train_00000000',
        'train/ILSVRC2015_VID_train_0000/ILSVRC2015_train_00000001']
    imgs = [i for i in train['images'] if i['video_id'] == 1]
    assert [i['frame_id'] for i in imgs] == list(range(20))
    assert sum(i['is_vid_train_frame'] for i in imgs) == 15
    assert imgs[0]['is_vid_train_frame'] and imgs[-1]['is_vid_train_frame']
    assert imgs[0]['file_name'].endswith('00000000/000000.JPEG')
    anns = [a for a in train['annotations'] if a['video_id'] == 1]
    assert len(anns) == 40
    # the XML's numbers; the area is the devkit's (10 + 1) * (20 + 1) px
    assert anns[0]['bbox'] == [1, 2, 10, 20] and anns[0]['area'] == 231
    assert anns[0]['occluded'] is True and anns[1]['occluded'] is False
    assert anns[0]['generated'] is False
    # one instance per (video, trackid), unique across the file
    inst = {(a['video_id'], a['bbox'][0]): a['instance_id']
            for a in train['annotations']}
    assert len(set(inst.values())) == 3
    val = json.load(open(out / 'imagenet_vid_val.json'))
    assert all(i['is_vid_train_frame'] for i in val['images'])


def test_det_conversion(ilsvrc, tmp_path):
    run_tool(['tools/dataset_converters/imagenet2coco_det.py', '-i',
              ilsvrc, '-o', str(tmp_path)])
    det = json.load(open(tmp_path / 'imagenet_det_30plus1cls.json'))
    assert len(det['videos']) == 1 and det['images'][0]['frame_id'] == 0
    assert det['images'][0]['file_name'] == 'train/n02084071/n02084071_1.JPEG'
    assert [a['category_id'] for a in det['annotations']] == [9]


def test_bad_xml_stops_or_is_skipped(ilsvrc, tmp_path):
    bad = (f'{ilsvrc}/Annotations/VID/train/ILSVRC2015_VID_train_0000/'
           'ILSVRC2015_train_00000001/000001.xml')
    write(bad, '<annotation><size><width>oops')
    proc = run_tool(['tools/dataset_converters/imagenet2coco_vid.py', '-i',
                     ilsvrc, '-o', str(tmp_path)], check=False)
    assert proc.returncode != 0 and bad in proc.stderr
    proc = run_tool(['tools/dataset_converters/imagenet2coco_vid.py', '-i',
                     ilsvrc, '-o', str(tmp_path), '--skip-bad'])
    assert 'skipped 1 bad annotation files' in proc.stdout
    assert bad in proc.stdout
    train = json.load(open(tmp_path / 'imagenet_vid_train.json'))
    assert len([i for i in train['images'] if i['video_id'] == 2]) == 2


def test_zero_width_boxes_are_kept_and_inverted_ones_skipped(ilsvrc,
                                                             tmp_path):
    """xmin == xmax (or ymin == ymax) is a 1-px object for the ImageNet VID
    devkit (widths x2 - x1 + 1): kept with the XML's numbers and the
    devkit's pixel area; xmax < xmin is no box: skipped and listed. A
    tested dataset keeps the 1-px object (training drops it), and the
    evaluation treats it as the devkit does."""
    import numpy as np

    from mmhvr.evaluation import eval_vid_map
    from mmhvr.registry import DATASETS
    val = f'{ilsvrc}/Annotations/VID/val/ILSVRC2015_val_00000000'
    for i in range(2):
        write(f'{val}/{i:06d}.xml', xml([
            dict(t=0, n='n02084071', x1=3, y1=3, x2=9, y2=9, o=0),
            dict(t=1, n='n02084071', x1=20, y1=10, x2=20, y2=30, o=0),
            dict(t=2, n='n02084071', x1=40, y1=5, x2=50, y2=5, o=0),
            dict(t=3, n='n02084071', x1=30, y1=5, x2=25, y2=15, o=0)]))
    out = tmp_path / 'out'
    proc = run_tool(['tools/dataset_converters/imagenet2coco_vid.py', '-i',
                     ilsvrc, '-o', str(out)])
    assert 'skipped 2 invalid boxes (xmax < xmin or ymax < ymin)' in \
        proc.stdout
    assert proc.stdout.count('xmin=30 ymin=5 xmax=25 ymax=15') == 2
    anns = json.load(open(out / 'imagenet_vid_val.json'))['annotations']
    assert [(a['bbox'], a['area']) for a in anns[:3]] == [
        ([3, 3, 6, 6], 49), ([20, 10, 0, 20], 21), ([40, 5, 10, 0], 11)]
    assert len(anns) == 6

    def dataset(test_mode):
        return DATASETS.build(dict(
            type='ImagenetVIDDataset', data_root=str(out),
            ann_file='imagenet_vid_val.json', data_prefix=dict(img_path=''),
            test_mode=test_mode, pipeline=[]))

    frame = dataset(True).get_data_info(0)['images'][0]
    boxes = [i['bbox'] for i in frame['instances']]
    assert boxes == [[3, 3, 9, 9], [20, 10, 20, 30], [40, 5, 50, 5]]
    trained = dataset(False).get_data_info(0)['images'][0]
    assert [i['bbox'] for i in trained['instances']] == [[3, 3, 9, 9]]
    gt = dict(bboxes=np.array(boxes[1:2], float), labels=np.zeros(1, int))
    far = dict(bboxes=np.array([[270., 10., 270., 30.]]),
               scores=np.ones(1), labels=np.zeros(1, int))
    on = dict(far, bboxes=np.array([[20., 10., 20., 30.]]))
    assert eval_vid_map([far], [gt])['mAP'] == 0.0
    assert eval_vid_map([on], [gt])['mAP'] == 1.0


def test_det_conversion_keeps_one_pixel_boxes(ilsvrc, tmp_path):
    write(f'{ilsvrc}/Annotations/DET/train/n02084071/n02084071_1.xml',
          xml([dict(t=-1, n='n02084071', x1=7, y1=1, x2=7, y2=5, o=0),
               dict(t=-1, n='n02084071', x1=9, y1=1, x2=8, y2=5, o=0)]))
    proc = run_tool(['tools/dataset_converters/imagenet2coco_det.py', '-i',
                     ilsvrc, '-o', str(tmp_path)])
    assert 'skipped 1 invalid boxes' in proc.stdout
    assert 'xmin=9 ymin=1 xmax=8 ymax=5' in proc.stdout
    det = json.load(open(tmp_path / 'imagenet_det_30plus1cls.json'))
    assert [(a['bbox'], a['area']) for a in det['annotations']] == [
        ([7, 1, 0, 4], 5)]

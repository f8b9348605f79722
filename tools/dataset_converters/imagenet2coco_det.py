"""Convert the 30 VID classes of ImageNet DET to CocoVID JSON (each image a
one-frame video).

    python tools/dataset_converters/imagenet2coco_det.py -i ILSVRC2015_ROOT \
        -o OUT_DIR [--skip-bad]

Writes OUT_DIR/imagenet_det_30plus1cls.json. Boxes as in
``imagenet2coco_vid.py``: xmin == xmax is a 1-px object (kept), xmax < xmin
is skipped and listed.
"""
import argparse
import os
import os.path as osp
import sys

from mmengine.utils import ProgressBar

from mmhvr.datasets.imagenet_converter import (BadAnnotation, CocoVIDWriter,
                                               read_lines)

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from imagenet2coco_vid import (check_output_folder, check_root,  # noqa: E402
                               report, write_json)


def det_images(root: str):
    listed = read_lines(
        osp.join(root, 'ImageSets', 'VID', 'DET_train_30classes.txt'))
    if listed:
        return listed, 'ImageSets/VID/DET_train_30classes.txt'
    ann_root = osp.join(root, 'Annotations', 'DET')
    found = []
    for dirpath, _, files in os.walk(ann_root):
        for f in files:
            if f.endswith('.xml'):
                found.append(
                    osp.splitext(osp.relpath(osp.join(dirpath, f),
                                             ann_root))[0])
    return sorted(found), 'a walk of Annotations/DET'


def convert_det(root: str, skip_bad: bool = False,
                progress: bool = True) -> CocoVIDWriter:
    images, source = det_images(root)
    print(f'DET: {len(images)} images (from {source})')
    writer = CocoVIDWriter()
    bar = ProgressBar(len(images)) if progress and images else None
    for name in images:
        path = osp.join(root, 'Annotations', 'DET', f'{name}.xml')
        ann = writer.read(path, skip_bad)
        if ann is None:
            continue
        video_id = writer.add_video(name)
        writer.add_frame(video_id, 0, f'{name}.JPEG', ann, True)
        if bar is not None:
            bar.update()
    if bar is not None:
        print()
    return writer


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('-i', '--input', required=True)
    parser.add_argument('-o', '--output', required=True)
    parser.add_argument('--skip-bad', action='store_true')
    args = parser.parse_args(argv)
    try:
        check_root(args.input, 'DET')
        check_output_folder(args.output)  # before the conversion
        writer = convert_det(args.input, args.skip_bad)
    except ValueError as e:  # BadAnnotation included
        hint = ' (use --skip-bad to skip it)' \
            if isinstance(e, BadAnnotation) else ''
        print(f'error: {e}{hint}', file=sys.stderr)
        return 1
    os.makedirs(args.output, exist_ok=True)
    out = osp.join(args.output, 'imagenet_det_30plus1cls.json')
    report(writer, 'ImageNet DET (30 VID classes)')
    return 0 if write_json(writer, out, f'ImageNet DET under '
                           f'{args.input}') else 1


if __name__ == '__main__':
    sys.exit(main())

"""Convert ImageNet VID (ILSVRC2015) to CocoVID JSON.

    python tools/dataset_converters/imagenet2coco_vid.py -i ILSVRC2015_ROOT \
        -o OUT_DIR [--skip-bad]

Writes OUT_DIR/imagenet_vid_train.json and imagenet_vid_val.json.

An input root without ``Data/VID`` or ``Annotations/VID`` is refused before
anything is written; a split that converts to no frame is not written (an
existing file is never replaced by an empty one); files are replaced
atomically. Boxes keep the XML's numbers (``bbox = [xmin, ymin, xmax - xmin,
ymax - ymin]``) and ``area`` is the devkit's pixel count ``(w + 1) * (h +
1)``: a box with xmin == xmax or ymin == ymax is a 1-px-wide object, kept, as
the ImageNet VID devkit reads it; boxes with xmax < xmin or ymax < ymin are
skipped and listed.
"""
import argparse
import json
import os
import os.path as osp
import sys

from mmengine.utils import ProgressBar
from terminaltables import AsciiTable

from mmhvr.datasets.imagenet_converter import (BadAnnotation, CocoVIDWriter,
                                               train_frame_flags,
                                               vid_snippets)


def convert_vid(root: str, split: str, skip_bad: bool = False,
                progress: bool = True) -> CocoVIDWriter:
    snippets, source = vid_snippets(root, split)
    print(f'{split}: {len(snippets)} snippets (from {source})')
    writer = CocoVIDWriter()
    bar = ProgressBar(len(snippets)) if progress and snippets else None
    for snippet in snippets:
        ann_dir = osp.join(root, 'Annotations', 'VID', snippet)
        frames = sorted(f for f in os.listdir(ann_dir) if f.endswith('.xml'))\
            if osp.isdir(ann_dir) else []
        if not frames:
            msg = f'no annotation XML for snippet {ann_dir}'
            if not skip_bad:
                raise BadAnnotation(msg)
            writer.bad_files.append(ann_dir)
        video_id = writer.add_video(snippet)
        flags = train_frame_flags(len(frames)) if split == 'train' else \
            [True] * len(frames)
        for frame_id, (xml, flag) in enumerate(zip(frames, flags)):
            path = osp.join(ann_dir, xml)
            ann = writer.read(path, skip_bad)
            if ann is None:
                continue
            file_name = f'{snippet}/{osp.splitext(xml)[0]}.JPEG'
            writer.add_frame(video_id, frame_id, file_name, ann, flag)
        if bar is not None:
            bar.update()
    if bar is not None:
        print()
    return writer


def check_root(root: str, kind: str = 'VID') -> None:
    """Refuse an input root that is not an ILSVRC2015 tree of ``kind``."""
    missing = [d for d in (f'Data/{kind}', f'Annotations/{kind}')
               if not osp.isdir(osp.join(root, d))]
    if missing:
        raise ValueError(f'-i {root} is not an ILSVRC2015 root: it has no '
                         f'{" and no ".join(missing)} folder')


def check_output_folder(out: str) -> None:
    """``-o`` is (or can be created as) a writable folder, not a file."""
    from mmhvr.apis.runner_utils import check_folder_writable
    check_folder_writable(out, '-o')


def write_json(writer: CocoVIDWriter, out: str, what: str) -> bool:
    """Write ``writer``'s JSON to ``out`` atomically; a conversion without
    frames is not written (False), so an existing file is never replaced
    by an empty one."""
    from mmhvr.engine.atomic_backend import atomic_write
    if not writer.images:
        kept = ' (the existing file is kept)' if osp.exists(out) else ''
        print(f'error: {what}: no frames were converted, {out} not '
              f'written{kept}', file=sys.stderr)
        return False
    atomic_write(json.dumps(writer.to_json()).encode('utf-8'), out)
    print(f'written {out}')
    return True


def report(writer: CocoVIDWriter, title: str) -> None:
    print(AsciiTable(writer.summary_rows(), title=title).table)
    if writer.skipped_objects:
        total = sum(writer.skipped_objects.values())
        print(f'skipped {total} objects of classes outside the 30: '
              f'{dict(writer.skipped_objects)}')
    if writer.bad_files:
        print(f'skipped {len(writer.bad_files)} bad annotation files:')
        for path in writer.bad_files:
            print(f'  {path}')
    if writer.invalid_boxes:
        print(f'skipped {len(writer.invalid_boxes)} invalid boxes (xmax < '
              'xmin or ymax < ymin):')
        for line in writer.invalid_boxes[:20]:
            print(f'  {line}')
        if len(writer.invalid_boxes) > 20:
            print(f'  ... and {len(writer.invalid_boxes) - 20} more')


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('-i', '--input', required=True,
                        help='ILSVRC2015 root (Annotations/, Data/, '
                        'ImageSets/)')
    parser.add_argument('-o', '--output', required=True,
                        help='folder for the JSON files')
    parser.add_argument('--skip-bad', action='store_true',
                        help='skip (and list) missing or malformed XMLs '
                        'instead of stopping')
    args = parser.parse_args(argv)
    try:
        check_root(args.input, 'VID')
        check_output_folder(args.output)  # before the conversion
    except ValueError as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    writers = {}
    for split in ('train', 'val'):
        try:
            writers[split] = convert_vid(args.input, split, args.skip_bad)
        except BadAnnotation as e:
            print(f'error: {e} (use --skip-bad to skip it)', file=sys.stderr)
            return 1
    os.makedirs(args.output, exist_ok=True)
    ok = True
    for split, writer in writers.items():
        report(writer, f'ImageNet VID {split}')
        ok &= write_json(writer,
                         osp.join(args.output, f'imagenet_vid_{split}.json'),
                         f'ImageNet VID {split} under {args.input}')
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())

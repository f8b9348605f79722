"""A built-in toy VID set: seeded, no downloads, a few MB.

Short videos of moving textured shapes over cluttered backgrounds, with
per-frame motion blur, occlusion by clutter and illumination changes.
``disc``, ``square`` and ``triangle`` differ by shape and, like real object
classes, by a typical colour (a hue range per class, 90 degrees apart) and
an inner texture. Two classes, ``striped_cat`` and ``spotted_cat``, share
shape, size and colour and differ only by their coat pattern, which the blur
and occlusion wash out on most frames: from one such frame they are
confusable, over a video (or by comparing videos) they are not — the
situation HVR-Net is built for.

``cat_cue='subtle'`` draws the coat on every frame instead, at a low
contrast (``cue_contrast``: the pattern is that fraction darker than the
coat), so blur, noise and illumination leave a faint cue on each frame: no
frame of a video is much better than another, and averaging over a video
gives little that one frame does not; telling the pair apart means learning
a faint, consistent difference, which is what hard-negative metric learning
across videos (HVR-Net's triplets) is for. The videos, motions and boxes are
those of the default set with the same seed; only the coats differ.
"""
import json
import os
import os.path as osp
from typing import Dict, Optional

import cv2
import numpy as np

TOY_CLASSES = ('disc', 'square', 'triangle', 'striped_cat', 'spotted_cat')
CAT_COLOUR = (70, 140, 200)  # BGR, shared by the confusable pair (hue 30)
# typical hue (degrees) of the other classes: 90 degrees from each other and
# from the cats, more than the +-36 degrees of PhotoMetricDistortion's hue
# jitter
CLASS_HUES = dict(square=120, triangle=210, disc=300)
CAT_CUES = ('coat', 'subtle')


def _class_colour(rng: np.random.Generator, cls: str) -> tuple:
    """A BGR colour of ``cls``: its typical hue +-12 degrees, varied
    saturation and brightness (the cats' colour is fixed)."""
    if cls not in CLASS_HUES:
        return CAT_COLOUR
    hue = (CLASS_HUES[cls] + rng.uniform(-12, 12)) % 360
    hsv = np.array([[[hue / 2, rng.uniform(140, 230), rng.uniform(140, 240)]]],
                   np.uint8)
    return tuple(int(c) for c in cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR)[0, 0])


def _background(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    base = rng.integers(60, 200, 3)
    img = np.empty((h, w, 3), np.float32)
    img[:] = base
    img += rng.normal(0, 12, (h, w, 3))
    for _ in range(rng.integers(6, 14)):  # clutter: dots and lines
        colour = tuple(int(c) for c in rng.integers(0, 255, 3))
        if rng.random() < 0.5:
            # small enough not to pass for an object
            c = (int(rng.integers(0, w)), int(rng.integers(0, h)))
            cv2.circle(img, c, int(rng.integers(2, 6)), colour, -1)
        else:
            p1 = (int(rng.integers(0, w)), int(rng.integers(0, h)))
            p2 = (int(rng.integers(0, w)), int(rng.integers(0, h)))
            cv2.line(img, p1, p2, colour, int(rng.integers(1, 4)))
    return img


def _draw(img: np.ndarray, cls: str, cx: float, cy: float, size: float,
          colour, pattern_visible: bool,
          cue_contrast: Optional[float] = None) -> None:
    """Draw one object; the cats' pattern is dark (None) or
    ``cue_contrast`` darker than their coat."""
    r = size / 2
    c = (int(round(cx)), int(round(cy)))
    shade = tuple(0.6 * v for v in colour)  # inner texture
    if cls == 'disc':
        cv2.circle(img, c, int(r), colour, -1)
        cv2.circle(img, c, int(0.55 * r), shade, 3)
    elif cls == 'square':
        cv2.rectangle(img, (int(cx - r), int(cy - r)),
                      (int(cx + r), int(cy + r)), colour, -1)
        q = 0.45 * r
        cv2.rectangle(img, (int(cx - q), int(cy - q)),
                      (int(cx + q), int(cy + q)), shade, -1)
    elif cls == 'triangle':
        pts = np.array([[cx, cy - r], [cx - r, cy + r], [cx + r, cy + r]],
                       np.int32)
        cv2.fillPoly(img, [pts], colour)
        inner = (0.45 * (pts - [cx, cy]) + [cx, cy]).astype(np.int32)
        cv2.fillPoly(img, [inner], shade)
    else:  # the confusable pair: same ellipse, different coat
        axes = (int(r), int(r * 0.7))
        cv2.ellipse(img, c, axes, 0, 0, 360, CAT_COLOUR, -1)
        if pattern_visible:
            dark = (20, 40, 60) if cue_contrast is None else tuple(
                (1 - cue_contrast) * v for v in CAT_COLOUR)
            if cls == 'striped_cat':
                for dx in np.linspace(-0.6, 0.6, 4) * r:
                    x = int(cx + dx)
                    cv2.line(img, (x, int(cy - 0.5 * r)),
                             (x, int(cy + 0.5 * r)), dark, 2)
            else:
                for dx, dy in ((-0.4, -0.2), (0.3, -0.3), (0.0, 0.3),
                               (-0.3, 0.35), (0.45, 0.2)):
                    cv2.circle(img, (int(cx + dx * r), int(cy + dy * r)),
                               max(2, int(0.12 * r)), dark, -1)


def _video(rng: np.random.Generator, num_frames: int, h: int, w: int,
           classes, main_cls: str, cat_cue: str = 'coat',
           cue_contrast: float = 0.15) -> tuple:
    """Frames (list of uint8 BGR) and per-frame object lists; the first
    object is of ``main_cls``, a second one (half of the videos) of any
    class. ``cat_cue``: see the module's docstring (the random draws are
    the same for both cues)."""
    subtle = cat_cue == 'subtle'
    background = _background(rng, h, w)
    objects = []
    for k in range(int(rng.integers(1, 3))):
        cls = main_cls if k == 0 else \
            classes[int(rng.integers(0, len(classes)))]
        size = float(rng.uniform(28, 48))
        objects.append(
            dict(cls=cls,
                 size=size,
                 pos=np.array([rng.uniform(size, w - size),
                               rng.uniform(size, h - size)]),
                 vel=rng.uniform(-3.5, 3.5, 2),
                 colour=_class_colour(rng, cls),
                 # the coat shows on about a third of the frames
                 visible=rng.random(num_frames) < 0.35))
    frames, boxes = [], []
    for t in range(num_frames):
        img = background.copy()
        gain = rng.uniform(0.7, 1.3)  # illumination change
        frame_boxes = []
        for k, obj in enumerate(objects):
            obj['pos'] = obj['pos'] + obj['vel'] + rng.normal(0, 0.7, 2)
            cx, cy = obj['pos']
            _draw(img, obj['cls'], cx, cy, obj['size'], obj['colour'],
                  subtle or bool(obj['visible'][t]),
                  cue_contrast if subtle else None)
            r = obj['size'] / 2
            ry = r * 0.7 if obj['cls'].endswith('cat') else r
            x1, y1 = max(0.0, cx - r), max(0.0, cy - ry)
            x2, y2 = min(float(w), cx + r), min(float(h), cy + ry)
            if x2 - x1 >= 4 and y2 - y1 >= 4:
                frame_boxes.append(dict(cls=obj['cls'], instance=k,
                                        bbox=[x1, y1, x2, y2]))
        for _ in range(int(rng.integers(0, 3))):  # occluding clutter
            x, y = int(rng.integers(0, w)), int(rng.integers(0, h))
            s = int(rng.integers(6, 16))
            colour = tuple(int(c) for c in rng.integers(0, 255, 3))
            cv2.rectangle(img, (x, y), (x + s, y + s), colour, -1)
        img = img * gain
        if rng.random() < 0.6:  # motion / defocus blur
            k = int(rng.choice([5, 7, 9]))
            img = cv2.GaussianBlur(img, (k, k), 0)
        img += rng.normal(0, 6, img.shape)
        frames.append(np.clip(img, 0, 255).astype(np.uint8))
        boxes.append(frame_boxes)
    return frames, boxes


def make_toy_vid(out_dir: str,
                 seed: int = 0,
                 num_train_videos: int = 60,
                 num_val_videos: int = 12,
                 num_frames: int = 12,
                 size=(160, 128),
                 classes=TOY_CLASSES,
                 progress: bool = False,
                 cat_cue: str = 'coat',
                 cue_contrast: float = 0.15) -> Dict[str, object]:
    """Write ``out_dir/Data/{train,val}/video_XXXX/NNNNNN.JPEG`` and
    ``out_dir/annotations/toy_vid_{train,val}.json`` (CocoVID).
    ``cat_cue`` ('coat' or 'subtle') and ``cue_contrast`` (in (0, 1)): how
    the confusable pair differs (module docstring).

    Returns:
        dict: ``ann_files``, and per split the numbers of videos, frames and
        boxes.
    """
    if cat_cue not in CAT_CUES:
        raise ValueError(f'cat_cue must be one of {CAT_CUES}, got {cat_cue!r}')
    if not 0 < cue_contrast < 1:
        raise ValueError(f'cue_contrast must be in (0, 1), got {cue_contrast}')
    w, h = size
    rng = np.random.default_rng(seed)
    categories = [dict(id=i + 1, name=c, encode_name=c)
                  for i, c in enumerate(classes)]
    cat_id = {c: i + 1 for i, c in enumerate(classes)}
    os.makedirs(osp.join(out_dir, 'annotations'), exist_ok=True)
    summary: Dict[str, object] = dict(ann_files={})
    for split, count in (('train', num_train_videos),
                         ('val', num_val_videos)):
        videos, images, annotations = [], [], []
        bar = None
        if progress:
            from mmengine.utils import ProgressBar
            print(f'toy VID {split}:')
            bar = ProgressBar(count)
        for v in range(count):
            name = f'{split}/video_{v:04d}'
            video_id = len(videos) + 1
            videos.append(dict(id=video_id, name=name))
            # classes take turns as a video's main class, so that every
            # class has videos enough for the stage-2 triplet groups
            frames, boxes = _video(rng, num_frames, h, w, classes,
                                   classes[v % len(classes)], cat_cue,
                                   cue_contrast)
            os.makedirs(osp.join(out_dir, 'Data', name), exist_ok=True)
            for t, (img, frame_boxes) in enumerate(zip(frames, boxes)):
                file_name = f'{name}/{t:06d}.JPEG'
                ok, buf = cv2.imencode('.jpg', img,
                                       [cv2.IMWRITE_JPEG_QUALITY, 90])
                assert ok
                with open(osp.join(out_dir, 'Data', file_name), 'wb') as f:
                    f.write(buf.tobytes())
                image_id = len(images) + 1
                images.append(
                    dict(id=image_id, file_name=file_name, height=h, width=w,
                         video_id=video_id, frame_id=t,
                         is_vid_train_frame=True))
                for b in frame_boxes:
                    x1, y1, x2, y2 = (round(c, 2) for c in b['bbox'])
                    annotations.append(
                        dict(id=len(annotations) + 1, image_id=image_id,
                             video_id=video_id,
                             category_id=cat_id[b['cls']],
                             instance_id=video_id * 10 + b['instance'],
                             bbox=[x1, y1, round(x2 - x1, 2),
                                   round(y2 - y1, 2)],
                             area=round((x2 - x1) * (y2 - y1), 2),
                             occluded=False, generated=False,
                             iscrowd=False))
            if bar is not None:
                bar.update()
        ann_file = osp.join(out_dir, 'annotations', f'toy_vid_{split}.json')
        with open(ann_file, 'w') as f:
            json.dump(dict(categories=categories, videos=videos,
                           images=images, annotations=annotations), f,
                      sort_keys=True)
        if bar is not None:
            print()
        summary['ann_files'][split] = ann_file
        summary[split] = dict(videos=len(videos), frames=len(images),
                              boxes=len(annotations))
    return summary


def toy_metainfo(classes=TOY_CLASSES) -> dict:
    return dict(classes=tuple(classes))


# the smallest --size: objects (up to 48 px) start a full size from the border
MIN_TOY_SIZE = 96


def main(argv: Optional[list] = None) -> None:
    import argparse
    from terminaltables import AsciiTable
    parser = argparse.ArgumentParser(
        description='Generate the built-in toy VID set (CocoVID + JPEGs)')
    parser.add_argument('--out', required=True, help='output directory')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--num-train-videos', type=int, default=60)
    parser.add_argument('--num-val-videos', type=int, default=12)
    parser.add_argument('--frames', type=int, default=12)
    parser.add_argument('--size', type=int, nargs=2, default=[160, 128],
                        metavar=('W', 'H'))
    parser.add_argument('--cat-cue', choices=CAT_CUES, default='coat',
                        help="how striped_cat and spotted_cat differ: 'coat' "
                        '(a dark coat on about a third of the frames) or '
                        "'subtle' (a faint coat on every frame)")
    parser.add_argument('--cue-contrast', type=float, default=0.15,
                        help="with --cat-cue subtle: how much darker than "
                        'the coat its pattern is, in (0, 1)')
    args = parser.parse_args(argv)
    if not 0 < args.cue_contrast < 1:
        parser.error(f'--cue-contrast must be in (0, 1), got '
                     f'{args.cue_contrast}')
    for option, value in (('--num-train-videos', args.num_train_videos),
                          ('--num-val-videos', args.num_val_videos),
                          ('--frames', args.frames)):
        if value < 1:  # an empty set would be written, exit status 0
            parser.error(f'{option} must be at least 1, got {value}')
    if min(args.size) < MIN_TOY_SIZE:
        parser.error(f'--size W H must be at least {MIN_TOY_SIZE} '
                     f'{MIN_TOY_SIZE} (objects are up to '
                     f'{MIN_TOY_SIZE // 2} px wide and stay inside the '
                     f'frame), got {args.size[0]} {args.size[1]}')
    summary = make_toy_vid(args.out, seed=args.seed,
                           num_train_videos=args.num_train_videos,
                           num_val_videos=args.num_val_videos,
                           num_frames=args.frames, size=tuple(args.size),
                           progress=True, cat_cue=args.cat_cue,
                           cue_contrast=args.cue_contrast)
    rows = [['split', 'videos', 'frames', 'boxes']]
    for split in ('train', 'val'):
        s = summary[split]
        rows.append([split, s['videos'], s['frames'], s['boxes']])
    print(AsciiTable(rows, title=f'toy VID set in {args.out}').table)
    for split, path in summary['ann_files'].items():
        print(f'{split}: {path}')

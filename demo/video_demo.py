"""Run a video detector on a video file or a frame folder.

    python demo/video_demo.py VIDEO CONFIG [CHECKPOINT] --out OUT.mp4 \
        [--out-json DETS.json] [--score-thr 0.3] [--device cpu] [--online]

The outputs are checked before the model runs (``--out`` must end with
.mp4 or .avi, ``--out-json`` with .json, both in a writable folder) and
after (the video file must exist and hold every frame); a problem is one
``error: ...`` line on stderr and exit status 1, and so is a checkpoint
whose weights do not fit the config's model (the check of
``tools/test.py``). Frames of another size than the first are resized to
the first frame's size (the demo says how many).
"""
import argparse
import json
import os
import os.path as osp
import sys

import cv2
import mmcv
from mmengine.utils import ProgressBar

# container -> fourcc that OpenCV writes into it
VIDEO_CODECS = {'.mp4': 'mp4v', '.avi': 'MJPG'}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('video', help='an mp4 (or any cv2-readable) video, '
                        'or a folder of frames')
    parser.add_argument('config', help='model config file')
    parser.add_argument('checkpoint', nargs='?', default=None,
                        help='checkpoint file (random weights without it)')
    parser.add_argument('--out', help='output video file (.mp4 or .avi)')
    parser.add_argument('--out-json', help='write detections per frame')
    parser.add_argument('--score-thr', type=float, default=0.3,
                        help='draw boxes scoring at least this')
    parser.add_argument('--device', default='cpu', help='cpu or cuda:0')
    parser.add_argument('--online', action='store_true',
                        help='causal mode: supports from past frames only')
    parser.add_argument('--num-support', type=int, default=None,
                        help='support frames per key frame (default: config)')
    parser.add_argument('--fps', type=float, default=None,
                        help='fps of the output (default: the input\'s)')
    parser.add_argument('--allow-stage-mismatch', action='store_true',
                        help='run a stage-1 checkpoint under a stage-2 '
                        'config anyway (its head B is untrained)')
    args = parser.parse_args(argv)
    if args.out is None and args.out_json is None:
        parser.error('give --out and/or --out-json')
    return args


def same_size_source(video: str):
    """A :class:`~mmhvr.apis.FrameSource` whose frames all have the first
    frame's size: a frame of another size is resized to it (recorded in
    ``resized``), so the model sees one frame size and the video writer,
    which drops frames of another size without a word, gets every frame."""
    from mmhvr.apis import FrameSource

    class SameSizeFrames(FrameSource):

        def __init__(self, path) -> None:
            super().__init__(path)
            self.resized = set()
            self._size = None

        @property
        def first_size(self):
            return self._size

        def __getitem__(self, index: int):
            img = super().__getitem__(index)
            if self._size is None:
                first = img if index == 0 else super().__getitem__(0)
                self._size = (first.shape[1], first.shape[0])
            if (img.shape[1], img.shape[0]) != self._size:
                img = cv2.resize(img, self._size)
                self.resized.add(index)
            return img

    return SameSizeFrames(video)


def main(argv=None) -> int:
    args = parse_args(argv)
    from mmhvr.apis import inference_video, init_detector
    from mmhvr.apis.outputs import check_writable, error
    from mmhvr.registry import VISUALIZERS
    try:
        if args.out:
            check_writable(args.out, '--out', tuple(VIDEO_CODECS))
        if args.out_json:
            check_writable(args.out_json, '--out-json', ('.json', ))
        source = same_size_source(args.video)
    except (ValueError, FileNotFoundError) as e:
        return error(e)
    if args.checkpoint is None:
        print('=' * 70 + '\nWARNING: no checkpoint given, the model has RANDOM '
              'weights; the boxes drawn mean nothing.\n' + '=' * 70,
              file=sys.stderr)
    try:
        model = init_detector(args.config, args.checkpoint,
                              device=args.device,
                              allow_stage_mismatch=args.allow_stage_mismatch)
    except (ValueError, RuntimeError, FileNotFoundError) as e:
        return error(e)
    visualizer = VISUALIZERS.build(
        dict(type='VideoLocalVisualizer', name=f'video_demo_{id(model)}'))
    visualizer.dataset_meta = model.dataset_meta

    writer = None
    size = None  # (w, h) of the first frame: every frame is written at it
    written = 0
    detections = []
    mode = 'online' if args.online else 'offline'
    try:  # arguments are checked at the call, before any frame is run
        results = inference_video(model, source, mode=mode,
                                  num_support=args.num_support)
    except ValueError as e:
        return error(f'--num-support {args.num_support}: {e}'
                     if args.num_support is not None else e)
    progress = ProgressBar(len(source))
    for t, result in enumerate(results):
        pred = result.pred_instances
        detections.append(
            dict(frame_id=t,
                 bboxes=pred.bboxes.tolist(),
                 scores=pred.scores.tolist(),
                 labels=pred.labels.tolist()))
        if args.out:
            img = mmcv.bgr2rgb(source[t])
            visualizer.add_datasample(
                'frame', img, data_sample=result, draw_gt=False,
                pred_score_thr=args.score_thr)
            frame = mmcv.rgb2bgr(visualizer.get_image())
            if writer is None:
                os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
                size = (frame.shape[1], frame.shape[0])
                codec = VIDEO_CODECS[osp.splitext(args.out)[1].lower()]
                writer = cv2.VideoWriter(args.out,
                                         cv2.VideoWriter_fourcc(*codec),
                                         args.fps or source.fps, size)
                if not writer.isOpened():
                    return error(f'--out {args.out}: OpenCV cannot write '
                                 f'a {codec} video there')
            if (frame.shape[1], frame.shape[0]) != size:
                # a video writer drops frames of another size without a word
                frame = cv2.resize(frame, size)
            writer.write(frame)
            written += 1
        progress.update()
    if writer is not None:
        writer.release()
        if not osp.isfile(args.out) or osp.getsize(args.out) == 0:
            return error(f'--out {args.out}: no video was written')
        print(f'\nannotated video: {args.out} ({written} frames)')
    if source.resized:
        w, h = source.first_size
        print(f'{len(source.resized)} frames of another size than the first '
              f'frame ({w}x{h}) were resized to it: frames '
              f'{sorted(source.resized)}', file=sys.stderr)
    if args.out_json:
        with open(args.out_json, 'w') as f:
            # boxes of resized frames are in the first frame's coordinates
            json.dump(dict(classes=list(model.dataset_meta['classes']),
                           frame_size=list(source.first_size or ()),
                           resized_frames=sorted(source.resized),
                           frames=detections), f)
        print(f'detections: {args.out_json}')
    return 0


if __name__ == '__main__':
    sys.exit(main())

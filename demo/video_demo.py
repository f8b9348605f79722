"""Run a video detector on a video file or a frame folder.

    python demo/video_demo.py VIDEO CONFIG [CHECKPOINT] --out OUT.mp4 \
        [--out-json DETS.json] [--score-thr 0.3] [--device cpu] [--online]
"""
import argparse
import json
import os
import os.path as osp
import sys

import cv2
import mmcv
from mmengine.utils import ProgressBar


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('video', help='an mp4 (or any cv2-readable) video, '
                        'or a folder of frames')
    parser.add_argument('config', help='model config file')
    parser.add_argument('checkpoint', nargs='?', default=None,
                        help='checkpoint file (random weights without it)')
    parser.add_argument('--out', help='output video file (.mp4)')
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
    args = parser.parse_args(argv)
    if args.out is None and args.out_json is None:
        parser.error('give --out and/or --out-json')
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    from mmhvr.apis import FrameSource, inference_video, init_detector
    from mmhvr.registry import VISUALIZERS
    try:
        source = FrameSource(args.video)
    except (ValueError, FileNotFoundError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    if args.checkpoint is None:
        print('=' * 70 + '\nWARNING: no checkpoint given, the model has RANDOM '
              'weights; the boxes drawn mean nothing.\n' + '=' * 70,
              file=sys.stderr)
    model = init_detector(args.config, args.checkpoint, device=args.device)
    visualizer = VISUALIZERS.build(
        dict(type='VideoLocalVisualizer', name=f'video_demo_{id(model)}'))
    visualizer.dataset_meta = model.dataset_meta

    writer = None
    detections = []
    progress = ProgressBar(len(source))
    mode = 'online' if args.online else 'offline'
    for t, result in enumerate(
            inference_video(model, source, mode=mode,
                            num_support=args.num_support)):
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
                h, w = frame.shape[:2]
                writer = cv2.VideoWriter(args.out,
                                         cv2.VideoWriter_fourcc(*'mp4v'),
                                         args.fps or source.fps, (w, h))
            writer.write(frame)
        progress.update()
    if writer is not None:
        writer.release()
        print(f'\nannotated video: {args.out}')
    if args.out_json:
        with open(args.out_json, 'w') as f:
            json.dump(dict(classes=list(model.dataset_meta['classes']),
                           frames=detections), f)
        print(f'detections: {args.out_json}')
    return 0


if __name__ == '__main__':
    sys.exit(main())

"""Look at what the model trains on: each item's key frame and its support
frames, with their boxes, after the config's training pipeline.

    python tools/analysis_tools/browse_dataset.py CONFIG \
        [--output-dir DIR] [--not-show] [--num 10] [--show-interval 2]

One image per item (a video's key frame first, then its supports), drawn by
the config's visualizer (mmhvr's ``VideoLocalVisualizer``); saved as
``DIR/<video>_<key frame>.jpg``. As mmdet's tool, for video items.
"""
import argparse
import os
import os.path as osp
import sys

import numpy as np
from mmengine.config import DictAction


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Browse a dataset')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--output-dir', help='save the images here')
    parser.add_argument('--not-show', action='store_true',
                        help='do not open a window')
    parser.add_argument('--num', type=int, default=10,
                        help='how many items (videos) to draw')
    parser.add_argument('--show-interval', type=float, default=2,
                        help='seconds each window stays (with show)')
    parser.add_argument('--scale', type=float, default=1.0,
                        help='upscale the frames by this factor')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override settings of the config, key=value')
    return parser.parse_args(argv)


def item_frames(item: dict):
    """RGB frames, their ground truth and titles of one packed video item
    (``PackVideoInputs``/``PackTrackInputs``), key frame first."""
    inputs = item['inputs']
    sample = item['data_samples']
    frames = list(sample.video_data_samples)
    imgs = inputs.numpy() if hasattr(inputs, 'numpy') else np.asarray(inputs)
    if imgs.ndim == 3:  # one frame
        imgs = imgs[None]
    keys = list(sample.metainfo.get('key_frames_inds', [0]))
    order = keys + [i for i in range(len(frames)) if i not in keys]
    out = []
    for i in order:
        img = imgs[i].transpose(1, 2, 0)[..., ::-1]  # CHW BGR -> HWC RGB
        img = np.ascontiguousarray(img.clip(0, 255).astype(np.uint8))
        gt = frames[i].gt_instances
        bboxes = gt.bboxes
        bboxes = bboxes.tensor if hasattr(bboxes, 'tensor') else bboxes
        role = 'key' if i in keys else 'support'
        t = frames[i].metainfo.get('frame_id', i)
        out.append((img, dict(bboxes=np.asarray(bboxes).reshape(-1, 4),
                              labels=np.asarray(gt.labels).reshape(-1)),
                    f'{role} frame {t}'))
    return out, frames[keys[0]].metainfo


def error(msg) -> int:
    print(f'error: {msg}', file=sys.stderr)
    return 1


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.num < 1:
        return error(f'--num {args.num}: nothing would be drawn; give 1 or '
                     'more items')
    if args.not_show and not args.output_dir:
        return error('--not-show without --output-dir: nothing would be '
                     'shown or saved')
    from mmengine.registry import init_default_scope
    from mmengine.utils import ProgressBar

    from mmhvr.apis.runner_utils import (check_data_paths,
                                         check_folder_writable,
                                         config_with_options)
    from mmhvr.registry import DATASETS, VISUALIZERS
    from mmhvr.utils import register_all_modules
    from mmhvr.visualization import VideoLocalVisualizer

    try:  # everything checked before the first item is drawn
        if args.output_dir:
            check_folder_writable(args.output_dir, '--output-dir')
        cfg = config_with_options(args.config, args.cfg_options)
        check_data_paths(cfg, ('train_dataloader', ))
    except ValueError as e:
        return error(e)
    register_all_modules(init_default_scope=False)
    init_default_scope(cfg.get('default_scope', 'mmhvr'))

    try:
        dataset = DATASETS.build(cfg.train_dataloader.dataset)
    except ValueError as e:  # JSONDecodeError included
        return error(f'train_dataloader.dataset '
                     f'({cfg.train_dataloader.dataset.get("ann_file")}) '
                     f'cannot be built: {e}')
    if len(dataset) == 0:
        return error('train_dataloader.dataset holds no items to draw')
    vis_cfg = dict(cfg.get('visualizer', {}) or {})
    vis_cfg = dict(type=vis_cfg.get('type', 'VideoLocalVisualizer'),
                   name=f'browse_dataset_{os.getpid()}')
    visualizer = VISUALIZERS.build(vis_cfg)
    if not isinstance(visualizer, VideoLocalVisualizer):
        visualizer = VideoLocalVisualizer(name=f'browse_video_{os.getpid()}')
    visualizer.dataset_meta = dataset.metainfo
    if args.output_dir:
        os.makedirs(args.output_dir, exist_ok=True)
    num = min(args.num, len(dataset))
    progress = ProgressBar(num)
    for idx in range(num):
        item = dataset[idx]
        frames, key_meta = item_frames(item)
        grid = visualizer.draw_frames(
            [f[0] for f in frames], gt_instances=[f[1] for f in frames],
            titles=[f[2] for f in frames], scale=args.scale)
        if args.output_dir:
            video = osp.dirname(key_meta.get('img_path', f'item_{idx}'))
            name = f'{osp.basename(video) or "item"}_' \
                   f'{key_meta.get("frame_id", idx)}.jpg'
            import mmcv
            mmcv.imwrite(grid[..., ::-1], osp.join(args.output_dir, name))
        if not args.not_show:
            visualizer.show(grid, win_name=f'item {idx}',
                            wait_time=args.show_interval)
        progress.update()
    print()
    print(f'completed: {num} items' + (f', saved in {args.output_dir}'
                                       if args.output_dir else ''))
    return 0


if __name__ == '__main__':
    sys.exit(main())

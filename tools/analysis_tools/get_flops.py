"""FLOPs and parameters of an mmhvr model: one frame alone, and a key frame
with N support frames (mmengine's ``get_model_complexity_info``).

    python tools/analysis_tools/get_flops.py CONFIG [--checkpoint CKPT] \
        [--shape 600 1000] [--num-supports 0 2 8 20]

The whole test path of one key frame is traced: backbone, neck and RPN of
every loaded frame, RoI features, the intra-video relations and, for a
stage-2 model, the inter-video relation. The RoI part grows with the number
of proposals (``model.test_cfg.rpn.max_per_img``); random weights propose
that maximum, so give ``--checkpoint`` for a trained model's count. mmcv's
compiled ops (RoIAlign, NMS) and element-wise ops are not counted (listed).
"""
import argparse
import os.path as osp
import sys

import torch
from mmengine.config import DictAction


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Count FLOPs')
    parser.add_argument('config', help='config file path')
    parser.add_argument('--checkpoint', help='weights (default: random)')
    parser.add_argument('--shape', type=int, nargs=2, default=None,
                        metavar=('H', 'W'),
                        help='input size (default: the test pipeline\'s '
                        'Resize scale, e.g. 600 1000)')
    parser.add_argument('--num-supports', type=int, nargs='+',
                        default=None,
                        help='support frames per key frame (default: 0 and '
                        'the test pipeline\'s num_support)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override settings of the config, key=value')
    args = parser.parse_args(argv)
    if args.num_supports and min(args.num_supports) < 0:
        parser.error('--num-supports must be >= 0')
    if args.shape and min(args.shape) < 32:
        parser.error('--shape must be at least 32 x 32')
    return args


def _test_settings(cfg):
    """(H, W) and num_support of the test pipeline, where it says so."""
    shape, num_support = None, None
    pipeline = cfg.get('test_dataloader', {}).get('dataset', {}).get(
        'pipeline', [])

    def walk(steps):
        nonlocal shape, num_support
        for step in steps:
            if 'num_support' in step and num_support is None:
                num_support = step['num_support']
            if step.get('type', '').endswith('Resize') and shape is None \
                    and 'scale' in step:
                w, h = step['scale']
                shape = (min(w, h), max(w, h)) if w >= h else (h, w)
            walk(step.get('transforms', []))

    walk(pipeline)
    return shape, num_support


def key_frame_inputs(num_frames: int, shape):
    """A batch of one item: a key frame (index 0) and ``num_frames - 1``
    supports, with the metainfo the model's predict reads."""
    from mmdet.structures import DetDataSample, TrackDataSample
    h, w = shape
    frames = []
    for t in range(num_frames):
        s = DetDataSample()
        s.set_metainfo(dict(img_shape=(h, w), ori_shape=(h, w),
                            scale_factor=(1.0, 1.0), pad_shape=(h, w),
                            batch_input_shape=(h, w), frame_id=t,
                            video_id=0, img_id=t))
        frames.append(s)
    sample = TrackDataSample(video_data_samples=frames,
                             metainfo=dict(key_frames_inds=[0],
                                           ref_frames_inds=list(
                                               range(1, num_frames))))
    return torch.rand(1, num_frames, 3, h, w) * 2 - 1, [sample]


def sdpa_flop_jit(inputs, outputs) -> int:
    """FLOPs (multiply-adds, as mmengine counts) of
    ``scaled_dot_product_attention``: q (..., n, d), k (..., m, d), v (...,
    m, dv): q k^T and the attention times v, n * m * (d + dv) per batch
    element and head."""
    from mmengine.analysis.jit_handles import get_shape
    q, k, v = (get_shape(x) for x in inputs[:3])
    batch = 1
    for size in q[:-2]:
        batch *= size
    return batch * q[-2] * k[-2] * (q[-1] + v[-1])


class KeyFramePredict(torch.nn.Module):
    """``model.predict`` of one item, returning its boxes (for tracing)."""

    def __init__(self, model, data_samples):
        super().__init__()
        self.model = model
        self.data_samples = data_samples

    def forward(self, inputs):
        result = self.model.predict(inputs, self.data_samples)[0]
        pred = result.pred_instances
        return torch.cat([pred.bboxes, pred.scores[:, None]], dim=1)


def main(argv=None) -> int:
    args = parse_args(argv)
    if not osp.isfile(args.config):
        print(f'error: config {args.config} does not exist', file=sys.stderr)
        return 1
    import copy
    import warnings

    from mmengine.analysis import FlopAnalyzer, parameter_count
    from mmengine.analysis.print_helper import _format_size
    from mmengine.registry import init_default_scope
    from mmengine.runner import load_checkpoint
    from terminaltables import AsciiTable

    from mmhvr.apis.runner_utils import config_with_options
    from mmhvr.registry import MODELS
    from mmhvr.utils import register_all_modules

    try:  # a typo'd --cfg-options key is one error line (issue 19)
        cfg = config_with_options(args.config, args.cfg_options)
    except ValueError as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    register_all_modules(init_default_scope=False)
    init_default_scope(cfg.get('default_scope', 'mmhvr'))
    default_shape, default_support = _test_settings(cfg)
    shape = tuple(args.shape or default_shape or (600, 1000))
    supports = args.num_supports if args.num_supports is not None else \
        sorted({0, default_support or 0})

    model_cfg = copy.deepcopy(cfg.model)
    if 'backbone' in model_cfg:
        model_cfg.backbone.init_cfg = None  # no download for random weights
    model = MODELS.build(model_cfg)
    if args.checkpoint:
        # mmengine's training-state types allowed for this load only
        from mmhvr.engine import checkpoint_safe_globals
        with checkpoint_safe_globals():
            load_checkpoint(model, args.checkpoint, map_location='cpu')
    model.eval()
    params = _format_size(parameter_count(model)[''])

    rows = [['frames', 'FLOPs', 'params']]
    skipped = set()
    for n in supports:
        inputs, samples = key_frame_inputs(n + 1, shape)
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter('ignore')
            analyzer = FlopAnalyzer(KeyFramePredict(model, samples),
                                    (inputs, ))
            analyzer.set_op_handle(
                'aten::scaled_dot_product_attention', sdpa_flop_jit)
            analyzer.unsupported_ops_warnings(False)
            analyzer.uncalled_modules_warnings(False)
            flops = analyzer.total()
            skipped |= set(analyzer.unsupported_ops())
        label = 'one frame' if n == 0 else f'key frame + {n} supports'
        rows.append([label, _format_size(flops), params])
    table = AsciiTable(rows, title=f'{osp.basename(args.config)}, input '
                       f'{shape[0]}x{shape[1]}')
    print(table.table)
    print('FLOPs count multiply-adds of convolutions, linear layers, '
          'matmuls and attention; the RoI part scales with the number of '
          'proposals. Not counted: ' + ', '.join(sorted(skipped)))
    return 0


if __name__ == '__main__':
    sys.exit(main())

"""Check mmhvr's CUDA path against its CPU path on a machine with a GPU.

    python tools/misc/cuda_check.py CONFIG [CHECKPOINT] --video PATH \
        [--frames 8] [--out cuda_check.json]

1. mmcv was built with CUDA ops (``FORCE_CUDA=1``) and they give the CPU
   ops' results: NMS keeps the same boxes, RoIAlign's forward and backward
   agree (the RoI layers of both configs: sampling ratio 0 and 2).
2. The same weights on the CPU and on the GPU detect the same boxes on the
   first frames of a video (HVR-Net's cached video path): scores and boxes of
   matched detections, and how many detections have no match.

Prints one line per check and exits 1 when one fails. Not a unit test: CI has
no GPU. Use it after building mmcv for a new CUDA/torch pair.
"""
import argparse
import json
import sys

import numpy as np
import torch


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint', nargs='?', default=None)
    parser.add_argument('--video', required=True,
                        help='video file or frame folder')
    parser.add_argument('--frames', type=int, default=8)
    parser.add_argument('--num-support', type=int, default=4)
    parser.add_argument('--device', default='cuda')
    parser.add_argument('--score-tol', type=float, default=2e-3,
                        help='largest allowed |score_cpu - score_gpu|')
    parser.add_argument('--out', help='write the figures as JSON')
    return parser.parse_args()


def check_ops(device: str) -> dict:
    """NMS and RoIAlign: CUDA kernels against the CPU ones."""
    # mmcv 2.1.0's get_compiling_cuda_version() segfaulted under CUDA 13.0
    # (H200, torch 2.11): not called.
    from mmcv.ops import RoIAlign, nms
    gen = torch.Generator().manual_seed(0)
    out = {}
    xy = torch.rand(2000, 2, generator=gen) * 500
    wh = torch.rand(2000, 2, generator=gen) * 100 + 1
    boxes = torch.cat([xy, xy + wh], 1)
    scores = torch.rand(2000, generator=gen)
    _, keep_cpu = nms(boxes, scores, 0.7)
    _, keep_gpu = nms(boxes.to(device), scores.to(device), 0.7)
    out['nms_same_keep'] = bool(torch.equal(keep_cpu, keep_gpu.cpu()))
    out['nms_kept'] = int(keep_cpu.numel())
    feats = torch.randn(2, 64, 38, 50, generator=gen)
    rois = torch.cat([torch.randint(0, 2, (300, 1), generator=gen).float(),
                      boxes[:300] / 16 * 0.6], 1)
    for ratio in (0, 2):
        layer = RoIAlign(7, spatial_scale=1.0, sampling_ratio=ratio)
        diffs = []
        for dev in ('cpu', device):
            f = feats.detach().to(dev).clone().requires_grad_()
            y = layer(f, rois.to(dev))
            y.pow(2).sum().backward()
            diffs.append((y.detach().cpu(), f.grad.cpu()))
        out[f'roi_align_s{ratio}_fwd_maxdiff'] = float(
            (diffs[0][0] - diffs[1][0]).abs().max())
        out[f'roi_align_s{ratio}_bwd_maxdiff'] = float(
            (diffs[0][1] - diffs[1][1]).abs().max())
    return out


def detections(model, frames, num_support: int) -> list:
    from mmhvr.apis import inference_video
    res = []
    for sample in inference_video(model, frames, mode='online',
                                  num_support=num_support):
        pred = sample.pred_instances
        res.append((pred.bboxes.cpu().numpy(), pred.scores.cpu().numpy(),
                    pred.labels.cpu().numpy()))
    return res


def compare(dets_a: list, dets_b: list) -> dict:
    """Greedy match of same-label boxes by IoU > 0.9 (highest score first)."""
    from mmdet.evaluation.functional import bbox_overlaps
    score_diff, box_diff, unmatched, total = 0.0, 0.0, 0, 0
    for (ba, sa, la), (bb, sb, lb) in zip(dets_a, dets_b):
        total += len(sa)
        used = np.zeros(len(sb), bool)
        ious = bbox_overlaps(ba, bb) if len(sa) and len(sb) else None
        for i in np.argsort(-sa):
            cand = [j for j in range(len(sb)) if not used[j]
                    and lb[j] == la[i] and ious[i, j] > 0.9] \
                if ious is not None else []
            if not cand:
                unmatched += 1
                continue
            j = max(cand, key=lambda j: ious[i, j])
            used[j] = True
            score_diff = max(score_diff, abs(float(sa[i] - sb[j])))
            box_diff = max(box_diff, float(np.abs(ba[i] - bb[j]).max()))
        unmatched += int((~used).sum())
    return dict(detections_cpu=total, unmatched=unmatched,
                max_score_diff=score_diff, max_box_diff_px=box_diff)


def main() -> int:
    args = parse_args()
    on_gpu = args.device.startswith('cuda')
    if on_gpu and not torch.cuda.is_available():
        print('cuda_check: torch sees no GPU', file=sys.stderr)
        return 1
    from mmhvr.apis.outputs import check_tool_paths
    try:
        check_tool_paths(args.config, args.checkpoint, args.video, args.out)
    except ValueError as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    import mmcv
    import mmhvr
    from mmhvr.apis import FrameSource, init_detector
    result = dict(torch=torch.__version__, cuda=torch.version.cuda,
                  gpu=torch.cuda.get_device_name(args.device) if on_gpu
                  else 'none (--device cpu: the CPU against itself)',
                  mmcv=mmcv.__version__, mmhvr=mmhvr.__version__)
    result['ops'] = ops = check_ops(args.device)
    failures = []
    if not ops['nms_same_keep']:
        failures.append('NMS keeps other boxes on the GPU')
    for k, v in ops.items():
        if k.endswith('maxdiff') and v > 1e-3:
            failures.append(f'{k} = {v:.2e}')

    torch.manual_seed(0)
    try:  # a checkpoint that does not fit the config, an unreadable video
        cpu_model = init_detector(args.config, args.checkpoint,
                                  device='cpu')
        gpu_model = init_detector(args.config, args.checkpoint,
                                  device=args.device)
        source = FrameSource(args.video)
    except (ValueError, RuntimeError, FileNotFoundError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    gpu_model.load_state_dict(cpu_model.state_dict())
    frames = [source[i] for i in range(min(args.frames, len(source)))]
    with torch.no_grad():
        det = compare(detections(cpu_model, frames, args.num_support),
                      detections(gpu_model, frames, args.num_support))
    result['detections'] = det
    if det['max_score_diff'] > args.score_tol:
        failures.append(f"score differs by {det['max_score_diff']:.2e}")
    if det['unmatched'] > 0.05 * max(det['detections_cpu'], 1):
        failures.append(f"{det['unmatched']} detections without a match")
    result['failures'] = failures

    for k, v in {**ops, **det}.items():
        print(f'{k}: {v}')
    print('cuda_check:', 'FAILED: ' + '; '.join(failures) if failures
          else f"ok ({result['gpu']}, CUDA {result['cuda']})")
    if args.out:
        with open(args.out, 'w') as f:
            json.dump(result, f, indent=2)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())

"""Speed and memory of HVR-Net's cached video path vs single-frame Faster R-CNN.

    python tools/analysis_tools/benchmark.py CONFIG [CHECKPOINT] --video PATH \
        [--num-frames 30] [--supports 1 5 11 21] [--out bench.json]

(a) HVR-Net video path with the frame cache, (b) the same detector used frame
by frame with the relations switched off (backbone, RPN, RoI head; the
single-frame Faster R-CNN), the ratio a/b, and HVR-Net latency for several
support-set sizes. With ``--train-steps N`` it also times N training steps of
stage 1 and stage 2 on random frames; with ``--stream-frames N`` it streams N
frames (the video looped) through the online mode and reports the resident
memory along the way (it must stay flat: the cache is bounded).
"""
import argparse
import json
import resource
import statistics
import time

import numpy as np
import torch
from terminaltables import AsciiTable
from torch import Tensor
from torch.profiler import record_function


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint', nargs='?', default=None)
    parser.add_argument('--video', required=True,
                        help='video file or frame folder')
    parser.add_argument('--num-frames', type=int, default=30,
                        help='frames timed (the video is looped if shorter)')
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument('--supports', type=int, nargs='+',
                        default=[1, 5, 11, 21])
    parser.add_argument('--main-support', type=int, default=21,
                        help='support frames of the (a) vs (b) comparison')
    parser.add_argument('--train-steps', type=int, default=0)
    parser.add_argument('--profile', action='store_true',
                        help='with --train-steps: also profile as many '
                        'extra steps per stage and report where a step '
                        "spends its time (the model's hvr.* regions, "
                        'backward, optimizer step)')
    parser.add_argument('--train-shape', type=int, nargs=2,
                        default=[600, 1000], metavar=('H', 'W'),
                        help='frame size of the timed training steps')
    parser.add_argument('--stream-frames', type=int, default=0,
                        help='online-mode memory over a stream this long')
    parser.add_argument('--threads', type=int, default=None)
    parser.add_argument('--device', default='cpu',
                        help="'cpu' or 'cuda[:N]' (timings synchronise the "
                        'GPU; peak GPU memory is reported too)')
    parser.add_argument('--out', help='write the figures as JSON')
    return parser.parse_args()


def sync() -> None:
    """Wait for queued GPU work so that a wall-clock time covers it."""
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        torch.cuda.synchronize()


def peak_gpu_mb() -> float:
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        return torch.cuda.max_memory_allocated() / 2**20
    return 0.0


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def rss_mb() -> float:
    """Current resident memory of this process."""
    import os
    with open('/proc/self/statm') as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf('SC_PAGE_SIZE') / 2**20


def stream_memory(model, base_frames, num_frames: int,
                  num_support: int) -> dict:
    """Online mode over ``num_frames`` frames: resident memory and cached
    frames at ten points of the stream."""
    from mmhvr.apis import VideoInferencer
    frames = [base_frames[i % len(base_frames)] for i in range(num_frames)]
    inferencer = VideoInferencer(model, mode='online',
                                 num_support=num_support)
    marks = {max(1, round(num_frames * q / 10)) for q in range(1, 11)}
    points, start = [], time.perf_counter()
    for t, _ in enumerate(inferencer(frames), 1):
        if t in marks:
            points.append(dict(frame=t, rss_mb=rss_mb(),
                               cached_frames=len(model.frame_cache)))
    return dict(frames=num_frames, supports=num_support, points=points,
                seconds=time.perf_counter() - start)


def frames_of(path: str, n: int) -> list:
    """``n`` frames of a video file or frame folder (looped); a file that
    is not a readable video is a ``ValueError`` naming it."""
    from mmhvr.apis import FrameSource
    source = FrameSource(path)
    base = [source[i] for i in range(len(source))]
    return [base[i % len(base)] for i in range(n)]


def time_video_path(model, frames, num_support: int, warmup: int) -> dict:
    """Per-frame latency of the cached HVR-Net path (online mode: the
    previous ``num_support`` frames, each computed once)."""
    from mmhvr.apis import VideoInferencer
    inferencer = VideoInferencer(model, mode='online', num_support=num_support)
    sync()
    times, start = [], time.perf_counter()
    for result in inferencer(frames):
        sync()
        now = time.perf_counter()
        times.append(now - start)
        start = now
    return summarize(times[warmup:])


def time_single_frame(model, frames, warmup: int) -> dict:
    """Per-frame latency of the same detector without relations."""
    from mmhvr.apis import VideoInferencer
    inferencer = VideoInferencer(model, mode='online', num_support=0)
    roi_head = model.roi_head
    times = []
    for t, img in enumerate(frames):
        tensor, sample = inferencer._prepare(img, t, 'single')
        data = model.data_preprocessor(
            dict(inputs=[tensor[None]],
                 data_samples=[_track(sample)]), False)
        start = time.perf_counter()
        with torch.no_grad():
            x = model.extract_feat(data['inputs'][0])
            frame = data['data_samples'][0].video_data_samples[0]
            proposals = model.rpn_head.predict((x, ), [frame], rescale=False)
            from mmdet.structures.bbox import bbox2roi
            rois = bbox2roi([proposals[0].bboxes])
            feats = roi_head.bbox_roi_extractor([x], rois)
            head = roi_head.bbox_head
            z = head.relu(head.fc2(head.relu(head.embed(feats))))
            cls, reg = head.head_final(z)
            head.predict_by_feat((rois, ), (cls, ), (reg, ), [frame.metainfo],
                                 rcnn_test_cfg=roi_head.test_cfg,
                                 rescale=True)
        sync()
        times.append(time.perf_counter() - start)
    return summarize(times[warmup:])


def time_flow_detector(model, frames, warmup: int) -> dict:
    """FGFA/DFF (a ``FlowVideoDetector``): per-frame latency of the same
    detector frame by frame (backbone, RPN, RoI head: single-frame Faster
    R-CNN) and of the config's own test path (``inference_video``
    offline: each frame's maps once, the flows the method needs)."""
    from mmhvr.apis import VideoInferencer
    inferencer = VideoInferencer(model, mode='offline')
    single = []
    for t, img in enumerate(frames):
        tensor, sample = inferencer._prepare(img, t, 'single')
        data = model.data_preprocessor(
            dict(inputs=[tensor[None]], data_samples=[_track(sample)]),
            False)
        start = time.perf_counter()
        with torch.no_grad():
            model.detect(model.extract_feat(data['inputs'][0]),
                         data['data_samples'][0].video_data_samples[0])
        sync()
        single.append(time.perf_counter() - start)
    out = dict(single_frame=summarize(single[warmup:]),
               video=time_offline_stream(model, frames, warmup))
    out['parts'] = time_flow_parts(model, data['inputs'][0],
                                   data['data_samples'][0])
    return out


def time_flow_parts(model, imgs, sample, repeats: int = 3) -> dict:
    """Median ms of the per-pair parts of a flow detector on one frame
    (``imgs`` (1, 3, H, W)): one FlowNet flow, one warp and, for FGFA,
    one map through the aggregator's embedding network; what a key frame
    pays per frame of its window besides the single-frame detector."""
    frame = sample.video_data_samples[0]
    with torch.no_grad():
        feats = model.extract_feat(imgs)

        def timed(fn):
            times = []
            for _ in range(repeats + 1):
                start = time.perf_counter()
                result = fn()
                sync()
                times.append(time.perf_counter() - start)
            return result, 1000 * statistics.median(times[1:])

        flow, flow_ms = timed(lambda: model.flow(imgs, imgs, frame))
        _, warp_ms = timed(lambda: model.warp(feats, flow))
        parts = dict(flow_pair_ms=flow_ms, warp_ms=warp_ms)
        aggregator = getattr(model, 'aggregator', None)
        if aggregator is not None:
            _, parts['embed_map_ms'] = timed(
                lambda: aggregator.embed(feats[0]))
    return parts


def time_offline_stream(model, frames, warmup: int) -> dict:
    """Per-frame latency of ``inference_video`` offline over the whole
    video, after a separate warm-up stream of ``warmup`` frames. An offline
    method may compute many frames at its first key frame, so its cost per
    frame is ``mean_ms`` over the whole stream, not a median of the
    frames after the first."""
    from mmhvr.apis import VideoInferencer
    if warmup:
        for _ in VideoInferencer(model, mode='offline')(frames[:warmup]):
            pass
    sync()
    times, start = [], time.perf_counter()
    for _ in VideoInferencer(model, mode='offline')(frames):
        sync()
        now = time.perf_counter()
        times.append(now - start)
        start = now
    return summarize(times)


def time_reference_detector(model, frames, warmup: int) -> dict:
    """SELSA / Temporal RoI Align (a ``SELSA``): per-frame latency of the
    config's own test path (``inference_video`` offline: each frame's
    features once, its references spread over the video as the test
    pipeline loads them) and of the single-frame Faster R-CNN made from the
    same config (:meth:`SELSA.single_frame_cfg`: no aggregators, no
    references), both random weights, both through the test pipeline."""
    import copy
    import warnings

    from mmhvr.apis import VideoInferencer, init_detector
    cfg = copy.deepcopy(model.cfg)
    cfg.model = type(model).single_frame_cfg(cfg.model)
    cfg.test_dataloader.dataset.pipeline[0]['num_support'] = 0
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')  # random weights: said in the doc
        single = init_detector(cfg, device=str(
            next(model.parameters()).device))
    return dict(single_frame=time_offline_stream(single, frames, warmup),
                video=time_offline_stream(model, frames, warmup))


def _track(sample):
    from mmdet.structures import TrackDataSample
    track = TrackDataSample(metainfo=dict(key_frames_inds=[0]))
    track.video_data_samples = [sample]
    return track


def summarize(times) -> dict:
    ms = [1000 * t for t in times]
    return dict(
        median_ms=statistics.median(ms),
        mean_ms=statistics.fmean(ms),
        p10_ms=float(np.percentile(ms, 10)),
        p90_ms=float(np.percentile(ms, 90)),
        frames=len(ms))


def train_step(model, optim, data) -> Tensor:
    with record_function('bench.forward'):
        batch = model.data_preprocessor(data, True)
        losses = model.loss(batch['inputs'], batch['data_samples'])
        loss = sum(v for k, v in losses.items() if 'loss' in k)
    optim.zero_grad()
    with record_function('bench.backward'):
        loss.backward()
    with record_function('bench.optimizer_step'):
        optim.step()
    return loss


def profile_steps(model, optim, data, steps: int) -> dict:
    """ms per step spent in the labelled regions (``hvr.*`` from the
    model, ``bench.*`` from :func:`train_step`), wall clock of the
    region's outermost call."""
    from torch.profiler import ProfilerActivity, profile
    activities = [ProfilerActivity.CPU]
    if device_is_cuda(model):
        activities.append(ProfilerActivity.CUDA)
    with profile(activities=activities) as prof:
        for _ in range(steps):
            train_step(model, optim, data)
            sync()
    regions = {}
    for event in prof.key_averages():
        if event.key.startswith(('hvr.', 'bench.')):
            regions[event.key] = event.cpu_time_total / 1e3 / steps
    return regions


def device_is_cuda(model) -> bool:
    return next(model.parameters()).is_cuda


def time_train_steps(config, steps: int, shape=(600, 1000),
                     device: str = 'cpu', profile: bool = False) -> dict:
    from mmengine.config import Config
    from mmhvr.testing import demo_video_group
    from mmhvr.registry import MODELS
    cfg = Config.fromfile(config)
    out = {}
    for stage in (1, 2):
        model_cfg = cfg.model.copy()
        model_cfg.backbone.init_cfg = None
        model_cfg.stage = stage
        if stage == 2:
            model_cfg.frozen_modules = ['rpn_head']
            model_cfg.backbone.frozen_stages = 3
        model = MODELS.build(model_cfg)
        model.init_weights()
        model.to(device)
        model.train()
        params = [p for p in model.parameters() if p.requires_grad]
        optim = torch.optim.SGD(params, lr=1e-4, momentum=0.9)
        # stage 2: a 9-video group (3 of the anchor's class, 3 + 3 others)
        labels = [0, 0, 0, 1, 1, 1, 2, 2, 2] if stage == 2 else [0]
        data = demo_video_group(labels, num_frames=3,
                                image_shape=(3, *shape))
        times = []
        for _ in range(steps + 1):
            sync()
            start = time.perf_counter()
            loss = train_step(model, optim, data)
            sync()
            times.append(time.perf_counter() - start)
            if not torch.isfinite(loss):
                raise RuntimeError(f'stage {stage}: training loss is {loss}')
        out[f'stage{stage}'] = dict(
            summarize(times[1:]),
            params=sum(p.numel() for p in model.parameters()),
            trainable_params=sum(p.numel() for p in params),
            last_loss=float(loss), peak_gpu_mb=peak_gpu_mb())
        if profile:
            out[f'stage{stage}']['profile_ms'] = profile_steps(
                model, optim, data, steps)
        del model, optim
    return out


def main():
    args = parse_args()
    from mmhvr.apis.outputs import check_tool_paths
    try:
        if args.device.startswith('cuda') and not torch.cuda.is_available():
            raise ValueError(f'--device {args.device}: torch sees no GPU')
        check_tool_paths(args.config, args.checkpoint, args.video, args.out)
        # the frames before the model: an unreadable video is one line
        n = args.num_frames + args.warmup
        frames = frames_of(args.video, n)
        if args.threads:
            torch.set_num_threads(args.threads)
        from mmhvr.apis import init_detector
        model = init_detector(args.config, args.checkpoint,
                              device=args.device)
    except (ValueError, RuntimeError, FileNotFoundError) as e:
        import sys
        print(f'error: {e}', file=sys.stderr)
        sys.exit(1)
    h, w = frames[0].shape[:2]

    results = dict(config=args.config, video=args.video, frame_size=[w, h],
                   threads=torch.get_num_threads(), device=args.device)
    if args.device.startswith('cuda'):
        results['gpu'] = torch.cuda.get_device_name(args.device)
    from mmhvr.models.detectors import SELSA, FlowVideoDetector
    if isinstance(model, (FlowVideoDetector, SELSA)):
        # FGFA, DFF / SELSA, Temporal RoI Align, single-frame Faster R-CNN:
        # the config's own offline test path next to single-frame
        timer = time_flow_detector if isinstance(
            model, FlowVideoDetector) else time_reference_detector
        results.update(timer(model, frames, args.warmup))
        # the whole video's time per frame (see time_offline_stream)
        results['ratio'] = results['video']['mean_ms'] / \
            results['single_frame']['mean_ms']
        name = model.cfg.filename.rsplit('/', 1)[-1] if \
            model.cfg.filename else type(model).__name__
        rows = [['path', 'mean ms/frame', 'median', 'p10-p90 ms']] + [
            [label, f"{r['mean_ms']:.1f}", f"{r['median_ms']:.1f}",
             f"{r['p10_ms']:.1f}-{r['p90_ms']:.1f}"]
            for label, r in (('single-frame Faster R-CNN',
                              results['single_frame']),
                             (f'{name} (cached)', results['video']))]
        print(AsciiTable(rows, title=f'{w}x{h} input, '
                         f'{torch.get_num_threads()} threads').table)
        print(f"{type(model).__name__} / single-frame: "
              f"{results['ratio']:.3f}x")
        if 'parts' in results:
            print('per window frame: ' + ', '.join(
                f'{k[:-3]} {v:.1f} ms' for k, v in results['parts'].items()))
        write_json(results, args.out)
        return
    rss0 = peak_rss_mb()
    results['single_frame'] = time_single_frame(model, frames, args.warmup)
    results['single_frame']['peak_rss_mb'] = peak_rss_mb()
    results['single_frame']['peak_gpu_mb'] = peak_gpu_mb()
    results['hvr'] = {}
    for k in sorted(set(args.supports) | {args.main_support}):
        results['hvr'][k] = time_video_path(model, frames, k, args.warmup)
        results['hvr'][k]['peak_rss_mb'] = peak_rss_mb()
        results['hvr'][k]['peak_gpu_mb'] = peak_gpu_mb()
    main_ms = results['hvr'][args.main_support]['median_ms']
    results['ratio'] = main_ms / results['single_frame']['median_ms']
    results['start_rss_mb'] = rss0

    rows = [['path', 'supports', 'median ms/frame', 'p10-p90 ms',
             'peak RSS MB']]
    sf = results['single_frame']
    rows.append(['single-frame Faster R-CNN', '-', f"{sf['median_ms']:.1f}",
                 f"{sf['p10_ms']:.1f}-{sf['p90_ms']:.1f}",
                 f"{sf['peak_rss_mb']:.0f}"])
    for k, r in results['hvr'].items():
        rows.append(['HVR-Net (cached)', k, f"{r['median_ms']:.1f}",
                     f"{r['p10_ms']:.1f}-{r['p90_ms']:.1f}",
                     f"{r['peak_rss_mb']:.0f}"])
    where = results.get('gpu', f'{torch.get_num_threads()} CPU threads')
    print(AsciiTable(rows, title=f'{w}x{h} input, {where}').table)
    print(f'HVR-Net ({args.main_support} supports) / single-frame: '
          f"{results['ratio']:.3f}x")
    if args.train_steps:
        results['train'] = time_train_steps(args.config, args.train_steps,
                                            args.train_shape, args.device,
                                            args.profile)
        for stage, r in results['train'].items():
            print(f"train step {stage}: median {r['median_ms']:.0f} ms "
                  f"({r['params'] / 1e6:.2f}M parameters, "
                  f"{r['trainable_params'] / 1e6:.2f}M trained, last loss "
                  f"{r['last_loss']:.3f}, peak GPU {r['peak_gpu_mb']:.0f} MB)")
            if 'profile_ms' in r:
                print(AsciiTable(
                    [['region', 'ms per step (profiled)']] +
                    [[k, f'{v:.1f}'] for k, v in sorted(
                        r['profile_ms'].items(), key=lambda kv: -kv[1])],
                    title=f'{stage} profile').table)
        results['train']['stage2_over_stage1'] = \
            results['train']['stage2']['median_ms'] / \
            results['train']['stage1']['median_ms']
        print('train step stage 2 (9-video group) / stage 1 (one video): '
              f"{results['train']['stage2_over_stage1']:.2f}x")
    if args.stream_frames:
        r = results['stream'] = stream_memory(model, frames,
                                              args.stream_frames,
                                              args.main_support)
        rows = [['frame', 'RSS MB', 'cached frames']] + [
            [p['frame'], f"{p['rss_mb']:.0f}", p['cached_frames']]
            for p in r['points']]
        print(f"online stream of {r['frames']} frames, {r['supports']} "
              f"supports ({r['seconds']:.0f} s):")
        print(AsciiTable(rows).table)
    write_json(results, args.out)


def write_json(results: dict, out) -> None:
    if out:
        with open(out, 'w') as f:
            json.dump(results, f, indent=2)
        print(f'written {out}')


if __name__ == '__main__':
    main()

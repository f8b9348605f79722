"""Random inputs for tests and benchmarks (no dataset needed)."""
from typing import Optional, Sequence, Tuple

import numpy as np
import torch
from mmdet.structures import DetDataSample, TrackDataSample
from mmengine.dataset import pseudo_collate
from mmengine.structures import InstanceData


def demo_video_group(video_labels: Sequence[int],
                     num_frames: int = 3,
                     image_shape: Tuple[int, int, int] = (3, 128, 160),
                     boxes_per_frame: int = 2,
                     seed: int = 0,
                     support_frame_ids: Optional[Sequence[int]] = None
                     ) -> dict:
    """A collated batch of videos in the layout of ``docs/batch_layout.md``.

    Args:
        video_labels (list[int]): one class per video; every box of the video
            has it (a video of label -1 has no box).
        num_frames (int): frames per video, the key frame first.
        image_shape (tuple): (C, H, W) of every frame.
        support_frame_ids (list[int], optional): written into the metainfo
            (the cached test layout); frame ids are 0..num_frames-1.

    Returns:
        dict: ``inputs`` (list of uint8 (T, C, H, W)) and ``data_samples``
        (list of TrackDataSample), as a dataloader would give them.
    """
    rng = np.random.default_rng(seed)
    _, h, w = image_shape
    items = []
    for v, label in enumerate(video_labels):
        imgs = rng.integers(0, 255, size=(num_frames, *image_shape),
                            dtype=np.uint8)
        samples = []
        for t in range(num_frames):
            n = boxes_per_frame if label >= 0 else 0
            x1 = rng.uniform(0, w * 0.5, n)
            y1 = rng.uniform(0, h * 0.5, n)
            bw = rng.uniform(w * 0.2, w * 0.5, n)
            bh = rng.uniform(h * 0.2, h * 0.5, n)
            boxes = np.stack([x1, y1, x1 + bw, y1 + bh], axis=1)
            gt = InstanceData(
                bboxes=torch.tensor(boxes, dtype=torch.float32).view(-1, 4),
                labels=torch.full((n, ), max(label, 0), dtype=torch.long),
                instances_ids=torch.arange(n, dtype=torch.long))
            sample = DetDataSample(
                metainfo=dict(
                    img_id=v * 1000 + t,
                    img_path=None,
                    video_id=v,
                    frame_id=t,
                    video_length=num_frames,
                    ori_shape=(h, w),
                    img_shape=(h, w),
                    scale_factor=(1.0, 1.0),
                    flip=False,
                    flip_direction=None))
            sample.gt_instances = gt
            sample.ignored_instances = InstanceData(
                bboxes=torch.zeros((0, 4)), labels=torch.zeros((0, ),
                                                              dtype=torch.long))
            samples.append(sample)
        meta = dict(key_frames_inds=[0],
                    ref_frames_inds=list(range(1, num_frames)),
                    video_label=int(label))
        if support_frame_ids is not None:
            meta['support_frame_ids'] = list(support_frame_ids)
        track = TrackDataSample(metainfo=meta)
        track.video_data_samples = samples
        items.append(dict(inputs=torch.from_numpy(imgs), data_samples=track))
    return pseudo_collate(items)

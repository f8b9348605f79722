"""Flow-Guided Feature Aggregation (Zhu et al., ICCV 2017) on the core."""
from typing import Dict, List, Tuple

import torch
from mmdet.structures import TrackDataSample
from mmdet.utils import ConfigType
from torch import Tensor

from mmhvr.registry import MODELS
from ..video import FrameMemory
from .dff import FlowVideoDetector, _key_and_refs


def clamped_window(key: int, frame_range: int, first: int,
                   last: int) -> List[int]:
    """MMTracking's fixed-stride test window of frame ``key``: frames
    ``clamp(key + o, first, last)`` for ``o = -frame_range … frame_range``
    (a frame repeats at the ends of the video; the key frame at index
    ``frame_range``)."""
    return [min(max(key + o, first), last)
            for o in range(-frame_range, frame_range + 1)]


@MODELS.register_module()
class FGFA(FlowVideoDetector):
    """FGFA: the maps of the frames within ``test_cfg.frame_range`` of the
    key frame, warped to it by the flow key → frame, aggregated by
    :class:`EmbedAggregator`; RPN and RoI head run on the aggregate
    (MMTracking ``dev-1.x``'s ``FGFA`` with ``test_with_fix_stride``,
    stride 1; ``docs/mmtrack_methods.md`` §5).

    Each frame's backbone maps are computed once per video (the core's
    :class:`VideoMemory` via :meth:`VideoMemory.gather`; the test
    pipeline's ``VideoTestSupportSample(method='window')`` loads each frame
    once), and each key frame computes one flow per distinct frame of its
    window: a frame that fills several window slots at the ends of the
    video (clamping) shares one flow. No flow is reused across key frames
    (the pair key → frame is different for every key).

    The window is clamped to the frames the item's supports reach: in
    ``inference_video(mode='online')`` (the past ``num_support`` frames)
    the slots after the key frame repeat the key frame, as MMTracking's
    window repeats the last frame of a video.

    Args:
        aggregator (dict): an :class:`EmbedAggregator`.
        test_cfg (dict): also ``frame_range`` (int >= 0): the window's half
            width, the test pipeline's ``frame_range`` (one config
            variable).
    """

    def __init__(self, *args, aggregator: ConfigType, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.aggregator = MODELS.build(aggregator)
        frame_range = self.test_cfg.get('frame_range')
        if isinstance(frame_range, bool) or not isinstance(frame_range, int) \
                or frame_range < 0:
            raise ValueError('FGFA: test_cfg.frame_range must be an integer '
                             f'>= 0, got {frame_range!r}')
        self.frame_range = frame_range

    def aggregate(self, x: Tuple[Tensor, ...], window: Tuple[Tensor, ...]
                  ) -> Tuple[Tensor, ...]:
        """Per level: the key maps (1, C, h, w) and the window's (warped)
        maps (T, C, h, w) → the aggregate (1, C, h, w)."""
        return tuple(self.aggregator(k, w) for k, w in zip(x, window))

    def key_frame_feats(self, imgs: Tensor,
                        sample: TrackDataSample) -> Tuple[Tensor, ...]:
        frames = sample.video_data_samples
        ind = sample.metainfo['key_frames_inds'][0]
        frame_ids = [int(f.metainfo['frame_id']) for f in frames]
        key_id = frame_ids[ind]
        supports = sample.metainfo.get('support_frame_ids')
        if supports is None:  # the item carries its whole window
            supports = [f for f in frame_ids if f != key_id]
        supports = [int(f) for f in supports]
        far = [f for f in supports if abs(f - key_id) > self.frame_range]
        if far:
            raise ValueError(
                f'FGFA: supports {far} of frame {key_id} are outside '
                f'test_cfg.frame_range ({self.frame_range}): the test '
                "pipeline's VideoTestSupportSample must be method='window' "
                'with the same frame_range')
        # the video's ends within reach: the window clamps to them
        known = supports + [key_id]
        window = clamped_window(key_id, self.frame_range, min(known),
                                max(known))
        wanted = sorted(set(window) - {key_id})

        def compute(inds: List[int]) -> List[FrameMemory]:
            # one frame at a time, as SELSA.key_and_references (a batch of
            # the whole window's maps is memory-bound)
            return [
                self.frame_memories(self.extract_feat(imgs[[i]]),
                                    imgs[[i]])[0] for i in inds
            ]

        if sample.metainfo.get('support_frame_ids') is None:
            mems = compute(list(range(len(frames))))
            by_id = dict(zip(frame_ids, mems))
            missing = [f for f in wanted if f not in by_id]
            if missing:
                raise ValueError(f'FGFA: frames {missing} of the window of '
                                 f'frame {key_id} are not in the item')
        else:
            video_id, restart = self._stream(sample)
            key, found = self.video_memory.gather(
                video_id, restart, frame_ids, wanted, key_id, compute)
            by_id = dict(zip(wanted, found))
            by_id[key_id] = key
        # one flow per distinct frame warped (the key frame too where the
        # clamped window repeats it); its own slot keeps its own maps
        warped_ids = sorted({f for o, f in enumerate(window)
                             if o != self.frame_range})
        slot = {f: i for i, f in enumerate(warped_ids)}
        key = by_id[key_id]
        x = (key.feats, )
        if not warped_ids:
            return x
        mems = FrameMemory.cat([by_id[f] for f in warped_ids])
        warped = self.warp((mems.feats, ),
                           self.flow(key.imgs, mems.imgs, frames[ind]))
        # the distinct maps (the key's own first, then each warped frame
        # once) and the window as rows of them: a frame the clamped window
        # repeats is embedded once
        rows = torch.tensor([
            0 if o == self.frame_range else 1 + slot[f]
            for o, f in enumerate(window)
        ], device=key.feats.device)
        return tuple(
            self.aggregator(k, torch.cat((k, w)), index=rows, key_row=0)
            for k, w in zip(x, warped))

    def loss(self, inputs: Tensor,
             data_samples: List[TrackDataSample]) -> Dict[str, Tensor]:
        """Losses of a batch of videos (N, T, 3, H, W), T >= 2: the key
        frame (``key_frames_inds``) is detected on its supports' maps
        warped to it and aggregated with weights from their similarity to
        its own maps (MMTracking's training)."""
        xs, samples = [], []
        for imgs, sample in zip(inputs, data_samples):
            key, refs = _key_and_refs(sample, imgs.shape[0])
            feats = self.extract_feat(imgs)
            frame = sample.video_data_samples[key]
            flows = self.flow(imgs[key:key + 1], imgs[refs], frame)
            warped = self.warp(tuple(f[refs] for f in feats), flows)
            xs.append(self.aggregate(tuple(f[key:key + 1] for f in feats),
                                     warped))
            samples.append(frame)
        x = tuple(torch.cat(level) for level in zip(*xs))
        return self.detector_loss(x, samples)

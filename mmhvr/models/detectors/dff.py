"""Deep Feature Flow (Zhu et al., CVPR 2017) on the video-detector core, and
the base of the flow-warping detectors (DFF, FGFA)."""
import copy
from typing import Dict, Hashable, List, Tuple

import torch
from mmdet.models.detectors import TwoStageDetector
from mmdet.structures import DetDataSample, TrackDataSample
from mmdet.utils import ConfigType, OptConfigType, OptMultiConfig
from torch import Tensor

from mmhvr.registry import MODELS
from ..motion import flow_warp_feats
from ..video import (FrameMemory, VideoMemory, VideoMemoryOwnerMixin,
                     weights_token)


class FlowVideoDetector(VideoMemoryOwnerMixin, TwoStageDetector):
    """A Faster R-CNN (mmdet's :class:`TwoStageDetector`: backbone, neck,
    RPN, RoI head) whose per-frame features may come from other frames by
    optical flow (``motion``, e.g. :class:`FlowNetSimple`) and
    :func:`flow_warp_feats`.

    At test time a frame's features and normalised image are kept as a
    one-row :class:`FrameMemory` (``feats`` (1, C, h, w), ``imgs``
    (1, 3, H, W)) in :attr:`video_memory`, the core's
    :class:`VideoMemory` (its one staleness rule: the weights token; a new
    stream or ``stream_start`` empties it; so do ``train()``,
    ``load_state_dict()`` and ``.to()``: :class:`VideoMemoryOwnerMixin`).
    Subclasses say which frames' features a key frame needs
    (:meth:`key_frame_feats`); RPN and RoI head then run as in mmdet on
    what it returns.

    Inputs are batches of videos ``(N, T, C, H, W)`` with
    :class:`TrackDataSample` data samples, as for :class:`HVRDetector`.

    Args:
        motion (dict): the flow network.
        test_cfg (dict): ``rpn``/``rcnn`` as in mmdet, ``cache_frames``
            (frame memories kept) and the subclass's own keys.
    """

    def __init__(self,
                 backbone: ConfigType,
                 neck: ConfigType,
                 rpn_head: ConfigType,
                 roi_head: ConfigType,
                 motion: ConfigType,
                 train_cfg: OptConfigType = None,
                 test_cfg: OptConfigType = None,
                 data_preprocessor: OptConfigType = None,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(
            backbone=backbone,
            neck=neck,
            rpn_head=copy.deepcopy(rpn_head),
            roi_head=copy.deepcopy(roi_head),
            train_cfg=train_cfg,
            test_cfg=test_cfg,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)
        self.motion = MODELS.build(motion)
        if 'cache_frames' not in (test_cfg or {}):
            raise ValueError(f'{type(self).__name__}: test_cfg.cache_frames '
                             '(frame memories kept per video) is required')
        self.video_memory = VideoMemory(max_frames=test_cfg['cache_frames'])

    @property
    def frame_cache(self) -> VideoMemory:
        """The per-video state (the name the inference API uses)."""
        return self.video_memory

    # -- per frame --------------------------------------------------------
    def extract_feat(self, imgs: Tensor) -> Tuple[Tensor, ...]:
        """Frames (F, 3, H, W) → the neck's maps, each (F, C, h, w)."""
        return self.neck(self.backbone(imgs))

    def flow(self, imgs: Tensor, ref_imgs: Tensor,
             sample: DetDataSample) -> Tensor:
        """Flows (N, 2, H, W) from ``imgs`` to ``ref_imgs`` (N, 3, H, W,
        normalised; ``imgs`` may be one image for all), the padding of
        ``sample``'s ``img_shape`` zeroed."""
        if imgs.shape[0] == 1 and ref_imgs.shape[0] > 1:
            imgs = imgs.expand(ref_imgs.shape[0], -1, -1, -1)
        pre = self.data_preprocessor
        return self.motion(torch.cat((imgs, ref_imgs), dim=1),
                           sample.metainfo['img_shape'], pre.mean, pre.std)

    def warp(self, feats: Tuple[Tensor, ...],
             flows: Tensor) -> Tuple[Tensor, ...]:
        """Every level of ``feats`` (N, C, h, w) warped by ``flows``."""
        return tuple(flow_warp_feats(f, flows) for f in feats)

    def detect(self, x: Tuple[Tensor, ...], sample: DetDataSample,
               rescale: bool = True) -> DetDataSample:
        """mmdet's two-stage test path on one frame's maps ``x``
        (each (1, C, h, w)): ``sample`` gets ``pred_instances``."""
        proposals = self.rpn_head.predict(x, [sample], rescale=False)
        sample.pred_instances = self.roi_head.predict(
            x, proposals, [sample], rescale=rescale)[0]
        return sample

    def detector_loss(self, x: Tuple[Tensor, ...],
                      samples: List[DetDataSample]) -> Dict[str, Tensor]:
        """mmdet's two-stage losses (RPN with class-agnostic targets, RoI
        head) on the maps ``x`` of the frames ``samples``."""
        losses = dict()
        rpn_samples = copy.deepcopy(samples)
        for s in rpn_samples:
            s.gt_instances.labels = torch.zeros_like(s.gt_instances.labels)
        rpn_losses, proposals = self.rpn_head.loss_and_predict(
            x, rpn_samples,
            proposal_cfg=self.train_cfg.get('rpn_proposal',
                                            self.test_cfg.rpn))
        for name, value in rpn_losses.items():
            losses[name if 'rpn' in name or 'loss' not in name else
                   f'rpn_{name}'] = value
        losses.update(self.roi_head.loss(x, proposals, samples))
        return losses

    # -- the video --------------------------------------------------------
    def _stream(self, sample: TrackDataSample) -> Tuple[Hashable, bool]:
        """The item's video (stream key) and whether it starts it."""
        frames = sample.video_data_samples
        key = frames[sample.metainfo['key_frames_inds'][0]]
        video_id = sample.metainfo.get('video_id', key.metainfo.get(
            'video_id'))
        return video_id, bool(sample.metainfo.get('stream_start'))

    @staticmethod
    def frame_memories(x: Tuple[Tensor, ...],
                       imgs: Tensor) -> List[FrameMemory]:
        """One-row memories of frames with maps ``x`` (single level) and
        images ``imgs`` (F, 3, H, W)."""
        if len(x) != 1:
            raise ValueError(f'flow detectors cache one feature level, the '
                             f'neck gives {len(x)}')
        return [FrameMemory(feats=x[0][i:i + 1], imgs=imgs[i:i + 1])
                for i in range(imgs.shape[0])]

    def key_frame_feats(self, imgs: Tensor,
                        sample: TrackDataSample) -> Tuple[Tensor, ...]:
        """The maps (each (1, C, h, w)) the key frame of an item is
        detected on; ``imgs`` (T, 3, H, W) are the frames it carries."""
        raise NotImplementedError

    def predict(self,
                inputs: Tensor,
                data_samples: List[TrackDataSample],
                rescale: bool = True) -> List[DetDataSample]:
        """Detections of each item's key frame.

        Args:
            inputs (Tensor): (N, T, 3, H, W), the key frame of item ``n``
                at ``key_frames_inds``.
            data_samples (list[TrackDataSample]): one per item.

        Returns:
            list[DetDataSample]: the key frames' samples with
            ``pred_instances`` (original image coordinates if
            ``rescale``).
        """
        self.video_memory.validate((weights_token(self), type(self).__name__))
        results = []
        for imgs, sample in zip(inputs, data_samples):
            key = sample.video_data_samples[sample.metainfo[
                'key_frames_inds'][0]]
            results.append(
                self.detect(self.key_frame_feats(imgs, sample), key,
                            rescale=rescale))
        return results

    def _forward(self, inputs: Tensor, data_samples=None):
        """Backbone + neck maps of every frame (for FLOP counting)."""
        return self.extract_feat(inputs.flatten(0, 1))


@MODELS.register_module()
class DFF(FlowVideoDetector):
    """Deep Feature Flow: the backbone runs on key frames only (every
    ``test_cfg.key_frame_interval``-th frame, ``frame_id % interval ==
    0``); any other frame's maps are the last key frame's warped by the
    flow from the frame to that key frame (MMTracking ``dev-1.x``'s
    ``DFF``; ``docs/mmtrack_methods.md`` §6).

    Training (MMTracking's): the key frame's maps are its reference
    frame's (the first support) warped by the flow key → reference.

    Args:
        test_cfg (dict): also ``key_frame_interval`` (int >= 1).
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        interval = self.test_cfg.get('key_frame_interval')
        if isinstance(interval, bool) or not isinstance(interval, int) \
                or interval < 1:
            raise ValueError('DFF: test_cfg.key_frame_interval must be an '
                             f'integer >= 1, got {interval!r}')
        self.key_frame_interval = interval

    def key_frame_feats(self, imgs: Tensor,
                        sample: TrackDataSample) -> Tuple[Tensor, ...]:
        frames = sample.video_data_samples
        ind = sample.metainfo['key_frames_inds'][0]
        frame = frames[ind]
        frame_id = int(frame.metainfo['frame_id'])
        img = imgs[ind:ind + 1]
        memory = self.video_memory
        video_id, restart = self._stream(sample)
        memory.start(video_id, restart=restart)
        if frame_id % self.key_frame_interval == 0:
            x = self.extract_feat(img)
            memory.put(frame_id, self.frame_memories(x, img)[0])
            return x
        key_id = frame_id - frame_id % self.key_frame_interval
        key = memory.get(key_id)
        if key is None:
            why = (f' ({memory.reset_reason})' if memory.reset_reason else '')
            raise RuntimeError(
                f'DFF: video {video_id} frame {frame_id} needs the features '
                f'of its key frame {key_id}, which are not cached{why}: the '
                'frames of a video must arrive in order from its first '
                '(TrackImgSampler)')
        return self.warp((key.feats, ), self.flow(img, key.imgs, frame))

    def loss(self, inputs: Tensor,
             data_samples: List[TrackDataSample]) -> Dict[str, Tensor]:
        """Losses of a batch of videos (N, T, 3, H, W), T >= 2: the key
        frame (``key_frames_inds``) is detected on its first support's maps
        warped to it."""
        xs, samples = [], []
        for imgs, sample in zip(inputs, data_samples):
            key, ref = _key_and_refs(sample, imgs.shape[0])
            flow = self.flow(imgs[key:key + 1], imgs[ref[0]:ref[0] + 1],
                             sample.video_data_samples[key])
            xs.append(self.warp(self.extract_feat(imgs[ref[0]:ref[0] + 1]),
                                flow))
            samples.append(sample.video_data_samples[key])
        x = tuple(torch.cat(level) for level in zip(*xs))
        return self.detector_loss(x, samples)


def _key_and_refs(sample: TrackDataSample, num_frames: int
                  ) -> Tuple[int, List[int]]:
    """The key frame's position in a training item and the others'."""
    key = int(sample.metainfo['key_frames_inds'][0])
    refs = [i for i in range(num_frames) if i != key]
    if not refs:
        raise ValueError('training a flow detector needs items with a key '
                         'frame and at least one support frame')
    return key, refs

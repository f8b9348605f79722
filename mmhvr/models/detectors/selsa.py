"""SELSA (and Temporal RoI Align, single-frame Faster R-CNN) on the core."""
import copy
import warnings
from typing import Dict, List, Tuple

import torch
from mmdet.structures import DetDataSample, TrackDataSample
from torch import Tensor

from mmhvr.registry import MODELS
from ..utils import full_precision
from ..video import FrameMemory, weights_token
from .hvr_detector import HVRDetector


def adaptive_stride_refs(num_frames: int, num_ref_imgs: int) -> List[int]:
    """MMTracking's ``test_with_adaptive_stride`` references of a video of
    ``num_frames``: frames ``round(i * (L - 1) / (n - 1))``, i < n (Python
    rounding; a frame repeats when the video is shorter than n), sorted."""
    if num_ref_imgs <= 0 or num_frames <= 0:
        return []
    if num_ref_imgs == 1:
        return [0]
    stride = (num_frames - 1) / (num_ref_imgs - 1)
    return sorted(round(i * stride) for i in range(num_ref_imgs))


@MODELS.register_module()
class SELSA(HVRDetector):
    """SELSA (Wu et al., "Sequence Level Semantics Aggregation for Video
    Object Detection", ICCV 2019), as MMTracking ``dev-1.x`` tests it.

    The per-frame parts and the per-video state are the core's
    (:class:`HVRDetector`'s backbone/neck/RPN, :meth:`propose`,
    :attr:`video_memory`); the RoI head is a :class:`SelsaRoIHead` (or
    :class:`TemporalRoIAlignRoIHead`). Every frame's features, proposals and
    reference projections are computed once per video and kept in the
    video memory; a key frame attends to the memories of its references.

    References of a key frame (``test_cfg.num_ref_imgs``, n): the frames
    :func:`adaptive_stride_refs` spreads over the whole video (the same for
    every key frame, repeats kept) and the key frame itself, last. The
    test pipeline must load them: ``VideoTestSupportSample(method=
    'uniform', num_support=n)`` spreads the same frames. Where the
    pipeline's supports are other frames (``inference_video(mode=
    'online')``: the past ones) they are the references (a warning says
    so once). With n = 0 the detector is the single-frame Faster R-CNN.

    Training (``loss``): MMTracking's: the key frame's RPN loss and
    proposals (``train_cfg.rpn_proposal``), the reference frames'
    proposals (``test_cfg.rpn``), box losses of the key frame attending to
    its references (the key frame not among them).
    """

    _warned_refs = False

    @staticmethod
    def single_frame_cfg(model_cfg: dict) -> dict:
        """The single-frame Faster R-CNN of a SELSA/TRoI model config (the
        baseline of its speed ratio): the same backbone, neck, RPN and
        shared fcs, plain RoIAlign, no aggregators, no references."""
        cfg = copy.deepcopy(model_cfg)
        cfg['type'] = 'FasterRCNNVID'
        roi = cfg['roi_head']
        roi['type'] = 'SelsaRoIHead'
        ext = roi['bbox_roi_extractor']
        for key in ('num_most_similar_points',
                    'num_temporal_attention_blocks'):
            ext.pop(key, None)
        ext['type'] = 'SingleRoIExtractor'
        roi['bbox_head']['aggregator'] = None
        roi['bbox_head']['num_shared_fcs'] = 2
        cfg['test_cfg']['num_ref_imgs'] = 0
        return cfg

    # -- references -------------------------------------------------------
    @property
    def num_ref_imgs(self) -> int:
        n = self.test_cfg.get('num_ref_imgs', 0)
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise ValueError('test_cfg.num_ref_imgs must be an integer >= 0'
                             f', got {n!r}')
        return n

    def reference_ids(self, key_id: int, num_frames: int) -> List[int]:
        """The references of frame ``key_id`` (frame ids, the key frame
        last; repeats kept)."""
        if self.num_ref_imgs == 0:
            return [key_id]
        return adaptive_stride_refs(num_frames, self.num_ref_imgs) + [key_id]

    def key_and_references(self, imgs: Tensor, sample: TrackDataSample
                           ) -> Tuple[FrameMemory, List[FrameMemory]]:
        """An item's key frame memory and its references' (in
        :meth:`reference_ids` order), through :attr:`video_memory` (a
        stream item) or from the frames it carries (no
        ``support_frame_ids``: every other frame is a reference)."""
        frames = sample.video_data_samples
        key_ind = sample.metainfo['key_frames_inds'][0]
        frame_ids = [f.metainfo['frame_id'] for f in frames]
        key_id = frame_ids[key_ind]

        def compute(inds: List[int]) -> List[FrameMemory]:
            # one frame at a time: an offline first key frame computes the
            # whole video, and a batch of every frame's maps is slower
            # (memory-bound) than the same frames one by one
            return [
                self.frame_memories(
                    self.extract_feat(imgs[[i]]), [frames[i]],
                    with_inter=False)[0] for i in inds
            ]

        if self.num_ref_imgs == 0:
            return compute([key_ind])[0], []
        if sample.metainfo.get('support_frame_ids') is None:
            mems = compute(list(range(len(frames))))
            others = [m for i, m in enumerate(mems) if i != key_ind]
            return mems[key_ind], others + [mems[key_ind]]
        meta = frames[key_ind].metainfo
        num_frames = meta.get('ori_video_length', meta.get('video_length'))
        ref_ids = self.reference_ids(key_id, int(num_frames))
        wanted = sorted(set(ref_ids) - {key_id})
        pipeline_ids = [int(f) for f in sample.metainfo['support_frame_ids']]
        if not set(wanted) <= set(pipeline_ids) | {key_id}:
            # another sampling than test_with_adaptive_stride (the online
            # mode's past frames, another num_support): the pipeline's
            if not self._warned_refs:
                warnings.warn(
                    f'{type(self).__name__}: the test pipeline\'s supports '
                    f'{pipeline_ids} of frame {key_id} are not the '
                    f'test_cfg.num_ref_imgs={self.num_ref_imgs} references '
                    'spread over the video; attending to the pipeline\'s '
                    '(expected in online mode)')
                self._warned_refs = True
            wanted = sorted(set(pipeline_ids) - {key_id})
            ref_ids = wanted + [key_id]
        memory = self.video_memory
        memory.validate((weights_token(self), False))
        key, supports = memory.gather(
            sample.metainfo.get('video_id', meta.get('video_id')),
            bool(sample.metainfo.get('stream_start')), frame_ids, wanted,
            key_id, compute)
        by_id: Dict[int, FrameMemory] = dict(zip(wanted, supports))
        by_id[key_id] = key
        return key, [by_id[f] for f in ref_ids]

    # -- testing ----------------------------------------------------------
    def predict(self,
                inputs: Tensor,
                data_samples: List[TrackDataSample],
                rescale: bool = True) -> List[DetDataSample]:
        """Detections of each item's key frame.

        Args:
            inputs (Tensor): (N, T, C, H, W); each item one key frame
                (``key_frames_inds``) and frames of its video.
            data_samples (list[TrackDataSample]): as
                :meth:`HVRDetector.predict`.

        Returns:
            list[DetDataSample]: the key frames' samples with
            ``pred_instances`` (original image pixels with ``rescale``).
        """
        results = []
        for imgs, sample in zip(inputs, data_samples):
            key_sample = sample.video_data_samples[
                sample.metainfo['key_frames_inds'][0]]
            key, refs = self.key_and_references(imgs, sample)
            key_sample.pred_instances = self.roi_head.predict_key_frame(
                key, refs, key_sample.metainfo, rescale=rescale)
            results.append(key_sample)
        return results

    # -- training ---------------------------------------------------------
    def loss(self, inputs: Tensor,
             data_samples: List[TrackDataSample]) -> Dict[str, Tensor]:
        """Losses of G items (G, T, C, H, W): each item's key frame
        (``key_frames_inds``) with its other T - 1 frames as
        references."""
        losses: Dict[str, Tensor] = dict()
        rpn_losses, roi_losses = [], []
        for imgs, sample in zip(inputs, data_samples):
            frames = sample.video_data_samples
            key_ind = sample.metainfo['key_frames_inds'][0]
            ref_inds = [i for i in range(len(frames)) if i != key_ind]
            if not self.roi_head.bbox_head.num_aggregators:
                # single-frame: the pipeline's other frames are not used
                imgs, frames = imgs[[key_ind]], [frames[key_ind]]
                key_ind, ref_inds = 0, []
            x = self.extract_feat(imgs)
            rpn_sample = copy.deepcopy(frames[key_ind])
            rpn_sample.gt_instances.labels = torch.zeros_like(
                rpn_sample.gt_instances.labels)
            with full_precision(x):
                rpn_loss, props = self.rpn_head.loss_and_predict(
                    (x[[key_ind]].float(), ), [rpn_sample],
                    proposal_cfg=self.train_cfg.rpn_proposal)
            rpn_losses.append(rpn_loss)
            refs = []
            if ref_inds and self.roi_head.bbox_head.num_aggregators:
                refs = self.frame_memories(x[ref_inds],
                                           [frames[i] for i in ref_inds],
                                           with_inter=False)
            roi_losses.append(
                self.roi_head.loss(x[[key_ind]], props, [frames[key_ind]],
                                   [refs]))
        for parts in (rpn_losses, roi_losses):  # mean over the items
            for name in parts[0]:
                values = [p[name] for p in parts]
                if isinstance(values[0], (list, tuple)):
                    value = [sum(v) / len(values) for v in zip(*values)]
                else:
                    value = sum(values) / len(values)
                if parts is rpn_losses and 'rpn' not in name and \
                        'loss' in name:
                    name = f'rpn_{name}'
                losses[name] = value
        return losses

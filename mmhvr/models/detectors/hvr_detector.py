"""HVR-Net: a two-stage video detector with intra- and inter-video relations."""
import copy
import warnings
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from mmdet.models.detectors import TwoStageDetector
from mmdet.structures import DetDataSample, TrackDataSample
from mmdet.utils import ConfigType, OptConfigType, OptMultiConfig
from torch import Tensor
from torch.profiler import record_function

from mmhvr.registry import MODELS
from ..roi_heads import SupportBank
from ..utils import (frozen_stage_count, full_precision, resnet_head,
                     resnet_trunk, select_video_triplet, video_descriptors)
from ..video import (FrameMemory, RecentVideoMemory, VideoGroup, VideoMemory,
                     VideoMemoryOwnerMixin, weights_token)


@MODELS.register_module()
class HVRDetector(VideoMemoryOwnerMixin, TwoStageDetector):
    """HVR-Net (Han et al., ECCV 2020) on mmdet 3.x.

    mmdet's :class:`TwoStageDetector` holds the per-frame parts (backbone,
    neck, RPN, RoI head, their configs); this class adds the video parts:
    the batch layout (:class:`VideoGroup`), the stage-2 video triplet and,
    at test time, the per-video state (:attr:`video_memory`, a
    :class:`VideoMemory`). Inputs are batches of videos ``(G, T, C, H, W)``
    with :class:`TrackDataSample` data samples (``docs/batch_layout.md``).

    Args:
        backbone, neck, rpn_head, roi_head (dict): as in mmdet's Faster
            R-CNN; ``roi_head`` is an :class:`HVRRoIHead`.
        stage (int): 1 trains RPN + detector up to intra(2) (head A);
            2 selects video triplets and trains the inter-video relation,
            head B and the relation loss (``configs/_base_/hvr_stage2.py``
            sets what goes with it).
        frozen_modules (list[str]): attribute paths of sub-modules frozen
            for real (no gradient, eval mode), e.g. ``rpn_head`` in stage
            2 (the backbone's early stages use its own ``frozen_stages``).
        train_cfg (dict): ``rpn``/``rpn_proposal``/``rcnn`` as in mmdet
            (``rpn_proposal`` sizes every training frame's proposals);
            ``supervise_supports`` (stage 1) also puts the detection
            losses on the support frames, each attending to its video's
            frames as a key frame does.
        test_cfg (dict): ``rpn``/``rcnn`` as in mmdet, and
            ``branch`` ('final'/'intra'; default: 'final' in stage 2),
            ``cache_frames`` (frame memories kept), ``support_bank``
            (optional ``dict(file=..., with_own=True)``: the inter-video
            relation also (``with_own``) or only attends to a bank of
            training videos' proposals, built by
            ``tools/analysis_tools/build_support_bank.py``) and
            ``recent_videos`` (optional ``dict(num_videos=...,
            per_video=...)``). ``use_cache`` is deprecated and ignored:
            the test pipeline's ``load_only_new`` is the one caching switch
            (:class:`VideoMemory`).
    """

    def __init__(self,
                 backbone: ConfigType,
                 neck: ConfigType,
                 rpn_head: ConfigType,
                 roi_head: ConfigType,
                 train_cfg: OptConfigType = None,
                 test_cfg: OptConfigType = None,
                 stage: int = 1,
                 frozen_modules: Sequence[str] = (),
                 data_preprocessor: OptConfigType = None,
                 init_cfg: OptMultiConfig = None) -> None:
        if stage not in (1, 2):
            raise ValueError(f'HVRDetector.stage must be 1 or 2, got {stage}')
        super().__init__(
            backbone=backbone,
            neck=neck,
            rpn_head=copy.deepcopy(rpn_head),
            roi_head=copy.deepcopy(roi_head),
            train_cfg=train_cfg,
            test_cfg=test_cfg,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)
        self.stage = stage
        self.frozen_modules = list(frozen_modules)
        for name in self.frozen_modules:
            for param in self.get_submodule(name).parameters():
                param.requires_grad = False
        if 'use_cache' in test_cfg:
            warnings.warn(
                'model.test_cfg.use_cache is deprecated and ignored: the test'
                " pipeline's VideoTestSupportSample.load_only_new is the one "
                'caching switch (False loads and recomputes every support)',
                DeprecationWarning)
        bank, self.bank_with_own = self._load_bank(
            test_cfg.get('support_bank'))
        recent_cfg, recent = test_cfg.get('recent_videos'), None
        if recent_cfg:
            unknown = set(recent_cfg) - {'num_videos', 'per_video'}
            if unknown:
                raise ValueError(
                    'test_cfg.recent_videos must be dict(num_videos=..., '
                    f'per_video=...), got {dict(recent_cfg)}')
            recent = RecentVideoMemory(**recent_cfg)
        self.video_memory = VideoMemory(
            max_frames=test_cfg.get('cache_frames', 64),
            recent=recent,
            bank=bank)

    @property
    def frame_cache(self) -> VideoMemory:
        """The per-video state (the name used before :attr:`video_memory`)."""
        return self.video_memory

    @property
    def support_bank(self) -> Optional[SupportBank]:
        return self.video_memory.bank

    def _load_bank(self, cfg) -> Tuple[Optional[SupportBank], bool]:
        if not cfg:
            return None, True
        unknown = set(cfg) - {'file', 'with_own'}
        if 'file' not in cfg or unknown:
            raise ValueError("test_cfg.support_bank must be dict(file=..., "
                             f"with_own=True|False), got {dict(cfg)}")
        bank = SupportBank.load(cfg['file'])
        head = self.roi_head.bbox_head
        bank.check(head.num_classes, (head.in_channels, *head.roi_feat_size))
        return bank, bool(cfg.get('with_own', True))

    def parse_losses(self, losses: Dict[str, Tensor]) -> Tuple[Tensor, dict]:
        """mmengine's loss parsing, stopping at a non-finite loss term before
        anything is updated or saved."""
        for name, value in losses.items():
            values = value if isinstance(value, (list, tuple)) else [value]
            if 'loss' in name and not all(
                    torch.isfinite(v).all() for v in values):
                from mmengine.logging import MessageHub
                it = MessageHub.get_current_instance().get_info('iter')
                raise FloatingPointError(
                    f'non-finite {name} = {[v.tolist() for v in values]} at '
                    f'iteration {None if it is None else it + 1}; stopping '
                    'before the optimizer step (no checkpoint is written). '
                    'Lower the learning rate or check the data of this '
                    'iteration.')
        return super().parse_losses(losses)

    def train(self, mode: bool = True) -> 'HVRDetector':
        # the mixin empties the memories; frozen modules stay in eval mode
        super().train(mode)
        for name in self.frozen_modules:
            self.get_submodule(name).eval()
        return self

    # -- per frame --------------------------------------------------------
    def extract_feat(self, imgs: Tensor) -> Tensor:
        """Frames (F, C, H, W) → 256-channel stride-16 maps (F, 256, h, w)
        (the neck's only level)."""
        return self.neck(self.backbone(imgs))[0]

    def propose(self, x: Tensor, samples: List[DetDataSample],
                cfg: OptConfigType = None) -> list:
        """RPN proposals of frames with maps ``x`` (no gradient; NMS in
        fp32), one ``InstanceData`` per frame; ``cfg``: the proposal
        config (default: ``test_cfg.rpn``)."""
        with torch.no_grad(), full_precision(x):
            outs = self.rpn_head((x.float(), ))
            return self.rpn_head.predict_by_feat(
                *outs, batch_img_metas=[s.metainfo for s in samples],
                cfg=cfg, rescale=False)

    def frame_memories(self, x: Tensor, samples: List[DetDataSample],
                       with_inter: bool) -> List[FrameMemory]:
        """Proposals and relation memories of frames with maps ``x``."""
        return self.roi_head.frame_memories(
            x, [p.bboxes for p in self.propose(x, samples)], with_inter)

    # -- training ---------------------------------------------------------
    def select_triplet(self, inputs: Tensor, group: VideoGroup,
                       c5: Optional[Tensor] = None) -> VideoGroup:
        """The group with its video triplet: the anchor's same-class video
        least similar to it and its other-class video most similar (video
        descriptors: max over frames of the pooled last backbone stage).

        Args:
            inputs (Tensor): frames (G, T, C, H, W).
            group (VideoGroup): the batch's layout.
            c5 (Tensor, optional): the frames' last-stage backbone maps
                (G*T, C5, h, w), flat order; computed when not given.
        """
        if any(label < 0 for label in group.labels):
            raise ValueError(
                'stage 2 needs every video\'s class: the TrackDataSample '
                "metainfo 'video_label' (the dataset's, packed by "
                f'PackVideoInputs); the group has {list(group.labels)}')
        if c5 is None:
            with torch.no_grad():
                c5 = self.backbone(inputs.flatten(0, 1))[-1]
        desc = video_descriptors(c5.detach(), group.num_videos)
        _, pos, neg = select_video_triplet(
            desc, torch.tensor(group.labels), anchor_index=group.anchor)
        return group.with_triplet(pos, neg)

    def _triplet_features(self, inputs: Tensor,
                          group: VideoGroup) -> Tuple[Tensor, VideoGroup]:
        """Stage 2: the video triplet of a group and its frames' maps
        (3*T, C, h, w), with the triplet's own :class:`VideoGroup`.

        The backbone's frozen stages run once per frame of the group (no
        gradient); their output feeds both the video descriptors and, for
        the triplet's frames, the trainable stages.
        """
        frozen = frozen_stage_count(self.backbone)
        if frozen == 0:  # nothing frozen to share: two backbone passes
            group = self.select_triplet(inputs, group)
            videos = group.triplet.as_list()
            return (self.extract_feat(inputs[videos].flatten(0, 1)),
                    group.triplet_group())
        with torch.no_grad():
            # channels-last frames on the CPU for the frozen, gradient-free
            # convolutions (same values); the triplet's frames go back to
            # the usual layout for the trained conv5 and RoIAlign
            frames = inputs.flatten(0, 1)
            if frames.device.type == 'cpu':
                frames = frames.contiguous(memory_format=torch.channels_last)
            with record_function('hvr.frozen_trunk'):
                trunk = resnet_trunk(self.backbone, frames, frozen)
            with record_function('hvr.descriptor_head'):
                c5 = resnet_head(self.backbone, trunk, frozen)
        group = self.select_triplet(inputs, group, c5=c5)
        trunk = trunk.view(group.num_videos, group.num_frames,
                           *trunk.shape[1:])[group.triplet.as_list()]
        trunk = trunk.flatten(0, 1).contiguous()
        with record_function('hvr.triplet_head'):
            c5 = resnet_head(self.backbone, trunk, frozen)
        return self.neck((c5, ))[0], group.triplet_group()

    def _train_proposals(self, x: Tensor, frames: List[DetDataSample],
                         keys: List[int], losses: dict) -> list:
        """Every frame's proposals (``train_cfg.rpn_proposal``); with a
        trainable RPN its key frames' come from ``loss_and_predict`` (one
        RPN pass), whose losses go into ``losses``."""
        cfg = self.train_cfg.rpn_proposal
        if 'rpn_head' in self.frozen_modules:
            return self.propose(x, frames, cfg)
        rpn_samples = copy.deepcopy([frames[k] for k in keys])
        for s in rpn_samples:
            s.gt_instances.labels = torch.zeros_like(s.gt_instances.labels)
        with full_precision(x):
            rpn_losses, key_props = self.rpn_head.loss_and_predict(
                (x[keys].float(), ), rpn_samples, proposal_cfg=cfg)
        for name, value in rpn_losses.items():
            losses[name if 'rpn' in name or 'loss' not in name else
                   f'rpn_{name}'] = value
        proposals = [None] * len(frames)
        for k, p in zip(keys, key_props):
            proposals[k] = p
        others = [i for i in range(len(frames)) if proposals[i] is None]
        if others:
            for i, p in zip(others,
                            self.propose(x[others],
                                         [frames[i] for i in others], cfg)):
                proposals[i] = p
        return proposals

    def loss(self, inputs: Tensor,
             data_samples: List[TrackDataSample]) -> Dict[str, Tensor]:
        """Losses of a group of videos.

        Args:
            inputs (Tensor): frames (G, T, C, H, W), normalised.
            data_samples (list[TrackDataSample]): one per video.
        """
        group = VideoGroup.from_samples(data_samples, inputs.shape[1])
        if self.stage == 2:
            x, group = self._triplet_features(inputs, group)
        else:
            with record_function('hvr.backbone'):
                x = self.extract_feat(inputs.flatten(0, 1))
        frames = group.frame_samples
        keys = group.key_frames
        if self.stage == 1 and self.train_cfg.get('supervise_supports'):
            # every loaded frame is a key frame of the others: T times the
            # labelled frames for the same backbone and memory work
            keys = group.all_frames

        losses = dict()
        with record_function('hvr.proposals'):
            proposals = self._train_proposals(x, frames, keys, losses)
        with record_function('hvr.frame_memory'):
            memories = self.roi_head.frame_memories(
                x, [p.bboxes for p in proposals], with_inter=False)
        videos = [
            FrameMemory.cat([memories[f] for f in group.video_frames(v)])
            for v in range(group.num_videos)
        ]
        key_videos = [group.video_of(k) for k in keys]
        with record_function('hvr.roi_loss'):
            losses.update(
                self.roi_head.loss(
                    x[keys], [proposals[k] for k in keys],
                    [frames[k] for k in keys],
                    [videos[v] for v in key_videos],
                    roi_videos=key_videos if self.stage == 2 else None))
        return losses

    # -- testing ----------------------------------------------------------
    @property
    def test_branch(self) -> str:
        return self.test_cfg.get('branch') or (
            'final' if self.stage == 2 else 'intra')

    def predict(self,
                inputs: Tensor,
                data_samples: List[TrackDataSample],
                rescale: bool = True) -> List[DetDataSample]:
        """Detections of each item's key frame.

        Args:
            inputs (Tensor): (N, T, C, H, W); each item holds one key frame
                (``key_frames_inds``) and support frames of its video.
            data_samples (list[TrackDataSample]): with metainfo
                ``support_frame_ids`` (a stream: supports the item does not
                carry come from :attr:`video_memory`) or without it (every
                loaded frame other than the key is a support).

        Returns:
            list[DetDataSample]: the key frames' samples with
            ``pred_instances`` in original image coordinates.
        """
        with_inter = self.test_branch == 'final'
        results = []
        for imgs, sample in zip(inputs, data_samples):
            frames = sample.video_data_samples
            key_sample = frames[sample.metainfo['key_frames_inds'][0]]
            key, supports = self._key_and_supports(imgs, sample, with_inter)
            own = FrameMemory.cat([key] + supports)
            key_sample.pred_instances = self.roi_head.predict_key_frame(
                key,
                own,
                self.inter_support(own) if with_inter else None,
                key_sample.metainfo,
                rescale=rescale,
                branch=self.test_branch)
            results.append(key_sample)
        return results

    def _key_and_supports(self, imgs: Tensor, sample: TrackDataSample,
                          with_inter: bool
                          ) -> Tuple[FrameMemory, List[FrameMemory]]:
        """Memories of an item's key frame and of its supports (see
        :meth:`VideoMemory.gather` for what is computed and what cached)."""
        frames = sample.video_data_samples
        key_ind = sample.metainfo['key_frames_inds'][0]

        def compute(inds: List[int]) -> List[FrameMemory]:
            return self.frame_memories(
                self.extract_feat(imgs[inds]), [frames[i] for i in inds],
                with_inter)

        support_ids = sample.metainfo.get('support_frame_ids')
        if support_ids is None:
            mems = compute(list(range(len(frames))))
            return mems[key_ind], [
                m for i, m in enumerate(mems) if i != key_ind
            ]
        frame_ids = [f.metainfo['frame_id'] for f in frames]
        memory = self.video_memory
        memory.validate((weights_token(self), with_inter))
        return memory.gather(
            sample.metainfo.get('video_id',
                                frames[key_ind].metainfo.get('video_id')),
            bool(sample.metainfo.get('stream_start')), frame_ids,
            support_ids, frame_ids[key_ind], compute)

    def inter_support(self, own: FrameMemory) -> FrameMemory:
        """What the inter-video relation attends to at test time: the key
        frame's own video (``own``) unless the support bank says
        ``with_own=False``, the support bank of training videos and the
        videos seen before (``test_cfg.recent_videos``)."""
        memory = self.video_memory
        bank = memory.bank_memory(self.roi_head.bbox_head)
        recent = memory.recent_memory()
        if bank is None and recent is None:
            return own
        parts = [own.inter()] if self.bank_with_own else []
        if bank is not None:
            classes = (getattr(self, 'dataset_meta', None)
                       or {}).get('classes')
            if classes is not None:
                memory.bank.check_classes(classes)
            parts.append(bank)
        if recent is not None:
            parts.append(recent)
        return FrameMemory.cat(parts)

    def _forward(self, inputs: Tensor, data_samples=None):
        """Backbone + neck features of every frame (for FLOP counting)."""
        return self.extract_feat(inputs.flatten(0, 1))

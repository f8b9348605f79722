"""HVR-Net: a two-stage video detector with intra- and inter-video relations."""
import copy
from typing import Dict, List, Optional, Sequence, Tuple

import torch
from mmdet.models.detectors import BaseDetector
from mmdet.structures import DetDataSample, TrackDataSample
from mmdet.utils import ConfigType, OptConfigType, OptMultiConfig
from torch import Tensor
from torch.profiler import record_function

from mmhvr.registry import MODELS
from mmhvr.utils import majority_label
from ..roi_heads import SupportBank, cat_projections, merge_memories
from ..utils import (frozen_stage_count, full_precision, resnet_head,
                     resnet_trunk, select_video_triplet, video_descriptors)
from .frame_cache import FrameMemoryCache, weights_version
from .recent_videos import RecentVideoMemory


@MODELS.register_module()
class HVRDetector(BaseDetector):
    """HVR-Net (Han et al., ECCV 2020) on mmdet 3.x.

    Inputs are batches of videos ``(G, T, C, H, W)`` with
    :class:`TrackDataSample` data samples (see ``docs/batch_layout.md``).

    Args:
        backbone, neck, rpn_head, roi_head (dict): as in mmdet's Faster
            R-CNN; ``roi_head`` is an :class:`HVRRoIHead`.
        stage (int): 1 trains RPN + detector up to intra(2) (head A);
            2 selects video triplets and trains the inter-video relation,
            head B and the relation loss.
        frozen_modules (list[str]): attribute paths of sub-modules frozen
            for real (no gradient, eval mode); stage 2 freezes ``rpn_head``
            (the backbone's early stages use its own ``frozen_stages``).
        train_cfg, test_cfg (dict): ``rpn``/``rpn_proposal``/``rcnn`` as in
            mmdet; ``train_cfg.supervise_supports`` (stage 1, default off)
            also puts the detection losses on the support frames, each
            attending to its video's frames as a key frame does;
            ``test_cfg`` also holds ``branch`` ('final'/'intra'),
            ``use_cache``, ``cache_frames`` (frame memories kept) and
            ``support_bank`` (optional ``dict(file=..., with_own=True)``:
            the inter-video relation also (``with_own``) or only attends
            to a bank of training videos' proposals, built by
            ``tools/analysis_tools/build_support_bank.py``).
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
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        if stage not in (1, 2):
            raise ValueError(f'HVRDetector.stage must be 1 or 2, got {stage}')
        self.stage = stage
        self.backbone = MODELS.build(backbone)
        self.neck = MODELS.build(neck)
        rpn_head = copy.deepcopy(rpn_head)
        rpn_head.update(
            train_cfg=train_cfg.rpn if train_cfg is not None else None,
            test_cfg=test_cfg.rpn,
            num_classes=1)
        self.rpn_head = MODELS.build(rpn_head)
        roi_head = copy.deepcopy(roi_head)
        roi_head.update(
            train_cfg=train_cfg.rcnn if train_cfg is not None else None,
            test_cfg=test_cfg.rcnn)
        self.roi_head = MODELS.build(roi_head)
        self.train_cfg = train_cfg
        self.test_cfg = test_cfg
        self.frozen_modules = list(frozen_modules)
        for name in self.frozen_modules:
            module = self.get_submodule(name)
            for param in module.parameters():
                param.requires_grad = False
        self.support_bank, self.bank_with_own = self._load_bank(
            test_cfg.get('support_bank'))
        self.frame_cache = FrameMemoryCache(
            max_frames=test_cfg.get('cache_frames', 64))
        recent = test_cfg.get('recent_videos')
        if recent:
            unknown = set(recent) - {'num_videos', 'per_video'}
            if unknown:
                raise ValueError(
                    'test_cfg.recent_videos must be dict(num_videos=..., '
                    f'per_video=...), got {dict(recent)}')
            self.frame_cache.recent = RecentVideoMemory(**recent)

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

    def inter_bank(self, own: dict) -> dict:
        """What the inter-video relation attends to at test time: the key
        frame's own video (``own``, merged support memory) unless the
        support bank says ``with_own=False``, the support bank of training
        videos (``test_cfg.support_bank``) and the videos tested before
        (``test_cfg.recent_videos``)."""
        recent = self.frame_cache.recent
        if self.support_bank is None and recent is None:
            return own
        parts = [own['inter']] if self.bank_with_own else []
        if self.support_bank is not None:
            classes = (getattr(self, 'dataset_meta', None)
                       or {}).get('classes')
            if classes is not None:
                self.support_bank.check_classes(classes)
            parts.append(
                self.support_bank.inter_memory(self.roi_head.bbox_head))
        if recent is not None:
            seen = recent.memory(exclude=self.frame_cache.video_id,
                                 weights=weights_version(self))
            if seen is not None:
                parts.append(seen)
        return dict(inter=cat_projections(parts))

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
        # cached frame memories belong to the weights and mode that made
        # them: training (or switching back to eval after it) drops them
        self.frame_cache.clear()
        super().train(mode)
        for name in self.frozen_modules:
            self.get_submodule(name).eval()
        return self

    # -- shared per-frame work -------------------------------------------
    def extract_feat(self, imgs: Tensor) -> Tensor:
        """Frames (F, C, H, W) → 256-channel stride-16 maps (F, 256, h, w)."""
        return self.neck(self.backbone(imgs))[0]

    def frame_memories(self, x: Tensor,
                       samples: List[DetDataSample]) -> List[dict]:
        """Proposals and relation memories of frames with features ``x``."""
        return self.roi_head.frame_memory(
            x, [p.bboxes for p in self.propose(x, samples)])

    def propose(self, x: Tensor, samples: List[DetDataSample]) -> list:
        """RPN proposals (no gradient; NMS in fp32), one per frame."""
        with torch.no_grad(), full_precision(x):
            return self.rpn_head.predict((x.float(), ), samples,
                                         rescale=False)

    # -- training ---------------------------------------------------------
    @staticmethod
    def video_label(sample: TrackDataSample) -> int:
        """The video's class: ``video_label`` of the metainfo (the class
        the dataset and the triplet sampler give the whole video), else the
        class of most of the loaded frames' boxes (ties: the smallest; -1
        with no box)."""
        if 'video_label' in sample.metainfo:
            return int(sample.metainfo['video_label'])
        labels = torch.cat([
            s.gt_instances.labels for s in sample.video_data_samples
        ]).tolist()
        return majority_label(labels)

    def select_triplet(self,
                       inputs: Tensor,
                       data_samples: List[TrackDataSample],
                       c5: Optional[Tensor] = None) -> List[int]:
        """Video-level triplet (anchor, positive, negative) of a group.

        Args:
            inputs (Tensor): frames (G, T, C, H, W).
            data_samples (list[TrackDataSample]): one per video.
            c5 (Tensor, optional): the frames' last-stage backbone maps
                (G*T, C5, h, w), video-major; computed when not given.
        """
        num_videos = inputs.shape[0]
        if c5 is None:
            with torch.no_grad():
                c5 = self.backbone(inputs.flatten(0, 1))[-1]
        desc = video_descriptors(c5.detach(), num_videos)
        labels = torch.tensor([self.video_label(s) for s in data_samples])
        return list(select_video_triplet(desc, labels, anchor_index=0))

    def _triplet_features(self, inputs: Tensor,
                          data_samples: List[TrackDataSample]
                          ) -> Tuple[Tensor, List[int]]:
        """Stage 2: pick the video triplet of a group and return its frames'
        feature maps (3*T, C, h, w) and the picked videos.

        The backbone's frozen stages run once per frame of the group (no
        gradient); their output feeds both the video descriptors and, for
        the triplet's frames, the trainable stages.
        """
        num_videos, num_frames = inputs.shape[:2]
        frozen = frozen_stage_count(self.backbone)
        if frozen == 0:  # nothing frozen to share: two backbone passes
            videos = self.select_triplet(inputs, data_samples)
            return self.extract_feat(inputs[videos].flatten(0, 1)), videos
        with torch.no_grad():
            # channels-last frames: on the CPU the frozen, gradient-free
            # convolutions run 25-35% faster (toy R18, R50; same values to
            # 1e-6; not measured on a GPU, so left as is there); the
            # triplet's frames go back to the usual layout for the trained
            # conv5 and RoIAlign
            frames = inputs.flatten(0, 1)
            if frames.device.type == 'cpu':
                frames = frames.contiguous(memory_format=torch.channels_last)
            with record_function('hvr.frozen_trunk'):
                trunk = resnet_trunk(self.backbone, frames, frozen)
            with record_function('hvr.descriptor_head'):
                c5 = resnet_head(self.backbone, trunk, frozen)
        videos = self.select_triplet(inputs, data_samples, c5=c5)
        trunk = trunk.view(num_videos, num_frames, *trunk.shape[1:])[
            videos].flatten(0, 1).contiguous()
        with record_function('hvr.triplet_head'):
            c5 = resnet_head(self.backbone, trunk, frozen)
        return self.neck((c5, ))[0], videos

    def loss(self, inputs: Tensor,
             data_samples: List[TrackDataSample]) -> Dict[str, Tensor]:
        """Losses of a group of videos.

        Args:
            inputs (Tensor): frames (G, T, C, H, W), normalised.
            data_samples (list[TrackDataSample]): one per video.
        """
        num_frames = inputs.shape[1]
        if self.stage == 2:
            x, videos = self._triplet_features(inputs, data_samples)
        else:
            videos = list(range(inputs.shape[0]))
            with record_function('hvr.backbone'):
                x = self.extract_feat(inputs.flatten(0, 1))
        frames = [
            f for v in videos for f in data_samples[v].video_data_samples
        ]
        keys = [
            i * num_frames + data_samples[v].metainfo['key_frames_inds'][0]
            for i, v in enumerate(videos)
        ]
        if self.stage == 1 and self.train_cfg.get('supervise_supports'):
            # every loaded frame is a key frame of the others: T times the
            # labelled frames for the same backbone and memory work
            keys = list(range(len(frames)))
        key_samples = [frames[k] for k in keys]

        losses = dict()
        if 'rpn_head' not in self.frozen_modules:
            rpn_samples = copy.deepcopy(key_samples)
            for s in rpn_samples:
                s.gt_instances.labels = torch.zeros_like(s.gt_instances.labels)
            losses.update(self.rpn_head.loss((x[keys], ), rpn_samples))
            for name in list(losses):
                if 'loss' in name and 'rpn' not in name:
                    losses[f'rpn_{name}'] = losses.pop(name)

        with record_function('hvr.proposals'):
            proposals = self.propose(x, frames)
        with record_function('hvr.frame_memory'):
            memories = self.roi_head.frame_memory(
                x, [p.bboxes for p in proposals])
        video_memories = [
            merge_memories(memories[i * num_frames:(i + 1) * num_frames])
            for i in range(len(videos))
        ]
        with record_function('hvr.roi_loss'):
            losses.update(
                self.roi_head.loss(
                    x[keys], [proposals[k] for k in keys],
                    key_samples,
                    [video_memories[k // num_frames] for k in keys],
                    with_inter=self.stage == 2))
        return losses

    # -- testing ----------------------------------------------------------
    def predict(self,
                inputs: Tensor,
                data_samples: List[TrackDataSample],
                rescale: bool = True) -> List[DetDataSample]:
        """Detections of each item's key frame.

        Args:
            inputs (Tensor): (N, T, C, H, W); each item holds one key frame
                (``key_frames_inds``) and support frames of its video.
            data_samples (list[TrackDataSample]): with metainfo
                ``support_frame_ids`` (cached path: the supports come from
                the frame cache, the item only carries frames not seen yet)
                or without it (every loaded frame other than the key is a
                support).

        Returns:
            list[DetDataSample]: the key frames' samples with
            ``pred_instances`` in original image coordinates.
        """
        results = []
        for imgs, sample in zip(inputs, data_samples):
            frames = sample.video_data_samples
            key_ind = sample.metainfo['key_frames_inds'][0]
            key_sample = frames[key_ind]
            key, supports = self._key_and_supports(imgs, sample)
            support_mem = merge_memories([key] + supports)
            key_sample.pred_instances = self.roi_head.predict_key_frame(
                key,
                support_mem,
                self.inter_bank(support_mem),
                key_sample.metainfo,
                rescale=rescale,
                branch=self.test_branch)
            results.append(key_sample)
        return results

    @property
    def test_branch(self) -> str:
        return self.test_cfg.get('branch') or (
            'final' if self.stage == 2 else 'intra')

    def _load_from_state_dict(self, *args, **kwargs) -> None:
        # new weights: memories computed with the old ones are stale
        self.frame_cache.clear()
        super()._load_from_state_dict(*args, **kwargs)

    def _apply(self, fn, *args, **kwargs):
        # .to(device) / .half() ...: cached memories keep the old ones
        if hasattr(self, 'frame_cache'):
            self.frame_cache.clear()
        return super()._apply(fn, *args, **kwargs)

    def _key_and_supports(self, imgs: Tensor,
                          sample: TrackDataSample) -> Tuple[dict, list]:
        """Memories of an item's key frame and of its supports.

        Without ``support_frame_ids`` every loaded frame other than the key
        is a support. With it (the test pipeline's
        :class:`VideoTestSupportSample`, ``inference_video``) the supports
        are those frame ids: each comes from this item's loaded frames or,
        with ``test_cfg.use_cache`` (default), from :attr:`frame_cache`,
        the one owner of per-video state; the cache is keyed by the
        metainfo's ``video_id`` (a fresh token per ``inference_video``
        stream), restarted on a video's first frame (``stream_start``) and
        emptied when the weights change. A support that is neither loaded
        nor cached is a ``RuntimeError``, whatever ``use_cache`` says.
        """
        frames = sample.video_data_samples
        key_ind = sample.metainfo['key_frames_inds'][0]
        support_ids = sample.metainfo.get('support_frame_ids')
        if support_ids is None:
            mems = self.frame_memories(self.extract_feat(imgs), frames)
            return mems[key_ind], [
                m for i, m in enumerate(mems) if i != key_ind
            ]

        frame_ids = [f.metainfo['frame_id'] for f in frames]
        key_id = frame_ids[key_ind]
        video_id = sample.metainfo.get('video_id',
                                       frames[key_ind].metainfo.get('video_id'))
        use_cache = self.test_cfg.get('use_cache', True)
        cache = self.frame_cache
        if use_cache:
            cache.start(video_id,
                        restart=bool(sample.metainfo.get('stream_start')),
                        weights=weights_version(self))
            new = [i for i, f in enumerate(frame_ids) if f not in cache]
        else:
            new = list(range(len(frames)))
        loaded = {}
        if new:
            mems = self.frame_memories(
                self.extract_feat(imgs[new]), [frames[i] for i in new])
            for i, mem in zip(new, mems):
                loaded[frame_ids[i]] = mem
                if use_cache:
                    cache.put(frame_ids[i], mem)
        # the key frame last: it is the most recently used frame
        wanted = [f for f in support_ids if f != key_id] + [key_id]
        # with the cache every wanted frame is looked up there (loaded ones
        # included: the lookup marks them recently used, the key frame last)
        found = []
        for f in wanted:
            mem = cache.get(f) if use_cache else None
            found.append(loaded.get(f) if mem is None else mem)
        missing = [f for f, m in zip(wanted, found) if m is None]
        if missing:
            if use_cache and cache.reset_reason is not None:
                why = ('The frame cache was emptied at this key frame: '
                       f'{cache.reset_reason}.')
            elif use_cache:
                why = ('Test data must arrive video by video in frame order '
                       "(TrackImgSampler) and test_cfg.cache_frames "
                       f'({cache.max_frames}) must hold a whole support set.')
            else:
                why = ('test_cfg.use_cache=False recomputes every support, '
                       'so every support must be loaded: set '
                       'load_only_new=False in the test pipeline\'s '
                       'VideoTestSupportSample.')
            raise RuntimeError(
                f'video {video_id}: frames {missing} are needed as supports '
                f'of frame {key_id} but were neither loaded (loaded: '
                f'{frame_ids}) nor cached. {why}')
        return found[-1], found[:-1]

    def _forward(self, inputs: Tensor, data_samples=None):
        """Backbone + neck features of every frame (for FLOP counting)."""
        return self.extract_feat(inputs.flatten(0, 1))

"""Video inference: each frame's features computed once, reused as support."""
import copy
import os
import os.path as osp
import warnings
from pathlib import Path
from typing import Iterator, List, Optional, Sequence, Union

import mmcv
import numpy as np
import torch
import torch.nn as nn
from mmdet.datasets.transforms import Resize
from mmdet.structures import DetDataSample, TrackDataSample
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import load_checkpoint

from mmhvr.registry import DATASETS, MODELS

IMG_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.JPEG', '.JPG', '.PNG')


def init_detector(config: Union[str, Path, Config],
                  checkpoint: Optional[str] = None,
                  device: str = 'cpu',
                  cfg_options: Optional[dict] = None) -> nn.Module:
    """Build a video detector from a config and (optionally) a checkpoint.

    The backbone's ``init_cfg`` is dropped: nothing is downloaded. Without a
    checkpoint the weights are random (a warning says so) and the class
    names come from the config's test dataset.
    """
    from mmhvr.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    if isinstance(config, (str, Path)):
        config = Config.fromfile(str(config))
    elif not isinstance(config, Config):
        raise TypeError('config must be a filename or Config object, '
                        f'but got {type(config)}')
    config = copy.deepcopy(config)
    if cfg_options is not None:
        config.merge_from_dict(cfg_options)
    config.model.backbone.init_cfg = None
    init_default_scope(config.get('default_scope', 'mmhvr'))

    model = MODELS.build(config.model)
    dataset_meta = None
    if checkpoint is None:
        warnings.warn('No checkpoint given: the detector has RANDOM weights '
                      'and its detections are meaningless.')
    else:
        ckpt = load_checkpoint(model, checkpoint, map_location='cpu')
        dataset_meta = ckpt.get('meta', {}).get('dataset_meta')
    if dataset_meta is None:
        dataset_cfg = copy.deepcopy(config.test_dataloader.dataset)
        dataset_cfg['lazy_init'] = True
        dataset_meta = DATASETS.build(dataset_cfg).metainfo
    model.dataset_meta = {k.lower(): v for k, v in dataset_meta.items()}
    model.cfg = config
    model.to(device)
    model.eval()
    return model


class FrameSource:
    """Random access to the frames of a video file, a frame folder or a list
    of BGR arrays; records which frames were read (``accessed``)."""

    def __init__(self, frames_or_path: Union[str, Sequence[np.ndarray]]):
        self.accessed: List[int] = []
        self.name = 'frames'
        if isinstance(frames_or_path, (str, Path)):
            path = str(frames_or_path)
            self.name = path
            if osp.isdir(path):
                files = sorted(f for f in os.listdir(path)
                               if f.endswith(IMG_EXTENSIONS))
                self._files = [osp.join(path, f) for f in files]
                self._video = None
            elif osp.isfile(path):
                self._files = None
                try:
                    self._video = mmcv.VideoReader(path)
                except Exception as e:  # cv2 raises bare errors
                    raise ValueError(
                        f'cannot read video {path}: {e}') from e
                if not self._video.opened:
                    raise ValueError(f'cannot open video {path}')
            else:
                raise FileNotFoundError(f'no video or frame folder at {path}')
            self._arrays = None
        else:
            self._arrays = list(frames_or_path)
            self._files = self._video = None
        if len(self) == 0:
            raise ValueError(f'{self.name} holds no frames')

    def __len__(self) -> int:
        if self._arrays is not None:
            return len(self._arrays)
        if self._files is not None:
            return len(self._files)
        return len(self._video)

    def __getitem__(self, index: int) -> np.ndarray:
        self.accessed.append(index)
        if self._arrays is not None:
            img = self._arrays[index]
        elif self._files is not None:
            img = mmcv.imread(self._files[index])
            if img is None:
                raise ValueError(f'cannot read frame {self._files[index]}')
        else:
            img = self._video[index]
            if img is None:
                raise ValueError(
                    f'cannot read frame {index} of video {self.name}')
        return img

    @property
    def fps(self) -> float:
        return self._video.fps if self._video is not None else 25.0


def _find_transform(pipeline: list, name: str) -> Optional[dict]:
    for t in pipeline:
        if t.get('type') == name:
            return t
        inner = t.get('transforms')
        if inner:
            found = _find_transform(inner, name)
            if found is not None:
                return found
    return None


class VideoInferencer:
    """Streams a video through an :class:`HVRDetector`.

    Modes:
        * ``offline``: supports chosen as in testing (the test pipeline's
          ``VideoTestSupportSample``: a window or frames spread over the
          whole video); future frames may be read.
        * ``online``: causal; the supports are the ``num_support`` frames
          before the key frame. Only the current frame is read, and the
          model's frame cache holds ``num_support + 1`` frames at most.

    Every frame's backbone/RPN/RoI features are computed once (the model's
    ``frame_cache``) unless ``use_cache=False``, which recomputes every
    support for every key frame (for checking only).
    """

    def __init__(self,
                 model: nn.Module,
                 mode: str = 'offline',
                 num_support: Optional[int] = None,
                 use_cache: bool = True) -> None:
        if mode not in ('offline', 'online'):
            raise ValueError(f"mode must be 'offline' or 'online', got {mode}")
        self.model = model
        self.mode = mode
        self.use_cache = use_cache
        pipeline = model.cfg.test_dataloader.dataset.pipeline
        resize = _find_transform(pipeline, 'Resize') or dict(
            scale=(1000, 600), keep_ratio=True)
        self.resize = Resize(
            scale=resize['scale'], keep_ratio=resize.get('keep_ratio', True))
        sampler_cfg = _find_transform(pipeline,
                                      'VideoTestSupportSample') or {}
        self.method = sampler_cfg.get('method', 'uniform')
        self.frame_range = sampler_cfg.get('frame_range', 10)
        self.num_support = num_support if num_support is not None \
            else sampler_cfg.get('num_support', 20)

    def support_ids(self, t: int, num_frames: int) -> List[int]:
        if self.mode == 'online':
            return list(range(max(0, t - self.num_support), t))
        from mmhvr.datasets.support_frames import \
            select_support_frames
        return select_support_frames(t, num_frames, self.method,
                                      self.num_support, self.frame_range)

    def _prepare(self, img: np.ndarray, frame_id: int, video_id) -> tuple:
        results = self.resize(
            dict(img=img, img_shape=img.shape[:2], ori_shape=img.shape[:2]))
        tensor = torch.from_numpy(
            np.ascontiguousarray(results['img'].transpose(2, 0, 1)))
        sample = DetDataSample(
            metainfo=dict(
                img_id=frame_id,
                img_path=None,
                frame_id=frame_id,
                video_id=video_id,
                ori_shape=img.shape[:2],
                img_shape=results['img_shape'],
                scale_factor=results['scale_factor']))
        return tensor, sample

    def __call__(self, frames_or_path) -> Iterator[DetDataSample]:
        source = frames_or_path if isinstance(frames_or_path, FrameSource) \
            else FrameSource(frames_or_path)
        num_frames = len(source)
        model = self.model
        video_id = f'inference-{id(source)}'
        cache = model.frame_cache
        old_max_frames = cache.max_frames
        if self.mode == 'online':  # bounded memory: the supports + the key
            cache.max_frames = self.num_support + 1
        else:
            cache.max_frames = max(cache.max_frames, self.num_support + 1)
        old_use_cache = model.test_cfg.get('use_cache', True)
        model.test_cfg['use_cache'] = self.use_cache
        cache.start(video_id)
        try:
            for t in range(num_frames):
                supports = self.support_ids(t, num_frames)
                if self.use_cache:
                    load = [t] + [f for f in supports if f not in cache]
                else:
                    load = [t] + supports
                tensors, samples = [], []
                for f in load:
                    tensor, sample = self._prepare(source[f], f, video_id)
                    tensors.append(tensor)
                    samples.append(sample)
                track = TrackDataSample(
                    metainfo=dict(
                        key_frames_inds=[0],
                        ref_frames_inds=list(range(1, len(load))),
                        support_frame_ids=supports))
                track.video_data_samples = samples
                with torch.no_grad():
                    out = model.test_step(
                        dict(inputs=[torch.stack(tensors)],
                             data_samples=[track]))
                yield out[0]
        finally:
            model.test_cfg['use_cache'] = old_use_cache
            cache.max_frames = old_max_frames


def inference_video(model: nn.Module,
                    frames_or_path: Union[str, Sequence[np.ndarray],
                                          FrameSource],
                    mode: str = 'offline',
                    num_support: Optional[int] = None,
                    use_cache: bool = True) -> Iterator[DetDataSample]:
    """Yield one ``DetDataSample`` (``pred_instances`` in original frame
    coordinates) per frame of a video file, a frame folder or a list of
    BGR arrays. See :class:`VideoInferencer` for the modes."""
    yield from VideoInferencer(
        model, mode=mode, num_support=num_support,
        use_cache=use_cache)(frames_or_path)

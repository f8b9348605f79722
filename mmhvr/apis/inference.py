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
from mmdet.structures import DetDataSample
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import init_default_scope

from mmhvr.registry import DATASETS, MODELS

IMG_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.JPEG', '.JPG', '.PNG')


def init_detector(config: Union[str, Path, Config],
                  checkpoint: Optional[str] = None,
                  device: str = 'cpu',
                  cfg_options: Optional[dict] = None,
                  allow_stage_mismatch: bool = False) -> nn.Module:
    """Build a video detector from a config and (optionally) a checkpoint.

    The backbone's ``init_cfg`` is dropped: nothing is downloaded. Without a
    checkpoint the weights are random (a warning says so) and the class
    names come from the config's test dataset. A checkpoint that cannot be
    read is an error naming the file; a stage-1 checkpoint under a config
    that tests head B (stage 2) is a ``ValueError`` unless
    ``allow_stage_mismatch`` (see
    :func:`mmhvr.engine.check_checkpoint_stage`), and so is a checkpoint
    whose weights do not fit the config's model (missing, unexpected or
    mis-shaped keys, listed; the check of ``tools/test.py``).
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

    ckpt = None
    if checkpoint is not None:  # checked before anything is built
        from mmhvr.engine import check_checkpoint_stage, read_checkpoint
        ckpt = read_checkpoint(str(checkpoint))
        check_checkpoint_stage(config.model, ckpt, str(checkpoint),
                               config.filename or 'the config',
                               allow=allow_stage_mismatch)
    model = MODELS.build(config.model)
    dataset_meta = None
    if ckpt is None:
        warnings.warn('No checkpoint given: the detector has RANDOM weights '
                      'and its detections are meaningless.')
    else:
        from mmengine.runner.checkpoint import _load_checkpoint_to_model

        from mmhvr.engine import check_state_dict_fits
        check_state_dict_fits(model.state_dict(), ckpt, str(checkpoint),
                              config.filename or 'the config')
        _load_checkpoint_to_model(model, ckpt)
        meta = ckpt.get('meta') or {}
        dataset_meta = meta.get('dataset_meta')
        if dataset_meta is None and meta.get('classes') is not None:
            dataset_meta = dict(classes=tuple(meta['classes']))
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
            for i, img in enumerate(self._arrays):
                if not isinstance(img, np.ndarray):
                    raise TypeError(f'frame {i} is a {type(img).__name__}, '
                                    'not a numpy array (H, W, 3) BGR')
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
        return self._read(index)

    def _read(self, index: int) -> np.ndarray:
        """Frame ``index`` as stored (not recorded in ``accessed``)."""
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

    def frame_name(self, index: int) -> str:
        """How errors and warnings name frame ``index``."""
        if self._files is not None:
            return self._files[index]
        return f'frame {index} of {self.name}'

    @property
    def fps(self) -> float:
        return self._video.fps if self._video is not None else 25.0


def _map_pipeline(pipeline: list, fn) -> list:
    """``pipeline`` with ``fn(t)`` applied to every transform, nested ones
    (``TransformBroadcaster``, ``Compose``) included; ``fn`` returns the
    transform to keep or None to drop it."""
    out = []
    for t in pipeline:
        t = copy.deepcopy(t)
        if isinstance(t.get('transforms'), list):
            t['transforms'] = _map_pipeline(t['transforms'], fn)
        t = fn(t)
        if t is not None:
            out.append(t)
    return out


def _type(t: dict) -> str:
    return str(t.get('type', '')).split('.')[-1]


def inference_pipeline(test_pipeline: list,
                       mode: str = 'offline',
                       num_support: Optional[int] = None,
                       use_cache: bool = True) -> list:
    """The config's test pipeline made to read frames from memory.

    As mmdet's ``inference_detector`` does: ``LoadImageFromFile`` becomes
    mmdet's ``LoadImageFromNDArray`` and annotation loading is dropped;
    every other transform (resize, normalisation order, packing) is the
    config's own. Its ``VideoTestSupportSample`` gets ``num_support`` (when
    given), ``method='past'`` in online mode (the ``num_support`` frames
    before the key frame; default: the config's ``num_support``) and
    ``load_only_new=use_cache``.
    """
    found = []

    def adapt(t: dict) -> Optional[dict]:
        name = _type(t)
        if name == 'LoadImageFromFile':
            t = dict(t, type='mmdet.LoadImageFromNDArray')
            t.pop('backend_args', None)
            t.pop('file_client_args', None)
            return t
        if name in ('LoadTrackAnnotations', 'LoadAnnotations'):
            return None
        if name == 'VideoTestSupportSample':
            found.append(t)
            if num_support is not None:
                t['num_support'] = num_support
            if mode == 'online':
                t['method'] = 'past'
            t['load_only_new'] = use_cache
        return t

    pipeline = _map_pipeline(test_pipeline, adapt)
    if not found:
        raise ValueError('the test pipeline (test_dataloader.dataset.'
                         'pipeline) has no VideoTestSupportSample to choose '
                         'support frames with')
    return pipeline


def as_bgr(img: np.ndarray, name: str) -> np.ndarray:
    """A frame as the model's pipeline takes it, (H, W, 3) uint8 BGR:
    a grayscale frame, (H, W) or (H, W, 1), gets three equal channels and
    a BGRA frame loses its alpha; any other layout is a ``ValueError``
    naming the frame."""
    if img.ndim == 3 and img.shape[2] == 1:
        img = img[..., 0]
    if img.ndim == 2:
        img = np.repeat(img[..., None], 3, axis=2)
    elif img.ndim == 3 and img.shape[2] == 4:
        img = np.ascontiguousarray(img[..., :3])
    if img.ndim != 3 or img.shape[2] != 3:
        raise ValueError(f'{name} has shape {tuple(img.shape)}; frames '
                         'must be (H, W, 3) BGR, (H, W) grayscale or '
                         '(H, W, 4) BGRA')
    if img.dtype != np.uint8:
        raise ValueError(f'{name} has dtype {img.dtype}; frames must be '
                         'uint8')
    return img


class _StreamFrames(Sequence):
    """The ``images`` of a video item for :class:`VideoTestSupportSample`:
    one frame info per frame; only the frames about to be loaded carry
    their pixels (``img``), read from the source when asked for.

    Every frame reaches the model as (H, W, 3) BGR (:func:`as_bgr`) at the
    size of frame 0: a frame of another size is resized to it and its
    original (h, w) is kept in ``resized`` (the pipeline stacks a key
    frame with its supports, which must share one size)."""

    def __init__(self, source: FrameSource) -> None:
        self.source = source
        self._loaded: dict = {}
        self.size: Optional[tuple] = None  # (h, w) of frame 0
        self.resized: dict = {}  # frame -> its original (h, w)

    def _frame(self, f: int) -> np.ndarray:
        img = as_bgr(self.source[f], self.source.frame_name(f))
        if self.size is None:
            first = img if f == 0 else as_bgr(self.source._read(0),
                                              self.source.frame_name(0))
            self.size = tuple(first.shape[:2])
        if tuple(img.shape[:2]) != self.size:
            self.resized[f] = tuple(img.shape[:2])
            img = mmcv.imresize(img, (self.size[1], self.size[0]))
        return img

    def load(self, frame_ids: Sequence[int]) -> None:
        self._loaded = {f: self._frame(f) for f in sorted(frame_ids)}

    def __len__(self) -> int:
        return len(self.source)

    def __getitem__(self, f: int) -> dict:
        info = dict(img_id=f, frame_id=f, img_path=None)
        if f in self._loaded:
            info['img'] = self._loaded[f]
        return info


def _to_frame_coordinates(result: DetDataSample, size: tuple,
                          original: tuple) -> DetDataSample:
    """Boxes predicted on a frame resized from ``original`` (h, w) to
    ``size`` (h, w), scaled back to the frame's own coordinates."""
    sy, sx = original[0] / size[0], original[1] / size[1]
    pred = result.pred_instances
    if len(pred):
        scale = pred.bboxes.new_tensor([sx, sy, sx, sy])
        pred.bboxes = pred.bboxes * scale
    result.set_metainfo(dict(ori_shape=tuple(original)))
    return result


class VideoInferencer:
    """Streams a video through an :class:`HVRDetector`, through the
    config's test pipeline (:func:`inference_pipeline`).

    Modes:
        * ``offline``: supports chosen as in testing (the test pipeline's
          ``VideoTestSupportSample``: a window or frames spread over the
          whole video); future frames may be read.
        * ``online``: causal; the supports are the ``num_support`` frames
          before the key frame. Only the current frame is read, and the
          model's frame cache holds ``num_support + 1`` frames at most.

    Which frames are loaded is decided by the pipeline's
    ``VideoTestSupportSample.frames_to_load`` (only the new ones with the
    cache), and every video gets a fresh stream key from the model's
    frame cache, so frames of one video never serve another. Every
    frame's backbone/RPN/RoI features are computed once (the model's
    ``frame_cache``) unless ``use_cache=False``, which loads and recomputes
    every support for every key frame (for checking only).
    """

    def __init__(self,
                 model: nn.Module,
                 mode: str = 'offline',
                 num_support: Optional[int] = None,
                 use_cache: bool = True) -> None:
        if mode not in ('offline', 'online'):
            raise ValueError(f"mode must be 'offline' or 'online', got {mode}")
        if num_support is not None and (
                isinstance(num_support, bool)
                or not isinstance(num_support, (int, np.integer))
                or num_support < 0):
            raise ValueError('num_support must be None (the config\'s) or an '
                             f'integer >= 0, got {num_support!r}')
        self.model = model
        self.mode = mode
        self.use_cache = use_cache
        cfg_pipeline = model.cfg.test_dataloader.dataset.pipeline
        pipeline = inference_pipeline(cfg_pipeline, mode, num_support,
                                      use_cache)
        from mmengine.dataset import Compose
        from mmengine.registry import DefaultScope
        with DefaultScope.overwrite_default_scope(
                model.cfg.get('default_scope', 'mmhvr')):
            self.pipeline = Compose(pipeline)
        self.sampler = next(t for t in _iter_transforms(self.pipeline)
                            if type(t).__name__ == 'VideoTestSupportSample')
        self.num_support = self.sampler.num_support

    def _prepare(self, img: np.ndarray, frame_id: int, video_id) -> tuple:
        """One frame through the pipeline's loading and resizing, alone:
        its (C, H, W) uint8 tensor and ``DetDataSample`` (for benchmarks
        of the per-frame detector)."""
        images = _StreamFrames(FrameSource([img]))
        images.load([0])
        item = self.pipeline(
            dict(images=images, video_id=video_id, video_length=1,
                 key_frame_id=0))
        sample = item['data_samples'].video_data_samples[0]
        sample.set_metainfo(dict(frame_id=frame_id, img_id=frame_id))
        return item['inputs'][0], sample

    def support_ids(self, t: int, num_frames: int) -> List[int]:
        """The supports of key frame ``t`` (the pipeline's choice)."""
        return self.sampler.support_frame_ids(t, num_frames)

    def __call__(self, frames_or_path) -> Iterator[DetDataSample]:
        """The detections of every frame, in order (an iterator; the
        video or frame folder is opened now, so a bad path fails here)."""
        source = frames_or_path if isinstance(frames_or_path, FrameSource) \
            else FrameSource(frames_or_path)
        return self._run(source)

    def _run(self, source: FrameSource) -> Iterator[DetDataSample]:
        num_frames = len(source)
        model = self.model
        cache = model.frame_cache
        video_id = cache.new_stream()  # a fresh key: never an object id
        images = _StreamFrames(source)
        old_max_frames = cache.max_frames
        if self.mode == 'online':  # bounded memory: the supports + the key
            cache.max_frames = self.num_support + 1
        else:
            cache.max_frames = max(cache.max_frames, self.num_support + 1)
        warned = False
        try:
            for t in range(num_frames):
                images.load(self.sampler.frames_to_load(t, num_frames))
                item = self.pipeline(
                    dict(images=images, video_id=video_id,
                         video_length=num_frames, key_frame_id=t))
                images.load(())
                with torch.no_grad():
                    out = model.test_step(pseudo_collate([item]))
                result = out[0]
                if t in images.resized:
                    if not warned:
                        h, w = images.size
                        warnings.warn(
                            f'{source.frame_name(t)} is '
                            f'{images.resized[t][1]}x{images.resized[t][0]}'
                            f', frame 0 is {w}x{h}: frames of another size '
                            'are resized to frame 0\'s size for the model; '
                            'their boxes are returned in their own '
                            'coordinates')
                        warned = True
                    result = _to_frame_coordinates(result, images.size,
                                                   images.resized[t])
                yield result
        finally:
            cache.max_frames = old_max_frames


def _iter_transforms(pipeline) -> Iterator:
    for t in getattr(pipeline, 'transforms', ()):
        yield t
        yield from _iter_transforms(t)


def inference_video(model: nn.Module,
                    frames_or_path: Union[str, Sequence[np.ndarray],
                                          FrameSource],
                    mode: str = 'offline',
                    num_support: Optional[int] = None,
                    use_cache: bool = True) -> Iterator[DetDataSample]:
    """An iterator of one ``DetDataSample`` (``pred_instances`` in the
    frame's own coordinates) per frame of a video file, a frame folder or
    a list of BGR arrays. See :class:`VideoInferencer` for the modes;
    ``num_support`` must be None (the config's) or an integer >= 0.

    The arguments are checked and the video opened when this is called
    (a ``ValueError``/``FileNotFoundError`` then), not at the first
    ``next()``. Grayscale (H, W) frames are given three channels; frames
    of another size than frame 0 are resized to it for the model (a
    warning says so) and their boxes scaled back."""
    return VideoInferencer(model, mode=mode, num_support=num_support,
                           use_cache=use_cache)(frames_or_path)

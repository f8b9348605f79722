"""Key and support frames of a video item (see docs/batch_layout.md)."""
import random
import warnings
from typing import Dict, List, Optional

from mmdet.datasets.transforms import BaseFrameSample

from mmhvr.registry import TRANSFORMS
from ..support_frames import select_support_frames


@TRANSFORMS.register_module()
class VideoKeySupportSample(BaseFrameSample):
    """Training: a key frame and ``num_support`` supports of one video.

    The key frame is drawn among the video's ``key_frame_candidates`` (or
    given as ``key_frame_id``); supports at random offsets within the whole
    video (``frame_range=None``) or within +-``frame_range``, never the key
    frame unless the video has no other frame. Key frame first.
    """

    def __init__(self,
                 num_support: int = 2,
                 frame_range: Optional[int] = None,
                 collect_video_keys: List[str] = ['video_id',
                                                  'video_length']):
        super().__init__(collect_video_keys=collect_video_keys)
        self.num_support = num_support
        self.frame_range = frame_range

    def sample(self, num_frames: int, key: int) -> List[int]:
        """Frame indices: the key frame, then its supports."""
        lo, hi = 0, num_frames - 1
        if self.frame_range is not None:
            lo, hi = max(lo, key - self.frame_range), min(
                hi, key + self.frame_range)
        pool = [f for f in range(lo, hi + 1) if f != key] or [key]
        if len(pool) >= self.num_support:
            supports = random.sample(pool, self.num_support)
        else:
            supports = random.choices(pool, k=self.num_support)
        return [key] + supports

    def transform(self, video_infos: dict) -> Dict[str, List]:
        num_frames = len(video_infos['images'])
        key = video_infos.get('key_frame_id')
        if key is None:
            key = random.choice(
                video_infos.get('key_frame_candidates')
                or list(range(num_frames)))
        ids = self.sample(num_frames, key)
        results = self.prepare_data(video_infos, ids)
        results['key_frame_flags'] = [True] + [False] * self.num_support
        return results


@TRANSFORMS.register_module()
class VideoTestSupportSample(BaseFrameSample):
    """Testing: one key frame (``key_frame_id``) and its supports.

    Supports come from :func:`select_support_frames` (``method='window'``:
    every frame within +-``frame_range``; ``'uniform'``: ``num_support``
    frames spread over the video). With ``load_only_new`` only the frames
    the previous key frame of the video did not load are loaded (frames
    arrive in order; the model caches the rest). Every loaded frame carries
    ``support_frame_ids`` (the key frame's supports, as frame ids), which
    :class:`PackVideoInputs` moves into the TrackDataSample metainfo.
    """

    def __init__(self,
                 num_support: int = 20,
                 method: str = 'uniform',
                 frame_range: int = 10,
                 load_only_new: bool = True,
                 collect_video_keys: List[str] = ['video_id',
                                                  'video_length']):
        super().__init__(collect_video_keys=collect_video_keys)
        if method not in ('window', 'uniform'):
            raise ValueError(
                f"method must be 'window' or 'uniform', got {method!r}")
        self.num_support = num_support
        self.method = method
        self.frame_range = frame_range
        self.load_only_new = load_only_new
        self._warned = set()

    def support_ids(self, key: int, num_frames: int) -> List[int]:
        """Frame indices supporting ``key`` in a video of ``num_frames``."""
        return select_support_frames(key, num_frames, self.method,
                                     self.num_support, self.frame_range)

    def frames_to_load(self, key: int, num_frames: int) -> List[int]:
        """The key frame first, then the supports not loaded for key - 1."""
        supports = self.support_ids(key, num_frames)
        if self.load_only_new and key > 0:
            seen = set(self.support_ids(key - 1, num_frames)) | {key - 1}
            supports = [f for f in supports if f not in seen]
        return [key] + supports

    def transform(self, video_infos: dict) -> Dict[str, List]:
        images = video_infos['images']
        num_frames = len(images)
        key = video_infos['key_frame_id']
        wanted = self.num_support if self.method == 'uniform' \
            else 2 * self.frame_range
        video = video_infos.get('video_id')
        if wanted > num_frames - 1 and video not in self._warned:
            self._warned.add(video)
            warnings.warn(
                f'video {video} has {num_frames} frames: fewer than the '
                f'{wanted} supports the config asks for; using all '
                f'{num_frames - 1} other frames')
        supports = [images[f].get('frame_id', f)
                    for f in self.support_ids(key, num_frames)]
        load = self.frames_to_load(key, num_frames)
        results = self.prepare_data(video_infos, load)
        results['key_frame_flags'] = [True] + [False] * (len(load) - 1)
        results['support_frame_ids'] = [supports] * len(load)
        return results

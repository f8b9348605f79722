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

    The key frame is drawn among the video's ``key_frame_candidates`` (set
    by :class:`ImagenetVIDDataset`; every frame when absent) unless
    ``key_frame_id`` is given; the supports are distinct frames at random
    offsets within the whole video (``frame_range=None``) or within
    +-``frame_range`` of the key frame, never the key frame itself unless
    the video has no other frame (a one-frame video, e.g. an ImageNet DET
    image, repeats its frame; a video with fewer other frames than
    ``num_support`` repeats some supports).

    Output (lists over the T = 1 + ``num_support`` frames, key frame
    first): every frame info key (as ``BaseFrameSample.prepare_data``),
    ``video_id``, ``video_length`` (T) and ``ori_video_length``,
    ``video_label`` when the dataset gives one, and ``key_frame_flags``
    (``[True, False, ...]``, from which
    ``PackTrackInputs`` writes ``key_frames_inds=[0]`` and
    ``ref_frames_inds=[1, ..., T-1]``).

    Args:
        num_support (int): supports per item. Defaults to 2 (authors).
        frame_range (int, optional): half window around the key frame the
            supports are drawn from; None: the whole video.
        collect_video_keys (list[str]): video-level keys copied to every
            frame. Defaults to ``['video_id', 'video_length']``.
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
        """Sample the key frame and its supports of one video."""
        num_frames = len(video_infos['images'])
        key = video_infos.get('key_frame_id')
        if key is None:
            key = random.choice(
                video_infos.get('key_frame_candidates')
                or list(range(num_frames)))
        ids = self.sample(num_frames, key)
        results = self.prepare_data(video_infos, ids)
        results['key_frame_flags'] = [True] + [False] * self.num_support
        if 'video_label' in video_infos:
            # the class the triplet sampler grouped the video by (its
            # sampled frames alone may show another majority)
            results['video_label'] = [video_infos['video_label']] * len(ids)
        return results


@TRANSFORMS.register_module()
class VideoTestSupportSample(BaseFrameSample):
    """Testing: one key frame (``key_frame_id``) and its supports.

    Supports come from :func:`select_support_frames` (``method='window'``:
    every frame within +-``frame_range``; ``'uniform'``: ``num_support``
    frames spread over the video; ``'past'``: the ``num_support`` frames
    before the key frame). :meth:`frames_to_load` is the one place that
    decides which frames are loaded: with ``load_only_new`` only the frames
    the previous key frame of the video did not load or need (frames arrive
    in order; the model's frame cache holds the rest). Every loaded frame
    carries ``support_frame_ids`` (the key frame's supports, as frame ids)
    and ``stream_start`` (True on the video's first frame: the model's
    frame cache starts afresh), which :class:`PackVideoInputs` moves into
    the TrackDataSample metainfo. The model raises an error for a support
    that is neither loaded nor cached.

    A video with fewer frames than the supports asked for uses what it has
    (one warning per video); a one-frame video has no supports (the model
    then uses the key frame's own proposals).

    Args:
        num_support (int): supports in ``'uniform'`` mode. Defaults to 20.
        method (str): ``'window'``, ``'uniform'`` or ``'past'``. Defaults
            to ``'uniform'``.
        frame_range (int): half window in ``'window'`` mode. Defaults to
            10.
        load_only_new (bool): load only the support frames that the
            previous key frame did not load. Defaults to True.
        collect_video_keys (list[str]): video-level keys copied to every
            loaded frame.
    """

    def __init__(self,
                 num_support: int = 20,
                 method: str = 'uniform',
                 frame_range: int = 10,
                 load_only_new: bool = True,
                 collect_video_keys: List[str] = ['video_id',
                                                  'video_length']):
        super().__init__(collect_video_keys=collect_video_keys)
        if method not in ('window', 'uniform', 'past'):
            raise ValueError(f"VideoTestSupportSample.method must be "
                             f"'window', 'uniform' or 'past', got {method!r}")
        for name, value in (('num_support', num_support),
                            ('frame_range', frame_range)):
            if isinstance(value, bool) or not isinstance(value, int) \
                    or value < 0:
                raise ValueError(f'VideoTestSupportSample.{name} must be an '
                                 f'integer >= 0, got {value!r}')
        self.num_support = num_support
        self.method = method
        self.frame_range = frame_range
        self.load_only_new = load_only_new
        self._warned = set()

    def support_frame_ids(self, key: int, num_frames: int) -> List[int]:
        """The supports of frame ``key`` (indices into the video's frames,
        sorted, never ``key``) in a video of ``num_frames``: deterministic.

        ``'window'``: every frame ``f`` with ``|f - key| <= frame_range``
        clipped to the video; ``'uniform'``: ``num_support`` frames evenly
        spread over the whole video (``np.linspace``, unique), the same for
        every key frame (minus the key frame itself).
        """
        return select_support_frames(key, num_frames, self.method,
                                     self.num_support, self.frame_range)

    # the name used before ``support_frame_ids``
    support_ids = support_frame_ids

    def frames_to_load(self, key: int, num_frames: int) -> List[int]:
        """The key frame first, then the supports to load: with
        ``load_only_new`` and ``key > 0`` only those not in
        ``support_frame_ids(key - 1) | {key - 1}`` (what the previous key
        frame of the video loaded or needed), else all of them."""
        supports = self.support_frame_ids(key, num_frames)
        if self.load_only_new and key > 0:
            seen = set(self.support_frame_ids(key - 1, num_frames)) | {key - 1}
            supports = [f for f in supports if f not in seen]
        return [key] + supports

    def transform(self, video_infos: dict) -> Dict[str, List]:
        """Frame infos of the frames to load (key frame first) as lists,
        plus ``key_frame_flags`` and ``support_frame_ids`` (the key frame's
        supports as ``frame_id`` values, repeated per loaded frame so that
        ``TransformBroadcaster`` can scatter it; :class:`PackVideoInputs`
        keeps one copy in the TrackDataSample metainfo)."""
        if 'key_frame_id' not in video_infos or 'images' not in video_infos:
            raise ValueError(
                'VideoTestSupportSample needs a whole video with '
                '`key_frame_id`: test items must be (video, frame) pairs, so '
                "use `sampler=dict(type='TrackImgSampler')` in the test "
                'dataloader')
        images = video_infos['images']
        num_frames = len(images)
        key = int(video_infos['key_frame_id'])
        if not 0 <= key < num_frames:
            raise IndexError(f'key frame {key} is outside video '
                             f'{video_infos.get("video_id")} of {num_frames} '
                             'frames')
        wanted = self.num_support if self.method == 'uniform' \
            else 2 * self.frame_range
        video = video_infos.get('video_id')
        if self.method != 'past' and wanted > num_frames - 1 \
                and video not in self._warned:
            self._warned.add(video)
            warnings.warn(
                f'video {video} has {num_frames} frames: fewer than the '
                f'{wanted} supports the config asks for ({self.method!r}); '
                f'using the {num_frames - 1} other frames')
        supports = [int(images[f].get('frame_id', f))
                    for f in self.support_frame_ids(key, num_frames)]
        load = self.frames_to_load(key, num_frames)
        results = self.prepare_data(video_infos, load)
        results['key_frame_flags'] = [True] + [False] * (len(load) - 1)
        results['support_frame_ids'] = [list(supports) for _ in load]
        results['stream_start'] = [key == 0] * len(load)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(num_support={self.num_support}, '
                f'method={self.method!r}, frame_range={self.frame_range}, '
                f'load_only_new={self.load_only_new})')

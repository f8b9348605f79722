"""The one owner of a video detector's per-video state at test time."""
import itertools
import math
import uuid
from collections import OrderedDict
from typing import Callable, Hashable, List, Optional, Sequence, Tuple

import torch.nn as nn

from .frame_memory import FrameMemory

_STREAMS = itertools.count()


def weights_token(module: nn.Module) -> Optional[Tuple[int, int]]:
    """A token that changes whenever a parameter or buffer of ``module`` is
    modified in place (optimizer steps, ``load_state_dict``, BN statistics:
    the autograd version counters) or replaced (their storage). None where
    a tensor has no version counter (inference-mode tensors)."""
    try:
        tensors = list(itertools.chain(module.parameters(), module.buffers()))
        return (sum(t._version for t in tensors),
                sum(t.data_ptr() for t in tensors))
    except RuntimeError:
        return None


class RecentVideoMemory:
    """Proposals of the last ``num_videos`` videos a stream saw, which the
    inter-video relation attends to besides the key frame's own video
    (``test_cfg.recent_videos``).

    Each video keeps ``per_video`` proposals at most: an equal share of
    each of its frames, highest RPN score first (a frame's proposals are in
    score order). It holds the inter relation's projections
    (:meth:`FrameMemory.inter`), so it is only valid with the weights that
    made them: :class:`VideoMemory` empties it with its frames.

    Args:
        num_videos (int): videos kept (the oldest leaves first).
        per_video (int): proposals kept per video.
    """

    def __init__(self, num_videos: int, per_video: int) -> None:
        for name, value in (('num_videos', num_videos),
                            ('per_video', per_video)):
            if isinstance(value, bool) or not isinstance(value, int) \
                    or value < 1:
                raise ValueError(f'test_cfg.recent_videos.{name} must be an '
                                 f'integer >= 1, got {value!r}')
        self.num_videos = num_videos
        self.per_video = per_video
        self.videos: 'OrderedDict[Hashable, FrameMemory]' = OrderedDict()

    def add(self, video_id: Hashable, frames: Sequence[FrameMemory]) -> None:
        """Keep a finished video (its frames' memories with the inter
        projections)."""
        frames = [f for f in frames if len(f) and f.has_projection('inter')]
        if not frames:
            return
        share = math.ceil(self.per_video / len(frames))
        kept = FrameMemory.cat([f.inter()[:share] for f in frames])
        self.videos.pop(video_id, None)
        self.videos[video_id] = kept[:self.per_video]
        while len(self.videos) > self.num_videos:
            self.videos.popitem(last=False)

    def memory(self, exclude: Optional[Hashable]) -> Optional[FrameMemory]:
        """The kept videos other than ``exclude``, concatenated (None when
        there are none)."""
        kept = [m for vid, m in self.videos.items() if vid != exclude]
        return FrameMemory.cat(kept) if kept else None

    def clear(self) -> None:
        self.videos.clear()

    def __len__(self) -> int:
        return len(self.videos)


class VideoMemory:
    """Which frames of which stream are known, and everything computed
    from the weights for later key frames: the frame cache (the current
    stream's :class:`FrameMemory` per frame id, least recently used out
    beyond ``max_frames``), the file bank's projections and the recent
    videos.

    One staleness rule covers all three: they hold for one ``token`` (the
    weights, :func:`weights_token`, and what the memories hold, e.g.
    whether the inter projections are computed); :meth:`validate` with
    another token, or :meth:`clear` (the detector calls it on ``train()``,
    ``eval()``, ``load_state_dict`` and device moves), empties them
    together. A new stream (:meth:`start` with another ``video_id`` or
    ``restart``, :meth:`new_stream`) empties the frame cache only, its
    frames going to the recent videos.

    One caching switch, the test pipeline's
    ``VideoTestSupportSample.load_only_new``: True (the configs) loads each
    frame once and the cache serves it to later key frames; False loads
    every support for every key frame, and an item that carries all its
    supports is computed afresh (for checking). See :meth:`gather`.

    Args:
        max_frames (int): frames cached (``test_cfg.cache_frames``).
        recent (RecentVideoMemory, optional): ``test_cfg.recent_videos``.
        bank (SupportBank, optional): ``test_cfg.support_bank``'s file.
    """

    def __init__(self,
                 max_frames: int,
                 recent: Optional[RecentVideoMemory] = None,
                 bank=None) -> None:
        if isinstance(max_frames, bool) or not isinstance(max_frames, int) \
                or max_frames < 1:
            raise ValueError(
                f'test_cfg.cache_frames must be an integer >= 1, got '
                f'{max_frames!r}')
        self.max_frames = max_frames
        self.recent = recent
        self.bank = bank
        self.video_id: Optional[Hashable] = None
        self.token = None
        # why the last start() emptied the frames (None: it did not)
        self.reset_reason: Optional[str] = None
        self._stale: Optional[str] = None  # why validate() emptied it
        self.frames: 'OrderedDict[int, FrameMemory]' = OrderedDict()
        self._bank_memory: Optional[FrameMemory] = None

    # -- staleness --------------------------------------------------------
    def validate(self, token) -> None:
        """Keep the state if it was made under ``token``, else empty it all
        (frames, bank projections, recent videos). A None token (weights
        without version counters) cannot tell, and keeps it."""
        if token is None or token == self.token:
            return
        if self.token is not None:
            self._stale = (
                'the weights changed since its frames were cached (training'
                ' or a loaded checkpoint in the middle of a video): run '
                'the video again from its first frame')
        video_id = self.video_id  # the stream goes on, its frames do not
        self.clear()
        self.video_id, self.token = video_id, token

    def clear(self) -> None:
        """Forget everything computed (new weights)."""
        self.frames.clear()
        self.video_id = None
        self.token = None
        self._bank_memory = None
        if self.recent is not None:
            self.recent.clear()

    # -- streams ----------------------------------------------------------
    @staticmethod
    def new_stream_token() -> str:
        """A stream key unique in this process (and, with a random part,
        across processes): never an object id, which Python reuses."""
        return f'stream-{next(_STREAMS)}-{uuid.uuid4().hex[:12]}'

    def new_stream(self) -> str:
        """End the cached stream, empty the frame cache and return a fresh
        stream key for the caller's frames (their ``video_id``)."""
        self._retire()
        self.frames.clear()
        self.video_id = None
        return self.new_stream_token()

    def _retire(self) -> None:
        """The cached video has ended: its frames go to the recent
        videos."""
        if self.recent is not None and self.frames \
                and self.video_id is not None:
            self.recent.add(self.video_id, list(self.frames.values()))

    def start(self, video_id: Hashable, restart: bool = False) -> None:
        """Make ``video_id`` the cached stream (after :meth:`validate`);
        the frame cache is emptied if it held another stream or if
        ``restart`` (the key frame is its video's first)."""
        if restart:
            self.reset_reason = 'its first frame started the stream again'
        elif video_id != self.video_id:
            self.reset_reason = 'another video started'
        else:
            self.reset_reason = self._stale
        self._stale = None
        if video_id != self.video_id:
            self._retire()
        if restart or video_id != self.video_id:
            self.frames.clear()
        self.video_id = video_id

    # -- frames -----------------------------------------------------------
    def get(self, frame_id: int) -> Optional[FrameMemory]:
        mem = self.frames.get(frame_id)
        if mem is not None:
            self.frames.move_to_end(frame_id)
        return mem

    def put(self, frame_id: int, memory: FrameMemory) -> None:
        self.frames[frame_id] = memory
        self.frames.move_to_end(frame_id)
        while len(self.frames) > self.max_frames:
            self.frames.popitem(last=False)

    def missing(self, frame_ids: Sequence[int]) -> List[int]:
        """The frames of ``frame_ids`` that are not cached (in order)."""
        return [f for f in frame_ids if f not in self.frames]

    def __contains__(self, frame_id: int) -> bool:
        return frame_id in self.frames

    def __len__(self) -> int:
        return len(self.frames)

    def gather(self, video_id: Hashable, restart: bool,
               loaded_ids: Sequence[int], support_ids: Sequence[int],
               key_id: int,
               compute: Callable[[List[int]], List[FrameMemory]]
               ) -> Tuple[FrameMemory, List[FrameMemory]]:
        """The key frame's memory and its supports' (``support_ids``
        order, the key frame left out); call :meth:`validate` first.

        The caching rule: an item that carries every support (and the key
        frame) is computed afresh (the pipeline loaded everything: no
        cache needed, e.g. ``load_only_new=False``); otherwise only its
        frames not cached yet are computed, the rest comes from the cache.
        Either way what is computed is cached.

        Args:
            video_id, restart: the stream and whether the key frame starts
                it (:meth:`start`).
            loaded_ids (list[int]): frame ids of the frames the item
                carries.
            support_ids (list[int]): the key frame's supports.
            key_id (int): the key frame's id (the item carries it).
            compute: positions in the item → their memories.
        """
        self.start(video_id, restart=restart)
        wanted = [f for f in support_ids if f != key_id]
        complete = set(wanted) <= set(loaded_ids)
        new = [i for i, f in enumerate(loaded_ids)
               if complete or f not in self.frames]
        loaded = {}
        if new:
            for i, mem in zip(new, compute(new)):
                loaded[loaded_ids[i]] = mem
                self.put(loaded_ids[i], mem)
        found = []
        for f in wanted + [key_id]:  # the key frame last: most recent
            mem = self.get(f)
            found.append(loaded.get(f) if mem is None else mem)
        missing = [f for f, m in zip(wanted + [key_id], found) if m is None]
        if missing:
            why = (f'The frame cache was emptied at this key frame: '
                   f'{self.reset_reason}.' if self.reset_reason else
                   'Test data must arrive video by video in frame order '
                   '(TrackImgSampler) and test_cfg.cache_frames '
                   f'({self.max_frames}) must hold a whole support set, or'
                   " the test pipeline's VideoTestSupportSample must load "
                   'every support (load_only_new=False).')
            raise RuntimeError(
                f'video {video_id}: frames {missing} are needed as supports '
                f'of frame {key_id} but were neither loaded (loaded: '
                f'{list(loaded_ids)}) nor cached. {why}')
        return found[-1], found[:-1]

    # -- other videos -----------------------------------------------------
    def bank_memory(self, bbox_head: nn.Module) -> Optional[FrameMemory]:
        """The file bank's inter projections under the current weights
        (computed once per :meth:`validate` token)."""
        if self.bank is None:
            return None
        if self._bank_memory is None:
            self._bank_memory = self.bank.memory(bbox_head)
        return self._bank_memory

    def recent_memory(self) -> Optional[FrameMemory]:
        """The recent videos other than the cached stream's."""
        if self.recent is None:
            return None
        return self.recent.memory(exclude=self.video_id)

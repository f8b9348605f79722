"""The one owner of per-video state at test time: the frame memory cache."""
import itertools
import uuid
from collections import OrderedDict
from typing import Hashable, Iterable, List, Optional

import torch.nn as nn

_STREAMS = itertools.count()


def weights_version(module: nn.Module) -> Optional[int]:
    """A number that changes whenever a parameter or buffer of ``module`` is
    modified in place (optimizer steps, ``load_state_dict``, BN statistics):
    the sum of the tensors' autograd version counters. None where a tensor
    has no counter (inference-mode tensors)."""
    try:
        return sum(t._version for t in itertools.chain(
            module.parameters(), module.buffers()))
    except RuntimeError:
        return None


class FrameMemoryCache:
    """Per-video store of frame memories, keyed by frame id.

    It holds the frames of one stream (video) at a time, at most
    ``max_frames`` of them (least recently used first out), and is emptied
    when

    * another stream starts (:meth:`start` with a different ``stream``, or
      with ``restart=True``: the key frame is the first frame of its video);
    * the weights it was filled with change (``weights`` given to
      :meth:`start` differs: an optimizer step or a loaded checkpoint), or
      the owner calls :meth:`clear` (``HVRDetector`` does on ``train()``,
      ``eval()``, ``load_state_dict`` and device moves).

    Streams that are not dataset videos (``inference_video``) take a fresh
    token from :meth:`new_stream`: never an object id, which Python reuses
    once the object is freed.

    With ``recent`` (a :class:`RecentVideoMemory`, ``test_cfg.recent_videos``)
    a video that ends (another one starts, or :meth:`new_stream`) leaves its
    cached frames' inter-relation projections there; :meth:`clear` (new
    weights) empties it too.
    """

    def __init__(self, max_frames: int) -> None:
        if max_frames < 1:
            raise ValueError(
                f'test_cfg.cache_frames must be >= 1, got {max_frames}')
        self.max_frames = max_frames
        self.video_id: Optional[Hashable] = None
        self.weights: Optional[int] = None
        # why the last start() emptied the cache (None: it did not)
        self.reset_reason: Optional[str] = None
        self.frames: 'OrderedDict[int, object]' = OrderedDict()
        self.recent = None  # RecentVideoMemory, set by the owner

    @staticmethod
    def new_stream_token() -> str:
        """A stream key unique in this process (and, with a random part,
        across processes)."""
        return f'stream-{next(_STREAMS)}-{uuid.uuid4().hex[:12]}'

    def new_stream(self) -> str:
        """End the cached stream (see ``recent``), empty the cache and
        return a fresh stream key for the caller's frames (pass it as every
        frame's ``video_id``)."""
        self._retire()
        self.frames.clear()
        self.video_id = None
        return self.new_stream_token()

    def clear(self) -> None:
        self.frames.clear()
        self.video_id = None
        self.weights = None
        if self.recent is not None:
            self.recent.clear()

    def _retire(self) -> None:
        """The cached video has ended: its frames go to ``recent``."""
        if self.recent is not None and self.frames \
                and self.video_id is not None:
            self.recent.add(self.video_id,
                            [m['inter'] for m in self.frames.values()],
                            self.weights)

    def start(self,
              video_id: Hashable,
              restart: bool = False,
              weights: Optional[int] = None) -> None:
        """Make ``video_id`` the cached stream; the cache is emptied if it
        held another stream, if ``restart`` or if ``weights`` changed."""
        self.reset_reason = None
        if restart:
            self.reset_reason = 'its first frame started the stream again'
        elif video_id != self.video_id:
            self.reset_reason = 'another video started'
        elif weights is not None and weights != self.weights:
            self.reset_reason = ('the weights changed since its frames were '
                                 'cached (training or a loaded checkpoint '
                                 'in the middle of a video): run the video '
                                 'again from its first frame')
        if video_id != self.video_id and (weights is None
                                          or weights == self.weights):
            self._retire()
        if self.reset_reason is not None:
            self.frames.clear()
        self.video_id = video_id
        self.weights = weights

    def missing(self, frame_ids: Iterable[int]) -> List[int]:
        """The frames of ``frame_ids`` that are not cached (in order)."""
        return [f for f in frame_ids if f not in self.frames]

    def get(self, frame_id: int) -> Optional[object]:
        mem = self.frames.get(frame_id)
        if mem is not None:
            self.frames.move_to_end(frame_id)
        return mem

    def put(self, frame_id: int, memory: object) -> None:
        self.frames[frame_id] = memory
        self.frames.move_to_end(frame_id)
        while len(self.frames) > self.max_frames:
            self.frames.popitem(last=False)

    def __contains__(self, frame_id: int) -> bool:
        return frame_id in self.frames

    def __len__(self) -> int:
        return len(self.frames)

"""The videos a stream saw before, for the inter-video relation at test
time (``test_cfg.recent_videos``)."""
import math
from collections import OrderedDict
from typing import Hashable, Optional, Sequence, Tuple

import torch
from torch import Tensor

KV = Tuple[Tensor, ...]


class RecentVideoMemory:
    """Proposals of the last ``num_videos`` videos that left the frame
    cache, which the inter-video relation attends to besides the key
    frame's own video: at training it compares a video with others, at test
    time this gives it other videos without a prepared bank (streams).

    Each video keeps ``per_video`` proposals at most: an equal share of each
    of its cached frames, highest RPN score first (a frame's proposals are
    in score order). What is kept is the inter relation's projections
    (keys, values), valid only for the weights that made them: a different
    ``weights`` token empties the memory.

    Args:
        num_videos (int): videos kept (the oldest leaves first).
        per_video (int): proposals kept per video.
    """

    def __init__(self, num_videos: int, per_video: int) -> None:
        for name, value in (('num_videos', num_videos),
                            ('per_video', per_video)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f'test_cfg.recent_videos.{name} must be an '
                                 f'integer >= 1, got {value!r}')
        self.num_videos = num_videos
        self.per_video = per_video
        self.videos: 'OrderedDict[Hashable, KV]' = OrderedDict()
        self.weights: Optional[int] = None

    def add(self, video_id: Hashable, frames: Sequence[KV],
            weights: Optional[int]) -> None:
        """Keep a finished video: ``frames`` are its frames' inter
        projections (each a tuple of (m_f, ...) tensors), computed with the
        weights ``weights``."""
        frames = [kv for kv in frames if len(kv[0])]
        if not frames:
            return
        if weights != self.weights:
            self.videos.clear()
            self.weights = weights
        share = math.ceil(self.per_video / len(frames))
        kv = tuple(
            torch.cat([t[:share] for t in parts])[:self.per_video]
            for parts in zip(*frames))
        self.videos.pop(video_id, None)
        self.videos[video_id] = kv
        while len(self.videos) > self.num_videos:
            self.videos.popitem(last=False)

    def memory(self, exclude: Optional[Hashable],
               weights: Optional[int]) -> Optional[KV]:
        """The kept videos' projections, concatenated (videos other than
        ``exclude``); None when there are none or they were made with other
        weights (then they are dropped)."""
        if weights != self.weights:
            self.clear()
            return None
        kvs = [kv for vid, kv in self.videos.items() if vid != exclude]
        if not kvs:
            return None
        return tuple(torch.cat(parts) for parts in zip(*kvs))

    def clear(self) -> None:
        self.videos.clear()
        self.weights = None

    def __len__(self) -> int:
        return len(self.videos)

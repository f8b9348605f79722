"""Which frames support a key frame at test time (one place for the dataset
transform and the video inference API)."""
from typing import List

import numpy as np


def select_support_frames(key: int, num_frames: int, method: str,
                           num_support: int,
                           frame_range: int = 10) -> List[int]:
    """Support frame ids (sorted, never the key frame) of frame ``key``.

    Args:
        key (int): the key frame's index in the video.
        num_frames (int): frames in the video.
        method (str): ``'window'``: every frame within ``+-frame_range``
            (clipped to the video); ``'uniform'``: ``num_support`` frames
            evenly spread over the whole video, the same for every key
            frame (SELSA style).
        num_support (int): supports wanted in ``'uniform'`` mode.
        frame_range (int): half window in ``'window'`` mode.

    ``'past'``: the ``num_support`` frames right before the key frame
    (causal, ``inference_video(mode='online')``).
    """
    if method == 'window':
        lo, hi = max(0, key - frame_range), min(num_frames - 1,
                                                key + frame_range)
        ids = list(range(lo, hi + 1))
    elif method == 'uniform':
        count = min(num_support, num_frames)
        ids = sorted({int(round(x))
                      for x in np.linspace(0, num_frames - 1, count)}) \
            if count > 0 else []
    elif method == 'past':
        ids = list(range(max(0, key - num_support), key))
    else:
        raise ValueError(f"support method must be 'window', 'uniform' or "
                         f"'past', got {method!r}")
    return [f for f in ids if f != key]

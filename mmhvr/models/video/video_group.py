"""The layout of a training batch of videos, built once from the batch."""
from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Tuple

from mmdet.structures import DetDataSample, TrackDataSample


@dataclass(frozen=True)
class VideoTriplet:
    """Positions (in a :class:`VideoGroup`) of the video-level triplet."""
    anchor: int
    positive: int
    negative: int

    def as_list(self) -> List[int]:
        return [self.anchor, self.positive, self.negative]


@dataclass(frozen=True)
class VideoGroup:
    """The videos of one batch (``inputs`` (V, T, C, H, W)) and their roles.

    A training group of :class:`~mmhvr.datasets.VideoTripletSampler` is
    laid out by :meth:`layout`: the anchor video first, then the other
    videos of its class, then ``num_same`` videos per other class. A frame
    is addressed by ``(video, t)`` or by its flat index ``video * T + t``
    in the batch's (V*T, ...) view; :meth:`frame`, :attr:`key_frames` and
    :meth:`video_of` are the only places that compute it.

    Attributes:
        samples (list[TrackDataSample]): one per video.
        num_frames (int): T, frames per video.
        labels (tuple[int]): each video's class (the dataset's
            ``video_label``; -1 where the metainfo has none).
        key_inds (tuple[int]): each video's key frame (``key_frames_inds``).
        anchor (int): the anchor video (:meth:`layout` puts it first).
        triplet (VideoTriplet, optional): set by :meth:`with_triplet`.
    """
    samples: Tuple[TrackDataSample, ...]
    num_frames: int
    labels: Tuple[int, ...]
    key_inds: Tuple[int, ...]
    anchor: int = 0
    triplet: Optional[VideoTriplet] = field(default=None)

    ANCHOR = 0  # the anchor's position in a group made by layout()

    @staticmethod
    def layout(anchor: int, same: Sequence[int],
               others: Sequence[Sequence[int]]) -> List[int]:
        """A group's dataset indices in batch order: ``anchor``, the other
        videos of its class (``same``), then each other class's videos."""
        return [int(anchor)] + [int(v) for v in same] + [
            int(v) for videos in others for v in videos
        ]

    @classmethod
    def from_samples(cls, samples: Sequence[TrackDataSample],
                     num_frames: int) -> 'VideoGroup':
        """The group of a batch: ``samples`` one per video, T frames
        each."""
        labels, keys = [], []
        for i, s in enumerate(samples):
            if len(s.video_data_samples) != num_frames:
                raise ValueError(
                    f'video {i} of the batch has '
                    f'{len(s.video_data_samples)} frames, the batch '
                    f'{num_frames}')
            labels.append(int(s.metainfo.get('video_label', -1)))
            keys.append(int(s.metainfo['key_frames_inds'][0]))
        return cls(tuple(samples), int(num_frames), tuple(labels),
                   tuple(keys), anchor=cls.ANCHOR)

    @property
    def num_videos(self) -> int:
        return len(self.samples)

    def frame(self, video: int, t: int) -> int:
        """Flat index of frame ``t`` of ``video``."""
        if not (0 <= video < self.num_videos and 0 <= t < self.num_frames):
            raise IndexError(f'frame ({video}, {t}) outside a group of '
                             f'{self.num_videos} x {self.num_frames}')
        return video * self.num_frames + t

    def video_of(self, flat: int) -> int:
        """The video of the flat frame index ``flat``."""
        return flat // self.num_frames

    @property
    def key_frames(self) -> List[int]:
        """Flat indices of the videos' key frames (one per video)."""
        return [self.frame(v, k) for v, k in enumerate(self.key_inds)]

    @property
    def all_frames(self) -> List[int]:
        return list(range(self.num_videos * self.num_frames))

    @property
    def frame_samples(self) -> List[DetDataSample]:
        """Every frame's sample, video-major (the flat order)."""
        return [f for s in self.samples for f in s.video_data_samples]

    def video_frames(self, video: int) -> List[int]:
        """Flat indices of ``video``'s frames."""
        return [self.frame(video, t) for t in range(self.num_frames)]

    def with_triplet(self, positive: int, negative: int) -> 'VideoGroup':
        """This group with its video triplet (anchor: :attr:`anchor`)."""
        if self.labels[positive] != self.labels[self.anchor] or \
                self.labels[negative] == self.labels[self.anchor] or \
                positive == self.anchor:
            raise ValueError(
                f'({self.anchor}, {positive}, {negative}) is not a video '
                f'triplet of labels {list(self.labels)}')
        return VideoGroup(self.samples, self.num_frames, self.labels,
                          self.key_inds, self.anchor,
                          VideoTriplet(self.anchor, positive, negative))

    def triplet_group(self) -> 'VideoGroup':
        """The group of the triplet's three videos only (anchor,
        positive, negative, in that order), roles kept."""
        if self.triplet is None:
            raise ValueError('the group has no video triplet yet')
        keep = self.triplet.as_list()
        return VideoGroup(
            tuple(self.samples[v] for v in keep), self.num_frames,
            tuple(self.labels[v] for v in keep),
            tuple(self.key_inds[v] for v in keep), 0, VideoTriplet(0, 1, 2))

    def roles(self) -> List[str]:
        """Each video's role: ``'anchor'``, ``'positive'``, ``'negative'``
        (with a triplet), ``'same'`` (the anchor's class) or ``'other'``."""
        out = []
        for v, label in enumerate(self.labels):
            if v == self.anchor:
                out.append('anchor')
            elif self.triplet is not None and v == self.triplet.positive:
                out.append('positive')
            elif self.triplet is not None and v == self.triplet.negative:
                out.append('negative')
            elif label == self.labels[self.anchor]:
                out.append('same')
            else:
                out.append('other')
        return out

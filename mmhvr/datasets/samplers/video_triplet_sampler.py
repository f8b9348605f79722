"""Training groups for HVR-Net's multi-level triplet selection."""
import math
from collections import defaultdict
from typing import Dict, Iterator, List, Optional, Sequence

import numpy as np
from mmengine.dist import get_dist_info, sync_random_seed
from torch.utils.data import Sampler

from mmhvr.models.video.video_group import VideoGroup
from mmhvr.registry import DATA_SAMPLERS


def dataset_video_labels(dataset) -> List[int]:
    """One class per dataset item (-1: no class) of a video dataset, an
    mmengine ``ConcatDataset`` / ``RepeatDataset`` of them, or any dataset
    whose ``get_data_info(i)`` holds ``video_label``."""
    labels = getattr(dataset, 'video_labels', None)
    if labels is not None:
        return [int(v) for v in labels]
    if hasattr(dataset, 'datasets'):  # ConcatDataset
        return [v for d in dataset.datasets for v in dataset_video_labels(d)]
    if hasattr(dataset, 'times') and hasattr(dataset, 'dataset'):  # Repeat
        return dataset_video_labels(dataset.dataset) * dataset.times
    if hasattr(dataset, 'get_data_info'):
        return [
            int(dataset.get_data_info(i).get('video_label', -1))
            for i in range(len(dataset))
        ]
    raise TypeError(f'{type(dataset).__name__} has no `video_labels`: '
                    'VideoTripletSampler needs one class per video')


@DATA_SAMPLERS.register_module()
class VideoTripletSampler(Sampler):
    """A batch sampler whose batches are groups of videos.

    A group is a list of G = ``num_same * (1 + num_other_classes)`` dataset
    indices laid out by :meth:`VideoGroup.layout` (the one definition of
    the roles' positions, which the detector reads back with
    :meth:`VideoGroup.from_samples`): the anchor video, ``num_same - 1``
    more videos of its class, then ``num_same`` videos of each of
    ``num_other_classes`` other classes (authors: 3 and 2, so 9 videos),
    without duplicates. A video's class is
    the dataset's ``video_labels`` (videos labelled -1 are never used).

    An epoch makes every video of a class with at least ``num_same`` videos
    the anchor once (a class with fewer videos can be neither the anchor
    class nor an other class of a group). The groups of an epoch are drawn
    and shuffled with ``seed + epoch``, padded (or, with ``drop_last``,
    truncated) to a multiple of the world size and dealt to ranks as
    ``groups[rank::world_size]``, so ranks never share a group.

    Built by mmengine's runner as ``train_dataloader.batch_sampler``
    (``default_args=dict(sampler=sampler, batch_size=batch_size)``): only
    the wrapped sampler's ``dataset`` is used, and ``batch_size`` must equal
    G. The epoch is the larger of :meth:`set_epoch`'s and the wrapped
    sampler's (mmengine's loops call ``set_epoch`` on the latter).

    Resuming: :meth:`state_dict` / :meth:`load_state_dict` hold
    ``seed``, ``epoch`` and ``start_iter``; ``start_iter = n`` (or
    :meth:`skip` ``(n)``) makes the next iteration skip the first ``n``
    groups of its epoch once. A run resumed at global iteration ``i`` of an
    iteration-based loop sees the groups an uninterrupted run would have
    seen with ``load_state_dict(dict(epoch=i // len(sampler),
    start_iter=i % len(sampler)))`` (and the same seed), called before the
    dataloader is iterated and instead of mmengine's fast-forward (which
    loads every skipped batch).

    Args:
        sampler: the dataloader's sampler (``sampler.dataset`` is used) or
            the dataset itself.
        batch_size (int, optional): must equal G when given.
        num_same (int): N, videos of the anchor class and of each other
            class per group. Defaults to 3.
        num_other_classes (int): K, other classes per group. Defaults to 2.
        seed (int, optional): None: a seed shared by all ranks
            (``sync_random_seed``).
        drop_last (bool): drop the groups that do not fill the last round
            of ranks instead of repeating groups. Defaults to False.
    """

    def __init__(self,
                 sampler,
                 batch_size: Optional[int] = None,
                 num_same: int = 3,
                 num_other_classes: int = 2,
                 seed: Optional[int] = None,
                 drop_last: bool = False) -> None:
        if num_same < 1 or num_other_classes < 0:
            raise ValueError('num_same must be >= 1 and num_other_classes '
                             f'>= 0, got {num_same}, {num_other_classes}')
        dataset = getattr(sampler, 'dataset', sampler)
        self.sampler = sampler
        self.dataset = dataset
        self.num_same = num_same
        self.num_other_classes = num_other_classes
        self.group_size = num_same * (1 + num_other_classes)
        if batch_size is not None and batch_size != self.group_size:
            raise ValueError(
                f'VideoTripletSampler yields groups of {self.group_size} '
                f'videos (num_same={num_same} x (1 + num_other_classes='
                f'{num_other_classes})); set train_dataloader.batch_size='
                f'{self.group_size}, got {batch_size}')
        self.drop_last = drop_last
        self.rank, self.world_size = get_dist_info()
        self.seed = sync_random_seed() if seed is None else int(seed)
        self.epoch = 0
        self._epoch_offset = 0
        self._skip = 0

        by_class: Dict[int, List[int]] = defaultdict(list)
        for index, label in enumerate(dataset_video_labels(dataset)):
            if label >= 0:
                by_class[int(label)].append(index)
        self.by_class = dict(sorted(by_class.items()))
        counts = {self._name(c): len(v) for c, v in self.by_class.items()}
        self.anchor_classes = [
            c for c, v in self.by_class.items() if len(v) >= num_same
        ]
        small = {self._name(c): len(v) for c, v in self.by_class.items()
                 if len(v) < num_same}
        if len(self.by_class) < num_other_classes + 1:
            raise ValueError(
                f'a group needs videos of {num_other_classes + 1} classes '
                f'(anchor + num_other_classes={num_other_classes}); the '
                f'dataset has videos of {len(self.by_class)} classes '
                f'(videos per class: {counts})')
        if len(self.anchor_classes) < num_other_classes + 1:
            raise ValueError(
                f'a group needs {num_other_classes + 1} classes with at least '
                f'num_same={num_same} videos each; only '
                f'{len(self.anchor_classes)} have that (videos per class: '
                f'{counts}; too few: {small})')
        self.num_groups = sum(
            len(self.by_class[c]) for c in self.anchor_classes)
        if drop_last:
            self.groups_per_rank = self.num_groups // self.world_size
            if self.groups_per_rank == 0:
                raise ValueError(
                    f'{self.num_groups} groups per epoch cannot feed '
                    f'{self.world_size} ranks with drop_last=True')
        else:
            self.groups_per_rank = math.ceil(self.num_groups /
                                             self.world_size)

    def _name(self, label: int) -> str:
        classes = (getattr(self.dataset, 'metainfo', None) or {}).get(
            'classes')
        return classes[label] if classes and 0 <= label < len(classes) \
            else str(label)

    def all_groups(self, epoch: int) -> List[List[int]]:
        """Every group of an epoch (all ranks), in the shuffled order all
        ranks agree on, before padding."""
        rng = np.random.default_rng(self.seed + epoch)
        groups = []
        for cls in self.anchor_classes:
            others = [c for c in self.anchor_classes if c != cls]
            for anchor in self.by_class[cls]:
                same = [v for v in self.by_class[cls] if v != anchor]
                same = rng.choice(same, self.num_same - 1, replace=False)
                other = [
                    rng.choice(self.by_class[int(c)], self.num_same,
                               replace=False)
                    for c in rng.choice(others, self.num_other_classes,
                                        replace=False)
                ]
                groups.append(VideoGroup.layout(anchor, same, other))
        order = rng.permutation(len(groups))
        return [groups[i] for i in order]

    def groups(self, epoch: int) -> List[List[int]]:
        """This rank's groups of an epoch."""
        groups = self.all_groups(epoch)
        total = self.groups_per_rank * self.world_size
        if total > len(groups):  # pad by repeating groups in order
            # (cycling: with fewer groups than ranks every rank still gets
            # groups_per_rank batches, so no rank waits for the others)
            groups = (groups * math.ceil(total / len(groups)))[:total]
        return groups[:total][self.rank::self.world_size]

    def _inner_epoch(self) -> int:
        return int(getattr(self.sampler, 'epoch', 0) or 0)

    def _current_epoch(self) -> int:
        # mmengine's loops call set_epoch on the dataloader's *sampler*;
        # follow it so every epoch draws new groups
        return max(self.epoch, self._inner_epoch()) + self._epoch_offset

    def __iter__(self) -> Iterator[List[int]]:
        groups = self.groups(self._current_epoch())[self._skip:]
        self._skip = 0
        yield from groups

    def __len__(self) -> int:
        """Groups (batches) per rank and epoch."""
        return self.groups_per_rank

    def set_epoch(self, epoch: int) -> None:
        """Set the epoch (the groups are drawn with ``seed + epoch``)."""
        self.epoch = epoch

    def skip(self, num_groups: int) -> None:
        """Skip the first ``num_groups`` groups of the next iteration."""
        if num_groups < 0:
            raise ValueError(f'cannot skip {num_groups} groups')
        self._skip = int(num_groups)

    def state_dict(self) -> dict:
        """``seed``, ``epoch`` and the pending ``start_iter``."""
        return dict(seed=self.seed, epoch=self._current_epoch(),
                    start_iter=self._skip)

    def load_state_dict(self, state: dict) -> None:
        """Restore :meth:`state_dict`: the next iteration is epoch
        ``epoch`` without its first ``start_iter`` groups, and later epochs
        follow as the wrapped sampler's epoch advances (mmengine's
        iteration loop restarts that count at 0 on resume)."""
        if 'seed' in state:
            self.seed = int(state['seed'])
        self.epoch = 0
        self._epoch_offset = int(state.get('epoch', 0)) - self._inner_epoch()
        self.skip(int(state.get('start_iter', 0)))

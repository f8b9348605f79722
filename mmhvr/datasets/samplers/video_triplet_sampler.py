"""Training groups for HVR-Net's multi-level triplet selection."""
import math
from collections import defaultdict
from typing import Iterator, List, Optional

import numpy as np
from mmengine.dist import get_dist_info, sync_random_seed
from torch.utils.data import Sampler

from mmhvr.registry import DATA_SAMPLERS


@DATA_SAMPLERS.register_module()
class VideoTripletSampler(Sampler):
    """A batch sampler whose batches are groups of videos.

    A group is the anchor video, ``num_same - 1`` more videos of its class,
    and ``num_same`` videos of each of ``num_other_classes`` other classes
    (authors: 3 and 2, so 9 videos). An epoch makes every video of a class
    with at least ``num_same`` videos the anchor once; groups are shuffled
    with ``seed + epoch`` and dealt to ranks without overlap.

    Built by mmengine's runner as ``train_dataloader.batch_sampler`` with the
    dataloader's ``sampler`` (only its ``dataset`` is used) and
    ``batch_size`` (must equal the group size). The dataset must expose
    ``video_labels`` (one class per item, -1 = no box).

    The epoch is the larger of ``set_epoch``'s and the wrapped sampler's
    (mmengine's loops call ``set_epoch`` on the latter).
    Resuming: ``set_epoch`` and ``skip(n)`` (the first n groups of the
    current epoch are skipped once) let a resumed run see the groups an
    uninterrupted run would have seen.
    """

    def __init__(self,
                 sampler,
                 batch_size: Optional[int] = None,
                 num_same: int = 3,
                 num_other_classes: int = 2,
                 seed: Optional[int] = None) -> None:
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
        self.rank, self.world_size = get_dist_info()
        self.seed = sync_random_seed() if seed is None else seed
        self.epoch = 0
        self._skip = 0

        by_class = defaultdict(list)
        for index, label in enumerate(dataset.video_labels):
            if label >= 0:
                by_class[int(label)].append(index)
        self.by_class = dict(sorted(by_class.items()))
        counts = {self._name(c): len(v) for c, v in self.by_class.items()}
        self.anchor_classes = [
            c for c, v in self.by_class.items() if len(v) >= num_same
        ]
        if len(self.by_class) < num_other_classes + 1:
            raise ValueError(
                f'a group needs videos of {num_other_classes + 1} classes; '
                f'the dataset has videos of {len(self.by_class)}: {counts}')
        if len(self.anchor_classes) < num_other_classes + 1:
            raise ValueError(
                f'a group needs {num_other_classes + 1} classes with at least '
                f'{num_same} videos each; videos per class: {counts}')
        self.num_groups = sum(
            len(self.by_class[c]) for c in self.anchor_classes)
        self.groups_per_rank = math.ceil(self.num_groups / self.world_size)

    def _name(self, label: int) -> str:
        classes = getattr(self.dataset, 'metainfo', {}).get('classes')
        return classes[label] if classes and label < len(classes) \
            else str(label)

    def groups(self, epoch: int) -> List[List[int]]:
        """Every group of an epoch, in the order all ranks agree on."""
        rng = np.random.default_rng(self.seed + epoch)
        groups = []
        for cls in self.anchor_classes:
            others = [c for c in self.anchor_classes if c != cls]
            for anchor in self.by_class[cls]:
                same = [v for v in self.by_class[cls] if v != anchor]
                group = [anchor] + list(
                    rng.choice(same, self.num_same - 1, replace=False))
                for other in rng.choice(others, self.num_other_classes,
                                        replace=False):
                    group += list(
                        rng.choice(self.by_class[int(other)], self.num_same,
                                   replace=False))
                groups.append([int(v) for v in group])
        order = rng.permutation(len(groups))
        groups = [groups[i] for i in order]
        padded = groups + groups[:self.groups_per_rank * self.world_size -
                                 len(groups)]
        return padded[self.rank::self.world_size]

    def __iter__(self) -> Iterator[List[int]]:
        # mmengine's loops call set_epoch on the dataloader's *sampler*;
        # follow its epoch so every epoch draws new groups
        epoch = max(self.epoch, getattr(self.sampler, 'epoch', 0))
        groups = self.groups(epoch)[self._skip:]
        self._skip = 0
        yield from groups

    def __len__(self) -> int:
        return self.groups_per_rank

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def skip(self, num_groups: int) -> None:
        """Skip the first ``num_groups`` groups of the next iteration."""
        self._skip = num_groups

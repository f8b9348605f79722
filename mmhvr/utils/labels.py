from collections import Counter
from typing import Iterable


def majority_label(labels: Iterable[int]) -> int:
    """The most frequent label (ties: the smallest, so the choice is
    deterministic); -1 for no label. A video's class in mmhvr."""
    counts = Counter(labels)
    return min(counts, key=lambda c: (-counts[c], c)) if counts else -1

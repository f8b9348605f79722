"""Read mmengine's ``vis_data/scalars.json`` and plot or summarise it
(``tools/analysis_tools/analyze_logs.py`` and the quick start's report)."""
import json
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np


def load_scalars(path: str) -> Dict[str, List[dict]]:
    """Split an mmengine ``scalars.json`` (one JSON object per line) into
    ``train`` records (logged iterations: they carry ``lr``) and ``val``
    records (one per evaluation: its metrics and ``step``).

    A ``.log.json``-style file of mmdet 2.x (``mode`` per line) is read too.
    Raises ``ValueError`` naming the file and line for a line that is not
    JSON, and ``FileNotFoundError`` for a missing file.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: no such log (expected the '
                                'vis_data/scalars.json of a work dir)')
    out = dict(train=[], val=[])
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as e:
                raise ValueError(f'{path}:{n}: not a JSON line ({e})') from e
            if not isinstance(rec, dict):
                raise ValueError(f'{path}:{n}: not a JSON object')
            mode = rec.get('mode')
            if mode is None:
                mode = 'train' if 'lr' in rec else 'val'
            out['train' if mode == 'train' else 'val'].append(rec)
    if not out['train'] and not out['val']:
        raise ValueError(f'{path}: no records')
    return out


def series(log: Dict[str, List[dict]], key: str):
    """``(steps, values)`` of ``key`` from the train records, or from the
    val records when training never logged it; null values are skipped.
    Raises ``KeyError`` listing the keys that exist."""
    for mode in ('train', 'val'):
        recs = [r for r in log[mode] if r.get(key) is not None]
        if recs:
            steps = [r.get('step', r.get('iter', i + 1))
                     for i, r in enumerate(recs)]
            return np.asarray(steps), np.asarray([float(r[key])
                                                  for r in recs])
    known = sorted({k for mode in ('train', 'val') for r in log[mode]
                    for k in r if k not in ('step', 'iter', 'mode')})
    raise KeyError(f'{key!r} is not in the log; it has: {", ".join(known)}')


def loss_keys(log: Dict[str, List[dict]]) -> List[str]:
    """Every ``loss*`` key of the train records, ``loss`` first."""
    keys = sorted({k for r in log['train'] for k in r
                   if k.startswith('loss')})
    return sorted(keys, key=lambda k: (k != 'loss', k))


def train_time_stats(log: Dict[str, List[dict]]) -> Optional[dict]:
    """Per-iteration time of the logged iterations (``time``, the mean over
    each logging interval): slowest/fastest step, mean, std; None if the
    log has no ``time``. Like mmdet's ``cal_train_time``."""
    recs = [r for r in log['train'] if r.get('time') is not None]
    if not recs:
        return None
    times = np.asarray([float(r['time']) for r in recs])
    steps = [r.get('step', r.get('iter', i + 1)) for i, r in enumerate(recs)]
    return dict(slowest_step=steps[int(times.argmax())],
                slowest=float(times.max()),
                fastest_step=steps[int(times.argmin())],
                fastest=float(times.min()),
                mean=float(times.mean()), std=float(times.std()),
                num_records=len(times))


def plot_curves(ax, logs: Sequence[Dict[str, List[dict]]],
                keys: Sequence[str], legends: Sequence[str],
                xlabel: str = 'iteration') -> None:
    """Plot ``key`` of every log on the matplotlib axes ``ax``."""
    for log, legend in zip(logs, legends):
        for key in keys:
            steps, values = series(log, key)
            label = f'{legend} {key}' if legend else key
            style = '-' if len(values) > 1 else 'o'
            ax.plot(steps, values, style, label=label, linewidth=1)
    ax.set_xlabel(xlabel)
    ax.legend(fontsize='small')

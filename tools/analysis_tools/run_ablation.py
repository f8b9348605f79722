"""Train and test named configs for several seeds; summarise mean ± std
over seeds and paired (same-seed) differences against control configs.

    python tools/analysis_tools/run_ablation.py CONFIG [CONFIG ...] \\
        --seeds 0 1 2 --work-dir work_dirs/ablation \\
        [--control CONFIG[:TEST] ...] [--data-root DIR] \\
        [--confusable CLASS ...] [--cfg-options KEY=VALUE ...]

A config may carry an ``ablation`` dict (read here only; see
``configs/hvrnet/ablation/`` and docs/tools.md):

* ``init_from``: a config trained first, for each seed, whose last
  checkpoint becomes this config's ``load_from``;
* ``tests``: test name -> ``--cfg-options`` of ``tools/test.py`` (default:
  one test, ``test``, as configured);
* ``support_bank``: ``dict(test=NAME, per_class=N)`` also tests ``NAME``
  with a cross-video bank built from the training videos
  (``build_support_bank.py``, test ``NAME_bank``) and runs
  ``relation_retrieval.py`` over that bank.

Each run lives in ``WORK_DIR/seed<N>/<config name>/`` with its resolved
training config (``config.py``, stamped as ``config_resolved.json``): a
finished run is reused, an interrupted one resumed, and a run folder made
with another resolved config is refused. Writes ``WORK_DIR/ablation.json``
and ``WORK_DIR/ablation.md`` after every seed, and a progress line per run
to the console and ``WORK_DIR/progress.log``.
"""
import argparse
import json
import os
import os.path as osp
import pickle
import subprocess
import sys
import time
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)

DEFAULT_TESTS = {'test': {}}
STAMP = 'config_resolved.json'


class AblationError(Exception):
    """Bad input or a failed step: reported as one ``error:`` line."""


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('configs', nargs='+', help='the configs to run')
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--work-dir', required=True)
    parser.add_argument(
        '--control', nargs='+', default=[], metavar='CONFIG[:TEST]',
        help='paired differences of every other run against this config '
        '(its test of the same name, or TEST)')
    parser.add_argument(
        '--data-root', default=None,
        help='data_root of the train/val/test datasets of every config')
    parser.add_argument(
        '--confusable', nargs='+', default=[],
        help='classes whose mean AP and swap rate get their own columns')
    parser.add_argument(
        '--cfg-options', nargs='+', default=[], metavar='KEY=VALUE',
        help='overrides for every config (e.g. train_cfg.max_iters=2)')
    return parser.parse_args(argv)


def parse_options(items: Sequence[str]) -> dict:
    """``KEY=VALUE`` strings as mmengine's ``DictAction`` reads them."""
    from mmengine.config import DictAction
    options: dict = {}
    for item in items:
        if '=' not in item:
            raise AblationError(f'--cfg-options {item}: expected KEY=VALUE')
        key, value = item.split('=', 1)
        options[key] = DictAction._parse_iterable(value)
    return options


def config_name(path: str) -> str:
    """A run's name: its config's file name without ``.py``."""
    return osp.splitext(osp.basename(path))[0]


def resolve_path(path: str) -> str:
    """A config path as given, or relative to the repository root."""
    if osp.isfile(path):
        return osp.abspath(path)
    if osp.isfile(osp.join(ROOT, path)):
        return osp.join(ROOT, path)
    raise AblationError(f'config {path} does not exist')


def load_config(path: str):
    from mmengine.config import Config
    try:
        return Config.fromfile(path)
    except Exception as e:  # a config's own error, named with its file
        raise AblationError(f'config {path}: {type(e).__name__}: {e}')


def plan_runs(configs: Sequence[str]) -> 'OrderedDict[str, dict]':
    """Every run of one seed in training order (a config's ``init_from``
    before it): name -> ``dict(path, init, tests, support_bank)``.

    Raises ``AblationError`` for a missing config, two configs of one name
    or an ``init_from`` cycle.
    """
    runs: 'OrderedDict[str, dict]' = OrderedDict()

    def add(path: str, chain: Tuple[str, ...]) -> str:
        path = resolve_path(path)
        name = config_name(path)
        if name in chain:
            raise AblationError(
                f'config {path}: init_from cycle {" -> ".join(chain)}')
        if name in runs:
            if runs[name]['path'] != path:
                raise AblationError(
                    f'two configs are named {name}: {runs[name]["path"]} '
                    f'and {path}')
            return name
        meta = dict(load_config(path).get('ablation') or {})
        init = None
        if meta.get('init_from'):
            init = add(meta['init_from'], chain + (name, ))
        tests = dict(meta.get('tests') or DEFAULT_TESTS)
        bank = meta.get('support_bank')
        if bank and bank.get('test') not in tests:
            raise AblationError(
                f'config {path}: ablation.support_bank.test '
                f'{bank.get("test")!r} is not one of its tests {list(tests)}')
        runs[name] = dict(path=path, init=init, tests=tests,
                          support_bank=dict(bank) if bank else None)
        return name

    for path in configs:
        add(path, ())
    return runs


def data_root_options(data_root: Optional[str]) -> dict:
    if data_root is None:
        return {}
    root = osp.abspath(data_root).rstrip('/') + '/'
    return {f'{k}.dataset.data_root': root
            for k in ('train_dataloader', 'val_dataloader', 'test_dataloader')}


def training_config(path: str, seed: int, options: dict,
                    load_from: Optional[str] = None):
    """The config one run trains: ``path`` with ``options``, the seed and
    the init checkpoint, without the ``ablation`` dict and without
    validation during training (each run is tested after it)."""
    from mmengine.config import Config
    cfg = load_config(path)
    try:
        cfg.merge_from_dict(options)
    except Exception as e:  # e.g. a key through a list or a non-dict
        raise AblationError(f'--cfg-options on config {path}: '
                            f'{type(e).__name__}: {e}')
    cfg.merge_from_dict({'randomness.seed': seed})
    data = cfg.to_dict()
    data.pop('ablation', None)
    data.update(val_dataloader=None, val_cfg=None, val_evaluator=None)
    if load_from is not None:
        data['load_from'] = load_from
    return Config(data, filename=path)


def stamp_text(cfg) -> str:
    return json.dumps(cfg.to_dict(), sort_keys=True, default=str, indent=1)


def check_stamp(run_dir: str, cfg) -> None:
    """Stamp ``run_dir`` with ``cfg`` or refuse it when it was made with
    another config (or before runs were stamped)."""
    stamp = osp.join(run_dir, STAMP)
    text = stamp_text(cfg)
    if osp.exists(stamp):
        with open(stamp) as f:
            if f.read() != text:
                raise AblationError(
                    f'{run_dir} was trained with another config than this '
                    f'run asks for (see {stamp}); delete the folder or use '
                    'another --work-dir')
        return
    if osp.exists(osp.join(run_dir, 'last_checkpoint')):
        raise AblationError(
            f'{run_dir} holds a run without {STAMP}: its config cannot be '
            'checked; delete the folder or use another --work-dir')
    os.makedirs(run_dir, exist_ok=True)
    with open(stamp, 'w') as f:
        f.write(text)


def test_ann_file(cfg) -> Tuple[str, Optional[List[str]]]:
    """The test set's annotation file and class names of ``cfg``."""
    ds = cfg.test_dataloader.dataset
    ann = ds.ann_file
    if not osp.isabs(ann) and ds.get('data_root'):
        ann = osp.join(ds.data_root, ann)
    if not osp.isabs(ann):
        ann = osp.join(ROOT, ann)
    classes = (ds.get('metainfo') or {}).get('classes')
    return ann, list(classes) if classes else None


def score(dets_file: str, ann_file: str,
          classes: Optional[Sequence[str]]) -> dict:
    """mAP, per-class AP and the confusion of dumped detections."""
    from mmhvr.evaluation import (eval_vid_confusion, eval_vid_map,
                                  load_cocovid_gt, match_dumped_detections)
    with open(dets_file, 'rb') as f:
        dets = pickle.load(f)
    classes, gt = load_cocovid_gt(ann_file, classes=classes)
    det_results, annotations = match_dumped_detections(dets, gt, dets_file)
    ap = eval_vid_map(det_results, annotations, num_classes=len(classes))
    conf = eval_vid_confusion(det_results, annotations,
                              num_classes=len(classes))
    return dict(
        mAP=float(ap['mAP']),
        AP=dict(zip(classes, ap['AP'].tolist())),
        double_rate=dict(zip(classes, conf['double_rate'].tolist())),
        matrix=conf['matrix'].tolist(),
        classes=list(classes))


class Ablation:
    """Runs the planned configs of each seed (``run_seed``)."""

    def __init__(self, runs: 'OrderedDict[str, dict]', work_dir: str,
                 options: dict, confusable: Sequence[str]):
        self.runs = runs
        self.work_dir = osp.abspath(work_dir)
        self.options = options
        self.confusable = list(confusable)
        self.py = sys.executable
        self.progress = osp.join(self.work_dir, 'progress.log')
        # seed -> run -> 'all'/'confusable' -> space -> relation_retrieval
        # means
        self.retrievals: Dict[int, Dict[str, dict]] = {}

    def log(self, msg: str) -> None:
        line = f'[{time.strftime("%H:%M:%S")}] {msg}'
        print(line, flush=True)
        with open(self.progress, 'a') as f:
            f.write(line + '\n')

    def call(self, cmd: List[str], log_file: str) -> None:
        """Run a tool from the repository root, its output to
        ``log_file``."""
        env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep +
                   os.environ.get('PYTHONPATH', ''))
        with open(log_file, 'a') as f:
            proc = subprocess.run(cmd, cwd=ROOT, stdout=f,
                                  stderr=subprocess.STDOUT, env=env)
        if proc.returncode != 0:
            raise AblationError(f'{" ".join(cmd)} failed (exit '
                                f'{proc.returncode}); see {log_file}')

    def train(self, run_dir: str, cfg) -> str:
        """Train ``cfg`` in ``run_dir`` to its last iteration (resuming an
        interrupted run); returns the final checkpoint."""
        check_stamp(run_dir, cfg)
        cfg_file = osp.join(run_dir, 'config.py')
        cfg.dump(cfg_file)
        max_iters = cfg.get('train_cfg', {}).get('max_iters')
        final = f'iter_{max_iters}.pth' if max_iters else None
        last = osp.join(run_dir, 'last_checkpoint')
        if final is None or not osp.exists(osp.join(run_dir, final)):
            resume = ['--resume'] if osp.exists(last) else []
            self.call([self.py, 'tools/train.py', cfg_file, '--work-dir',
                       run_dir] + resume, osp.join(run_dir, 'train.log'))
        if not osp.exists(last):
            raise AblationError(f'{run_dir}: training wrote no checkpoint')
        with open(last) as f:
            ckpt = f.read().strip()
        if final is not None and osp.basename(ckpt) != final:
            raise AblationError(f'{run_dir}: training ended at {ckpt}, not '
                                f'{final}')
        return ckpt

    def test(self, run_dir: str, cfg, ckpt: str, name: str,
             overrides: dict) -> dict:
        """Test ``ckpt`` under ``cfg`` with ``overrides``; reuses a stored
        result made with the same overrides."""
        out = osp.join(run_dir, f'test_{name}.json')
        if osp.exists(out):
            with open(out) as f:
                stored = json.load(f)
            if stored.get('overrides') == overrides:
                return stored['result']
        test_cfg = cfg.copy()
        try:
            test_cfg.merge_from_dict(overrides)
        except Exception as e:
            raise AblationError(f'{run_dir} test {name} overrides '
                                f'{overrides}: {type(e).__name__}: {e}')
        cfg_file = osp.join(run_dir, f'config_test_{name}.py')
        test_cfg.dump(cfg_file)
        dets = osp.join(run_dir, f'dets_{name}.pkl')
        self.call([
            self.py, 'tools/test.py', cfg_file, ckpt, '--eval', 'bbox',
            '--out', dets, '--work-dir', osp.join(run_dir, f'test_{name}')
        ], osp.join(run_dir, f'test_{name}.log'))
        try:
            result = score(dets, *test_ann_file(test_cfg))
        except ValueError as e:  # the dump does not fit the annotations
            raise AblationError(f'{run_dir} test {name}: {e}')
        with open(out, 'w') as f:
            json.dump(dict(overrides=overrides, result=result), f, indent=1)
        return result

    def bank_tests(self, seed: int, name: str, run_dir: str, cfg_file: str,
                   cfg, ckpt: str, bank_cfg: dict, tests: dict) -> dict:
        """Build the run's support bank, measure relation_retrieval over it
        and test ``bank_cfg['test']`` with it (as ``<test>_bank``)."""
        bank = osp.join(run_dir, 'bank.pth')
        if not osp.exists(bank):
            self.call([
                self.py, 'tools/analysis_tools/build_support_bank.py',
                cfg_file, ckpt, '--out', bank, '--per-class',
                str(bank_cfg.get('per_class', 64))
            ], osp.join(run_dir, 'bank.log'))
        classes = list(test_ann_file(cfg)[1] or [])
        groups = [('all', classes)] if classes else []
        if self.confusable:
            groups.insert(0, ('confusable', self.confusable))
        found = {}
        for group, which in groups:
            path = osp.join(run_dir, f'retrieval_{group}.json')
            if not osp.exists(path):
                self.call([
                    self.py, 'tools/analysis_tools/relation_retrieval.py',
                    cfg_file, ckpt, '--bank', bank, '--out', path,
                    '--classes'
                ] + list(which), osp.join(run_dir, 'retrieval.log'))
            with open(path) as f:
                res = json.load(f)
            found[group] = {space: res[space]['mean']
                            for space in ('inter_qk', 'features_cosine')}
        self.retrievals.setdefault(seed, {})[name] = found
        test = bank_cfg['test']
        overrides = dict(tests[test])
        overrides['model.test_cfg.support_bank.file'] = bank
        return {f'{test}_bank': self.test(run_dir, cfg, ckpt,
                                          f'{test}_bank', overrides)}

    def run_seed(self, seed: int, done: int, total: int) -> Dict[str, dict]:
        """Every planned run of ``seed``: run -> test -> result."""
        results: Dict[str, dict] = {}
        ckpts: Dict[str, str] = {}
        for name, run in self.runs.items():
            done += 1
            start = time.time()
            self.log(f'[{done}/{total}] seed {seed} {name} ...')
            run_dir = osp.join(self.work_dir, f'seed{seed}', name)
            cfg = training_config(run['path'], seed, self.options,
                                  ckpts[run['init']] if run['init'] else
                                  None)
            ckpt = ckpts[name] = self.train(run_dir, cfg)
            out = {t: self.test(run_dir, cfg, ckpt, t, o)
                   for t, o in run['tests'].items()}
            if run['support_bank']:
                out.update(self.bank_tests(
                    seed, name, run_dir, osp.join(run_dir, 'config.py'), cfg,
                    ckpt, run['support_bank'], run['tests']))
            results[name] = out
            self.log(f'[{done}/{total}] seed {seed} {name} done in '
                     f'{time.time() - start:.0f} s: ' + ', '.join(
                         f'{t} mAP {r["mAP"]:.3f}' for t, r in out.items()))
        return results


# -- summaries ---------------------------------------------------------------
def mean_std(values) -> dict:
    """mean, std (ddof 1; NaN for one value) and the values."""
    values = np.asarray(values, float)
    return dict(mean=float(np.mean(values)),
                std=float(np.std(values, ddof=1))
                if len(values) > 1 else float('nan'),
                values=values.tolist())


def fmt(stat: dict) -> str:
    return f'{stat["mean"]:.3f} ± {stat["std"]:.3f}'


def swap_rate(result: dict, confusable: Sequence[str]) -> float:
    """Share of the confusable classes' ground truths whose best confident
    detection is another confusable class (``eval_vid_confusion``'s
    matrix: row = ground-truth class)."""
    m = np.asarray(result['matrix'])
    idx = [result['classes'].index(c) for c in confusable
           if c in result['classes']]
    n = sum(m[i].sum() for i in idx)
    swapped = sum(m[i, j] for i in idx for j in idx if i != j)
    return float(swapped / max(n, 1))


def summarize(per_seed: Dict[int, dict],
              confusable: Sequence[str]) -> 'OrderedDict[str, dict]':
    """``run/test`` -> mean ± std (ddof 1) over seeds of mAP and per-class
    AP (and, with ``confusable``, their mean AP, double and swap rates)."""
    rows: 'OrderedDict[str, dict]' = OrderedDict()
    keys = []
    for r in per_seed.values():
        for run, tests in r.items():
            for test in tests:
                if (run, test) not in keys:
                    keys.append((run, test))
    for run, test in keys:
        found = [r[run][test] for r in per_seed.values()
                 if test in r.get(run, {})]
        classes = found[0]['classes']
        row = dict(run=run, test=test, seeds=len(found),
                   mAP=mean_std([f['mAP'] for f in found]),
                   AP={c: mean_std([f['AP'][c] for f in found])
                       for c in classes})
        if confusable:
            row.update(
                confusable_AP=mean_std(
                    [np.mean([f['AP'][c] for c in confusable])
                     for f in found]),
                confusable_double_rate=mean_std(
                    [np.mean([f['double_rate'][c] for c in confusable])
                     for f in found]),
                confusable_swap_rate=mean_std(
                    [swap_rate(f, confusable) for f in found]))
        rows[f'{run}/{test}'] = row
    return rows


def paired(per_seed: Dict[int, dict], x: str, y: str,
           confusable: Sequence[str]) -> Optional[dict]:
    """Same-seed differences ``x - y`` (``run/test`` keys) of mAP (and of
    the confusable classes' mean AP), mean ± std over the seeds that have
    both; None when none has."""
    (rx, tx), (ry, ty) = x.rsplit('/', 1), y.rsplit('/', 1)
    maps, confs = [], []
    for r in per_seed.values():
        a, b = r.get(rx, {}).get(tx), r.get(ry, {}).get(ty)
        if a is None or b is None:
            continue
        maps.append(a['mAP'] - b['mAP'])
        if confusable:
            confs.append(np.mean([a['AP'][c] - b['AP'][c]
                                  for c in confusable]))
    if not maps:
        return None
    out = dict(mAP=mean_std(maps))
    if confusable:
        out['confusable_AP'] = mean_std(confs)
    return out


def comparisons(per_seed: Dict[int, dict], summary: dict,
                controls: Sequence[Tuple[str, Optional[str]]],
                confusable: Sequence[str]) -> 'OrderedDict[str, dict]':
    """Every other ``run/test`` minus each control: its test of the same
    name, or the one the control names."""
    out: 'OrderedDict[str, dict]' = OrderedDict()
    for crun, ctest in controls:
        for key, row in summary.items():
            if row['run'] == crun:
                continue
            y = f'{crun}/{ctest or row["test"]}'
            diff = paired(per_seed, key, y, confusable)
            if diff is not None:
                out[f'{key} - {y}'] = diff
    return out


def summarize_retrieval(retrievals: Dict[int, Dict[str, dict]]) -> dict:
    """run -> classes ('confusable'/'all') -> figure -> mean ± std over
    seeds of the relation_retrieval means."""
    figures = dict(relation_top1=('inter_qk', 'top1'),
                   relation_mass=('inter_qk', 'mass'),
                   chance=('inter_qk', 'chance'),
                   features_top1=('features_cosine', 'top1'))
    out: dict = OrderedDict()
    for per_run in retrievals.values():
        for run, groups in per_run.items():
            out.setdefault(run, OrderedDict())
            for group in groups:
                out[run].setdefault(group, None)
    for run, groups in out.items():
        for group in groups:
            seeds = [r[run][group] for r in retrievals.values()
                     if group in r.get(run, {})]
            groups[group] = {
                fig: mean_std([s[space][key] for s in seeds])
                for fig, (space, key) in figures.items()}
    return out


def markdown(summary: dict, diffs: dict, retrieval: dict, seeds: List[int],
             confusable: Sequence[str]) -> str:
    """The summary, the paired differences and the retrieval figures as
    markdown tables."""
    classes = list(next(iter(summary.values()))['AP']) if summary else []
    extra = ['confusable AP', 'confusable double rate',
             'confusable swap rate'] if confusable else []
    head = ['run', 'test', 'seeds', 'mAP'] + [f'AP {c}' for c in classes] \
        + extra
    lines = [
        f'Seeds {seeds}; mean ± std (ddof 1) over seeds.' +
        (f' Confusable classes: {", ".join(confusable)}.'
         if confusable else ''), '',
        '| ' + ' | '.join(head) + ' |', '|---' * len(head) + '|']
    for row in summary.values():
        cells = [row['run'], row['test'], str(row['seeds']),
                 fmt(row['mAP'])] + [fmt(row['AP'][c]) for c in classes]
        if confusable:
            cells += [fmt(row['confusable_AP']),
                      fmt(row['confusable_double_rate']),
                      fmt(row['confusable_swap_rate'])]
        lines.append('| ' + ' | '.join(cells) + ' |')
    if diffs:
        cols = ['comparison', 'mAP'] + (['confusable AP'] if confusable
                                        else [])
        lines += ['', 'Paired differences (same seed), mean ± std over '
                  'seeds:', '', '| ' + ' | '.join(cols) + ' |',
                  '|---' * len(cols) + '|']
        for name, d in diffs.items():
            cells = [name, fmt(d['mAP'])] + (
                [fmt(d['confusable_AP'])] if confusable else [])
            lines.append('| ' + ' | '.join(cells) + ' |')
    if retrieval:
        lines += [
            '', 'Does the inter relation attend to the query\'s class? '
            '(relation_retrieval.py over each run\'s support bank; chance = '
            'what uniform attention gives)', '',
            '| run | classes | relation top-1 | relation attention on own '
            'class | chance | feature cosine top-1 |',
            '|---|---|---|---|---|---|']
        for run, groups in retrieval.items():
            for group, r in groups.items():
                lines.append(
                    f'| {run} | {group} | {fmt(r["relation_top1"])} | '
                    f'{fmt(r["relation_mass"])} | {fmt(r["chance"])} | '
                    f'{fmt(r["features_top1"])} |')
    return '\n'.join(lines) + '\n'


def write_report(ab: Ablation, per_seed: Dict[int, dict],
                 controls: Sequence[Tuple[str, Optional[str]]]) -> None:
    summary = summarize(per_seed, ab.confusable)
    diffs = comparisons(per_seed, summary, controls, ab.confusable)
    retrieval = summarize_retrieval(ab.retrievals)
    report = dict(
        seeds=list(per_seed),
        configs={n: osp.relpath(r['path'], ROOT) for n, r in ab.runs.items()},
        controls=[f'{r}:{t}' if t else r for r, t in controls],
        confusable=ab.confusable, options=ab.options, per_seed=per_seed,
        summary=summary, comparisons=diffs, retrieval=retrieval)
    with open(osp.join(ab.work_dir, 'ablation.json'), 'w') as f:
        json.dump(report, f, indent=1)
    with open(osp.join(ab.work_dir, 'ablation.md'), 'w') as f:
        f.write(markdown(summary, diffs, retrieval, list(per_seed),
                         ab.confusable))


def parse_controls(specs: Sequence[str],
                   runs: 'OrderedDict[str, dict]'
                   ) -> List[Tuple[str, Optional[str]]]:
    """``CONFIG[:TEST]`` -> (run name, test or None), checked against the
    planned runs."""
    out = []
    for spec in specs:
        path, _, test = spec.partition(':')
        name = config_name(path)
        if name not in runs:
            raise AblationError(f'--control {spec}: {name} is not one of the '
                                f'runs {list(runs)}')
        if test and test not in runs[name]['tests']:
            raise AblationError(
                f'--control {spec}: {name} has no test {test!r} (it has '
                f'{list(runs[name]["tests"])})')
        out.append((name, test or None))
    return out


def prepare(args) -> Tuple[Ablation, List[Tuple[str, Optional[str]]]]:
    """Every check that needs no training, before any work: the work dir
    takes files, the configs load, the controls are runs, the test sets'
    annotation files exist."""
    from mmhvr.apis.outputs import check_writable
    try:
        check_writable(osp.join(args.work_dir, 'ablation.json'),
                       '--work-dir')
    except ValueError as e:
        raise AblationError(str(e))
    options = parse_options(args.cfg_options)
    options.update(data_root_options(args.data_root))
    runs = plan_runs(args.configs)
    controls = parse_controls(args.control, runs)
    for run in runs.values():
        ann, _ = test_ann_file(training_config(run['path'], 0, options))
        if not osp.isfile(ann):
            raise AblationError(f'config {run["path"]}: test annotation '
                                f'file {ann} does not exist')
    return Ablation(runs, args.work_dir, options, args.confusable), controls


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        ab, controls = prepare(args)
        total = len(args.seeds) * len(ab.runs)
        ab.log(f'ablation: seeds {args.seeds}, {len(ab.runs)} configs, '
               f'{total} runs; logs under {ab.work_dir}')
        per_seed: Dict[int, dict] = {}
        for k, seed in enumerate(args.seeds):
            per_seed[seed] = ab.run_seed(seed, k * len(ab.runs), total)
            write_report(ab, per_seed, controls)
    except AblationError as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    ab.log(f'done: {osp.join(ab.work_dir, "ablation.md")}')
    return 0


if __name__ == '__main__':
    sys.exit(main())

"""Seeded ablation of HVR-Net's inter-video level on the toy VID set.

For every seed: stage 1, then from the same stage-1 weights

* ``a``: stage 1 continued for the stage-2 iterations (same schedule as
  stage 2): the intra-only control of the same length;
* ``b``: stage 2 with lambda = 0 (inter relation + head B, no relation loss);
* ``c``: stage 2 as configured (the full model);
* ``d``: ``c``'s weights tested with a cross-video support bank
  (``build_support_bank.py`` on the training videos);
* ``e``: stage 2 with the relation loss on the relation's output,
  L2-normalised (mmhvr's first variant), lambda as configured;
* ``f``: ``c`` with the authors' form of the inter-video relation (one
  head, the support rows as values, no output projection, ReLU after the
  residual);
* ``g``: stage 2 with the relation loss's gradient reaching the shared
  features (``triplet_to_features=True``, the metric learning shaping
  them) at lambda = 1 (lambda = 10 collapsed the toy model that way);
* ``h``: ``c`` with the inter-video relation starting as a copy of the
  trained intra(2) relation (``FinalHeadFromIntraHook(inter_from_intra=
  True)``) instead of its untrained weights; also tested with the
  cross-video bank (head ``B_bank``);
* ``j``: ``c`` with the relation loss's gradient reaching the shared
  features at the configured lambda (the authors' gradient path; bounded
  now that the loss is on normalised embeddings);
* ``k``: ``c`` with the inter-video relation and head B learning 10x
  faster (``paramwise_cfg`` lr_mult): in ``c`` the relation's value/output
  projections start at std 0.01 and barely move in stage 2, so head B
  sees head A's input; also tested with the cross-video bank;
* ``l``: ``j`` and ``k`` together; also tested with the cross-video bank;
* ``m``: ``c`` with batch-all mining (``triplet_mining='all'``: every
  valid triplet of the pool, averaged over the active ones, instead of
  each anchor's hardest pair; the whole pool is head B's bank);
* ``n``: ``m`` with the loss's gradient reaching the shared features;
* ``o``: ``g`` at lambda = 0.1 (with (b) lambda = 0, (g) 1 and (j) 10:
  how much the loss into the shared features helps or hurts by lambda);
* ``i``: ``c`` with the loss on the raw query/key embeddings
  (``normalize=False``, the authors' choice and the configs' default until
  this ablation: unbounded, its gradient dominated the global gradient-norm
  clip that every parameter shares). Runs stored before that change have
  (c) and (i) the other way round; docs/results says which.

Stage-2 runs are tested with head A (``branch=intra``) and head B. Every run
lives in ``WORK_DIR/seed<N>/<run>/`` and is skipped when its results exist,
so an interrupted ablation continues where it stopped. Prints a progress
line per run and writes ``ablation.json`` and ``ablation.md``::

    python tools/analysis_tools/hvr_ablation.py --seeds 0 1 2 \\
        --work-dir work_dirs/hvr_ablation
"""
import argparse
import json
import os
import os.path as osp
import pickle
import subprocess
import sys
import time
from typing import Dict, List, Optional

import numpy as np

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)

S1_CFG = 'configs/hvrnet/hvrnet_faster-rcnn_r18-dc5_stage1_toyvid.py'
S2_CFG = 'configs/hvrnet/hvrnet_faster-rcnn_r18-dc5_stage2_toyvid.py'
VARIANTS = dict(
    a='stage 1 continued (intra-only control, same length)',
    b='stage 2, lambda = 0',
    c='stage 2 full',
    d='stage 2 full + cross-video bank at test time',
    e='stage 2, loss on L2-normalised relation output',
    f="stage 2 full, authors' inter relation (1 head, S as value, ReLU)",
    g='stage 2, relation loss into the shared features, lambda = 1',
    h='stage 2 full, inter relation starts as the trained intra(2) one',
    i='stage 2 full, loss on raw (unnormalised) query/key embeddings',
    j='stage 2 full, relation loss into the shared features',
    k='stage 2 full, inter relation and head B at 10x learning rate',
    l='stage 2 full, (j) and (k) together',
    m='stage 2 full, batch-all mining (every valid triplet)',
    n='stage 2 full, batch-all mining into the shared features',
    o='stage 2, relation loss into the shared features, lambda = 0.1')
# (k)'s learning-rate multipliers, as config text
FAST_INTER = (
    'optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'
    "'roi_head.bbox_head.inter_relation': dict(lr_mult=10.0), "
    "'roi_head.bbox_head.fc_cls.': dict(lr_mult=10.0), "
    "'roi_head.bbox_head.fc_reg.': dict(lr_mult=10.0)}))\n")
# stage-2 variants that differ from (c) by config lines only: run folder and
# the lines appended to the stage-2 config
STAGE2_VARIANTS = dict(
    b=('b_lambda0',
       'model = dict(roi_head=dict(triplet_loss=dict(loss_weight=0.0)))\n'),
    e=('e_output_space',
       "model = dict(roi_head=dict(triplet_space='output',"
       ' triplet_loss=dict(normalize=True)))\n'),
    f=('f_authors_relation',
       'model = dict(roi_head=dict(bbox_head=dict(inter_relation=dict('
       'num_heads=1, project_value=False, residual_relu=True))))\n'),
    g=('g_to_features_lambda1',
       'model = dict(roi_head=dict(triplet_to_features=True,'
       ' triplet_loss=dict(loss_weight=1.0)))\n'),
    h=('h_inter_from_intra',
       "custom_hooks = [dict(type='RNGStateHook'), dict("
       "type='FinalHeadFromIntraHook', inter_from_intra=True)]\n"),
    i=('i_qk_raw',
       'model = dict(roi_head=dict(triplet_loss=dict(normalize=False)))\n'),
    j=('j_to_features',
       'model = dict(roi_head=dict(triplet_to_features=True))\n'),
    k=('k_fast_inter', FAST_INTER),
    l=('l_to_features_fast_inter',
       'model = dict(roi_head=dict(triplet_to_features=True))\n' +
       FAST_INTER),
    m=('m_batch_all', "model = dict(roi_head=dict(triplet_mining='all'))\n"),
    n=('n_batch_all_to_features',
       "model = dict(roi_head=dict(triplet_mining='all',"
       ' triplet_to_features=True))\n'),
    o=('o_to_features_lambda0.1',
       'model = dict(roi_head=dict(triplet_to_features=True,'
       ' triplet_loss=dict(loss_weight=0.1)))\n'))
# variants also tested with the cross-video bank (head 'B_bank')
BANK_TESTED = ('b', 'h', 'k', 'l', 'm', 'n')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--variants', nargs='+', default=list('abcd'),
                        choices=sorted(VARIANTS))
    parser.add_argument('--work-dir', default='work_dirs/hvr_ablation')
    parser.add_argument('--data', default='data/toy_vid',
                        help='toy VID set (generated when missing)')
    parser.add_argument('--s1-iters', type=int, default=None,
                        help="stage-1 iterations (default: the config's)")
    parser.add_argument('--s2-iters', type=int, default=None,
                        help="stage-2 iterations (default: the config's)")
    parser.add_argument('--bank-per-class', type=int, default=64)
    parser.add_argument('--confusable', nargs='+',
                        default=['striped_cat', 'spotted_cat'])
    parser.add_argument('--toy-args', default='',
                        help='extra make_toy_vid.py arguments')
    return parser.parse_args()


class Ablation:

    def __init__(self, args):
        self.args = args
        self.work_dir = osp.abspath(args.work_dir)
        self.data = osp.abspath(args.data)
        self.py = sys.executable
        self.progress = osp.join(self.work_dir, 'progress.log')
        self.total = len(args.seeds) * (1 + len(args.variants))
        self.done = 0
        # seed folder -> run folder -> relation_retrieval means
        self.retrievals: Dict[str, Dict[str, dict]] = {}
        os.makedirs(self.work_dir, exist_ok=True)

    def log(self, msg: str) -> None:
        line = f'[{time.strftime("%H:%M:%S")}] {msg}'
        print(line, flush=True)
        with open(self.progress, 'a') as f:
            f.write(line + '\n')

    def run(self, cmd: List[str], log_file: str) -> None:
        env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep +
                   os.environ.get('PYTHONPATH', ''))
        with open(log_file, 'a') as f:
            proc = subprocess.run(cmd, cwd=ROOT, stdout=f,
                                  stderr=subprocess.STDOUT, env=env)
        if proc.returncode != 0:
            raise RuntimeError(f'{" ".join(cmd)} failed (exit '
                               f'{proc.returncode}); see {log_file}')

    # -- configs ----------------------------------------------------------
    def write_config(self, path: str, base: str, seed: int,
                     extra: str = '') -> str:
        data_root = self.data.rstrip('/') + '/'
        with open(path, 'w') as f:
            f.write(f"_base_ = [{osp.join(ROOT, base)!r}]\n"
                    f"randomness = dict(seed={seed}, deterministic=False)\n")
            for loader in ('train', 'val', 'test'):
                f.write(f'{loader}_dataloader = dict(dataset=dict('
                        f'data_root={data_root!r}))\n')
            f.write(extra)
        return path

    def iters(self, n: Optional[int], stage2: bool) -> str:
        if n is None:
            return ''
        warm = max(1, n // 8) if stage2 else max(1, n // 12)
        return (f'train_cfg = dict(max_iters={n}, val_interval={n})\n'
                'default_hooks = dict(checkpoint=dict(interval='
                f'{n}, max_keep_ckpts=1))\n'
                'param_scheduler = [\n'
                "    dict(type='LinearLR', start_factor=0.1, by_epoch=False,"
                f' begin=0, end={warm}),\n'
                "    dict(type='MultiStepLR', by_epoch=False, begin=0, "
                f'end={n}, milestones=[{int(n * 0.8)}], gamma=0.1)]\n')

    def stage2_schedule(self) -> str:
        """The stage-2 config's schedule and optimizer, as text to paste
        into a stage-1 config (the same-length control)."""
        from mmengine.config import Config
        cfg = Config.fromfile(osp.join(ROOT, S2_CFG))
        n = self.args.s2_iters or cfg.train_cfg.max_iters
        if self.args.s2_iters is not None:
            return self.iters(n, stage2=True) + \
                f'optim_wrapper = dict(optimizer=dict(lr={cfg.optim_wrapper.optimizer.lr}))\n'  # noqa: E501
        return (f'train_cfg = dict(max_iters={n}, val_interval={n})\n'
                'default_hooks = dict(checkpoint=dict(interval='
                f'{n}, max_keep_ckpts=1))\n'
                f'param_scheduler = {cfg.param_scheduler!r}\n'
                'optim_wrapper = dict(optimizer=dict('
                f'lr={cfg.optim_wrapper.optimizer.lr}))\n')

    # -- steps ------------------------------------------------------------
    def train(self, run_dir: str, cfg: str) -> str:
        """Train ``cfg`` to its last iteration (resuming an interrupted
        run) and return the final checkpoint."""
        from mmengine.config import Config
        config = Config.fromfile(cfg)
        final = f'iter_{config.train_cfg.max_iters}.pth'
        ckpt_file = osp.join(run_dir, 'last_checkpoint')
        self.check_stamp(run_dir, config)
        if not osp.exists(osp.join(run_dir, final)):
            resume = ['--resume'] if osp.exists(ckpt_file) else []
            self.run([self.py, 'tools/train.py', cfg, '--work-dir', run_dir]
                     + resume, osp.join(run_dir, 'train.log'))
        with open(ckpt_file) as f:
            ckpt = f.read().strip()
        if osp.basename(ckpt) != final:
            raise RuntimeError(f'{run_dir}: training ended at {ckpt}, not '
                               f'{final}')
        return ckpt

    @staticmethod
    def check_stamp(run_dir: str, config) -> None:
        """Refuse to reuse a run made with another config.

        The resolved config is stored as ``config_resolved.json`` when a
        run starts; a later ablation (after a config or variant change)
        that finds a different one would otherwise report the old run's
        checkpoint and results under the new variant's name.
        """
        stamp = osp.join(run_dir, 'config_resolved.json')
        text = json.dumps(config.to_dict(), sort_keys=True, default=str,
                          indent=1)
        if osp.exists(stamp):
            with open(stamp) as f:
                if f.read() != text:
                    raise RuntimeError(
                        f'{run_dir} was trained with another config than '
                        f'this ablation asks for (see {stamp}); delete the '
                        'folder or use another --work-dir')
            return
        if osp.exists(osp.join(run_dir, 'last_checkpoint')):
            raise RuntimeError(
                f'{run_dir} holds a run without {osp.basename(stamp)} (made '
                'before runs were stamped): its config cannot be checked; '
                'delete the folder or use another --work-dir')
        with open(stamp, 'w') as f:
            f.write(text)

    def test(self, run_dir: str, cfg: str, ckpt: str, name: str,
             test_cfg: str = '') -> dict:
        """Test ``ckpt``; ``test_cfg`` is the text of a ``model.test_cfg``
        override dict (e.g. ``branch='intra'``)."""
        out = osp.join(run_dir, f'test_{name}.json')
        if osp.exists(out):
            with open(out) as f:
                return json.load(f)
        if test_cfg:
            cfg = osp.join(run_dir, f'config_test_{name}.py')
            with open(cfg, 'w') as f:
                f.write(f"_base_ = ['./config.py']\n"
                        f'model = dict(test_cfg=dict({test_cfg}))\n')
        dets = osp.join(run_dir, f'dets_{name}.pkl')
        self.run([
            self.py, 'tools/test.py', cfg, ckpt, '--eval', 'bbox', '--out',
            dets, '--work-dir', osp.join(run_dir, f'test_{name}')
        ], osp.join(run_dir, f'test_{name}.log'))
        result = self.score(dets)
        with open(out, 'w') as f:
            json.dump(result, f, indent=1)
        return result

    def score(self, dets_file: str) -> dict:
        """mAP, per-class AP and the confusion of a run's dumped
        detections against the val annotations."""
        from mmhvr.evaluation import (eval_vid_confusion, eval_vid_map,
                                      load_cocovid_gt,
                                      match_dumped_detections)
        with open(dets_file, 'rb') as f:
            dets = pickle.load(f)
        classes, gt = load_cocovid_gt(
            osp.join(self.data, 'annotations', 'toy_vid_val.json'))
        det_results, annotations = match_dumped_detections(
            dets, gt, dets_file)
        ap = eval_vid_map(det_results, annotations,
                          num_classes=len(classes))
        conf = eval_vid_confusion(det_results, annotations,
                                  num_classes=len(classes))
        return dict(
            mAP=ap['mAP'],
            AP=dict(zip(classes, ap['AP'].tolist())),
            double_rate=dict(zip(classes, conf['double_rate'].tolist())),
            matrix=conf['matrix'].tolist(),
            classes=classes)

    def test_with_bank(self, run_dir: str, cfg: str, ckpt: str) -> dict:
        """Head B of ``ckpt`` tested with a cross-video support bank of
        the training videos (built once per run, ``bank.pth``)."""
        bank = osp.join(run_dir, 'bank.pth')
        if not osp.exists(bank):
            self.run([
                self.py, 'tools/analysis_tools/build_support_bank.py', cfg,
                ckpt, '--out', bank, '--per-class',
                str(self.args.bank_per_class)
            ], osp.join(run_dir, 'bank.log'))
        self.retrieval(run_dir, cfg, ckpt, bank)
        return self.test(run_dir, cfg, ckpt, 'B_bank',
                         f'support_bank=dict(file={bank!r})')

    def retrieval(self, run_dir: str, cfg: str, ckpt: str,
                  bank: str) -> dict:
        """``relation_retrieval.py`` over the run's bank: among the
        confusable classes and among all foreground classes."""
        from mmengine.config import Config
        classes = list(Config.fromfile(cfg).toy_classes)
        out = {}
        for name, which in (('confusable', self.args.confusable),
                            ('all', classes)):
            path = osp.join(run_dir, f'retrieval_{name}.json')
            if not osp.exists(path):
                self.run([
                    self.py, 'tools/analysis_tools/relation_retrieval.py',
                    cfg, ckpt, '--bank', bank, '--out', path, '--classes'
                ] + list(which), osp.join(run_dir, 'retrieval.log'))
            with open(path) as f:
                res = json.load(f)
            out[name] = {space: res[space]['mean']
                         for space in ('inter_qk', 'features_cosine')}
        self.retrievals.setdefault(osp.basename(osp.dirname(run_dir)),
                                   {})[osp.basename(run_dir)] = out
        return out

    def step(self, what: str, fn):
        self.done += 1
        start = time.time()
        self.log(f'[{self.done}/{self.total}] {what} ...')
        result = fn()
        self.log(f'[{self.done}/{self.total}] {what} done in '
                 f'{time.time() - start:.0f} s: ' + ', '.join(
                     f'{k} mAP {v["mAP"]:.3f}' for k, v in result.items()))
        return result

    def seed(self, seed: int) -> Dict[str, dict]:
        args = self.args
        root = osp.join(self.work_dir, f'seed{seed}')
        results = {}

        def run_dir(name):
            d = osp.join(root, name)
            os.makedirs(d, exist_ok=True)
            return d

        d1 = run_dir('stage1')
        cfg1 = self.write_config(osp.join(d1, 'config.py'), S1_CFG, seed,
                                 self.iters(args.s1_iters, stage2=False))

        def stage1():
            ckpt = self.train(d1, cfg1)
            results['stage1'] = dict(A=self.test(d1, cfg1, ckpt, 'A'))
            return results['stage1']

        self.step(f'seed {seed} stage 1', stage1)
        s1_ckpt = open(osp.join(d1, 'last_checkpoint')).read().strip()

        def stage2(name, extra):
            d = run_dir(name)
            cfg = self.write_config(
                osp.join(d, 'config.py'), S2_CFG, seed,
                f'load_from = {s1_ckpt!r}\n' +
                self.iters(args.s2_iters, stage2=True) + extra)
            ckpt = self.train(d, cfg)
            out = dict(
                A=self.test(d, cfg, ckpt, 'A', "branch='intra'"),
                B=self.test(d, cfg, ckpt, 'B'))
            return d, cfg, ckpt, out

        for v in args.variants:
            if v == 'a':
                def control():
                    d = run_dir('a_control')
                    cfg = self.write_config(
                        osp.join(d, 'config.py'), S1_CFG, seed,
                        f'load_from = {s1_ckpt!r}\n' + self.stage2_schedule())
                    ckpt = self.train(d, cfg)
                    results['a'] = dict(A=self.test(d, cfg, ckpt, 'A'))
                    return results['a']
                self.step(f'seed {seed} (a) {VARIANTS["a"]}', control)
            elif v in 'cd':
                def full():
                    if 'c' not in results or v == 'd':
                        d, cfg, ckpt, out = stage2('c_full', '')
                        results['c'] = out
                    if v == 'd':
                        results['d'] = dict(
                            B=self.test_with_bank(d, cfg, ckpt))
                        return results['d']
                    return results['c']
                self.step(f'seed {seed} ({v}) {VARIANTS[v]}', full)
            else:  # a stage-2 run with its own config lines
                def variant(v=v):
                    name, extra = STAGE2_VARIANTS[v]
                    d, cfg, ckpt, out = stage2(name, extra)
                    if v in BANK_TESTED:
                        out['B_bank'] = self.test_with_bank(d, cfg, ckpt)
                    results[v] = out
                    return out
                self.step(f'seed {seed} ({v}) {VARIANTS[v]}', variant)
        return results


def mean_std(values) -> dict:
    """mean, std (ddof 1; NaN for one value) and the values."""
    values = np.asarray(values, float)
    return dict(mean=float(np.mean(values)),
                std=float(np.std(values, ddof=1))
                if len(values) > 1 else float('nan'),
                values=values.tolist())


def fmt(stat: dict) -> str:
    return f'{stat["mean"]:.3f} ± {stat["std"]:.3f}'


def summarize(per_seed: Dict[int, dict], confusable: List[str]) -> dict:
    """mean ± std (ddof 1) over seeds of every (variant, head) figure."""
    rows = {}
    keys = sorted({(v, h) for r in per_seed.values() for v in r
                   for h in r[v]}, key=lambda k: (k[0] != 'stage1', k))
    for v, h in keys:
        runs = [r[v][h] for r in per_seed.values() if v in r and h in r[v]]
        classes = runs[0]['classes']
        conf_idx = [classes.index(c) for c in confusable if c in classes]

        swaps = []
        for r in runs:
            m = np.asarray(r['matrix'])
            n = sum(m[i].sum() for i in conf_idx)
            swapped = sum(m[i, j] for i in conf_idx for j in conf_idx
                          if i != j)
            swaps.append(swapped / max(n, 1))
        rows[f'{v}/{h}'] = dict(
            variant=v,
            head=h,
            seeds=len(runs),
            mAP=mean_std([r['mAP'] for r in runs]),
            AP={c: mean_std([r['AP'][c] for r in runs]) for c in classes},
            confusable_AP=mean_std([
                np.mean([r['AP'][c] for c in confusable]) for r in runs
            ]),
            confusable_double_rate=mean_std([
                np.mean([r['double_rate'][c] for c in confusable])
                for r in runs
            ]),
            confusable_swap_rate=mean_std(swaps))
    return rows


def paired(per_seed: Dict[int, dict], x: str, y: str,
           confusable: List[str]) -> Optional[dict]:
    """Per-seed differences x - y of the confusable classes' mean AP and of
    mAP ('c/B' etc.), mean ± std over seeds."""
    (vx, hx), (vy, hy) = x.split('/'), y.split('/')
    diffs, mdiffs = [], []
    for r in per_seed.values():
        if vx in r and hx in r[vx] and vy in r and hy in r[vy]:
            a, b = r[vx][hx], r[vy][hy]
            diffs.append(np.mean([a['AP'][c] - b['AP'][c]
                                  for c in confusable]))
            mdiffs.append(a['mAP'] - b['mAP'])
    if not diffs:
        return None

    return dict(confusable_AP=mean_std(diffs), mAP=mean_std(mdiffs))


def summarize_retrieval(retrievals: Dict[str, Dict[str, dict]]) -> dict:
    """run folder -> classes ('confusable'/'all') -> figure -> mean ±
    std over seeds of the relation_retrieval means."""
    figures = dict(relation_top1=('inter_qk', 'top1'),
                   relation_mass=('inter_qk', 'mass'),
                   chance=('inter_qk', 'chance'),
                   features_top1=('features_cosine', 'top1'))
    runs = sorted({r for per_run in retrievals.values() for r in per_run})
    out = {}
    for run in runs:
        seeds = [per_run[run] for per_run in retrievals.values()
                 if run in per_run]
        out[run] = {}
        for which in ('confusable', 'all'):
            out[run][which] = {}
            for fig, (space, key) in figures.items():
                out[run][which][fig] = mean_std(
                    [r[which][space][key] for r in seeds])
    return out


def retrieval_markdown(retrieval: dict) -> str:
    lines = [
        '', 'Does the inter relation attend to the query\'s class? '
        '(relation_retrieval.py over each run\'s support bank, mean ± std '
        'over seeds; chance = what uniform attention gives)', '',
        '| run | classes | relation top-1 | relation attention on own class'
        ' | chance | feature cosine top-1 |', '|---|---|---|---|---|---|'
    ]
    for run, per in retrieval.items():
        for which, r in per.items():
            lines.append(f'| {run} | {which} | {fmt(r["relation_top1"])} | '
                         f'{fmt(r["relation_mass"])} | {fmt(r["chance"])} | '
                         f'{fmt(r["features_top1"])} |')
    return '\n'.join(lines) + '\n'


def markdown(summary: dict, comparisons: dict, seeds: List[int],
             confusable: List[str]) -> str:
    lines = [
        f'Seeds {seeds}; mean ± std (ddof 1) over seeds. Confusable classes:'
        f' {", ".join(confusable)}.', '',
        '| variant | head | mAP | ' + ' | '.join(
            f'AP {c}' for c in next(iter(summary.values()))['AP']) +
        ' | confusable AP | confusable double rate | confusable swap rate |',
        '|---' * (6 + len(next(iter(summary.values()))['AP'])) + '|'
    ]
    for row in summary.values():
        name = 'stage 1' if row['variant'] == 'stage1' else \
            f'({row["variant"]}) {VARIANTS[row["variant"]]}'
        lines.append(
            f'| {name} | {row["head"]} | {fmt(row["mAP"])} | ' +
            ' | '.join(fmt(s) for s in row['AP'].values()) +
            f' | {fmt(row["confusable_AP"])} | '
            f'{fmt(row["confusable_double_rate"])} | '
            f'{fmt(row["confusable_swap_rate"])} |')
    lines += ['', 'Paired differences (same seed), mean ± std over seeds:',
              '', '| comparison | confusable AP | mAP |', '|---|---|---|']
    for name, c in comparisons.items():
        if c is not None:
            lines.append(f'| {name} | {fmt(c["confusable_AP"])} | '
                         f'{fmt(c["mAP"])} |')
    return '\n'.join(lines) + '\n'


def main():
    args = parse_args()
    ab = Ablation(args)
    if not osp.exists(osp.join(ab.data, 'annotations', 'toy_vid_val.json')):
        ab.log(f'generating the toy VID set in {ab.data}')
        ab.run([ab.py, 'tools/dataset_converters/make_toy_vid.py', '--out',
                ab.data] + args.toy_args.split(),
               osp.join(ab.work_dir, 'make_toy_vid.log'))
    ab.log(f'ablation: seeds {args.seeds}, variants {args.variants}, '
           f'{ab.total} runs; logs under {ab.work_dir}')
    per_seed = {}
    for seed in args.seeds:
        per_seed[seed] = ab.seed(seed)
        write_report(ab, args, per_seed)
    ab.log(f'done: {osp.join(ab.work_dir, "ablation.md")}')


def write_report(ab: Ablation, args, per_seed: Dict[int, dict]) -> None:
    summary = summarize(per_seed, args.confusable)
    comparisons = {
        name: paired(per_seed, x, y, args.confusable)
        for name, (x, y) in {
            '(c) head B - (a) control': ('c/B', 'a/A'),
            '(c) head B - (b) head B': ('c/B', 'b/B'),
            '(c) head B - (c) head A': ('c/B', 'c/A'),
            '(b) head B - (b) head A': ('b/B', 'b/A'),
            '(d) bank head B - (c) head B': ('d/B', 'c/B'),
            '(e) head B - (c) head B': ('e/B', 'c/B'),
            '(f) head B - (c) head B': ('f/B', 'c/B'),
            '(f) head B - (f) head A': ('f/B', 'f/A'),
            '(f) head B - (a) control': ('f/B', 'a/A'),
            '(g) head B - (a) control': ('g/B', 'a/A'),
            '(g) head B - (b) head B': ('g/B', 'b/B'),
            '(g) head B - (g) head A': ('g/B', 'g/A'),
            '(h) head B - (h) head A': ('h/B', 'h/A'),
            '(h) head B - (a) control': ('h/B', 'a/A'),
            '(h) head B - (b) head B': ('h/B', 'b/B'),
            '(h) head B - (c) head B': ('h/B', 'c/B'),
            '(h) bank head B - (h) head B': ('h/B_bank', 'h/B'),
            '(i) head B - (a) control': ('i/B', 'a/A'),
            '(i) head B - (b) head B': ('i/B', 'b/B'),
            '(i) head B - (c) head B': ('i/B', 'c/B'),
            '(i) head B - (i) head A': ('i/B', 'i/A'),
            **{f'({v}) head B - (a) control': (f'{v}/B', 'a/A')
               for v in 'jklmno'},
            **{f'({v}) head B - (b) head B': (f'{v}/B', 'b/B')
               for v in 'jklmno'},
            **{f'({v}) head B - (c) head B': (f'{v}/B', 'c/B')
               for v in 'jklmno'},
            **{f'({v}) head B - ({v}) head A': (f'{v}/B', f'{v}/A')
               for v in 'jklmno'},
            **{f'({v}) bank head B - ({v}) head B': (f'{v}/B_bank', f'{v}/B')
               for v in 'klmn'},
        }.items()
    }
    retrieval = summarize_retrieval(ab.retrievals)
    report = dict(seeds=list(per_seed), variants=VARIANTS,
                  confusable=args.confusable, per_seed=per_seed,
                  summary=summary, comparisons=comparisons,
                  retrieval=retrieval)
    with open(osp.join(ab.work_dir, 'ablation.json'), 'w') as f:
        json.dump(report, f, indent=1)
    with open(osp.join(ab.work_dir, 'ablation.md'), 'w') as f:
        f.write(markdown(summary, comparisons, list(per_seed),
                         args.confusable))
        if retrieval:
            f.write(retrieval_markdown(retrieval))


if __name__ == '__main__':
    main()

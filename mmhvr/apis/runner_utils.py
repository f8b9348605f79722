"""Config plumbing shared by ``tools/train.py`` and ``tools/test.py``."""
import difflib
import os.path as osp
from typing import Iterable, Optional

import torch
from mmengine.config import Config

VALID_EVALS = ('bbox', )


def _flatten_keys(cfg, prefix: str = '') -> list:
    keys = []
    for k, v in cfg.items():
        path = f'{prefix}{k}'
        keys.append(path)
        if isinstance(v, dict):
            keys += _flatten_keys(v, path + '.')
        elif isinstance(v, (list, tuple)):
            for i, item in enumerate(v):
                if isinstance(item, dict):
                    keys += _flatten_keys(item, f'{path}.{i}.')
    return keys


def check_cfg_options(cfg: Config, options: dict) -> None:
    """Refuse ``--cfg-options`` keys that the config does not have.

    A typo such as ``train_cfg.max_iter=10`` would otherwise be added as a
    new, unused key and the run would silently use the old value.
    """
    known = set(_flatten_keys(cfg._cfg_dict.to_dict()))
    unknown = [k for k in options if k not in known]
    if unknown:
        lines = []
        for key in unknown:
            close = difflib.get_close_matches(key, known, n=3, cutoff=0.6)
            hint = f' (did you mean {", ".join(close)}?)' if close else ''
            lines.append(f'  {key}{hint}')
        raise ValueError(
            f'--cfg-options names keys that {cfg.filename} does not have:\n' +
            '\n'.join(lines) + '\nTo add a new key, edit the config file.')


def add_runner_args(parser) -> None:
    """Options shared by tools/train.py and tools/test.py."""
    from mmengine.config import DictAction
    parser.add_argument('--work-dir', help='the dir for logs and outputs')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, key=value pairs such as '
        'train_cfg.max_iters=10 (unknown keys are refused)')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher (pytorch = torchrun)')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def load_config(args) -> Config:
    """The config of ``args.config`` with ``--cfg-options`` checked and
    merged and the launcher set; exports LOCAL_RANK for old launchers."""
    import os
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        check_cfg_options(cfg, args.cfg_options)
        cfg.merge_from_dict(args.cfg_options)
    return cfg


def build_runner_cfg(cfg: Config,
                     config_path: str,
                     work_dir: Optional[str] = None,
                     amp: bool = False,
                     resume: Optional[str] = None) -> Config:
    """Apply the command-line choices shared by train and test."""
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(config_path))[0])
    if amp:
        if torch.cuda.is_available():
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.loss_scale = 'dynamic'
        else:
            cfg.optim_wrapper.type = 'CPUAmpOptimWrapper'
            cfg.optim_wrapper.dtype = 'bfloat16'
    if resume == 'auto':
        cfg.resume = True
        cfg.load_from = find_resumable_checkpoint(cfg.work_dir)
    elif resume is not None:
        cfg.resume = True
        cfg.load_from = resume
    if cfg.get('launcher', 'none') != 'none' and \
            cfg.get('model_wrapper_cfg') is None:
        cfg.model_wrapper_cfg = dict(
            type='DeviceAwareDistributedDataParallel',
            broadcast_buffers=False,
            find_unused_parameters=cfg.get('find_unused_parameters', False))
    if not torch.cuda.is_available() and cfg.get('launcher', 'none') != 'none':
        # NCCL needs GPUs; the CPU runs distributed jobs over gloo
        cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
        cfg.env_cfg.dist_cfg.backend = 'gloo'
    return cfg


def find_resumable_checkpoint(work_dir: str) -> Optional[str]:
    """The checkpoint ``--resume`` continues from: the one named in
    ``last_checkpoint`` if that file is intact, else the newest
    ``iter_N.pth``/``epoch_N.pth`` in the work dir (None: start afresh)."""
    import glob
    import re
    last = osp.join(work_dir, 'last_checkpoint')
    if osp.isfile(last):
        path = open(last).read().strip()
        if path and osp.isfile(path):
            return path
    found = []
    for path in glob.glob(osp.join(work_dir, '*.pth')):
        m = re.fullmatch(r'(iter|epoch)_(\d+)\.pth', osp.basename(path))
        if m:
            found.append((int(m.group(2)), path))
    return max(found)[1] if found else None


def init_cpu_distributed(launcher: str) -> None:
    """Join the torchrun process group over gloo on a machine without GPUs.

    mmengine 0.10.7's ``init_dist`` always calls ``torch.cuda.set_device``,
    which a CPU build of torch lacks; the runner skips its own init when a
    process group already exists.
    """
    import torch.distributed as dist
    if launcher == 'pytorch' and not torch.cuda.is_available() \
            and not dist.is_initialized():
        dist.init_process_group(backend='gloo')


def set_test_evaluator(cfg: Config, evals: Iterable[str],
                       out: Optional[str] = None) -> None:
    """``--eval bbox``: the config's ImageNet VID metric (``VIDMetric``,
    also when the config names none), or, for a still-image config, its
    own box metric (mmdet's ``CocoMetric``...) with ``metric='bbox'``.
    ``--out`` dumps the per-frame results (VIDMetric keeps every frame;
    still-image configs get mmdet's ``DumpDetResults``)."""
    evals = list(evals)
    bad = [e for e in evals if e not in VALID_EVALS]
    if bad:
        raise ValueError(f'--eval got {", ".join(bad)}; valid values: '
                         f'{", ".join(VALID_EVALS)}')
    if out is not None and not out.endswith(('.pkl', '.pickle')):
        raise ValueError(f'--out must be a .pkl file, got {out}')
    current = cfg.get('test_evaluator', None)
    if isinstance(current, (list, tuple)):
        current = current[0] if len(current) == 1 else None
    if isinstance(current, dict) and current.get('type') not in (
            None, 'VIDMetric', 'mmhvr.VIDMetric'):
        metric = dict(current, metric='bbox') if 'metric' in current \
            else dict(current)
        cfg.test_evaluator = [metric] if out is None else [
            metric, dict(type='DumpDetResults', out_file_path=out)]
        return
    if isinstance(current, dict) and current.get('type') is not None:
        metric = dict(current)
    else:
        metric = dict(type='VIDMetric', metric='bbox')
    if out is not None:
        # VIDMetric dumps every frame (mmdet's DumpDetResults keeps only
        # len(dataset) = number of videos)
        metric['out_file_path'] = out
    cfg.test_evaluator = metric


def trigger_visual(cfg: Config, show: bool, show_dir: Optional[str],
                   wait_time: float) -> None:
    """Turn on mmdet's DetVisualizationHook for ``--show``/``--show-dir``."""
    hooks = cfg.default_hooks
    if 'visualization' not in hooks:
        raise KeyError('the config has no default_hooks.visualization '
                       '(DetVisualizationHook) to draw with')
    hooks.visualization.draw = True
    if show:
        hooks.visualization.show = True
        hooks.visualization.wait_time = wait_time
    if show_dir:
        hooks.visualization.test_out_dir = show_dir


def check_checkpoint_matches(cfg: Config, checkpoint: str) -> None:
    """Refuse a checkpoint whose weights do not fit the config's model,
    listing the missing, unexpected and mis-shaped keys."""
    import copy

    from mmengine.runner.checkpoint import _load_checkpoint

    from mmhvr.registry import MODELS
    if not osp.isfile(checkpoint):
        raise FileNotFoundError(f'checkpoint {checkpoint} does not exist')
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.backbone.init_cfg = None
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope(
            cfg.get('default_scope', 'mmhvr')):
        expected = MODELS.build(model_cfg).state_dict()
    state = _load_checkpoint(checkpoint, map_location='cpu')
    state = state.get('state_dict', state)
    state = {k[7:] if k.startswith('module.') else k: v
             for k, v in state.items()}
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    shapes = sorted(k for k in set(state) & set(expected)
                    if tuple(state[k].shape) != tuple(expected[k].shape))
    if missing or unexpected or shapes:
        def show(keys):
            return ', '.join(keys[:8]) + (' ...' if len(keys) > 8 else '')
        lines = [f'{checkpoint} does not match the model of '
                 f'{cfg.filename}:']
        if missing:
            lines.append(f'  missing keys ({len(missing)}): {show(missing)}')
        if unexpected:
            lines.append(f'  unexpected keys ({len(unexpected)}): '
                         f'{show(unexpected)}')
        if shapes:
            lines.append(f'  shape mismatch ({len(shapes)}): ' + ', '.join(
                f'{k} {tuple(state[k].shape)} vs {tuple(expected[k].shape)}'
                for k in shapes[:8]))
        raise ValueError('\n'.join(lines))

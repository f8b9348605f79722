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


def check_cfg_options(cfg: Config, options: dict) -> list:
    """Warn about ``--cfg-options`` keys that look like typos.

    Any key mmengine's ``Config.merge_from_dict`` accepts is accepted: a
    key the config does not have yet (``randomness.deterministic=True``,
    ``default_hooks.checkpoint.save_best=auto``) is simply added. A new
    key that is close to an existing one (``train_cfg.max_iter`` next to
    ``train_cfg.max_iters``) would be added unused while the run keeps the
    old value, so it gets a warning naming the closest existing key.

    Returns:
        list[str]: the warnings issued (one per suspicious key).
    """
    import warnings
    known = set(_flatten_keys(cfg._cfg_dict.to_dict()))
    issued = []
    for key in options:
        if key in known:
            continue
        close = _closest_key(key, known)
        if close is None:
            continue
        msg = (f'--cfg-options: {key} is not in {cfg.filename}; it is '
               f'added as a new key. Did you mean {close}?')
        warnings.warn(msg, UserWarning, stacklevel=2)
        issued.append(msg)
    return issued


def _closest_key(key: str, known: Iterable[str]) -> Optional[str]:
    """The existing key ``key`` is most likely a typo of, or None.

    A key whose parent exists is compared with its siblings only (a new
    leaf such as ``save_best`` is not a typo of ``by_epoch``); a key whose
    parent does not exist either is compared with every key."""
    parent, _, leaf = key.rpartition('.')
    if not parent or parent in known:
        siblings = {k.rpartition('.')[2]: k for k in known
                    if k.rpartition('.')[0] == parent}
        close = difflib.get_close_matches(leaf, siblings, n=1, cutoff=0.8)
        return siblings[close[0]] if close else None
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.85)
    return close[0] if close else None


def add_runner_args(parser) -> None:
    """Options shared by tools/train.py and tools/test.py."""
    from mmengine.config import DictAction
    parser.add_argument('--work-dir', help='the dir for logs and outputs')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, key=value pairs such as '
        'train_cfg.max_iters=10 (a new key that looks like a typo of an '
        'existing one is warned about)')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher (pytorch = torchrun)')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    parser.add_argument(
        '--quiet',
        action='store_true',
        help='console: a progress bar per loop, metrics, warnings and '
        'errors only; the full log (environment, config, hooks, every '
        'logged iteration) is still written to the work dir')


def build_runner(cfg: Config, quiet: bool = False, title: str = 'train'):
    """The runner of ``cfg`` (mmengine's ``Runner``, or ``runner_type``).

    ``quiet``: the console shows warnings, errors, one progress bar per
    loop and the metrics (:mod:`mmhvr.utils.console`); the log file in the
    work dir keeps everything."""
    from mmengine.registry import RUNNERS
    from mmengine.runner import Runner
    runner_cls = Runner
    if quiet:
        from mmhvr.utils.console import QuietRunner
        runner_cls = QuietRunner
    if 'runner_type' in cfg:
        runner = RUNNERS.build(cfg)
        if quiet:
            from mmhvr.utils.console import quiet_console
            runner._frozen_notes = quiet_console(runner.logger)
    else:
        runner = runner_cls.from_cfg(cfg)
    if quiet:
        from mmhvr.utils.console import ConsoleProgressHook
        runner.register_hook(ConsoleProgressHook(title=title))
    return runner


def config_with_options(path: str,
                        cfg_options: Optional[dict] = None) -> Config:
    """``Config.fromfile(path)`` with ``--cfg-options`` checked (a new key
    that looks like a typo of an existing one warns) and merged."""
    cfg = Config.fromfile(path)
    if cfg_options:
        check_cfg_options(cfg, cfg_options)
        cfg.merge_from_dict(cfg_options)
    return cfg


def load_config(args) -> Config:
    """The config of ``args.config`` with ``--cfg-options`` checked and
    merged and the launcher set; exports LOCAL_RANK for old launchers.
    With ``args.quiet``, mmengine's INFO lines before the runner exists
    (checkpoint loading...) stay off the console too."""
    import os
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    if getattr(args, 'quiet', False):
        from mmengine.logging import MMLogger

        from mmhvr.utils.console import quiet_console
        quiet_console(MMLogger.get_current_instance())
    cfg = config_with_options(args.config, args.cfg_options)
    cfg.launcher = args.launcher
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


def close_distributed() -> None:
    """End a distributed run cleanly: wait for every rank, then destroy the
    default process group. Left to the interpreter's teardown, gloo's
    threads can abort a rank (SIGABRT, "terminate called without an active
    exception") after a successful run, and torchrun then reports the run
    as failed. Nothing happens outside a process group."""
    import torch.distributed as dist
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


def init_cpu_distributed(launcher: str) -> None:
    """Join the torchrun process group over gloo on a machine without GPUs.

    mmengine 0.10.7's ``init_dist`` always calls ``torch.cuda.set_device``,
    which a CPU build of torch lacks; the runner skips its own init when a
    process group already exists.
    """
    import torch.distributed as dist
    if launcher == 'pytorch' and not torch.cuda.is_available() \
            and not dist.is_initialized():
        join_process_group('gloo')


DIST_VARS = ('RANK', 'WORLD_SIZE', 'LOCAL_RANK', 'MASTER_ADDR', 'MASTER_PORT')


def join_process_group(backend: str, timeout: Optional[float] = None) -> None:
    """``init_process_group`` from torchrun's environment, with a deadline.

    Stale ``RANK``/``WORLD_SIZE`` (a rank that no one else joins) would
    otherwise wait forever without a word. The wait is announced, limited
    to ``timeout`` seconds (default: ``$MMHVR_DIST_TIMEOUT`` or 300) and a
    failure is a ``RuntimeError`` naming the variables and their values.
    """
    import datetime
    import os
    import sys

    import torch.distributed as dist
    env = {k: os.environ.get(k) for k in DIST_VARS}
    shown = ' '.join(f'{k}={v}' for k, v in env.items())
    missing = [k for k in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR',
                           'MASTER_PORT') if env[k] is None]
    if missing:
        raise RuntimeError(
            f'--launcher pytorch needs {", ".join(missing)} in the '
            f'environment (set by torchrun / tools/dist_*.sh); got {shown}')
    if timeout is None:
        timeout = float(os.environ.get('MMHVR_DIST_TIMEOUT', 300))
    print(f'joining the {backend} process group ({shown}), waiting up to '
          f'{timeout:g} s', file=sys.stderr, flush=True)
    try:
        dist.init_process_group(
            backend=backend, timeout=datetime.timedelta(seconds=timeout))
    except Exception as e:
        raise RuntimeError(
            f'could not join the process group within {timeout:g} s with '
            f'{shown}: {type(e).__name__}: {str(e).splitlines()[0]}. Are '
            'these variables stale (left from another job)? Unset them or '
            'start through torchrun (tools/dist_train.sh / '
            'tools/dist_test.sh).') from e


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
    # logged (a --quiet console hides it), not print()-ed
    state = _load_checkpoint(checkpoint, map_location='cpu',
                             logger='current')
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

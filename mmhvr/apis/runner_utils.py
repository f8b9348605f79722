"""Config plumbing shared by ``tools/train.py`` and ``tools/test.py``."""
import contextlib
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


NEW_KEY_PREFIX = '+'


def check_cfg_options(cfg: Config, options: dict) -> dict:
    """Check ``--cfg-options`` before they are merged; return the options
    to merge (``+`` prefixes removed).

    A key the config has is replaced, and a new key that resembles no
    existing one (``randomness.deterministic=True``,
    ``default_hooks.checkpoint.save_best=auto``) is added, as mmengine's
    ``Config.merge_from_dict`` does. Refused with a ``ValueError`` naming
    the key and its closest existing key: a new key that looks like a typo
    of an existing one (``train_cfg.max_iter`` next to
    ``train_cfg.max_iters``; it would be added unused while the run keeps
    the old value). A key written ``+key=value`` is meant to be new and is
    added without that check. Also refused: a text value for a number or
    a flag the config has (``train_cfg.max_iters=abc``).
    """
    known = set(_flatten_keys(cfg._cfg_dict.to_dict()))
    where = cfg.filename or 'the config'
    merged = {}
    for key, value in options.items():
        if key.startswith(NEW_KEY_PREFIX):
            merged[key[len(NEW_KEY_PREFIX):]] = value
            continue
        merged[key] = value
        if key in known:
            _check_option_type(cfg, key, value, where)
            continue
        close = _closest_key(key, known)
        if close is not None:
            raise ValueError(
                f'--cfg-options {key}: no such key in {where}; did you mean '
                f'{close}? (write +{key}=... to add it as a new key)')
    return merged


def _check_option_type(cfg: Config, key: str, value, where: str) -> None:
    """A number or flag of the config may not be replaced by text (the
    run would fail much later, or compare text with numbers)."""
    try:
        old = cfg
        for part in key.split('.'):
            old = old[int(part)] if isinstance(old, (list, tuple)) \
                else old[part]
    except (KeyError, IndexError, ValueError, TypeError):
        return
    if isinstance(old, (bool, int, float)) and isinstance(value, str):
        kind = 'true/false' if isinstance(old, bool) else 'a number'
        raise ValueError(f'--cfg-options {key}={value}: {where} has '
                         f'{kind} there ({old!r}), not text')


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
        'train_cfg.max_iters=10. A key the config lacks is added, but one '
        'that looks like a typo of an existing key (train_cfg.max_iter) is '
        'an error naming the closest key; write +key=value '
        '(+model.test_cfg.my_option=1) to add a genuinely new key')
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
    # mmengine's checkpoint types are allowed for the runner's own loads
    # (load_from, --resume) only, not process-wide
    from mmhvr.engine.checkpoint import scope_runner_checkpoint_loads
    return scope_runner_checkpoint_loads(runner)


def config_with_options(path: str,
                        cfg_options: Optional[dict] = None) -> Config:
    """``Config.fromfile(path)`` with ``--cfg-options`` checked
    (:func:`check_cfg_options`) and merged. A missing config, or one that
    Python cannot read, is a ``ValueError`` naming the file."""
    cfg = read_config(path)
    if cfg_options:
        cfg.merge_from_dict(check_cfg_options(cfg, cfg_options))
    return cfg


def read_config(path: str) -> Config:
    """``Config.fromfile`` with one-line errors naming the file: it does
    not exist, or it (or a ``_base_`` of it) has a syntax error."""
    if not osp.isfile(path):
        raise ValueError(f'config {path} does not exist')
    try:
        return Config.fromfile(path)
    except SyntaxError as e:
        where = f'{e.filename}, line {e.lineno}' if e.filename else path
        raise ValueError(f'config {path} cannot be read: {e.msg} '
                         f'({where})') from e
    except Exception as e:  # a _base_ that is missing, a bad import...
        first = str(e).strip().splitlines()[0] if str(e).strip() else ''
        raise ValueError(f'config {path} cannot be read: '
                         f'{type(e).__name__}: {first}') from e


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


class _HeldStderr:
    discard = False


@contextlib.contextmanager
def _native_stderr_held():
    """Hold what native code writes to file descriptor 2 in the block
    (c10d logs a C++ stack trace for every failed connection attempt) and
    write it out afterwards unless ``discard`` was set."""
    import os
    import sys
    import tempfile
    held = _HeldStderr()
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as tmp:
        os.dup2(tmp.fileno(), 2)
        try:
            yield held
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            if not held.discard:
                tmp.seek(0)
                data = tmp.read()
                if data:
                    sys.stderr.write(data.decode('utf-8', 'replace'))
                    sys.stderr.flush()


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
        with _native_stderr_held() as held:
            try:
                dist.init_process_group(
                    backend=backend,
                    timeout=datetime.timedelta(seconds=timeout))
            except Exception:
                held.discard = True  # c10d's C++ frames: the line says it
                raise
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


def check_checkpoint_matches(cfg: Config, checkpoint: str,
                             ckpt: Optional[dict] = None) -> None:
    """Refuse a checkpoint whose weights do not fit the config's model,
    listing the missing, unexpected and mis-shaped keys (``ckpt``: the
    checkpoint already read, else it is read here)."""
    from mmhvr.engine.checkpoint import (build_model_state,
                                         check_state_dict_fits,
                                         read_checkpoint)
    if ckpt is None:
        ckpt = read_checkpoint(checkpoint)
    expected = build_model_state(cfg.model, cfg.get('default_scope', 'mmhvr'))
    check_state_dict_fits(expected, ckpt, checkpoint,
                          cfg.filename or 'the config')


# -- checks before a runner is built --------------------------------------
def check_folder_writable(path: str, option: str) -> None:
    """``path`` is (or can be created as) a folder this process can write
    into, checked without leaving anything behind: ``ValueError`` naming
    ``option``, the path and the part of it that is in the way."""
    path = osp.abspath(path)
    probe = path
    while not osp.exists(probe):
        parent = osp.dirname(probe)
        if parent == probe:
            break
        probe = parent
    if not osp.isdir(probe):
        raise ValueError(f'{option} {path}: {probe} is a file, not a folder')
    try:  # a real probe (root passes os.access checks; /proc does not)
        import tempfile
        with tempfile.TemporaryDirectory(dir=probe):
            pass
    except OSError as e:
        what = 'folder' if probe == path else 'folder to create it in'
        raise ValueError(f'{option} {path}: cannot write into the {what} '
                         f'{probe} ({e.strerror or e})') from e


LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def _inner_dataset(ds_cfg: dict) -> dict:
    while isinstance(ds_cfg, dict) and isinstance(ds_cfg.get('dataset'),
                                                  dict):
        ds_cfg = ds_cfg['dataset']  # RepeatDataset and similar wrappers
    return ds_cfg


def dataset_paths(cfg: Config, loader: str) -> dict:
    """``data_root`` and ``ann_file`` (joined with the data root) of the
    dataset of ``cfg[loader]``; only the ones that are set, local paths."""
    ds = _inner_dataset((cfg.get(loader) or {}).get('dataset') or {})
    root = ds.get('data_root') or ''
    out = {}
    if root and '://' not in root:
        out['data_root'] = root
    ann = ds.get('ann_file')
    if ann and '://' not in str(ann):
        out['ann_file'] = ann if osp.isabs(ann) else osp.join(root, ann)
    return out


def check_data_paths(cfg: Config, loaders: Iterable[str]) -> None:
    """The data root and annotation file of every loader in ``loaders``
    exist (mmengine would raise while building the runner's loops, after
    the work dir and logs are written). ``ValueError`` naming the key."""
    for loader in loaders:
        if not cfg.get(loader):
            continue
        paths = dataset_paths(cfg, loader)
        root = paths.get('data_root')
        if root is not None and not osp.isdir(root):
            raise ValueError(f'{loader}.dataset.data_root {root} does not '
                             'exist (is the data set converted/linked '
                             'there?)')
        ann = paths.get('ann_file')
        if ann is not None and not osp.isfile(ann):
            raise ValueError(f'{loader}.dataset.ann_file {ann} does not '
                             'exist')


def check_train_settings(cfg: Config) -> None:
    """Settings that would make a training run do nothing or fail on its
    first step: ``train_cfg.max_iters``/``max_epochs`` below 1 and a
    ``randomness.seed`` numpy cannot take. ``ValueError`` naming the key."""
    train_cfg = cfg.get('train_cfg') or {}
    for key in ('max_iters', 'max_epochs'):
        value = train_cfg.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f'train_cfg.{key}={value!r}: must be an '
                             'integer >= 1')
        if value < 1:
            raise ValueError(f'train_cfg.{key}={value}: nothing would be '
                             'trained; it must be >= 1')
    seed = (cfg.get('randomness') or {}).get('seed')
    if seed is not None and (isinstance(seed, bool)
                             or not isinstance(seed, int)
                             or not 0 <= seed < 2**32):
        raise ValueError(f'seed {seed!r} (--seed / randomness.seed): must '
                         f'be an integer in [0, {2**32 - 1}]')


def build_loop(runner, loop: str):
    """Build ``runner``'s ``train``/``val``/``test`` loop (and so its data
    set and sampler) now, as its ``train()``/``test()`` would first
    thing, so that a data set or sampler that cannot be built is one
    ``ValueError`` naming the annotation file, before any step runs; an
    empty test or validation set is refused too."""
    import json
    loader = f'{loop}_dataloader'
    ann = dataset_paths(runner.cfg, loader).get('ann_file', '')
    try:
        built = getattr(runner, f'{loop}_loop')
    except json.JSONDecodeError as e:
        raise ValueError(f'{loader}.dataset.ann_file {ann} is not JSON '
                         f'({e})') from e
    except UnicodeDecodeError as e:
        raise ValueError(f'{loader}.dataset.ann_file {ann} is not a text '
                         f'(JSON) file ({e.reason} at byte {e.start})'
                         ) from e
    except (ValueError, TypeError, KeyError, AssertionError) as e:
        msg = e.args[0] if isinstance(e, KeyError) and e.args else e
        raise ValueError(f'{loader} ({ann or "its data set"}) cannot be '
                         f'built: {msg}') from e
    if loop in ('val', 'test'):
        dataset = built.dataloader.dataset
        if len(dataset) == 0:
            what = 'test' if loop == 'test' else 'validate'
            raise ValueError(f'{loader}: the data set of '
                             f'{ann or "the config"} holds no items; '
                             f'nothing to {what}')
    return built

"""Train an mmhvr model: ``python tools/train.py CONFIG [options]``."""
import argparse


def parse_args(argv=None):
    from mmhvr.apis.runner_utils import add_runner_args
    parser = argparse.ArgumentParser(description='Train a video detector')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='automatic mixed precision (bf16 on the CPU, fp16 on CUDA)')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from the given checkpoint, or, without a value, from '
        'the latest checkpoint in the work dir')
    parser.add_argument(
        '--seed',
        type=int,
        default=None,
        help='random seed (overrides the config\'s randomness.seed)')
    parser.add_argument(
        '--deterministic',
        action='store_true',
        help='deterministic kernels (randomness.deterministic=True)')
    parser.add_argument(
        '--allow-incomplete-load-from',
        action='store_true',
        help='stage 2: train from a load_from that does not hold the '
        'stage-1 backbone, neck, RPN and intra heads anyway (they would '
        'stay random or frozen at random values)')
    add_runner_args(parser)
    return parser.parse_args(argv)


def check_load_from(cfg) -> None:
    """A local ``load_from``/``--resume`` file must exist, not be empty and
    not be truncated (mmengine would fail later with a bare ``EOFError`` or
    a zip error that does not name the file)."""
    import os.path as osp
    import zipfile
    path = cfg.get('load_from')
    if not path or '://' in str(path):
        return
    what = '--resume' if cfg.get('resume') else 'load_from'
    if not osp.isfile(path):
        raise ValueError(f'{what} checkpoint {path} does not exist')
    if osp.getsize(path) == 0:
        raise ValueError(f'{what} checkpoint {path} is empty (0 bytes)')
    # torch.save writes a zip: a cut-off file has lost its central
    # directory. Other files (old pickles) are read once to check them.
    if not zipfile.is_zipfile(path):
        from mmhvr.engine.checkpoint import read_checkpoint
        try:
            read_checkpoint(path)
        except RuntimeError as e:  # it says what the file is
            raise ValueError(f'{what} {e}') from e


def error(msg) -> None:
    """One ``error:`` line on stderr and exit status 1."""
    import sys
    print(f'error: {msg}', file=sys.stderr)
    sys.exit(1)


def main(argv=None):
    args = parse_args(argv)
    from mmhvr.apis.runner_utils import (build_loop, build_runner,
                                         build_runner_cfg,
                                         check_data_paths,
                                         check_folder_writable,
                                         check_train_settings,
                                         close_distributed,
                                         init_cpu_distributed, load_config)
    from mmhvr.engine import (check_stage2_config, check_stage2_load_from,
                              ensure_stage_hook)
    from mmhvr.utils import register_all_modules
    register_all_modules(init_default_scope=False)

    # everything that can be checked before the runner is built (which
    # writes the work dir and its logs): one line and exit status 1
    try:
        cfg = build_runner_cfg(load_config(args), args.config,
                               work_dir=args.work_dir, amp=args.amp,
                               resume=args.resume)
        if args.seed is not None:
            cfg.randomness = dict(cfg.get('randomness') or {},
                                  seed=args.seed)
        if args.deterministic:
            cfg.randomness = dict(cfg.get('randomness') or {},
                                  deterministic=True)
        ensure_stage_hook(cfg)  # stage + class names in every checkpoint
        check_train_settings(cfg)
        check_folder_writable(cfg.work_dir, '--work-dir')
        check_stage2_config(cfg)
        check_load_from(cfg)
        check_stage2_load_from(cfg, allow=args.allow_incomplete_load_from)
        init_cpu_distributed(args.launcher)
        check_data_paths(cfg, ('train_dataloader', 'val_dataloader')
                         if cfg.get('val_cfg') else ('train_dataloader', ))
    except (ValueError, RuntimeError, FileNotFoundError) as e:
        error(e)
    runner = build_runner(cfg, quiet=args.quiet, title='train')
    try:  # the data sets and the sampler, before the first step
        build_loop(runner, 'train')
        if cfg.get('val_cfg') and cfg.get('val_dataloader'):
            build_loop(runner, 'val')
    except ValueError as e:
        error(e)
    runner.train()
    close_distributed()


if __name__ == '__main__':
    main()

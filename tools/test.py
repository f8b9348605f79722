"""Test an mmhvr model: ``python tools/test.py CONFIG CHECKPOINT [options]``.

Everything that can be checked before testing is checked first (the
config, the work dir, the test set's files, the checkpoint file, its HVR
stage against the config's, its weights against the config's model, a
support bank's class names, ``--out`` and ``--show-dir``); a problem is
one ``error: ...`` line on stderr and exit status 1.
"""
import argparse
import sys


def parse_args(argv=None):
    from mmhvr.apis.runner_utils import VALID_EVALS, add_runner_args
    parser = argparse.ArgumentParser(description='Test a video detector')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--eval',
        nargs='+',
        default=['bbox'],
        help=f'metrics: {", ".join(VALID_EVALS)} (ImageNet VID mAP@0.5 '
        'with the slow/medium/fast breakdown)')
    parser.add_argument(
        '--out', help='pickle the per-frame predictions to this file')
    parser.add_argument(
        '--show-dir',
        help='save frames drawn with predictions into this directory '
        '(inside the run\'s timestamped folder) as <video>/<frame>')
    parser.add_argument(
        '--show', action='store_true', help='show results in a window')
    parser.add_argument(
        '--wait-time', type=float, default=2, help='interval of --show (s)')
    parser.add_argument(
        '--allow-stage-mismatch',
        action='store_true',
        help='test a stage-1 checkpoint under a stage-2 config anyway '
        '(head B of a stage-1 checkpoint is untrained)')
    add_runner_args(parser)
    return parser.parse_args(argv)


def prepare(args):
    """The runner config, after every check that needs no test run."""
    import os
    import os.path as osp

    from mmhvr.apis.outputs import check_writable
    from mmhvr.apis.runner_utils import (build_runner_cfg,
                                         check_checkpoint_matches,
                                         check_folder_writable, load_config,
                                         set_test_evaluator, trigger_visual)
    from mmhvr.engine import check_checkpoint_stage, read_checkpoint

    cfg = build_runner_cfg(load_config(args), args.config,
                           work_dir=args.work_dir)
    check_folder_writable(cfg.work_dir, '--work-dir')
    set_test_evaluator(cfg, args.eval, out=args.out)
    if args.out:
        check_writable(args.out, '--out', ('.pkl', '.pickle'))
    ckpt = read_checkpoint(args.checkpoint)
    check_checkpoint_stage(cfg.model, ckpt, args.checkpoint, args.config,
                           allow=args.allow_stage_mismatch)
    check_support_bank(cfg)  # before the model (which loads it) is built
    check_checkpoint_matches(cfg, args.checkpoint, ckpt)
    del ckpt
    cfg.load_from = args.checkpoint
    if args.show or args.show_dir:
        trigger_visual(cfg, args.show, args.show_dir, args.wait_time)
        # frames saved as <video>/<frame>: mmdet's hook names them by file
        # name only, and every video has a 000000.JPEG
        cfg.default_hooks.visualization.type = 'VideoVisualizationHook'
        if args.show_dir and osp.isabs(args.show_dir):
            check_writable(osp.join(args.show_dir, 'x'), '--show-dir')
        elif args.show_dir:  # drawn into <work_dir>/<timestamp>/<show_dir>
            folder = osp.abspath(osp.join(cfg.work_dir, args.show_dir))
            new = []  # the folders the check creates, deepest first
            while not osp.exists(folder):
                new.append(folder)
                folder = osp.dirname(folder)
            try:
                check_writable(osp.join(cfg.work_dir, args.show_dir, 'x'),
                               '--show-dir')
            except ValueError as e:
                raise ValueError(f'{e} (a relative --show-dir is written '
                                 f'under the work dir {cfg.work_dir})')
            for folder in new:
                os.rmdir(folder)
    return cfg


def check_support_bank(cfg) -> None:
    """A ``model.test_cfg.support_bank`` must have been built for the
    class names of the test set (the model's own check needs
    ``model.dataset_meta``, which mmengine's test loop does not set)."""
    import copy

    from mmengine.registry import DefaultScope

    from mmhvr.models.roi_heads import SupportBank
    from mmhvr.registry import DATASETS
    bank_cfg = (cfg.model.get('test_cfg') or {}).get('support_bank')
    if not isinstance(bank_cfg, dict) or not bank_cfg.get('file'):
        return  # none, or malformed: the model says so when built
    path = bank_cfg['file']
    bank = SupportBank.load(path)  # errors name the file
    ds_cfg = copy.deepcopy(cfg.test_dataloader.dataset)
    ds_cfg['lazy_init'] = True
    with DefaultScope.overwrite_default_scope(
            cfg.get('default_scope', 'mmhvr')):
        classes = DATASETS.build(ds_cfg).metainfo['classes']
    try:
        bank.check_classes(classes)
    except ValueError as e:
        raise ValueError(f'model.test_cfg.support_bank.file {path}: {e} '
                         '(rebuild it with tools/analysis_tools/'
                         'build_support_bank.py for this config)') from e


def main(argv=None) -> int:
    args = parse_args(argv)
    from mmhvr.apis.runner_utils import init_cpu_distributed
    from mmhvr.utils import register_all_modules
    register_all_modules(init_default_scope=False)

    from mmhvr.apis.runner_utils import check_data_paths
    try:
        cfg = prepare(args)
        init_cpu_distributed(args.launcher)
        check_data_paths(cfg, ('test_dataloader', ))
    except (ValueError, KeyError, RuntimeError, OSError) as e:
        msg = e.args[0] if isinstance(e, KeyError) and e.args else e
        print(f'error: {msg}', file=sys.stderr)
        return 1
    from mmhvr.apis.runner_utils import (build_loop, build_runner,
                                         close_distributed)
    runner = build_runner(cfg, quiet=args.quiet, title='test')
    try:  # the test set, before the model is run
        build_loop(runner, 'test')
    except ValueError as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    runner.test()
    close_distributed()
    return 0


if __name__ == '__main__':
    sys.exit(main())

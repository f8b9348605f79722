"""Test an mmhvr model: ``python tools/test.py CONFIG CHECKPOINT [options]``."""
import argparse
import os

from mmengine.config import Config, DictAction
from mmengine.registry import RUNNERS
from mmengine.runner import Runner


def parse_args():
    parser = argparse.ArgumentParser(description='Test a video detector')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='the dir to save the metrics')
    parser.add_argument(
        '--eval',
        nargs='+',
        default=['bbox'],
        help='metrics to compute: bbox (ImageNet VID mAP@0.5 with the '
        'motion breakdown)')
    parser.add_argument(
        '--out', help='dump per-frame predictions to this pickle file')
    parser.add_argument(
        '--show-dir',
        help='save frames drawn with predictions into this directory '
        '(relative to the work dir\'s timestamped folder)')
    parser.add_argument(
        '--show', action='store_true', help='show results in a window')
    parser.add_argument(
        '--wait-time', type=float, default=2, help='interval of --show (s)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings of the config, key=value pairs')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher (pytorch = torchrun)')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def main():
    args = parse_args()
    from mmhvr.apis.runner_utils import (build_runner_cfg, init_cpu_distributed, check_cfg_options,
                                         check_checkpoint_matches,
                                         set_test_evaluator, trigger_visual)
    from mmhvr.utils import register_all_modules
    register_all_modules(init_default_scope=False)

    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        check_cfg_options(cfg, args.cfg_options)
        cfg.merge_from_dict(args.cfg_options)
    cfg = build_runner_cfg(cfg, args.config, work_dir=args.work_dir)
    check_checkpoint_matches(cfg, args.checkpoint)
    cfg.load_from = args.checkpoint
    set_test_evaluator(cfg, args.eval, out=args.out)
    if args.show or args.show_dir:
        trigger_visual(cfg, args.show, args.show_dir, args.wait_time)

    init_cpu_distributed(args.launcher)
    runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg \
        else RUNNERS.build(cfg)
    runner.test()


if __name__ == '__main__':
    main()

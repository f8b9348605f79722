"""Test an mmhvr model: ``python tools/test.py CONFIG CHECKPOINT [options]``."""
import argparse


def parse_args():
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
        '(inside the run\'s timestamped folder)')
    parser.add_argument(
        '--show', action='store_true', help='show results in a window')
    parser.add_argument(
        '--wait-time', type=float, default=2, help='interval of --show (s)')
    add_runner_args(parser)
    return parser.parse_args()


def main():
    args = parse_args()
    from mmhvr.apis.runner_utils import (build_runner, build_runner_cfg,
                                         check_checkpoint_matches,
                                         init_cpu_distributed, load_config,
                                         set_test_evaluator, trigger_visual)
    from mmhvr.utils import register_all_modules
    register_all_modules(init_default_scope=False)

    cfg = build_runner_cfg(load_config(args), args.config,
                           work_dir=args.work_dir)
    set_test_evaluator(cfg, args.eval, out=args.out)
    check_checkpoint_matches(cfg, args.checkpoint)
    cfg.load_from = args.checkpoint
    if args.show or args.show_dir:
        trigger_visual(cfg, args.show, args.show_dir, args.wait_time)
    init_cpu_distributed(args.launcher)
    runner = build_runner(cfg, quiet=args.quiet, title='test')
    runner.test()


if __name__ == '__main__':
    main()

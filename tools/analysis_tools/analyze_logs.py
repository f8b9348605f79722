"""Plot curves and training times from mmengine's ``scalars.json`` logs.

    python tools/analysis_tools/analyze_logs.py plot_curve \
        WORK_DIR/TIMESTAMP/vis_data/scalars.json [more.json ...] \
        [--keys loss loss_relation] [--legend stage1 stage2] [--out fig.png]
    python tools/analysis_tools/analyze_logs.py cal_train_time scalars.json

As mmdet's tool, with matplotlib only (no seaborn); a work dir may be given
instead of its scalars.json (its newest run is used).
"""
import argparse
import glob
import os.path as osp
import sys


def resolve(path: str) -> str:
    """A scalars.json path, or the newest ``*/vis_data/scalars.json`` of a
    work dir."""
    if osp.isdir(path):
        found = sorted(glob.glob(osp.join(path, '*', 'vis_data',
                                          'scalars.json')))
        if not found:
            raise FileNotFoundError(f'{path}: no */vis_data/scalars.json '
                                    'in this work dir')
        return found[-1]
    return path


def cal_train_time(args) -> int:
    from mmhvr.utils.log_analysis import load_scalars, train_time_stats
    for path in args.json_logs:
        path = resolve(path)
        stats = train_time_stats(load_scalars(path))
        print(f'{"-" * 5}Analyze train time of {path}{"-" * 5}')
        if stats is None:
            print('no "time" records (was LoggerHook/IterTimerHook on?)')
            continue
        print(f'slowest iter (logged interval at step '
              f'{stats["slowest_step"]}): {stats["slowest"]:.4f} s/iter')
        print(f'fastest iter (logged interval at step '
              f'{stats["fastest_step"]}): {stats["fastest"]:.4f} s/iter')
        print(f'time std over logged intervals: {stats["std"]:.4f}')
        print(f'average iter time: {stats["mean"]:.4f} s/iter')
    return 0


def plot_curve(args) -> int:
    import matplotlib
    if args.out:
        matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    from mmhvr.utils.log_analysis import load_scalars, plot_curves
    paths = [resolve(p) for p in args.json_logs]
    legends = args.legend or (
        [''] if len(paths) == 1 else
        [osp.basename(osp.dirname(osp.dirname(osp.dirname(p)))) or p
         for p in paths])
    if len(legends) != len(paths):
        print(f'error: --legend has {len(legends)} names for {len(paths)} '
              'logs', file=sys.stderr)
        return 2
    logs = [load_scalars(p) for p in paths]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    try:
        plot_curves(ax, logs, args.keys, legends)
    except KeyError as e:
        print(f'error: {e.args[0]}', file=sys.stderr)
        return 1
    if args.title:
        ax.set_title(args.title)
    fig.tight_layout()
    if args.out:
        fig.savefig(args.out, dpi=120)
        print(f'saved {args.out}')
    else:
        plt.show()
    plt.close(fig)
    return 0


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Analyze mmengine logs')
    sub = parser.add_subparsers(dest='task', required=True)
    curve = sub.add_parser('plot_curve', help='plot curves of scalars.json')
    curve.add_argument('json_logs', nargs='+',
                       help='scalars.json files (or work dirs)')
    curve.add_argument('--keys', nargs='+', default=['loss'],
                       help='keys to plot (loss, loss_relation, vid/mAP...)')
    curve.add_argument('--title', help='title of the figure')
    curve.add_argument('--legend', nargs='+', help='one name per log')
    curve.add_argument('--out', help='save the figure here (else show it)')
    timing = sub.add_parser('cal_train_time',
                            help='time per iteration of each log')
    timing.add_argument('json_logs', nargs='+',
                        help='scalars.json files (or work dirs)')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        if args.task == 'plot_curve':
            return plot_curve(args)
        return cal_train_time(args)
    except (FileNotFoundError, ValueError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 1


if __name__ == '__main__':
    sys.exit(main())

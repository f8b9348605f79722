"""Print the whole config (``_base_`` resolved, ``--cfg-options`` merged).

    python tools/misc/print_config.py CONFIG [--cfg-options k=v ...] \
        [--save-path full_config.py]
"""
import argparse
import sys

from mmengine.config import DictAction


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Print the whole config')
    parser.add_argument('config', help='config file path')
    parser.add_argument('--save-path', help='also save the config here '
                        '(.py, .json or .yml)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override settings, key=value (as tools/train.py: a new key '
        'that looks like a typo of an existing one is an error naming the '
        'closest key; write +key=value to add a genuinely new key)')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    from mmhvr.apis.outputs import check_writable
    from mmhvr.apis.runner_utils import config_with_options
    try:  # everything checked before anything is printed or written
        if args.save_path is not None:
            check_writable(args.save_path, '--save-path',
                           ('.py', '.json', '.yaml', '.yml'))
        cfg = config_with_options(args.config, args.cfg_options)
    except ValueError as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    print(f'Config:\n{cfg.pretty_text}')
    if args.save_path is not None:
        cfg.dump(args.save_path)
        print(f'config saved to {args.save_path}')
    return 0


if __name__ == '__main__':
    sys.exit(main())

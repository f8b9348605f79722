"""Run a command that writes a JSON result and store that result, with
where it came from, under ``docs/results/`` (the figures of the README and
of the docs pages cite these files; docs/results/README.md has the
convention).

    python tools/misc/record_result.py NAME --result OUT.json -- COMMAND...

runs COMMAND from the repository root, then writes
``docs/results/NAME.json``: ``command``, ``commit`` (and ``dirty``),
``date`` (UTC), ``machine``, ``wall_s`` and ``results`` (OUT.json as the
command wrote it). A failing command, or one that did not write OUT.json
while it ran (a file left from earlier), stores nothing: one ``error:``
line and exit status 1.
"""
import argparse
import datetime
import json
import os
import os.path as osp
import platform
import shlex
import subprocess
import sys
import time

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def git(*args) -> str:
    return subprocess.run(['git', *args], cwd=REPO, capture_output=True,
                          text=True).stdout.strip()


def machine() -> dict:
    info = dict(platform=platform.platform(), python=platform.python_version(),
                cores=os.cpu_count())
    try:
        with open('/proc/cpuinfo') as f:
            names = [ln.split(':', 1)[1].strip() for ln in f
                     if ln.startswith('model name')]
        info['cpu'] = names[0] if names else platform.processor()
    except OSError:
        info['cpu'] = platform.processor()
    try:
        import torch
        info['torch'] = torch.__version__
        info['device'] = torch.cuda.get_device_name(0) \
            if torch.cuda.is_available() else 'cpu'
    except ImportError:  # pragma: no cover
        pass
    for var in ('OMP_NUM_THREADS', 'CUDA_VISIBLE_DEVICES'):
        if var in os.environ:
            info[var] = os.environ[var]
    return info


class RecordError(SystemExit):
    """A command whose result cannot be stored: one ``error:`` line from
    :func:`main` (a ``SystemExit``, as :func:`record` raised before, so a
    script calling it still stops)."""


def _stamp(path: str):
    """What tells whether ``path`` was (re)written: None if absent."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def record(name: str, result: str, command: list, out_dir: str) -> str:
    """Run ``command`` and store ``result`` under ``out_dir/NAME.json``;
    a ``RecordError`` (nothing stored) if the command fails or did not
    write ``result`` while it ran (an older file is never stored as its
    output)."""
    path = result if osp.isabs(result) else osp.join(REPO, result)
    before = _stamp(path)
    start = datetime.datetime.now(datetime.timezone.utc)
    tic = time.perf_counter()
    proc = subprocess.run(command, cwd=REPO)
    wall = time.perf_counter() - tic
    if proc.returncode != 0:
        raise RecordError(f'{shlex.join(command)} exited with '
                          f'{proc.returncode}; nothing stored')
    after = _stamp(path)
    if after is None:
        raise RecordError(f'the command wrote no {result}; nothing stored')
    written = datetime.datetime.fromtimestamp(after[2] / 1e9,
                                              datetime.timezone.utc)
    # 1 s of slack: file systems with coarse timestamps
    if after == before or written < start - datetime.timedelta(seconds=1):
        raise RecordError(
            f'--result {result} was not written by the command (last '
            f'written {written.isoformat(timespec="seconds")}, the command '
            f'started {start.isoformat(timespec="seconds")}); nothing '
            'stored')
    try:
        with open(path) as f:
            results = json.load(f)
    except ValueError as e:
        raise RecordError(f'--result {result} is not JSON ({e}); nothing '
                          'stored') from e
    entry = dict(command=shlex.join(command), commit=git('rev-parse', 'HEAD'),
                 dirty=bool(git('status', '--porcelain',
                                '--untracked-files=no')),
                 date=start.isoformat(timespec='seconds'), machine=machine(),
                 wall_s=round(wall, 1), results=results)
    os.makedirs(out_dir, exist_ok=True)
    out = osp.join(out_dir, f'{name}.json')
    with open(out, 'w') as f:
        json.dump(entry, f, indent=2)
        f.write('\n')
    return out


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # everything after '--' is the command (argparse's REMAINDER would also
    # swallow options given after NAME)
    split = argv.index('--') if '--' in argv else len(argv)
    argv, command = argv[:split], argv[split + 1:]
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n\n')[0],
        usage='%(prog)s NAME --result OUT.json [--out-dir DIR] -- COMMAND')
    parser.add_argument('name', help='file name under docs/results/, no '
                        'extension (e.g. benchmark_r50-dc5_20261126)')
    parser.add_argument('--result', required=True,
                        help='the JSON file the command writes')
    parser.add_argument('--out-dir', default=osp.join(REPO, 'docs',
                                                      'results'))
    args = parser.parse_args(argv)
    if not command:
        parser.error('no command given (put it after --)')
    try:
        stored = record(args.name, args.result, command, args.out_dir)
    except RecordError as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    print(f'stored {stored}')
    return 0


if __name__ == '__main__':
    sys.exit(main())

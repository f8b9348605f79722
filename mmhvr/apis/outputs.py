"""A tool's paths (its inputs, the outputs it will fill) checked before
its work starts, and the one ``error:`` line it ends with otherwise."""
import os
import os.path as osp
import sys
import tempfile
from typing import Optional, Sequence


def check_writable(path: str,
                   option: str,
                   extensions: Optional[Sequence[str]] = None) -> str:
    """Make sure a file can be written at ``path`` before spending time on
    its contents: the extension is one of ``extensions`` (when given), the
    path is not a folder, and its folder exists (it is created) and takes a
    new file. Raises ``ValueError`` naming ``option`` and the path.

    Returns:
        str: ``path``.
    """
    if extensions is not None and not path.lower().endswith(
            tuple(e.lower() for e in extensions)):
        raise ValueError(f'{option} {path}: the file must end with '
                         f'{" or ".join(extensions)}')
    if osp.isdir(path):
        raise ValueError(f'{option} {path} is a folder; give a file name')
    check_out_folder(path, option, create=True)
    return path


def check_out_folder(path: str, option: str, create: bool = False) -> str:
    """The folder of the output file ``path`` takes a new file: it exists
    (``create``: it is made, unless a file stands in its way) and a
    temporary file can be written there. Raises ``ValueError`` naming
    ``option``, the path and the folder.

    Returns:
        str: the folder (absolute).
    """
    folder = osp.dirname(osp.abspath(path))
    if create:
        probe = folder
        while not osp.exists(probe) and osp.dirname(probe) != probe:
            probe = osp.dirname(probe)
        if not osp.isdir(probe):  # makedirs would only say "File exists"
            raise ValueError(f'{option} {path}: cannot write into {folder}: '
                             f'{probe} is a file, not a folder')
    elif not osp.isdir(folder):
        raise ValueError(f'{option} {path}: directory {folder} does not '
                         'exist')
    try:
        if create:
            os.makedirs(folder, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as e:
        raise ValueError(f'{option} {path}: cannot write into {folder} '
                         f'({e.strerror or e})') from e
    return folder


def error(msg) -> int:
    """Print the one ``error: msg`` line of a failed tool on stderr.

    Returns:
        int: 1, the tool's exit status.
    """
    print(f'error: {msg}', file=sys.stderr)
    return 1


def check_tool_paths(config: str,
                     checkpoint: Optional[str] = None,
                     video: Optional[str] = None,
                     out: Optional[str] = None,
                     out_extensions: Optional[Sequence[str]] = None) -> None:
    """The config (and checkpoint, video file or frame folder, when given)
    exist and ``--out`` can be written: a ``ValueError`` naming the first
    path that fails, before a model is built."""
    for what, path in (('config', config), ('checkpoint', checkpoint)):
        if path is not None and not osp.isfile(path):
            raise ValueError(f'{what} {path} does not exist')
    if video is not None and not osp.exists(video):
        raise ValueError(f'--video {video}: no video file or frame folder')
    if out is not None:
        check_writable(out, '--out', out_extensions)

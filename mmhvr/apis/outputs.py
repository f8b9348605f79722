"""A tool's paths (its inputs, the outputs it will fill) checked before
its work starts."""
import os
import os.path as osp
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
    folder = osp.dirname(osp.abspath(path))
    probe = folder
    while not osp.exists(probe) and osp.dirname(probe) != probe:
        probe = osp.dirname(probe)
    if not osp.isdir(probe):  # makedirs would only say "File exists"
        raise ValueError(f'{option} {path}: cannot write into {folder}: '
                         f'{probe} is a file, not a folder')
    try:
        os.makedirs(folder, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as e:
        raise ValueError(f'{option} {path}: cannot write into {folder} '
                         f'({e.strerror or e})') from e
    return path


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

"""Atomic local writes for checkpoints and ``last_checkpoint``.

Nothing here changes mmengine for other code: the backend is registered
under its own name, ``atomic_local`` (mmengine's ``local`` backend stays
what it is), and only :class:`~mmhvr.engine.AtomicCheckpointHook` asks for
it.
"""
import os
import os.path as osp
import uuid
from pathlib import Path
from typing import Union

from mmengine.fileio import LocalBackend, register_backend
from mmengine.fileio.backends.registry_utils import backends

ATOMIC_BACKEND = 'atomic_local'


def atomic_write(data: bytes, filepath: Union[str, Path]) -> None:
    """Write ``data`` to ``filepath`` so that a reader (or a run killed in
    the middle) sees either the old file or the whole new one.

    The bytes go to a temporary file in the same folder (synced to disk),
    which is renamed over the target. The new file is created with mode
    ``0o666`` minus the process umask, as ``open(path, 'wb')`` would (not
    ``tempfile.mkstemp``'s 0600, which teammates could not read).
    """
    filepath = str(filepath)
    folder = osp.dirname(osp.abspath(filepath))
    os.makedirs(folder, exist_ok=True)
    tmp = osp.join(folder,
                   f'.{osp.basename(filepath)}.{uuid.uuid4().hex[:8]}.tmp')
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL |
                 getattr(os, 'O_BINARY', 0), 0o666)
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, filepath)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise


class AtomicLocalBackend(LocalBackend):
    """``LocalBackend`` whose writes are :func:`atomic_write`: a run killed
    while saving a checkpoint leaves the previous file intact, never a
    truncated one. Reads, listing and removal are ``LocalBackend``'s."""

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        atomic_write(obj, filepath)

    def put_text(self, obj: str, filepath: Union[str, Path],
                 encoding: str = 'utf-8') -> None:
        atomic_write(obj.encode(encoding), filepath)


def register_atomic_local_backend() -> None:
    """Register :class:`AtomicLocalBackend` as ``atomic_local`` (no prefix:
    it is used only when ``backend_args=dict(backend='atomic_local')``
    asks for it). Idempotent; never replaces another backend."""
    if ATOMIC_BACKEND not in backends:
        register_backend(ATOMIC_BACKEND, AtomicLocalBackend)

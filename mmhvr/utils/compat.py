"""Refuse an incompatible OpenMMLab stack at import time, as mmdet does for
mmcv and mmengine (``mmdet/__init__.py``), with the fix in the message."""
from importlib import metadata
from typing import Callable, Optional, Tuple

from mmengine.utils import digit_version

from ..version import MMCV_RANGE, MMDET_RANGE, MMENGINE_RANGE

REQUIRED = (('mmcv', MMCV_RANGE), ('mmengine', MMENGINE_RANGE),
            ('mmdet', MMDET_RANGE))


def installed_version(name: str) -> Optional[str]:
    """The installed version of distribution ``name``, None if absent."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def check_versions(get_version: Callable[[str], Optional[str]] =
                   installed_version,
                   required: Tuple = REQUIRED) -> None:
    """Raise ``ImportError`` naming the package, its version and the range
    mmhvr supports when an installed mmcv/mmengine/mmdet is out of range.

    A package that is not installed is not checked here: importing mmhvr's
    modules fails on it with Python's own message, and a missing mmcv is
    reported with the fix by :func:`mmhvr.utils.check_mmcv_ops`.
    """
    for name, (low, high) in required:
        version = get_version(name)
        if version is None:
            continue
        if not digit_version(low) <= digit_version(version) < \
                digit_version(high):
            raise ImportError(
                f'{name}=={version} is installed but mmhvr needs '
                f'{name}>={low},<{high}. Fix: pip install "{name}>={low},'
                f'<{high}"' + (' with its compiled ops (MMCV_WITH_OPS=1, '
                               'see tools/setup_env.sh)'
                               if name == 'mmcv' else ''))

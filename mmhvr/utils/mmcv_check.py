"""Fail early, and say how to fix it, when mmcv lacks its compiled ops."""

FIX_COMMAND = 'bash tools/setup_env.sh'


class MMCVOpsMissingError(ImportError):
    """mmcv is installed without the compiled ops that mmhvr needs."""


def check_mmcv_ops() -> None:
    """Raise :class:`MMCVOpsMissingError` unless ``mmcv.ops`` (RoIAlign, NMS)
    imports with its compiled extension."""
    try:
        import mmcv
    except ImportError as e:
        raise MMCVOpsMissingError(
            'mmcv is not installed. mmhvr needs mmcv==2.1.0 built with its '
            f'ops (RoIAlign, NMS). Run: {FIX_COMMAND}') from e
    try:
        import mmcv._ext  # noqa: F401
        from mmcv.ops import RoIAlign, nms  # noqa: F401
    except (ImportError, ModuleNotFoundError, OSError) as e:
        raise MMCVOpsMissingError(
            f'mmcv {mmcv.__version__} is installed without its compiled ops '
            f'(mmcv._ext: {e}); this happens with mmcv-lite or a pip wheel '
            'built without MMCV_WITH_OPS=1. mmhvr needs RoIAlign and NMS. '
            'Fix it with: pip uninstall -y mmcv mmcv-lite && '
            f'{FIX_COMMAND}  (it runs MMCV_WITH_OPS=1 pip install '
            '--no-build-isolation mmcv==2.1.0)') from e

import datetime
import warnings

from mmengine import DefaultScope


def register_all_modules(init_default_scope: bool = True) -> None:
    """Register mmdet's and mmhvr's modules into their registries.

    Args:
        init_default_scope (bool): make ``mmhvr`` the current default scope,
            so that configs without ``default_scope`` still find mmhvr's
            modules. Defaults to True.
    """
    from .mmcv_check import check_mmcv_ops
    check_mmcv_ops()

    from mmdet.utils import register_all_modules as register_mmdet
    register_mmdet(init_default_scope=False)

    import mmhvr.datasets  # noqa: F401,F403
    import mmhvr.engine  # noqa: F401,F403
    import mmhvr.evaluation  # noqa: F401,F403
    import mmhvr.models  # noqa: F401,F403
    import mmhvr.visualization  # noqa: F401,F403

    if init_default_scope:
        never_created = DefaultScope.get_current_instance() is None \
            or not DefaultScope.check_instance_created('mmhvr')
        if never_created:
            DefaultScope.get_instance('mmhvr', scope_name='mmhvr')
            return
        current_scope = DefaultScope.get_current_instance()
        if current_scope.scope_name != 'mmhvr':
            warnings.warn('The current default scope '
                          f'"{current_scope.scope_name}" is not "mmhvr", '
                          '`register_all_modules` will force the current'
                          'default scope to be "mmhvr". If this is not '
                          'expected, please set `init_default_scope=False`.')
            new_instance_name = f'mmhvr-{datetime.datetime.now()}'
            DefaultScope.get_instance(new_instance_name, scope_name='mmhvr')

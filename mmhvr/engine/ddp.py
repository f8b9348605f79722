from mmengine.model import MMDistributedDataParallel
from mmengine.registry import MODEL_WRAPPERS as ROOT_MODEL_WRAPPERS


# mmengine's runner looks model wrappers up in its root registry only
@ROOT_MODEL_WRAPPERS.register_module()
class DeviceAwareDistributedDataParallel(MMDistributedDataParallel):
    """mmengine's DDP wrapper that also runs on the CPU (gloo).

    mmengine passes ``device_ids=[LOCAL_RANK]``, which DDP refuses for a
    module on the CPU; there the ids are dropped.
    """

    def __init__(self, module, device_ids=None, **kwargs) -> None:
        if next(module.parameters()).device.type == 'cpu':
            device_ids = None
        super().__init__(module=module, device_ids=device_ids, **kwargs)

import os.path as osp

import pytest

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = osp.join(REPO, 'configs', 'hvrnet')
TOY_STAGE1 = osp.join(CONFIGS, 'hvrnet_faster-rcnn_r18-dc5_stage1_toyvid.py')
TOY_STAGE2 = osp.join(CONFIGS, 'hvrnet_faster-rcnn_r18-dc5_stage2_toyvid.py')


@pytest.fixture(scope='session', autouse=True)
def _register():
    import mmhvr
    mmhvr.register_all_modules()

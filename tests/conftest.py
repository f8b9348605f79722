import os.path as osp
import sys

import pytest

# tests import their shared paths from tests/tests_helpers.py
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))


@pytest.fixture(scope='session', autouse=True)
def _register():
    import mmhvr
    mmhvr.register_all_modules()


@pytest.fixture(scope='session')
def toy_data(tmp_path_factory):
    """A tiny toy VID set: 15 train videos, 3 val videos, 5 frames each."""
    from mmhvr.datasets.toy_vid import make_toy_vid
    root = tmp_path_factory.mktemp('toy_vid')
    make_toy_vid(str(root), seed=1, num_train_videos=15, num_val_videos=3,
                 num_frames=5)
    return str(root)

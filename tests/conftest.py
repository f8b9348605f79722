import os
import os.path as osp
import sys

import pytest

# tests import their shared paths from tests/tests_helpers.py
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))

try:  # property tests (tests/*/test_*_properties.py)
    from hypothesis import settings
except ImportError:  # pragma: no cover - the tests extra installs it
    pass
else:
    # 'ci' (default): the same examples on every run (derandomize), no
    # example database written into the checkout; 'explore': new random
    # examples each run (HYPOTHESIS_PROFILE=explore), see docs/testing.md
    settings.register_profile('ci', derandomize=True, database=None,
                              deadline=None, print_blob=True)
    settings.register_profile('explore', database=None, deadline=None,
                              print_blob=True)
    settings.load_profile(os.environ.get('HYPOTHESIS_PROFILE', 'ci'))


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


@pytest.fixture(scope='session')
def stage1_run(toy_data, tmp_path_factory):
    """A toy stage-1 model trained 2 iterations by tools/train.py."""
    from tests_helpers import TOY1, data_opts, run_tool
    work = tmp_path_factory.mktemp('stage1')
    run_tool(['tools/train.py', TOY1, '--work-dir', str(work),
              '--cfg-options', 'train_cfg.max_iters=2',
              'train_cfg.val_interval=2', 'default_hooks.checkpoint.interval=2',
              'default_hooks.logger.interval=1'] + data_opts(toy_data))
    ckpt = work / 'iter_2.pth'
    assert ckpt.exists()
    return work, ckpt

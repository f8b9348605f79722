"""``--cfg-options``: what mmengine accepts is accepted; likely typos warn."""
import warnings

import pytest
from mmengine.config import Config

from mmhvr.apis.runner_utils import check_cfg_options
from tests_helpers import TOY1, run_tool


def _check(options):
    cfg = Config.fromfile(TOY1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        issued = check_cfg_options(cfg, options)
    cfg.merge_from_dict(options)
    return cfg, issued, [str(w.message) for w in caught]


def test_new_keys_mmengine_accepts_pass_without_warning():
    options = {'randomness.deterministic': True,
               'default_hooks.checkpoint.save_best': 'auto',
               'default_hooks.visualization.draw': True,
               'train_cfg.max_iters': 3}
    cfg, issued, caught = _check(options)
    assert issued == [] and caught == []
    assert cfg.randomness.deterministic is True
    assert cfg.default_hooks.checkpoint.save_best == 'auto'
    assert cfg.default_hooks.visualization.draw is True


@pytest.mark.parametrize('key,closest', [
    ('train_cfg.max_iter', 'train_cfg.max_iters'),
    ('trian_cfg.max_iters', 'train_cfg.max_iters'),
    ('default_hooks.checkpoint.intervall',
     'default_hooks.checkpoint.interval'),
])
def test_likely_typo_warns_with_the_closest_key(key, closest):
    cfg, issued, caught = _check({key: 2})
    assert len(issued) == 1 and len(caught) == 1
    assert key in caught[0] and f'Did you mean {closest}?' in caught[0]
    # accepted all the same, as mmengine does
    assert cfg[key.split('.')[0]] is not None


def test_cli_accepts_new_key_and_warns_on_typo():
    proc = run_tool(['tools/misc/print_config.py', TOY1, '--cfg-options',
                     'randomness.deterministic=True', 'train_cfg.max_iter=2'])
    assert "deterministic=True" in proc.stdout
    assert 'Did you mean train_cfg.max_iters?' in proc.stderr
    assert 'randomness.deterministic' not in proc.stderr

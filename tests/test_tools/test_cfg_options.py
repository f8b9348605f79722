"""``--cfg-options``: a key the config has is replaced, a new key that
resembles no existing one is added (as mmengine does), a new key that looks
like a typo of an existing one is an error naming the closest key, and
``+key=value`` adds a genuinely new key (issue 19)."""
import pytest
from mmengine.config import Config

from mmhvr.apis.runner_utils import check_cfg_options
from tests_helpers import TOY1, run_tool


def _merge(options):
    cfg = Config.fromfile(TOY1)
    cfg.merge_from_dict(check_cfg_options(cfg, options))
    return cfg


def test_new_keys_mmengine_accepts_pass():
    cfg = _merge({'randomness.deterministic': True,
                  'default_hooks.checkpoint.save_best': 'auto',
                  'default_hooks.visualization.draw': True,
                  'train_cfg.max_iters': 3})
    assert cfg.randomness.deterministic is True
    assert cfg.default_hooks.checkpoint.save_best == 'auto'
    assert cfg.default_hooks.visualization.draw is True
    assert cfg.train_cfg.max_iters == 3


@pytest.mark.parametrize('key,closest', [
    ('train_cfg.max_iter', 'train_cfg.max_iters'),
    ('trian_cfg.max_iters', 'train_cfg.max_iters'),
    ('train_cfgs.max_iters', 'train_cfg.max_iters'),
    ('default_hooks.checkpoint.intervall',
     'default_hooks.checkpoint.interval'),
    ('model.test_cfg.branc', 'model.test_cfg.branch'),
])
def test_likely_typo_is_an_error_naming_the_closest_key(key, closest):
    with pytest.raises(ValueError) as e:
        _merge({key: 2})
    assert f'--cfg-options {key}:' in str(e.value)
    assert f'did you mean {closest}?' in str(e.value)
    assert f'+{key}=' in str(e.value)  # how to add it anyway
    # with the + prefix it is added as written, the old key kept
    cfg = _merge({f'+{key}': 2})
    node = cfg
    for part in key.split('.'):
        node = node[part]
    assert node == 2


def test_text_for_a_number_is_refused():
    with pytest.raises(ValueError, match=r'max_iters=abc: .* \(600\)'):
        _merge({'train_cfg.max_iters': 'abc'})
    assert _merge({'train_cfg.max_iters': 5}).train_cfg.max_iters == 5


def test_cli_accepts_new_key_and_refuses_a_typo():
    proc = run_tool(['tools/misc/print_config.py', TOY1, '--cfg-options',
                     'randomness.deterministic=True',
                     '+model.test_cfg.my_option=7'])
    assert 'deterministic=True' in proc.stdout
    assert 'my_option=7' in proc.stdout
    proc = run_tool(['tools/misc/print_config.py', TOY1, '--cfg-options',
                     'train_cfg.max_iter=2'], check=False)
    assert proc.returncode == 1
    (line, ) = [ln for ln in proc.stderr.splitlines()
                if ln.startswith('error:')]
    assert 'did you mean train_cfg.max_iters?' in line
    assert 'Config:' not in proc.stdout
    help_text = run_tool(['tools/train.py', '--help']).stdout
    assert '+key=value' in help_text.replace('\n', ' ').replace('  ', ' ')

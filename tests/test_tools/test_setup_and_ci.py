"""The README's commands, CI and the install checks agree."""
import builtins
import os.path as osp
import re
import subprocess

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def readme_commands():
    text = open(osp.join(REPO, 'README.md')).read()
    block = re.search(r'```bash\n(.*?)```', text, re.S).group(1)
    return [ln for ln in block.splitlines() if ln and not ln.startswith('#')]


def test_readme_has_two_commands_and_ci_runs_the_test_one():
    commands = readme_commands()
    assert len(commands) == 2
    assert commands[0].startswith('bash tools/quickstart.sh')
    ci = open(osp.join(REPO, '.ci', 'run')).read()
    assert commands[1] in ci.splitlines(), \
        '.ci/run must run the README test command verbatim'


def test_setup_script_is_valid_bash_and_pins_the_stack():
    script = osp.join(REPO, 'tools', 'setup_env.sh')
    subprocess.run(['bash', '-n', script], check=True)
    text = open(script).read()
    for pin in ('MMCV_VERSION=2.1.0', 'MMDET_VERSION=3.3.0',
                'MMENGINE_VERSION=0.10.7', 'MMCV_WITH_OPS=1',
                '--no-build-isolation', "'setuptools<70'", 'FORCE_CUDA=1'):
        assert pin in text, pin


def test_import_and_register():
    import mmhvr
    mmhvr.register_all_modules()
    from mmhvr.registry import MODELS
    assert MODELS.get('HVRDetector') is not None
    assert mmhvr.__version__


def test_missing_mmcv_ops_gives_the_fix(monkeypatch):
    from mmhvr.utils import MMCVOpsMissingError, check_mmcv_ops
    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == 'mmcv._ext' or (name == 'mmcv' and args and args[2]
                                   and '_ext' in args[2]):
            raise ImportError('libmmcv: no module named mmcv._ext')
        return real_import(name, *args, **kwargs)

    monkeypatch.delitem(__import__('sys').modules, 'mmcv._ext',
                        raising=False)
    monkeypatch.setattr(builtins, '__import__', fake_import)
    with pytest.raises(MMCVOpsMissingError) as err:
        check_mmcv_ops()
    msg = str(err.value)
    assert 'without its compiled ops' in msg
    assert 'bash tools/setup_env.sh' in msg
    assert 'MMCV_WITH_OPS=1' in msg


def test_dist_scripts_use_torchrun():
    for name in ('dist_train.sh', 'dist_test.sh'):
        text = open(osp.join(REPO, 'tools', name)).read()
        assert 'torch.distributed.run' in text
        assert '--launcher pytorch' in text
        for var in ('NNODES', 'NODE_RANK', 'MASTER_ADDR', 'PORT'):
            assert var in text
        subprocess.run(['bash', '-n', osp.join(REPO, 'tools', name)],
                       check=True)

"""The package builds, ships what it needs and installs (no network)."""
import email
import os
import os.path as osp
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile

import pytest

from tests_helpers import REPO


def _req_lines(name):
    with open(osp.join(REPO, 'requirements', name)) as f:
        return [ln.strip() for ln in f
                if ln.strip() and not ln.startswith('#')]


def _tracked_copy(dst):
    """The repository's tracked and new (not ignored) files, nothing built:
    what a fresh clone has."""
    files = subprocess.run(
        ['git', 'ls-files', '--cached', '--others', '--exclude-standard'],
        cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    for rel in files:
        src = osp.join(REPO, rel)
        if not osp.isfile(src) or rel.startswith('tests/'):
            continue
        os.makedirs(osp.dirname(osp.join(dst, rel)) or dst, exist_ok=True)
        shutil.copy2(src, osp.join(dst, rel))
    return dst


def _run(cmd, cwd, **kw):
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True,
                          env=dict(os.environ, OMP_NUM_THREADS='1'), **kw)
    assert proc.returncode == 0, f'{cmd}:\n{proc.stdout[-2000:]}\n' \
                                 f'{proc.stderr[-3000:]}'
    return proc


@pytest.fixture(scope='module')
def sdist(tmp_path_factory):
    src = _tracked_copy(str(tmp_path_factory.mktemp('src')))
    _run([sys.executable, 'setup.py', '-q', 'sdist', '-d', 'dist'], src)
    (path, ) = [osp.join(src, 'dist', f) for f in os.listdir(
        osp.join(src, 'dist'))]
    return path


@pytest.fixture(scope='module')
def wheel(sdist, tmp_path_factory):
    """A wheel built from the unpacked sdist (as pip would)."""
    work = tmp_path_factory.mktemp('unpacked')
    with tarfile.open(sdist) as tar:
        tar.extractall(work, filter='data')
    (root, ) = [osp.join(work, d) for d in os.listdir(work)]
    _run([sys.executable, '-m', 'pip', 'wheel', '-q', '--no-deps',
          '--no-build-isolation', '-w', str(work / 'wheels'), root], work)
    (path, ) = [osp.join(work, 'wheels', f)
                for f in os.listdir(work / 'wheels')]
    return path


def test_sdist_ships_requirements_license_and_mim_files(sdist):
    names = {n.split('/', 1)[1] for n in tarfile.open(sdist).getnames()
             if '/' in n}
    for need in ('LICENSE', 'setup.py', 'requirements/runtime.txt',
                 'requirements/tests.txt', 'requirements/optional.txt',
                 'requirements/mminstall.txt', 'requirements.txt',
                 'mmhvr/.mim/model-index.yml',
                 'mmhvr/.mim/configs/hvrnet/metafile.yml',
                 'mmhvr/.mim/configs/hvrnet/'
                 'hvrnet_faster-rcnn_r18-dc5_stage1_toyvid.py',
                 'mmhvr/.mim/configs/_base_/default_runtime.py',
                 'mmhvr/.mim/tools/train.py', 'mmhvr/.mim/tools/test.py',
                 # the ablation variants and their runner, the docs the
                 # README links to
                 'mmhvr/.mim/configs/hvrnet/ablation/'
                 'hvrnet_r18-dc5_stage2_toyvid.py',
                 'mmhvr/.mim/tools/analysis_tools/run_ablation.py',
                 'docs/design.md', 'docs/tools.md',
                 'docs/results/ablation.md',
                 'docs/results/hvr_ablation_subtle-v3_20261126.json'):
        assert need in names, f'{need} missing from {osp.basename(sdist)}'
    assert not any('__pycache__' in n for n in names)
    license_text = tarfile.open(sdist).extractfile(
        [m for m in tarfile.open(sdist).getmembers()
         if m.name.endswith('/LICENSE')][0]).read().decode()
    assert 'Apache License' in license_text and 'Version 2.0' in license_text


def test_wheel_metadata_ranges_extras_and_one_opencv(wheel):
    with zipfile.ZipFile(wheel) as z:
        meta_name = [n for n in z.namelist()
                     if n.endswith('.dist-info/METADATA')][0]
        meta = email.message_from_string(z.read(meta_name).decode())
        names = z.namelist()
    requires = meta.get_all('Requires-Dist')
    plain = [r for r in requires if 'extra ==' not in r]
    assert any(re.match(r'mmdet *<3\.4\.0, *>=3\.3\.0|mmdet *>=3\.3\.0, *'
                        r'<3\.4\.0', r) for r in plain), plain
    assert not any(r.startswith('mmcv') for r in plain)  # built with ops
    opencv = [r for r in plain if r.startswith('opencv')]
    assert len(opencv) == 1 and opencv[0].startswith('opencv-python')
    assert 'headless' not in opencv[0]
    assert {'tests', 'optional', 'all'} <= set(meta.get_all(
        'Provides-Extra'))
    assert any(n.endswith('LICENSE') for n in names)
    assert 'mmhvr/.mim/tools/train.py' in names
    assert 'mmhvr/.mim/configs/hvrnet/metafile.yml' in names


def test_wheel_installs_in_a_fresh_venv_and_imports(wheel, tmp_path):
    venv = tmp_path / 'venv'
    _run([sys.executable, '-m', 'venv', '--without-pip', str(venv)],
         tmp_path)
    py = str(venv / 'bin' / 'python')
    # mmhvr's dependencies come from this environment (no network): a path
    # entry after the fresh venv's own site-packages
    fresh_site = subprocess.run(
        [py, '-c', 'import sysconfig; print(sysconfig.get_paths()'
         '["purelib"])'], capture_output=True, text=True,
        check=True).stdout.strip()
    with open(osp.join(fresh_site, 'deps.pth'), 'w') as f:
        f.write(sysconfig.get_paths()['purelib'] + '\n')
    _run([sys.executable, '-m', 'pip', '--python', py, 'install', '-q',
          '--no-deps', '--no-build-isolation', '--no-index', wheel],
         tmp_path)
    proc = _run([py, '-c', 'import os, mmhvr; '
                 'print(mmhvr.__version__); print(mmhvr.__file__); '
                 'from mmhvr.registry import MODELS; '
                 'print(os.path.isdir(os.path.join(os.path.dirname('
                 'mmhvr.__file__), ".mim", "configs", "hvrnet")))'],
                tmp_path)
    version, path, has_configs = proc.stdout.split()
    assert path.startswith(str(venv)), path  # the wheel's copy, not REPO's
    assert has_configs == 'True'


def test_version_ranges_agree_with_requirements():
    from mmhvr.version import MMCV_RANGE, MMDET_RANGE, MMENGINE_RANGE
    runtime = _req_lines('runtime.txt')
    assert f'mmdet>={MMDET_RANGE[0]},<{MMDET_RANGE[1]}' in runtime
    assert f'mmengine>={MMENGINE_RANGE[0]},<{MMENGINE_RANGE[1]}' in runtime
    assert _req_lines('mminstall.txt') == [
        f'mmcv>={MMCV_RANGE[0]},<{MMCV_RANGE[1]}']
    # no exact pins outside the set-up script's tested versions
    assert not any('==' in ln for ln in runtime)


def test_incompatible_stack_is_refused_with_the_fix():
    from mmhvr.utils.compat import check_versions
    ok = {'mmcv': '2.1.0', 'mmengine': '0.10.7', 'mmdet': '3.3.0'}
    check_versions(ok.get)
    check_versions({'mmcv': None, **{k: v for k, v in ok.items()
                                     if k != 'mmcv'}}.get)  # absent
    for name, bad in (('mmcv', '2.2.0'), ('mmengine', '0.9.1'),
                      ('mmdet', '3.4.0')):
        versions = dict(ok, **{name: bad})
        with pytest.raises(ImportError) as err:
            check_versions(versions.get)
        msg = str(err.value)
        assert f'{name}=={bad}' in msg and 'pip install' in msg


def test_one_opencv_package_everywhere():
    """mmengine requires opencv-python; asking for the headless one too
    installs two packages that both ship cv2."""
    from importlib import metadata
    engine = [r for r in metadata.requires('mmengine') or []
              if r.startswith('opencv') and 'extra' not in r]
    wanted = re.split(r'[<>=;\s]', engine[0])[0] if engine else \
        'opencv-python'
    for name in ('runtime.txt', 'tests.txt', 'optional.txt',
                 'mminstall.txt'):
        for ln in _req_lines(name):
            if ln.startswith('opencv'):
                assert re.split(r'[<>=;\s]', ln)[0] == wanted, (name, ln)
    setup_env = open(osp.join(REPO, 'tools', 'setup_env.sh')).read()
    assert 'headless' not in setup_env


def test_requirements_txt_is_installable_without_building_mmcv():
    lines = [ln.strip() for ln in open(osp.join(REPO, 'requirements.txt'))
             if ln.strip() and not ln.startswith('#')]
    for ln in lines:
        assert ln.startswith('-r '), ln
        name = ln[3:]
        assert osp.isfile(osp.join(REPO, name)), name
        assert 'mminstall' not in name  # mmcv: built by tools/setup_env.sh

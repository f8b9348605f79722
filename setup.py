"""mmhvr's package: ``pip install .`` (mmcv with its ops first:
``bash tools/setup_env.sh``). Like mmdet, the configs, tools and demo are
shipped inside the package (``mmhvr/.mim``) for ``mim train mmhvr CONFIG``."""
import os
import os.path as osp
import shutil
import sys
import warnings

from setuptools import find_packages, setup

ROOT = osp.dirname(osp.abspath(__file__))
MIM_FILES = ('tools', 'configs', 'demo', 'model-index.yml')


def read_requirements(path):
    """Requirement lines of ``path`` (comments, blanks and ``-r`` lines
    skipped)."""
    with open(osp.join(ROOT, path)) as f:
        return [ln.strip() for ln in f
                if ln.strip() and not ln.lstrip().startswith(('#', '-'))]


def get_version():
    scope = {}
    with open(osp.join(ROOT, 'mmhvr', 'version.py')) as f:
        exec(f.read(), scope)
    return scope['__version__']


def add_mim_extension():
    """Put the tools, configs, demo and model index into ``mmhvr/.mim``:
    symlinks for an editable install (``setup.py develop``), copies for an
    sdist or a wheel (as mmdet's setup.py does)."""
    if 'develop' in sys.argv:
        mode = 'copy' if sys.platform == 'win32' else 'symlink'
    elif {'sdist', 'bdist_wheel', 'build', 'build_py'} & set(sys.argv):
        mode = 'copy'
    else:
        return
    mim_path = osp.join(ROOT, 'mmhvr', '.mim')
    os.makedirs(mim_path, exist_ok=True)
    for name in MIM_FILES:
        src = osp.join(ROOT, name)
        if not osp.exists(src):
            continue  # building from an sdist: .mim is already filled
        dst = osp.join(mim_path, name)
        if osp.islink(dst) or osp.isfile(dst):
            os.remove(dst)
        elif osp.isdir(dst):
            shutil.rmtree(dst)
        if mode == 'symlink':
            os.symlink(osp.relpath(src, mim_path), dst)
        elif osp.isfile(src):
            shutil.copyfile(src, dst)
        else:
            shutil.copytree(
                src, dst,
                ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))
    if mode == 'copy' and not osp.isdir(osp.join(mim_path, 'configs')):
        warnings.warn(f'{mim_path} has no configs: `mim train mmhvr` will '
                      'not find them')


if __name__ == '__main__':
    add_mim_extension()
    tests = read_requirements('requirements/tests.txt')
    optional = read_requirements('requirements/optional.txt')
    setup(
        name='mmhvr',
        version=get_version(),
        description='Video object detection (HVR-Net) for the OpenMMLab 2.0 '
        'stack',
        long_description=open(osp.join(ROOT, 'README.md')).read(),
        long_description_content_type='text/markdown',
        keywords='computer vision, video object detection, HVR-Net',
        packages=find_packages(exclude=('configs', 'tools', 'demo', 'tests',
                                        'tests.*')),
        include_package_data=True,
        python_requires='>=3.8',
        classifiers=[
            'License :: OSI Approved :: Apache Software License',
            'Operating System :: OS Independent',
            'Programming Language :: Python :: 3',
        ],
        license='Apache License 2.0',
        # mmcv (requirements/mminstall.txt) must be built with its ops, so it
        # is checked when mmhvr is imported, not installed by pip
        install_requires=read_requirements('requirements/runtime.txt'),
        extras_require={
            'tests': tests,
            'optional': optional,
            'mim': read_requirements('requirements/mminstall.txt'),
            'all': tests + optional,
        },
        zip_safe=False)

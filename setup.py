from setuptools import find_packages, setup


def read_requirements(path):
    with open(path) as f:
        return [ln.strip() for ln in f if ln.strip() and not ln.startswith(('#', '-'))]


def get_version():
    scope = {}
    with open('mmhvr/version.py') as f:
        exec(f.read(), scope)
    return scope['__version__']


setup(
    name='mmhvr',
    version=get_version(),
    description='Video object detection (HVR-Net) for the OpenMMLab 2.0 stack',
    long_description=open('README.md').read(),
    long_description_content_type='text/markdown',
    packages=find_packages(exclude=('configs', 'tools', 'demo', 'tests')),
    python_requires='>=3.8',
    # mmcv must be built with its ops (tools/setup_env.sh), so it is not a pip
    # requirement here: pip would pick mmcv-lite-like wheels or rebuild it.
    install_requires=read_requirements('requirements/runtime.txt') +
    ['mmdet==3.3.0', 'mmengine==0.10.7'],
    extras_require={'tests': read_requirements('requirements/tests.txt')},
    license='Apache License 2.0',
    zip_safe=False)

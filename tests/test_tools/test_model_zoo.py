"""configs/hvrnet/README.md + metafile.yml list every config, truthfully."""
import glob
import os.path as osp

import yaml

from tests_helpers import REPO

ZOO = osp.join(REPO, 'configs', 'hvrnet')


def _configs():
    return sorted(osp.basename(p) for p in glob.glob(osp.join(ZOO, '*.py')))


def test_metafile_lists_every_config_and_paths_exist():
    meta = yaml.safe_load(open(osp.join(ZOO, 'metafile.yml')))
    models = meta['Models']
    listed = sorted(osp.basename(m['Config']) for m in models)
    assert listed == _configs()
    for m in models:
        assert osp.isfile(osp.join(REPO, m['Config'])), m['Config']
        assert m['Name'] == osp.splitext(osp.basename(m['Config']))[0]
        assert m['In Collection'] == 'HVR-Net'
        # nothing is published: no weights, and the ImageNet VID models
        # say they were not trained here
        assert 'Weights' not in m
        if 'imagenetvid' in m['Name']:
            assert 'not trained here' in m['Metadata']['Status']
            assert 'Results' not in m
    index = yaml.safe_load(open(osp.join(REPO, 'model-index.yml')))
    assert index['Import'] == ['configs/hvrnet/metafile.yml']


def test_readme_lists_every_config():
    text = open(osp.join(ZOO, 'README.md')).read()
    for name in _configs():
        assert f'({name})' in text, f'{name} is not on the model zoo page'
    for line in text.splitlines():
        if 'imagenetvid.py)' in line:
            assert 'not trained here' in line, line

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


PORTED = ('selsa', 'temporal_roi_align', 'fgfa', 'dff')


def test_model_index_imports_every_metafile():
    index = yaml.safe_load(open(osp.join(REPO, 'model-index.yml')))
    assert sorted(index['Import']) == sorted(
        osp.relpath(p, REPO)
        for p in glob.glob(osp.join(REPO, 'configs', '*', 'metafile.yml')))
    assert 'configs/hvrnet/metafile.yml' in index['Import']
    for method in PORTED:
        assert f'configs/{method}/metafile.yml' in index['Import']


def test_ported_methods_list_every_imagenet_config_as_mmtracking_figures():
    for method in PORTED:
        folder = osp.join(REPO, 'configs', method)
        meta = yaml.safe_load(open(osp.join(folder, 'metafile.yml')))
        listed = sorted(osp.basename(m['Config']) for m in meta['Models'])
        assert listed == sorted(
            osp.basename(p)
            for p in glob.glob(osp.join(folder, '*_imagenetvid.py')))
        for m in meta['Models']:
            assert osp.isfile(osp.join(REPO, m['Config'])), m['Config']
            assert m['Name'] == osp.splitext(osp.basename(m['Config']))[0]
            # published figures are MMTracking's, never claimed as ours
            status = m['Metadata']['Status']
            assert 'not trained here' in status and 'MMTracking' in status


def test_readme_lists_every_config():
    text = open(osp.join(ZOO, 'README.md')).read()
    for name in _configs():
        assert f'({name})' in text, f'{name} is not on the model zoo page'
    for line in text.splitlines():
        if 'imagenetvid.py)' in line:
            assert 'not trained here' in line, line

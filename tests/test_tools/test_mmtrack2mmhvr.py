"""tools/model_converters/mmtrack2mmhvr.py and its key table
(mmhvr/models/utils/mmtrack_keys.py): every MMTracking key consumed, every
mmhvr parameter filled, or one error line and nothing written; class names
kept; OUT not replaced without --force."""
import json
import os.path as osp

import pytest
import torch

from mmtrack_equivalence import (FIX, load_tool, mmtrack_state,
                                 reference, write_mmtrack_checkpoint)
from mmhvr.models.utils import mmtrack_keys as mk

TOOL = 'tools/model_converters/mmtrack2mmhvr.py'


@pytest.fixture(scope='module')
def tool():
    return load_tool(TOOL)


def error_lines(err):
    return [ln for ln in err.splitlines() if ln.startswith('error:')]


def stored_keys(method):
    with open(osp.join(FIX, 'keys', f'{method}.json')) as f:
        return [k for k, _, _ in json.load(f)['keys']]


@pytest.mark.parametrize('method',
                         ['faster_rcnn', 'selsa', 'temporal_roi_align'])
def test_method_read_from_the_keys(method):
    assert mk.detect_method(stored_keys(method)) == method
    shapes = {k: s for k, s, _ in json.load(
        open(osp.join(FIX, 'keys', f'{method}.json')))['keys']}
    assert mk.detect_backbone(shapes) == 'r50'


def test_backbone_variants_read_from_the_keys():
    assert mk.detect_backbone({
        'detector.backbone.layer3.22.conv1.weight': (256, 1024, 1, 1),
        'detector.backbone.layer1.0.conv1.weight': (64, 64, 1, 1)}) == 'r101'
    assert mk.detect_backbone({
        'detector.backbone.layer3.22.conv1.weight': (1024, 1024, 1, 1),
        'detector.backbone.layer1.0.conv1.weight': (256, 64, 1, 1)}) == 'x101'


def test_aggregator_keys_map_to_relation_block():
    assert mk.map_key('detector.roi_head.bbox_head.aggregator.1.ref_fc.bias',
                      'selsa') == 'roi_head.bbox_head.aggregator.1.value.bias'
    assert mk.map_key('detector.roi_head.bbox_head.aggregator.0.fc.weight',
                      'selsa') == 'roi_head.bbox_head.aggregator.0.out.weight'
    assert mk.map_key('detector.roi_head.bbox_head.aggregator.0.fc.weight',
                      'faster_rcnn') is None


def test_selsa_checkpoint_converts_fills_the_model_keeps_classes(
        tool, tmp_path, capsys):
    src = write_mmtrack_checkpoint('selsa', str(tmp_path / 'in.pth'))
    out = str(tmp_path / 'out.pth')
    assert tool.main([src, out]) == 0
    ckpt = torch.load(out, weights_only=True)
    assert ckpt['meta']['dataset_meta']['classes'] == \
        reference('selsa')['classes']
    state = mmtrack_state('selsa')
    assert len(ckpt['state_dict']) == len(state)
    torch.testing.assert_close(
        ckpt['state_dict']['roi_head.bbox_head.aggregator.1.key.weight'],
        state['detector.roi_head.bbox_head.aggregator.1.ref_fc_embed.weight'])
    torch.testing.assert_close(ckpt['state_dict']['backbone.conv1.weight'],
                               state['detector.backbone.conv1.weight'])
    assert not error_lines(capsys.readouterr().err)


def test_missing_and_unexpected_key_one_error_nothing_written(
        tool, tmp_path, capsys):
    state = mmtrack_state('selsa')
    del state['detector.roi_head.bbox_head.aggregator.1.fc.weight']
    state['detector.roi_head.bbox_head.extra_fc.weight'] = torch.zeros(2, 2)
    src = write_mmtrack_checkpoint('selsa', str(tmp_path / 'in.pth'), state)
    out = tmp_path / 'out.pth'
    assert tool.main([src, str(out)]) == 1
    (line, ) = error_lines(capsys.readouterr().err)
    assert src in line and '(selsa)' in line
    assert 'detector.roi_head.bbox_head.extra_fc.weight' in line
    assert 'roi_head.bbox_head.aggregator.1.out.weight' in line
    assert '1 key(s) not consumed' in line and '1 parameter(s)' in line
    assert not out.exists() and not osp.exists(str(out) + '.tmp')


def test_wrong_method_lists_what_it_leaves(tool, tmp_path, capsys):
    src = write_mmtrack_checkpoint('faster_rcnn', str(tmp_path / 'in.pth'))
    out = tmp_path / 'out.pth'
    assert tool.main([src, str(out), '--method', 'selsa']) == 1
    (line, ) = error_lines(capsys.readouterr().err)
    # SELSA's 16 aggregator tensors are not in a single-frame checkpoint
    assert '16 parameter(s) of the model not filled' in line
    assert 'roi_head.bbox_head.aggregator.0.query.weight' in line
    assert not out.exists()


def test_existing_output_needs_force(tool, tmp_path, capsys):
    src = write_mmtrack_checkpoint('faster_rcnn', str(tmp_path / 'in.pth'))
    out = tmp_path / 'out.pth'
    out.write_bytes(b'keep me')
    assert tool.main([src, str(out)]) == 1
    (line, ) = error_lines(capsys.readouterr().err)
    assert str(out) in line and '--force' in line
    assert out.read_bytes() == b'keep me'
    assert tool.main([src, str(out), '--force']) == 0
    assert torch.load(str(out), weights_only=True)['meta'][
        'mmtrack_method'] == 'faster_rcnn'


def test_unreadable_input_is_one_error(tool, tmp_path, capsys):
    bad = tmp_path / 'bad.pth'
    bad.write_bytes(b'garbage')
    assert tool.main([str(bad), str(tmp_path / 'out.pth')]) == 1
    (line, ) = error_lines(capsys.readouterr().err)
    assert str(bad) in line


def test_every_config_of_the_table_builds_r101_x101_change_the_backbone():
    """The converter's default configs exist; R101/X101 differ from R50
    only in the backbone (as MMTracking's), with MMTracking's R50 keys
    mapping exactly onto the R50 model."""
    from mmengine.config import Config

    from mmhvr.engine.checkpoint import build_model_state
    from mmtrack_equivalence import REPO
    for method, spec in mk.METHODS.items():
        if method not in ('faster_rcnn', 'selsa', 'temporal_roi_align'):
            continue  # other engineers' methods: their own tests
        states = {
            b: build_model_state(Config.fromfile(osp.join(REPO, c)).model)
            for b, c in spec.configs.items()
        }
        mapped, left = mk.convert_keys(stored_keys(method), method)
        assert not left and set(mapped.values()) == set(states['r50'])
        for b, state in states.items():
            heads = {k for k in state if not k.startswith('backbone.')}
            assert heads == {k for k in states['r50']
                             if not k.startswith('backbone.')}, b
        deep = [b for b in states if 'backbone.layer3.22.conv1.weight' in
                states[b]]
        assert sorted(deep) == sorted(b for b in states if b != 'r50')
        if 'x101' in states:
            assert tuple(states['x101']['backbone.layer1.0.conv2.weight']
                         .shape) == (256, 4, 3, 3)

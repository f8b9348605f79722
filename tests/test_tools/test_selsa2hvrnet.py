"""tools/model_converters/selsa2hvrnet.py: a stage-1 HVR-Net initial
checkpoint holding exactly SELSA's backbone (the one part that corresponds),
loadable as ``load_from`` or as the backbone's ``Pretrained`` init; any
other model is refused with one error line; OUT is not replaced without
--force."""
import copy
import json
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.runner import load_checkpoint

from mmtrack_equivalence import (FIX, REPO, converted_checkpoint, load_tool,
                                 mmtrack_state, reference)
from mmhvr.models.utils import mmtrack_keys as mk
from mmhvr.registry import MODELS
from mmhvr.testing.seeded_weights import seeded_state_dict, state_dict_specs
from mmhvr.utils import register_all_modules

TOOL = 'tools/model_converters/selsa2hvrnet.py'
SELSA_TOY = osp.join(REPO, 'configs/selsa/selsa_faster-rcnn_r18-dc5_toyvid.py')
HVR_TOY = osp.join(
    REPO, 'configs/hvrnet/hvrnet_faster-rcnn_r18-dc5_stage1_toyvid.py')
HVR_STAGE1 = osp.join(
    REPO, 'configs/hvrnet/hvrnet_faster-rcnn_r101-dc5_stage1_imagenetvid.py')
FROM_SELSA = osp.join(
    REPO, 'configs/hvrnet/'
    'hvrnet_faster-rcnn_r101-dc5_stage1_from-selsa_imagenetvid.py')
CLASSES = ['a', 'b', 'c', 'd', 'e']


@pytest.fixture(scope='module')
def tool():
    register_all_modules(init_default_scope=False)
    return load_tool(TOOL)


def build(model_cfg):
    with DefaultScope.overwrite_default_scope('mmhvr'):
        return MODELS.build(copy.deepcopy(model_cfg))


def error_lines(err):
    return [ln for ln in err.splitlines() if ln.startswith('error:')]


@pytest.fixture(scope='module')
def selsa_state():
    """A seeded toy SELSA state dict in mmhvr's keys (every tensor differs
    from any init the HVR-Net model would give itself)."""
    register_all_modules(init_default_scope=False)
    model = build(Config.fromfile(SELSA_TOY).model)
    return seeded_state_dict(state_dict_specs(model.state_dict()), seed=7)


def write(state, path, classes=CLASSES):
    torch.save(dict(state_dict=state,
                    meta=dict(dataset_meta=dict(classes=classes))), path)
    return str(path)


def test_output_is_selsas_backbone_and_load_from_leaves_the_rest(
        tool, selsa_state, tmp_path, capsys):
    src = write(selsa_state, tmp_path / 'selsa.pth')
    out = str(tmp_path / 'init.pth')
    assert tool.main([src, out, '--config', HVR_TOY]) == 0
    text = capsys.readouterr().out
    ckpt = torch.load(out, weights_only=True)
    hvr = build(Config.fromfile(HVR_TOY).model)
    backbone = {k for k in hvr.state_dict() if k.startswith('backbone.')}
    assert set(ckpt['state_dict']) == backbone
    assert ckpt['meta']['dataset_meta']['classes'] == CLASSES
    assert ckpt['meta']['taken'] == ['backbone']
    assert f'backbone ({len(backbone)} tensors)' in text
    for part in ('neck', 'rpn_head', 'roi_head'):
        assert f"left to the config's init: {part} (" in text

    torch.manual_seed(0)
    hvr.init_weights()
    before = {k: v.clone() for k, v in hvr.state_dict().items()}
    load_checkpoint(hvr, out, map_location='cpu', strict=False)
    after = hvr.state_dict()
    for key, value in after.items():
        want = selsa_state[key] if key in backbone else before[key]
        assert torch.equal(value, want), key
    # the toy RPN has SELSA's shapes but reads another neck: not taken
    key = 'rpn_head.rpn_conv.weight'
    assert after[key].shape == selsa_state[key].shape
    assert not torch.equal(after[key], selsa_state[key])


def test_pretrained_backbone_init_takes_the_backbone_only(
        tool, selsa_state, tmp_path):
    src = write(selsa_state, tmp_path / 'selsa.pth')
    out = str(tmp_path / 'init.pth')
    assert tool.main([src, out, '--config', HVR_TOY]) == 0
    # what the from-SELSA config does, on the toy model
    init_cfg = copy.deepcopy(
        Config.fromfile(FROM_SELSA).model.backbone.init_cfg)
    init_cfg['checkpoint'] = out
    cfg = Config.fromfile(HVR_TOY)
    cfg.model.backbone.init_cfg = init_cfg
    hvr = build(cfg.model)
    hvr.init_weights()
    same_shape = 0
    for key, value in hvr.state_dict().items():
        if key.startswith('backbone.'):
            assert torch.equal(value, selsa_state[key]), key
        elif key in selsa_state and value.shape == selsa_state[key].shape \
                and value.is_floating_point():
            same_shape += 1
            assert not torch.equal(value, selsa_state[key]), key
    assert same_shape > 0


def test_from_selsa_config_is_stage1_with_the_pretrained_backbone_init():
    child = Config.fromfile(FROM_SELSA)
    base = Config.fromfile(HVR_STAGE1)
    init_cfg = child.model.backbone.init_cfg
    assert init_cfg['type'] == 'Pretrained'
    assert init_cfg['prefix'] == 'backbone.'
    assert 'torchvision' not in init_cfg['checkpoint']
    child.model.backbone.init_cfg = base.model.backbone.init_cfg
    assert child.model.to_dict() == base.model.to_dict()
    assert child.model.stage == 1


@pytest.mark.parametrize('source', ['mmtrack', 'mmtrack2mmhvr'])
def test_mmtracking_selsa_r50_either_as_is_or_converted_first(
        tool, tmp_path, capsys, source):
    """MMTracking's SELSA (R50-DC5, seeded from the stored key list) read
    directly, or the output of mmtrack2mmhvr.py: the same backbone."""
    state = mmtrack_state('selsa')  # MMTracking's keys
    classes = reference('selsa')['classes']
    if source == 'mmtrack':
        src = write(state, tmp_path / 'mmtrack_selsa.pth', classes)
    else:
        src = converted_checkpoint('selsa', str(tmp_path))
    cfg = tmp_path / 'hvr_r50.py'
    cfg.write_text(f'_base_ = [{HVR_STAGE1!r}]\n'
                   'model = dict(backbone=dict(depth=50))\n')
    out = str(tmp_path / 'init.pth')
    assert tool.main([src, out, '--config', str(cfg)]) == 0
    ckpt = torch.load(out, weights_only=True)
    got = ckpt['state_dict']
    want = {k[len('detector.'):]: v for k, v in state.items()
            if k.startswith('detector.backbone.')}
    assert set(got) == set(want)
    for key, value in want.items():
        assert torch.equal(got[key], value), key
    assert ckpt['meta']['dataset_meta']['classes'] == classes
    assert not error_lines(capsys.readouterr().err)


def fake_mmtrack_state(method):
    """MMTracking's keys of ``method`` (the stored list) with dummy
    tensors: enough for the method to be read from the keys."""
    with open(osp.join(FIX, 'keys', f'{method}.json')) as f:
        return {k: torch.zeros(1) for k, _, _ in json.load(f)['keys']}


@pytest.mark.parametrize('kind', ['hvrnet', 'single_frame',
                                  'mmtrack_faster_rcnn',
                                  'mmtrack_temporal_roi_align',
                                  'mmtrack_fgfa'])
def test_a_non_selsa_checkpoint_is_refused(tool, selsa_state, tmp_path,
                                           capsys, kind):
    if kind == 'hvrnet':
        state = build(Config.fromfile(HVR_TOY).model).state_dict()
    elif kind == 'single_frame':
        state = {k: v for k, v in selsa_state.items()
                 if '.aggregator.' not in k}
    else:
        method = kind[len('mmtrack_'):]
        state = fake_mmtrack_state(method)
        assert mk.detect_method(state) == method
    src = write(state, tmp_path / 'in.pth')
    out = tmp_path / 'init.pth'
    assert tool.main([src, str(out), '--config', HVR_TOY]) == 1
    errors = error_lines(capsys.readouterr().err)
    assert len(errors) == 1 and src in errors[0]
    assert 'SELSA' in errors[0]
    if kind.startswith('mmtrack_'):  # says what it is instead
        assert f'an MMTracking {kind[len("mmtrack_"):]} checkpoint' in \
            errors[0]
    assert not out.exists()


@pytest.mark.parametrize('change', ['missing', 'shape'])
def test_a_backbone_that_does_not_fit_is_refused(tool, selsa_state,
                                                 tmp_path, capsys, change):
    state = dict(selsa_state)
    key = 'backbone.layer2.0.conv1.weight'
    if change == 'missing':
        del state[key]
    else:
        state[key] = torch.zeros(state[key].shape[0] + 1,
                                 *state[key].shape[1:])
    src = write(state, tmp_path / 'selsa.pth')
    out = tmp_path / 'init.pth'
    assert tool.main([src, str(out), '--config', HVR_TOY]) == 1
    errors = error_lines(capsys.readouterr().err)
    assert len(errors) == 1 and key in errors[0]
    assert not out.exists()


def test_a_non_hvrnet_config_is_refused(tool, selsa_state, tmp_path,
                                        capsys):
    src = write(selsa_state, tmp_path / 'selsa.pth')
    out = tmp_path / 'init.pth'
    assert tool.main([src, str(out), '--config', SELSA_TOY]) == 1
    errors = error_lines(capsys.readouterr().err)
    assert len(errors) == 1 and 'HVRDetector' in errors[0]
    assert not out.exists()


def test_existing_output_needs_force(tool, selsa_state, tmp_path, capsys):
    src = write(selsa_state, tmp_path / 'selsa.pth')
    out = tmp_path / 'init.pth'
    out.write_bytes(b'old')
    assert tool.main([src, str(out), '--config', HVR_TOY]) == 1
    errors = error_lines(capsys.readouterr().err)
    assert len(errors) == 1 and '--force' in errors[0]
    assert out.read_bytes() == b'old'
    assert tool.main([src, str(out), '--config', HVR_TOY, '--force']) == 0
    assert set(torch.load(str(out), weights_only=True)['state_dict']) == {
        k for k in selsa_state if k.startswith('backbone.')}


def test_an_r50_selsa_does_not_fit_the_default_r101_config(tool, tmp_path,
                                                           capsys):
    src = write(mmtrack_state('selsa'), tmp_path / 'mmtrack_selsa.pth')
    out = tmp_path / 'init.pth'
    assert tool.main([src, str(out)]) == 1
    errors = error_lines(capsys.readouterr().err)
    assert len(errors) == 1
    assert '(6 layer3 blocks)' in errors[0]
    assert "stage1_imagenetvid.py's (23 layer3 blocks)" in errors[0]
    assert not out.exists()


def test_the_parts_taken_are_the_ones_whose_computation_matches():
    """The claim behind TAKEN (configs/hvrnet/README.md): SELSA's and
    HVR-Net's R101 configs share the input normalisation and the backbone
    (up to BN's trainable flag and the init), and their necks differ; if a
    config changes this, TAKEN / LEFT_TO_INIT must be revisited."""
    selsa = Config.fromfile(osp.join(
        REPO, 'configs/selsa/selsa_faster-rcnn_r101-dc5_8xb1-7e_imagenetvid.py'
    )).model
    hvr = Config.fromfile(HVR_STAGE1).model
    assert selsa.data_preprocessor == hvr.data_preprocessor

    def computation(backbone):
        backbone = copy.deepcopy(backbone.to_dict())
        backbone.pop('init_cfg')
        backbone['norm_cfg'].pop('requires_grad')  # training only
        return backbone

    assert computation(selsa.backbone) == computation(hvr.backbone)
    for key in ('out_channels', 'kernel_size'):
        assert selsa.neck.get(key, 3) != hvr.neck.get(key, 3), key
    tool = load_tool(TOOL)
    assert tool.TAKEN == ('backbone.', )
    assert set(tool.LEFT_TO_INIT) == {'neck.', 'rpn_head.', 'roi_head.'}

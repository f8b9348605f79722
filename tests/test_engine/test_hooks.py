"""HVRStageHook starts stage 2: head B as a copy of head A (and, when
asked, the inter relation as a copy of intra(2)); the deprecated
FinalHeadFromIntraHook still does it for older configs."""
import logging
import os
import sys
from types import SimpleNamespace

import torch
from mmengine.config import Config

from mmhvr.engine import FinalHeadFromIntraHook, HVRStageHook
from tests_helpers import REPO, TOY2

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..',
                                'test_models'))
from test_hvr_detector import build  # noqa: E402


def heads(model):
    h = model.roi_head.bbox_head
    return h.fc_cls_intra, h.fc_reg_intra, h.fc_cls, h.fc_reg


def fake_runner(model, it, cfg=None, hooks=()):
    return SimpleNamespace(model=model, iter=it, cfg=cfg or Config.fromfile(
        TOY2), hooks=list(hooks), logger=logging.getLogger('test'))


def stage_hook(**kwargs):
    return HVRStageHook(**kwargs)


def test_copies_head_a_at_the_stage2_start():
    _, model = build(TOY2)
    cls_a, reg_a, cls_b, reg_b = heads(model)
    assert not torch.equal(cls_a.weight, cls_b.weight)
    stage_hook().before_train(fake_runner(model, 0))
    for a, b in ((cls_a, cls_b), (reg_a, reg_b)):
        assert torch.equal(a.weight, b.weight)
        assert torch.equal(a.bias, b.bias)
        # a copy, not shared parameters: training B leaves A alone
        assert a.weight.data_ptr() != b.weight.data_ptr()


def test_a_resumed_stage2_keeps_its_head_b():
    _, model = build(TOY2)
    _, _, cls_b, _ = heads(model)
    before = cls_b.weight.clone()
    stage_hook().before_train(fake_runner(model, 37))
    assert torch.equal(cls_b.weight, before)


def test_stage2_configs_use_the_one_stage_hook():
    for name in ('hvrnet_faster-rcnn_r101-dc5_stage2_imagenetvid.py',
                 'hvrnet_faster-rcnn_r50-dc5_stage2_imagenetvid.py',
                 'hvrnet_faster-rcnn_r18-dc5_stage2_toyvid.py'):
        cfg = Config.fromfile(os.path.join(REPO, 'configs/hvrnet', name))
        types = [h['type'] for h in cfg.custom_hooks]
        assert 'HVRStageHook' in types, name
        assert 'RNGStateHook' in types, name
        assert 'FinalHeadFromIntraHook' not in types, name


def test_stage1_model_is_left_alone():
    _, model = build(TOY2)
    model.stage = 1
    cls_b = model.roi_head.bbox_head.fc_cls.weight.clone()
    stage_hook().before_train(fake_runner(model, 0))
    assert torch.equal(model.roi_head.bbox_head.fc_cls.weight, cls_b)


def test_deprecated_hook_still_starts_the_heads_once():
    import pytest
    _, model = build(TOY2)
    head = model.roi_head.bbox_head
    with pytest.warns(DeprecationWarning, match='HVRStageHook'):
        old = FinalHeadFromIntraHook(inter_from_intra=True)
    calls = []
    original = head.init_final_from_intra
    head.init_final_from_intra = lambda: (calls.append(1), original())[1]
    runner = fake_runner(model, 0, hooks=[old])
    stage_hook().before_train(runner)  # leaves the heads to the old hook
    assert calls == []
    old.before_train(runner)
    assert calls == [1]
    for k, v in head.inter_relation.state_dict().items():
        assert torch.equal(v, head.intra_relations[1].state_dict()[k]), k


def test_inter_relation_from_intra_only_when_asked():
    _, model = build(TOY2)
    head = model.roi_head.bbox_head
    with torch.no_grad():  # a "trained" intra(2) relation
        for p in head.intra_relations[1].parameters():
            p.add_(1.0)
    inter_before = {k: v.clone()
                    for k, v in head.inter_relation.state_dict().items()}
    stage_hook().before_train(fake_runner(model, 0))
    for k, v in head.inter_relation.state_dict().items():
        assert torch.equal(v, inter_before[k]), k
    stage_hook(inter_from_intra=True).before_train(
        fake_runner(model, 37))  # resumed: nothing copied
    assert torch.equal(head.inter_relation.out.weight, inter_before[
        'out.weight'])
    stage_hook(inter_from_intra=True).before_train(
        fake_runner(model, 0))
    intra = head.intra_relations[1].state_dict()
    for k, v in head.inter_relation.state_dict().items():
        assert torch.equal(v, intra[k]), k
        assert v.data_ptr() != intra[k].data_ptr()


def test_inter_from_intra_refuses_another_structure():
    import pytest
    _, model = build(TOY2)
    head = model.roi_head.bbox_head
    head.inter_relation.project_value = False
    del head.inter_relation.value
    with pytest.raises(ValueError, match='built like the intra'):
        head.init_inter_from_intra()

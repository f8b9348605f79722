"""Checkpoints that say what they are (HVR stage, class names) and a
stage-2 config whose wiring is checked before training."""
import copy
from types import SimpleNamespace

import pytest
import torch
from mmengine.config import Config

from mmhvr.engine import (HVRStageHook, check_checkpoint_stage,
                          check_stage2_config, checkpoint_stage,
                          read_checkpoint)
from tests_helpers import TOY1, TOY2


def stage_of(config):
    return Config.fromfile(config).model


def test_training_writes_stage_and_classes(stage1_run):
    _, ckpt = stage1_run
    meta = read_checkpoint(str(ckpt))['meta']
    assert meta['hvr_stage'] == stage_of(TOY1).get('stage', 1)
    assert tuple(meta['classes']) == tuple(
        Config.fromfile(TOY1).toy_classes)


def test_hook_records_the_model_stage():
    for stage in (1, 2):
        model = SimpleNamespace(stage=stage, dataset_meta=None)
        runner = SimpleNamespace(
            model=model,
            train_dataloader=SimpleNamespace(dataset=SimpleNamespace(
                metainfo=dict(classes=('a', 'b')))))
        ckpt = {}
        HVRStageHook().before_save_checkpoint(runner, ckpt)
        assert ckpt['meta'] == dict(hvr_stage=stage, classes=['a', 'b'])
        assert checkpoint_stage(ckpt) == stage


def test_stage_from_the_saved_config_of_an_older_checkpoint():
    """Checkpoints written before the hook: mmengine saved the config."""
    for config in (TOY1, TOY2):
        cfg = Config.fromfile(config)
        ckpt = dict(meta=dict(cfg=cfg.pretty_text))
        assert checkpoint_stage(ckpt) == cfg.model.get('stage', 1)
    assert checkpoint_stage(dict(meta={})) is None


def test_stage1_checkpoint_under_stage2_config_is_refused():
    stage1 = dict(meta=dict(hvr_stage=1))
    model2 = stage_of(TOY2)
    with pytest.raises(ValueError) as e:
        check_checkpoint_stage(model2, stage1, 'a.pth', 'toy2.py')
    msg = str(e.value)
    assert 'a.pth is a stage-1 checkpoint' in msg and 'toy2.py' in msg
    assert 'test_cfg.branch=intra' in msg and 'allow' in msg
    with pytest.warns(UserWarning, match='allowed'):
        assert check_checkpoint_stage(model2, stage1, 'a.pth',
                                      allow=True) == 1
    # head A of a stage-2 config, a stage-1 config: a stage-1 checkpoint fits
    intra = copy.deepcopy(model2)
    intra.test_cfg.branch = 'intra'
    assert check_checkpoint_stage(intra, stage1, 'a.pth') == 1
    assert check_checkpoint_stage(stage_of(TOY1), stage1, 'a.pth') == 1
    assert check_checkpoint_stage(model2, dict(meta=dict(hvr_stage=2)),
                                  'b.pth') == 2
    with pytest.warns(UserWarning, match='does not say'):
        assert check_checkpoint_stage(model2, {}, 'c.pth') is None


def test_init_detector_refuses_a_stage1_checkpoint(stage1_run):
    from mmhvr.apis import init_detector
    _, ckpt = stage1_run
    with pytest.raises(ValueError, match='stage-1 checkpoint'):
        init_detector(TOY2, str(ckpt))
    with pytest.warns(UserWarning, match='allowed'):
        model = init_detector(TOY2, str(ckpt), allow_stage_mismatch=True)
    state = read_checkpoint(str(ckpt))['state_dict']  # weights-only
    key = 'roi_head.bbox_head.fc_cls_intra.weight'
    assert torch.equal(model.state_dict()[key], state[key])
    assert init_detector(TOY1, str(ckpt)).dataset_meta['classes'][0] == \
        'disc'


@pytest.mark.parametrize('content', [b'', b'not a checkpoint',
                                     b'PK\x03\x04 truncated zip'])
def test_unreadable_checkpoint_names_the_file(tmp_path, content):
    from mmhvr.apis import init_detector
    path = tmp_path / 'broken.pth'
    path.write_bytes(content)
    with pytest.raises(RuntimeError, match=str(path)):
        read_checkpoint(str(path))
    with pytest.raises(RuntimeError, match=str(path)):
        init_detector(TOY1, str(path))
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        read_checkpoint(str(tmp_path / 'nope.pth'))


def test_stage2_config_wiring_is_checked():
    check_stage2_config(Config.fromfile(TOY2))  # the shipped one is whole
    check_stage2_config(Config.fromfile(TOY1))  # stage 1: nothing to check

    def broken(**changes):
        cfg = Config.fromfile(TOY2)
        cfg.merge_from_dict(changes)
        with pytest.raises(ValueError) as e:
            check_stage2_config(cfg)
        return str(e.value)

    assert "'rpn_head'" in broken(**{'model.frozen_modules': []})
    assert 'VideoTripletSampler' in broken(
        **{'train_dataloader.batch_sampler': None})
    assert 'num_same must be >= 2' in broken(
        **{'train_dataloader.batch_sampler.num_same': 1,
           'train_dataloader.batch_size': 3})
    assert 'num_other_classes must be >= 1' in broken(
        **{'train_dataloader.batch_sampler.num_other_classes': 0,
           'train_dataloader.batch_size': 3})
    assert 'batch_size must be 9' in broken(
        **{'train_dataloader.batch_size': 4})
    cfg = Config.fromfile(TOY2)
    cfg.custom_hooks = [h for h in cfg.custom_hooks
                        if h['type'] != 'HVRStageHook']
    with pytest.raises(ValueError, match='HVRStageHook'):
        check_stage2_config(cfg)


def test_the_stage2_fragment_alone_makes_a_stage2_config(tmp_path):
    """A stage-1 config plus configs/_base_/hvr_stage2.py (its two lines)
    is a whole stage-2 config: the wiring check passes, the model is stage
    2 with the RPN and conv1-conv4 frozen, the loader makes groups of 9."""
    import os.path as osp

    from tests_helpers import REPO
    child = tmp_path / 'stage2_from_fragment.py'
    child.write_text(
        f"_base_ = [{TOY1!r}, "
        f"{osp.join(REPO, 'configs/_base_/hvr_stage2.py')!r}]\n"
        "model = {{_base_.stage2_model}}\n"
        "train_dataloader = {{_base_.stage2_train_dataloader}}\n")
    cfg = Config.fromfile(str(child))
    check_stage2_config(cfg)
    stage1 = Config.fromfile(TOY1)
    assert cfg.model.stage == 2 and stage1.model.stage == 1
    assert cfg.model.frozen_modules == ['rpn_head']
    assert cfg.model.backbone.frozen_stages == 3
    assert cfg.train_dataloader.batch_size == 9
    assert cfg.train_dataloader.batch_sampler.type == 'VideoTripletSampler'
    # everything else is the stage-1 config's
    assert cfg.model.roi_head == stage1.model.roi_head
    assert cfg.train_dataloader.dataset == stage1.train_dataloader.dataset
    # and the shipped toy stage-2 config is that plus its schedule
    shipped = Config.fromfile(TOY2)
    assert shipped.model == cfg.model
    assert shipped.train_dataloader == cfg.train_dataloader
    from mmhvr.registry import MODELS
    cfg.model.backbone.init_cfg = None
    model = MODELS.build(cfg.model)
    assert model.stage == 2
    assert not any(p.requires_grad for p in model.rpn_head.parameters())


def stage_runner(it=0, hooks=()):
    import logging
    import os
    import sys
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..',
                                    'test_models'))
    from test_hvr_detector import build
    cfg, model = build(TOY2)
    return SimpleNamespace(model=model, cfg=cfg, hooks=list(hooks), iter=it,
                           logger=logging.getLogger('test'))


def test_stage_hook_checks_the_built_runner():
    runner = stage_runner()
    HVRStageHook().before_train(runner)
    for p in runner.model.rpn_head.parameters():  # "frozen" but trainable
        p.requires_grad = True
    with pytest.raises(ValueError, match='trainable'):
        HVRStageHook().before_train(runner)
    runner = stage_runner()
    runner.cfg.train_dataloader.batch_size = 4
    with pytest.raises(ValueError, match='batch_size must be 9'):
        HVRStageHook().before_train(runner)

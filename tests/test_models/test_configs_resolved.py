"""The ported methods' ImageNet VID configs (configs/{faster_rcnn,selsa,
temporal_roi_align,fgfa,dff}): the R101/X101 variants resolve to their R50
config with only the backbone changed, the methods share one detector,
dataset and schedule, and every config builds."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config

from mmhvr.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
METHODS = ('faster_rcnn', 'selsa', 'temporal_roi_align', 'fgfa', 'dff')
CONFIGS = sorted(
    p for m in METHODS
    for p in glob.glob(osp.join(REPO, 'configs', m, '*_imagenetvid.py')))
# the backbone fragments' variables (configs/_base_/models/backbone_*.py)
FRAGMENT_KEYS = ('backbone_r101', 'backbone_x101')


def resolved(path: str) -> dict:
    """The config as plain dicts, without the backbone fragments' variables
    (they only feed model.backbone)."""
    cfg = Config.fromfile(path).to_dict()
    for key in FRAGMENT_KEYS:
        cfg.pop(key, None)
    return cfg


def variants():
    for path in CONFIGS:
        for deep in ('_r101-dc5_', '_x101-dc5_'):
            if deep in osp.basename(path):
                yield path, path.replace(deep, '_r50-dc5_')


def test_every_method_has_its_variants():
    names = [osp.relpath(p, REPO) for p, _ in variants()]
    assert len(names) == 9  # R101 for all five, X101 for four (not FR)
    for path, r50 in variants():
        assert osp.exists(r50), r50


@pytest.mark.parametrize('path,r50', list(variants()),
                         ids=lambda p: osp.basename(p)[:40])
def test_variant_differs_from_r50_only_in_the_backbone(path, r50):
    deep, base = resolved(path), resolved(r50)
    deep_backbone = deep['model'].pop('backbone')
    base_backbone = base['model'].pop('backbone')
    assert deep == base
    assert base_backbone['type'] == 'ResNet' and base_backbone['depth'] == 50
    assert deep_backbone['depth'] == 101
    # DC5 stays: only depth / type / width / pretrained weights change
    changed = {k for k in set(deep_backbone) | set(base_backbone)
               if deep_backbone.get(k) != base_backbone.get(k)}
    if '_x101-' in path:
        assert deep_backbone['type'] == 'ResNeXt'
        assert (deep_backbone['groups'], deep_backbone['base_width']) == \
            (64, 4)
        assert changed == {'type', 'depth', 'groups', 'base_width',
                           'init_cfg'}
        assert 'resnext101_64x4d' in deep_backbone['init_cfg']['checkpoint']
    else:
        assert changed == {'depth', 'init_cfg'}
        assert deep_backbone['init_cfg']['checkpoint'] == \
            'torchvision://resnet101'


def test_methods_share_the_detector_dataset_and_schedule():
    cfgs = {osp.basename(osp.dirname(p)): resolved(p) for p in CONFIGS
            if '_r50-dc5_' in p}
    assert sorted(cfgs) == sorted(METHODS)
    ref = cfgs['faster_rcnn']
    for name, cfg in cfgs.items():
        for key in ('train_cfg', 'optim_wrapper', 'param_scheduler',
                    'val_evaluator', 'default_hooks', 'log_processor'):
            assert cfg[key] == ref[key], (name, key)
        for part in ('data_preprocessor', 'neck', 'rpn_head'):
            assert cfg['model'][part] == ref['model'][part], (name, part)
        ours, theirs = cfg['model']['train_cfg'], ref['model']['train_cfg']
        assert ours['rpn'] == theirs['rpn'], name
        if name != 'dff':  # DFF: 1000 proposals, 512 RoIs (MMTracking's)
            assert ours == theirs, name
        val = cfg['val_dataloader']['dataset']
        assert val['ann_file'] == 'annotations/imagenet_vid_val.json'
        vid, det = cfg['train_dataloader']['dataset']['datasets']
        assert (vid['times'], vid['dataset']['key_frames_only']) == (15, True)
        assert det['ann_file'] == 'annotations/imagenet_det_30plus1cls.json'
        # the train sampler of the method (DFF: one reference)
        sample = vid['dataset']['pipeline'][0]
        assert sample == det['pipeline'][0]
        assert sample['num_support'] == (1 if name == 'dff' else 2)
    assert ref['train_cfg']['max_epochs'] == 7
    assert ref['param_scheduler'][-1]['milestones'] == [2, 5]


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_config_builds(path):
    cfg = Config.fromfile(path)
    model = MODELS.build(cfg.model)  # no weights are loaded
    # the test pipeline loads as many references as the model aggregates
    sample = cfg.test_dataloader.dataset.pipeline[0]
    assert sample.type == 'VideoTestSupportSample'
    refs = cfg.model.test_cfg.get('num_ref_imgs')
    if refs is not None:
        assert sample.num_support == refs
    assert sum(p.numel() for p in model.parameters()) > 20e6

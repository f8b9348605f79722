"""No behaviour change (issue 20): the stored pre-change checkpoint loads
with today's code and gives the detections and losses recorded with the
code before the change (tests/fixtures/compat/README.md)."""
import json
import os.path as osp
import sys

import pytest
import torch

FIXTURE = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))),
                   'fixtures', 'compat')
sys.path.insert(0, FIXTURE)
import compat_common as cc  # noqa: E402

TOL = 1e-4


@pytest.fixture(scope='module')
def expected():
    with open(cc.EXPECTED) as f:
        return json.load(f)


def assert_same_detections(got, want):
    """Frame by frame: the same number of detections and, for the 15
    best expected ones, a detection of the same label with the same box
    and score (to 1e-4) among the 20 best found (near-equal scores may
    swap places)."""
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g['frame'] == w['frame']
        assert g['num'] == w['num'], w['frame']
        assert torch.allclose(torch.tensor(g['scores'][:15]),
                              torch.tensor(w['scores'][:15]), atol=TOL)
        boxes, scores = torch.tensor(g['bboxes']), torch.tensor(g['scores'])
        labels = torch.tensor(g['labels'])
        for box, score, label in list(zip(w['bboxes'], w['scores'],
                                          w['labels']))[:15]:
            match = (labels == label) & \
                ((scores - score).abs() <= TOL) & \
                ((boxes - torch.tensor(box)).abs().max(1).values <= TOL *
                 max(1.0, max(abs(c) for c in box)))
            assert match.any(), (w['frame'], box, score, label)


def test_checkpoint_loads_with_every_key(tmp_path):
    # keys unchanged: nothing missing, nothing unexpected
    from mmengine.config import Config

    from mmhvr.registry import MODELS
    cfg = Config.fromfile(cc.STAGE2_CFG)
    cfg.model.backbone.init_cfg = None
    model = MODELS.build(cfg.model)
    state = torch.load(cc.CKPT, map_location='cpu', weights_only=False)
    result = model.load_state_dict(state['state_dict'], strict=True)
    assert not result.missing_keys and not result.unexpected_keys


@pytest.mark.parametrize('branch', ['final', 'intra'])
def test_same_val_detections_as_before(expected, branch):
    model = cc.load_model(branch=branch)
    assert_same_detections(cc.val_detections(model),
                           expected[f'val_{branch}'])


@pytest.mark.parametrize('mode', ['online', 'offline'])
def test_same_inference_video_detections_as_before(expected, mode):
    model = cc.load_model()
    assert_same_detections(cc.stream_detections(model, mode),
                           expected[f'{mode}_final'])


@pytest.mark.parametrize('name,config,overrides', [
    ('loss_stage2', cc.STAGE2_CFG, None),
    ('loss_stage1', cc.STAGE1_CFG, None),
    ('loss_stage1_keys_only', cc.STAGE1_CFG,
     {'train_cfg.supervise_supports': False}),
])
def test_same_losses_as_before(expected, name, config, overrides):
    got = cc.group_losses(config, overrides)
    want = expected[name]
    assert got.pop('inputs_sha1') == want.pop('inputs_sha1'), \
        'mmhvr.testing.demo_video_group changed: the group is not the same'
    assert set(got) == set(want)
    for key, value in want.items():
        assert got[key] == pytest.approx(value, rel=TOL, abs=TOL), key

import copy
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from mmhvr.registry import MODELS, OPTIM_WRAPPER_CONSTRUCTORS
from mmhvr.testing import demo_video_group

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOY1 = osp.join(REPO, 'configs/hvrnet/hvrnet_faster-rcnn_r18-dc5_stage1_toyvid.py')
TOY2 = osp.join(REPO, 'configs/hvrnet/hvrnet_faster-rcnn_r18-dc5_stage2_toyvid.py')


def small_model_cfg(path, proposals=32):
    """The toy config's model, shrunk further for unit tests."""
    cfg = Config.fromfile(path)
    model = copy.deepcopy(cfg.model)
    model.backbone.init_cfg = None
    model.train_cfg.rpn_proposal.max_per_img = proposals
    model.train_cfg.rcnn.sampler.num = 32
    model.test_cfg.rpn.max_per_img = proposals
    return cfg, model


def build(path, **kwargs):
    cfg, model_cfg = small_model_cfg(path, **kwargs)
    model = MODELS.build(model_cfg)
    model.init_weights()
    return cfg, model


def run_loss(model, labels, seed=0):
    data = demo_video_group(labels, num_frames=3, image_shape=(3, 96, 128),
                            seed=seed)
    batch = model.data_preprocessor(data, True)
    return model.loss(batch['inputs'], batch['data_samples'])


def total(losses):
    return sum(v for k, v in losses.items() if 'loss' in k)


def test_stage1_loss_single_video_and_group():
    _, model = build(TOY1)
    model.train()
    for labels in ([1], [0, 2]):
        losses = run_loss(model, labels)
        assert {'loss_rpn_cls', 'loss_rpn_bbox', 'loss_cls_intra',
                'loss_bbox_intra'} <= set(losses)
        assert 'loss_relation' not in losses and 'loss_cls' not in losses
        for k, v in losses.items():
            if 'loss' in k:
                v = torch.stack(v).sum() if isinstance(v, list) else v
                assert torch.isfinite(v).all(), k
        total(losses_flat(losses)).backward()
        head = model.roi_head.bbox_head
        assert head.intra_relations[0].parameters().__next__().grad \
            is not None
        model.zero_grad()


@pytest.mark.parametrize('supervise', [False, True])
def test_stage1_supervise_supports(supervise):
    # off (the paper): one labelled key frame per video; on: all T frames,
    # each with its video's memory
    _, model = build(TOY1)
    model.train_cfg.supervise_supports = supervise
    model.train()
    seen = {}
    roi_loss = model.roi_head.loss

    def spy(x, rpn_results, samples, memories, roi_videos=None):
        seen['frames'] = [s.metainfo['frame_id'] for s in samples]
        seen['memories'] = memories
        return roi_loss(x, rpn_results, samples, memories, roi_videos)

    model.roi_head.loss = spy
    run_loss(model, [0, 2])
    if supervise:
        assert seen['frames'] == [0, 1, 2] * 2
        assert seen['memories'][0] is seen['memories'][2]
        assert seen['memories'][3] is not seen['memories'][0]
    else:
        assert len(seen['frames']) == 2
    # each key frame attends to its whole video (T frames' proposals)
    assert len(seen['memories'][0]) == 3 * 32


def test_stage1_runs_the_rpn_head_once_per_frame():
    """Key frames' proposals come from loss_and_predict: the RPN head's
    forward runs once on the key frames (with gradient) and once on the
    other frames (without), never twice on a frame."""
    _, model = build(TOY1)
    model.train_cfg.supervise_supports = False
    model.train()
    calls = []
    model.rpn_head.register_forward_hook(
        lambda m, i, o: calls.append((i[0][0].shape[0],
                                      torch.is_grad_enabled())))
    run_loss(model, [0, 2])
    assert calls == [(2, True), (4, False)]


def losses_flat(losses):
    out = {}
    for k, v in losses.items():
        out[k] = torch.stack(v).sum() if isinstance(v, list) else v
    return out


def test_stage2_loss_trains_relations_and_keeps_frozen_parts():
    cfg, model = build(TOY2)
    model.train()
    assert not model.rpn_head.training
    assert not model.backbone.layer3.training  # frozen_stages=3, eval BN
    optim_cfg = copy.deepcopy(cfg.optim_wrapper)
    constructor = OPTIM_WRAPPER_CONSTRUCTORS.build(
        dict(type=optim_cfg.pop('constructor'), optim_wrapper_cfg=optim_cfg))
    optim = constructor(model)
    in_optim = {id(p) for g in optim.optimizer.param_groups
                for p in g['params']}
    frozen = {n: p.detach().clone() for n, p in model.named_parameters()
              if n.startswith(('rpn_head', 'backbone.conv1',
                               'backbone.layer1', 'backbone.layer3'))}
    for n, p in model.named_parameters():
        if n in frozen:
            assert id(p) not in in_optim, f'{n} must not be optimised'

    losses = losses_flat(run_loss(model, [0, 0, 0, 1, 1, 1, 2, 2, 2]))
    assert 'loss_relation' in losses
    assert not any(k.startswith('loss_rpn') for k in losses)
    for k in ('loss_cls', 'loss_bbox', 'loss_cls_intra', 'loss_bbox_intra',
              'loss_relation'):
        assert torch.isfinite(losses[k]), k
    optim.backward(total(losses))
    head = model.roi_head.bbox_head
    for module in (head.intra_relations, head.inter_relation, head.fc_cls,
                   head.fc_cls_intra, head.fc1, model.backbone.layer4,
                   model.neck):
        grads = [p.grad for p in module.parameters()]
        assert any(g is not None and g.abs().sum() > 0 for g in grads), \
            type(module).__name__
    before = head.fc_cls.weight.detach().clone()
    optim.step()
    assert not torch.equal(before, head.fc_cls.weight)
    for n, p in model.named_parameters():
        if n in frozen:
            assert torch.equal(p, frozen[n]), f'{n} changed'


def test_stage2_relation_loss_reaches_inter_relation():
    """With seeded weights and data the relation loss is active (> 0) and,
    alone, trains the inter-video relation's affinity (query and key
    projections): the loss is wired to the relation it is meant for."""
    torch.manual_seed(0)
    _, model = build(TOY2)
    model.train()
    torch.manual_seed(0)
    losses = losses_flat(run_loss(model, [0, 0, 0, 1, 1, 1, 2, 2, 2]))
    assert losses['loss_relation'].item() > 0
    losses['loss_relation'].backward()
    rel = model.roi_head.bbox_head.inter_relation
    for layer in (rel.query, rel.key):
        assert layer.weight.grad is not None
        assert layer.weight.grad.abs().sum() > 0
    # the detection heads get nothing from the relation loss alone
    head = model.roi_head.bbox_head
    for layer in (head.fc_cls, head.fc_reg):
        assert layer.weight.grad is None or \
            layer.weight.grad.abs().sum() == 0


@pytest.mark.parametrize('num_support', [0, 1, 20])
def test_predict_boxes_in_original_frame(num_support):
    _, model = build(TOY2)
    model.eval()
    t = num_support + 1
    data = demo_video_group([0], num_frames=t, image_shape=(3, 96, 128),
                            support_frame_ids=list(range(1, t)))
    # frames were resized 2x from a 192x256 original
    for s in data['data_samples'][0].video_data_samples:
        s.set_metainfo(dict(ori_shape=(192, 256), scale_factor=(0.5, 0.5)))
    with torch.no_grad():
        out = model.test_step(data)
    assert len(out) == 1
    pred = out[0].pred_instances
    assert len(pred) <= model.test_cfg.rcnn.max_per_img
    assert len(pred) > 0
    assert (pred.bboxes[:, 0::2] <= 256 + 1e-3).all()
    assert (pred.bboxes[:, 1::2] <= 192 + 1e-3).all()
    assert (pred.bboxes >= -1e-3).all()
    # boxes reach beyond the network input's 128x96: they were rescaled
    assert pred.bboxes[:, 2].max() > 128 or pred.bboxes[:, 3].max() > 96


def video_items(data, cached):
    """Test items of every key frame of a one-video batch, as the test
    pipeline makes them: cached, only the frames not loaded before (the
    model caches the rest); uncached, the key frame and all its supports."""
    from mmdet.structures import TrackDataSample
    frames = data['inputs'][0]
    samples = data['data_samples'][0].video_data_samples
    num_frames = len(samples)
    seen = set()
    for key in range(num_frames):
        supports = [f for f in range(num_frames) if f != key]
        if cached:
            loaded = [key] + [f for f in supports if f not in seen]
            seen.update(loaded)
        else:
            loaded = [key] + supports
        track = TrackDataSample(metainfo=dict(
            key_frames_inds=[0],
            support_frame_ids=supports if cached else None))
        track.video_data_samples = [copy.deepcopy(samples[i])
                                    for i in loaded]
        yield dict(inputs=[frames[loaded]], data_samples=[track])


def predict_video(model, data, cached=True):
    with torch.no_grad():
        return [model.test_step(item)[0]
                for item in video_items(data, cached)]


def assert_same_detections(xs, ys, tol=1e-5):
    assert len(xs) == len(ys)
    for a, b in zip(xs, ys):
        pa, pb = a.pred_instances, b.pred_instances
        assert len(pa) == len(pb) > 0
        torch.testing.assert_close(pa.bboxes, pb.bboxes, atol=tol, rtol=tol)
        torch.testing.assert_close(pa.scores, pb.scores, atol=tol, rtol=tol)


def one_video(video_id, seed, num_frames=6):
    data = demo_video_group([0], num_frames=num_frames,
                            image_shape=(3, 96, 128), seed=seed)
    for s in data['data_samples'][0].video_data_samples:
        s.set_metainfo(dict(video_id=video_id))
    return data


def test_cached_and_uncached_predictions_match():
    torch.manual_seed(0)
    _, model = build(TOY2)
    model.eval()
    data = one_video(video_id=0, seed=0)
    computed = []
    original = model.extract_feat

    def counting(imgs):
        computed.append(imgs.shape[0])
        return original(imgs)

    model.extract_feat = counting
    cached = predict_video(model, data, cached=True)
    assert sum(computed) == 6  # each frame once
    model.extract_feat = original
    uncached = predict_video(model, data, cached=False)
    assert_same_detections(cached, uncached)


def test_a_new_video_empties_the_frame_cache():
    """Two videos with the same frame numbers through one model: the
    second video's cached detections are its own (equal to recomputing
    every frame), not made from the first video's cached frames."""
    torch.manual_seed(0)
    _, model = build(TOY2)
    model.eval()
    first, second = one_video(video_id=0, seed=1), one_video(video_id=1,
                                                           seed=2)
    predict_video(model, first, cached=True)
    after_first = predict_video(model, second, cached=True)
    recomputed = predict_video(model, second, cached=False)
    assert_same_detections(after_first, recomputed)


def test_missing_support_in_cache_is_a_clear_error():
    _, model = build(TOY2)
    model.eval()
    data = demo_video_group([0], num_frames=1, image_shape=(3, 96, 128),
                            support_frame_ids=[5])
    model.frame_cache.start(None)
    with pytest.raises(RuntimeError, match='frames \\[5\\]'):
        model.test_step(data)


def test_stage2_needs_the_datasets_video_label():
    """The video's class is the dataset's (metainfo ``video_label``),
    never recomputed from the loaded frames' boxes."""
    _, model = build(TOY2)
    model.train()
    data = demo_video_group([0, 0, 0, 1, 1, 1, 2, 2, 2], num_frames=3,
                            image_shape=(3, 96, 128))
    data['data_samples'][4].set_metainfo(dict(video_label=-1))
    batch = model.data_preprocessor(data, True)
    with pytest.raises(ValueError, match="video_label"):
        model.loss(batch['inputs'], batch['data_samples'])


def test_stage2_runs_the_frozen_backbone_once_per_frame():
    """Stage 2 loads 9 videos x 3 frames: the frozen stages (stem..conv4)
    see each of the 27 frames once; only conv5 runs again, with gradient,
    on the 9 frames of the video triplet."""
    torch.manual_seed(0)
    _, model = build(TOY2)
    model.train()
    seen = {'layer1': [], 'layer4': []}
    for name in seen:
        getattr(model.backbone, name).register_forward_hook(
            lambda m, i, o, name=name: seen[name].append(
                (i[0].shape[0], torch.is_grad_enabled())))
    run_loss(model, [0, 0, 0, 1, 1, 1, 2, 2, 2])
    assert seen['layer1'] == [(27, False)]
    assert seen['layer4'] == [(27, False), (9, True)]


def test_stage2_shared_trunk_gives_the_two_pass_features():
    torch.manual_seed(0)
    _, model = build(TOY2)
    model.train()
    data = demo_video_group([0, 0, 0, 1, 1, 1, 2, 2, 2], num_frames=3,
                            image_shape=(3, 96, 128))
    batch = model.data_preprocessor(data, True)
    inputs, samples = batch['inputs'], batch['data_samples']
    from mmhvr.models import VideoGroup
    group = VideoGroup.from_samples(samples, 3)
    with torch.no_grad():
        x, triplet = model._triplet_features(inputs, group)
        videos = model.select_triplet(inputs, group).triplet.as_list()
        expected = model.extract_feat(inputs[videos].flatten(0, 1))
    assert len(set(videos)) == 3 and videos[0] == 0
    assert triplet.roles() == ['anchor', 'positive', 'negative']
    assert triplet.samples == tuple(samples[v] for v in videos)
    torch.testing.assert_close(x, expected)
    # the trained stages and RoIAlign get the usual (N, C, H, W) layout
    assert x.is_contiguous()


def relation_loss_backward(**roi_head_cfg):
    """A seeded toy stage-2 model whose relation loss alone (> 0) has
    been back-propagated."""
    torch.manual_seed(0)
    _, model_cfg = small_model_cfg(TOY2)
    for key, value in roi_head_cfg.items():
        if isinstance(value, dict):
            model_cfg.roi_head[key].update(value)
        else:
            model_cfg.roi_head[key] = value
    model = MODELS.build(model_cfg)
    model.init_weights()
    model.train()
    losses = losses_flat(run_loss(model, [0, 0, 0, 1, 1, 1, 2, 2, 2]))
    assert losses['loss_relation'].item() > 0
    losses['loss_relation'].backward()
    return model


@pytest.mark.parametrize('miner,normalize', [('HardestTripletMiner', False),
                                            ('OutputTripletMiner', True)])
def test_stage2_relation_loss_in_each_space(miner, normalize):
    model = relation_loss_backward(
        triplet_miner=dict(type=miner),
        triplet_loss=dict(normalize=normalize))
    rel = model.roi_head.bbox_head.inter_relation
    if miner == 'HardestTripletMiner':
        # the loss lives in the affinity's own embeddings
        for layer in (rel.query, rel.key):
            assert layer.weight.grad.abs().sum() > 0
        assert rel.out.weight.grad is None or \
            rel.out.weight.grad.abs().sum() == 0
    else:
        assert rel.out.weight.grad.abs().sum() > 0


def test_deprecated_triplet_options_become_a_miner():
    from mmhvr.models import (BatchAllTripletMiner, HardestTripletMiner,
                              OutputTripletMiner)
    _, model_cfg = small_model_cfg(TOY2)
    assert isinstance(MODELS.build(model_cfg).roi_head.triplet_miner,
                      HardestTripletMiner)
    for old, kind, to_features in (
            (dict(triplet_space='output'), OutputTripletMiner, None),
            (dict(triplet_mining='all', triplet_to_features=True),
             BatchAllTripletMiner, True),
            (dict(triplet_space='query_key', triplet_mining='hardest'),
             HardestTripletMiner, False)):
        cfg = copy.deepcopy(model_cfg)
        del cfg.roi_head['triplet_miner']
        cfg.roi_head.update(old)
        with pytest.warns(DeprecationWarning, match='triplet_miner'):
            miner = MODELS.build(cfg).roi_head.triplet_miner
        assert type(miner) is kind
        if to_features is not None:
            assert miner.to_features is to_features
    bad = copy.deepcopy(model_cfg)
    del bad.roi_head['triplet_miner']
    bad.roi_head.update(triplet_space='output', triplet_mining='all')
    with pytest.raises(ValueError, match='is not a miner'):
        MODELS.build(bad)
    bad.roi_head.update(triplet_miner=dict(type='HardestTripletMiner'))
    with pytest.raises(ValueError, match='not both'):
        MODELS.build(bad)


@pytest.mark.parametrize('to_features', [False, True])
def test_batch_all_mining_trains_the_relation_space(to_features):
    model = relation_loss_backward(triplet_miner=dict(
        type='BatchAllTripletMiner', to_features=to_features))
    head = model.roi_head.bbox_head
    rel = head.inter_relation
    for layer in (rel.query, rel.key):
        assert layer.weight.grad.abs().sum() > 0
    assert rel.out.weight.grad is None or rel.out.weight.grad.abs().sum() == 0
    fc2 = head.fc2.weight.grad
    assert (fc2 is not None and fc2.abs().sum() > 0) == to_features


def _bank_file(tmp_path, model, classes, n=12):
    from mmhvr.models.roi_heads import SupportBank
    head = model.roi_head.bbox_head
    feats = torch.randn(n, head.in_channels, *head.roi_feat_size)
    labels = torch.arange(n) % (len(classes) + 1)
    path = str(tmp_path / 'bank.pth')
    SupportBank(feats, labels, classes).save(path)
    return path


def test_support_bank_at_test_time(tmp_path):
    torch.manual_seed(0)
    cfg, model_cfg = small_model_cfg(TOY2)
    classes = cfg.toy_classes
    model = MODELS.build(model_cfg)
    model.init_weights()
    bank = _bank_file(tmp_path, model, classes)
    model_cfg.test_cfg.support_bank = dict(file=bank)
    banked = MODELS.build(model_cfg)
    banked.load_state_dict(model.state_dict())
    # the inter relation must matter for the comparison to mean anything
    for m in (model, banked):
        torch.nn.init.normal_(m.roi_head.bbox_head.inter_relation.out.weight,
                              std=1.0)
    model.eval()
    banked.eval()
    data = one_video(video_id=0, seed=0, num_frames=3)
    plain = predict_video(model, data)
    with_bank = predict_video(banked, data)
    assert not torch.allclose(plain[0].pred_instances.scores[:5],
                              with_bank[0].pred_instances.scores[:5])
    # the bank's projections follow the weights
    head = banked.roi_head.bbox_head
    memory = banked.video_memory.bank_memory(head)
    assert len(memory) == 12 and banked.video_memory.bank_memory(head) \
        is memory  # made once per weights
    with torch.no_grad():
        head.inter_relation.key.weight.mul_(2)
    changed = predict_video(banked, data)
    again = banked.video_memory.bank_memory(head)
    assert not torch.allclose(memory.inter_keys, again.inter_keys)
    assert not torch.allclose(changed[0].pred_instances.scores[:5],
                              with_bank[0].pred_instances.scores[:5])


def test_support_bank_errors(tmp_path):
    cfg, model_cfg = small_model_cfg(TOY2)
    model = MODELS.build(model_cfg)
    model_cfg.test_cfg.support_bank = dict(file=str(tmp_path / 'none.pth'))
    with pytest.raises(FileNotFoundError, match='none.pth'):
        MODELS.build(model_cfg)
    model_cfg.test_cfg.support_bank = dict(
        file=_bank_file(tmp_path, model, ('a', 'b')))
    with pytest.raises(ValueError, match="built for classes \\('a', 'b'\\)"):
        MODELS.build(model_cfg)
    bad = tmp_path / 'bad.pth'
    torch.save(dict(x=1), bad)
    model_cfg.test_cfg.support_bank = dict(file=str(bad))
    with pytest.raises(ValueError, match='not an mmhvr support bank'):
        MODELS.build(model_cfg)


@pytest.mark.parametrize('to_features', [False, True])
def test_relation_loss_reaches_shared_features_only_when_asked(to_features):
    model = relation_loss_backward(triplet_miner=dict(
        type='HardestTripletMiner', to_features=to_features))
    head = model.roi_head.bbox_head
    rel = head.inter_relation
    assert rel.query.weight.grad.abs().sum() > 0
    assert rel.key.weight.grad.abs().sum() > 0
    for module in (head.fc1, head.fc2, head.intra_relations[1]):
        grads = [p.grad for p in module.parameters()]
        reached = any(g is not None and g.abs().sum() > 0 for g in grads)
        assert reached == to_features, type(module).__name__


def test_recent_videos_feed_the_inter_relation():
    """test_cfg.recent_videos: from the second video on, the inter relation
    also attends to the videos tested before; the first video (nothing seen
    yet) is detected as without it."""
    torch.manual_seed(0)
    _, model_cfg = small_model_cfg(TOY2)
    plain = MODELS.build(model_cfg)
    plain.init_weights()
    # the inter relation must matter for the comparison to mean anything
    torch.nn.init.normal_(plain.roi_head.bbox_head.inter_relation.out.weight,
                          std=1.0)
    model_cfg.test_cfg.recent_videos = dict(num_videos=2, per_video=16)
    recent = MODELS.build(model_cfg)
    recent.load_state_dict(plain.state_dict())
    plain.eval()
    recent.eval()
    first, second = one_video(video_id=0, seed=1), one_video(video_id=1,
                                                           seed=2)
    assert_same_detections(predict_video(recent, first),
                           predict_video(plain, first))
    with_first = predict_video(recent, second)
    assert list(recent.video_memory.recent.videos) == [0]
    kept = recent.video_memory.recent.videos[0]
    assert len(kept) == 16 and set(kept.keys()) == {'inter_keys',
                                                    'inter_values'}
    alone = predict_video(plain, second)
    assert not torch.allclose(with_first[0].pred_instances.scores[:5],
                              alone[0].pred_instances.scores[:5])
    model_cfg.test_cfg.recent_videos = dict(num_videos=2, size=3)
    with pytest.raises(ValueError, match='recent_videos must be dict'):
        MODELS.build(model_cfg)


@pytest.mark.parametrize('branch', ['intra', 'final'])
def test_inter_projections_only_where_head_b_runs(branch):
    """Testing head A computes no inter-relation projections; testing
    head B does, and both give the intra relations the same memories."""
    torch.manual_seed(0)
    _, model = build(TOY2)
    model.eval()
    model.test_cfg.branch = branch
    data = one_video(video_id=0, seed=0, num_frames=3)
    predict_video(model, data)
    mems = list(model.video_memory.frames.values())
    assert len(mems) == 3
    for mem in mems:
        assert mem.has_projection('inter') == (branch == 'final')
        assert mem.has_projection('intra1') and mem.has_projection('intra2')


def test_training_memories_hold_no_inter_projections():
    _, model = build(TOY2)
    model.train()
    seen = []
    original = model.roi_head.frame_memories

    def spy(x, proposals, with_inter):
        out = original(x, proposals, with_inter)
        seen.extend(out)
        return out

    model.roi_head.frame_memories = spy
    run_loss(model, [0, 0, 0, 1, 1, 1, 2, 2, 2])
    assert len(seen) == 9 and not any(m.has_projection('inter')
                                      for m in seen)

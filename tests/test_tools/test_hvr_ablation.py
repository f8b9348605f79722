"""The ablation report's statistics (the runs themselves take an hour)."""
import importlib.util
import os.path as osp

import numpy as np
import pytest

from tests_helpers import REPO

spec = importlib.util.spec_from_file_location(
    'hvr_ablation', osp.join(REPO, 'tools/analysis_tools/hvr_ablation.py'))
ablation = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ablation)

CLASSES = ['disc', 'cat_a', 'cat_b']


def result(ap, swapped=0, double=0.0):
    # 10 ground truths per cat class, `swapped` of each called the other cat
    matrix = [[10, 0, 0, 0], [0, 10 - swapped, swapped, 0],
              [0, swapped, 10 - swapped, 0]]
    return dict(mAP=float(np.mean(ap)), AP=dict(zip(CLASSES, ap)),
                double_rate=dict(zip(CLASSES, [0.0, double, double])),
                matrix=matrix, classes=CLASSES)


def test_summary_mean_std_over_seeds_and_paired_differences():
    per_seed = {
        0: dict(a=dict(A=result([1.0, 0.4, 0.2])),
                c=dict(A=result([1.0, 0.4, 0.2]),
                       B=result([1.0, 0.5, 0.3], swapped=2, double=0.1))),
        1: dict(a=dict(A=result([1.0, 0.6, 0.4])),
                c=dict(A=result([1.0, 0.6, 0.4]),
                       B=result([1.0, 0.8, 0.6], swapped=4, double=0.3))),
    }
    confusable = ['cat_a', 'cat_b']
    summary = ablation.summarize(per_seed, confusable)
    b = summary['c/B']
    assert b['seeds'] == 2
    assert b['confusable_AP']['values'] == pytest.approx([0.4, 0.7])
    assert b['confusable_AP']['mean'] == pytest.approx(0.55)
    assert b['confusable_AP']['std'] == pytest.approx(np.std([0.4, 0.7],
                                                             ddof=1))
    # 2 + 2 of 20 cat boxes, then 4 + 4 of 20, called the other cat
    assert b['confusable_swap_rate']['values'] == pytest.approx([0.2, 0.4])
    assert b['confusable_double_rate']['mean'] == pytest.approx(0.2)
    diff = ablation.paired(per_seed, 'c/B', 'a/A', confusable)
    assert diff['confusable_AP']['values'] == pytest.approx([0.1, 0.2])
    assert ablation.paired(per_seed, 'd/B', 'c/B', confusable) is None
    table = ablation.markdown(summary, dict(x=diff), [0, 1], confusable)
    assert '| (c) stage 2 full | B | ' in table
    assert '| x | 0.150 ± 0.071 |' in table


def test_every_variant_is_run_and_says_what_the_table_claims(tmp_path):
    from mmengine.config import Config
    assert set(ablation.VARIANTS) == {'a', 'c', 'd'} | set(
        ablation.STAGE2_VARIANTS)
    s2 = osp.join(REPO, ablation.S2_CFG)
    base = Config.fromfile(s2).model.roi_head
    assert base.triplet_loss.loss_weight == 10.0
    assert base.triplet_to_features is False
    heads = {}
    for v, (folder, extra) in ablation.STAGE2_VARIANTS.items():
        path = tmp_path / f'{folder}.py'
        path.write_text(f'_base_ = [{s2!r}]\n' + extra)
        heads[v] = Config.fromfile(str(path)).model.roi_head
    assert heads['b'].triplet_loss.loss_weight == 0.0
    assert heads['e'].triplet_space == 'output'
    assert heads['e'].triplet_loss.normalize is True
    inter = heads['f'].bbox_head.inter_relation
    assert (inter.num_heads, inter.project_value, inter.residual_relu) == (
        1, False, True)
    hooks = {v: Config.fromfile(str(tmp_path / f'{f}.py')).custom_hooks
             for v, (f, _) in ablation.STAGE2_VARIANTS.items()}
    assert dict(type='FinalHeadFromIntraHook',
                inter_from_intra=True) in hooks['h']
    assert all(h == Config.fromfile(s2).custom_hooks
               for v, h in hooks.items() if v != 'h')
    assert base.triplet_loss.normalize is True
    assert heads['i'].triplet_loss.normalize is False
    assert heads['i'].triplet_space == 'query_key'
    assert heads['g'].triplet_to_features is True
    assert heads['g'].triplet_loss.loss_weight == 1.0
    # everything else is the full model's
    assert heads['g'].triplet_space == base.triplet_space
    assert heads['b'].triplet_to_features is False


def test_new_variants_config_lines(tmp_path):
    from mmengine.config import Config
    s2 = osp.join(REPO, ablation.S2_CFG)
    cfgs = {}
    for v in 'jklmno':
        folder, extra = ablation.STAGE2_VARIANTS[v]
        path = tmp_path / f'{folder}.py'
        path.write_text(f'_base_ = [{s2!r}]\n' + extra)
        cfgs[v] = Config.fromfile(str(path))
    base = Config.fromfile(s2)
    assert cfgs['j'].model.roi_head.triplet_to_features is True
    assert cfgs['j'].model.roi_head.triplet_loss == base.model.roi_head.\
        triplet_loss
    assert cfgs['k'].model.roi_head == base.model.roi_head
    keys = cfgs['k'].optim_wrapper.paramwise_cfg.custom_keys
    assert {k: v.lr_mult for k, v in keys.items()} == {
        'roi_head.bbox_head.inter_relation': 10.0,
        'roi_head.bbox_head.fc_cls.': 10.0,
        'roi_head.bbox_head.fc_reg.': 10.0}
    assert cfgs['k'].optim_wrapper.optimizer == base.optim_wrapper.optimizer
    assert cfgs['l'].model.roi_head.triplet_to_features is True
    assert cfgs['l'].optim_wrapper.paramwise_cfg == \
        cfgs['k'].optim_wrapper.paramwise_cfg
    assert set('bklmn') <= set(ablation.BANK_TESTED)
    for v in 'mn':
        head = cfgs[v].model.roi_head
        assert head.triplet_mining == 'all'
        assert head.triplet_space == 'query_key'
        assert head.triplet_to_features is (v == 'n')
        assert head.triplet_loss == base.model.roi_head.triplet_loss
    assert base.model.roi_head.get('triplet_mining', 'hardest') == 'hardest'
    o = cfgs['o'].model.roi_head
    assert o.triplet_to_features is True and o.triplet_loss.loss_weight == 0.1
    assert o.triplet_loss.normalize is True


def test_fast_inter_lr_reaches_only_the_inter_relation_and_head_b(tmp_path):
    from mmengine.config import Config
    from mmengine.optim import build_optim_wrapper
    from mmhvr.registry import MODELS
    from mmhvr.utils import register_all_modules
    register_all_modules()
    s2 = osp.join(REPO, ablation.S2_CFG)
    path = tmp_path / 'k.py'
    path.write_text(f'_base_ = [{s2!r}]\n' + ablation.FAST_INTER)
    cfg = Config.fromfile(str(path))
    cfg.model.backbone.init_cfg = None
    model = MODELS.build(cfg.model)
    optim = build_optim_wrapper(model, cfg.optim_wrapper).optimizer
    base_lr = cfg.optim_wrapper.optimizer.lr
    names = {id(p): n for n, p in model.named_parameters()}
    fast = {names[id(p)] for g in optim.param_groups for p in g['params']
            if g['lr'] == pytest.approx(10 * base_lr)}
    slow = {names[id(p)] for g in optim.param_groups for p in g['params']
            if g['lr'] == pytest.approx(base_lr)}
    assert {n.split('.')[2] for n in fast} == {'inter_relation', 'fc_cls',
                                               'fc_reg'}
    assert 'roi_head.bbox_head.fc_cls_intra.weight' in slow
    assert 'roi_head.bbox_head.intra_relations.1.query.weight' in slow
    assert len(fast) + len(slow) == sum(len(g['params'])
                                        for g in optim.param_groups)


def test_a_run_made_with_another_config_is_not_reused(tmp_path):
    from mmengine.config import Config
    run = tmp_path / 'run'
    run.mkdir()
    cfg = Config(dict(model=dict(x=1)))
    ablation.Ablation.check_stamp(str(run), cfg)  # first time: stamped
    assert (run / 'config_resolved.json').exists()
    ablation.Ablation.check_stamp(str(run), Config(dict(model=dict(x=1))))
    with pytest.raises(RuntimeError, match='another config'):
        ablation.Ablation.check_stamp(str(run), Config(dict(model=dict(x=2))))
    old = tmp_path / 'old'
    old.mkdir()
    (old / 'last_checkpoint').write_text('old/iter_10.pth')
    with pytest.raises(RuntimeError, match='cannot be checked'):
        ablation.Ablation.check_stamp(str(old), cfg)


def test_retrieval_summary_over_seeds():
    def means(top1, mass):
        r = dict(top1=top1, mass=mass, chance=0.5, queries=8)
        return dict(inter_qk=r, features_cosine=dict(r, top1=0.6))

    retrievals = {
        'seed0': dict(c_full=dict(confusable=means(0.4, 0.5),
                                  all=means(0.7, 0.6))),
        'seed1': dict(c_full=dict(confusable=means(0.6, 0.5),
                                  all=means(0.9, 0.8)),
                      m_batch_all=dict(confusable=means(0.8, 0.7),
                                       all=means(0.9, 0.9))),
    }
    out = ablation.summarize_retrieval(retrievals)
    assert out['c_full']['confusable']['relation_top1']['mean'] == \
        pytest.approx(0.5)
    assert out['c_full']['all']['relation_mass']['values'] == \
        pytest.approx([0.6, 0.8])
    assert out['c_full']['confusable']['features_top1']['mean'] == \
        pytest.approx(0.6)
    assert np.isnan(out['m_batch_all']['all']['relation_top1']['std'])
    table = ablation.retrieval_markdown(out)
    assert '| c_full | confusable | 0.500 ± 0.141 | 0.500 ± 0.000 |' in table

"""tools/analysis_tools/run_ablation.py and the named ablation configs
(configs/hvrnet/ablation/): what each config changes, the runs and tests
the runner makes of them, its stamps, its statistics and its loud
failures."""
import glob
import importlib.util
import json
import os
import os.path as osp
import pickle
import subprocess
import sys

import numpy as np
import pytest

from tests_helpers import REPO, TOY1, TOY2

spec = importlib.util.spec_from_file_location(
    'run_ablation', osp.join(REPO, 'tools/analysis_tools/run_ablation.py'))
ra = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ra)

ABL = osp.join(REPO, 'configs', 'hvrnet', 'ablation')
REF = 'hvrnet_r18-dc5_stage2_toyvid'
S1 = 'hvrnet_r18-dc5_stage1_toyvid'
CONTROL = 'hvrnet_r18-dc5_stage1-continued_toyvid'
RH = ('model', 'roi_head')
TO_FEATURES = {RH + ('triplet_miner', 'to_features'): True}
FAST = {('optim_wrapper', 'paramwise_cfg', 'custom_keys', key, 'lr_mult'):
        10.0 for key in ('roi_head.bbox_head.inter_relation',
                         'roi_head.bbox_head.fc_cls.',
                         'roi_head.bbox_head.fc_reg.')}
INTER = RH + ('bbox_head', 'inter_relation')
# every stage-2 variant: what it changes against the reference (the toy
# stage 2 as configured), resolved, key by key
STAGE2_CHANGES = {
    'hvrnet_r18-dc5_stage2-lambda0_toyvid': {
        RH + ('triplet_loss', 'loss_weight'): 0.0},
    'hvrnet_r18-dc5_stage2-loss-on-output_toyvid': {
        RH + ('triplet_miner', 'type'): 'OutputTripletMiner',
        RH + ('triplet_miner', 'to_features'): '<absent>'},
    'hvrnet_r18-dc5_stage2-authors-relation_toyvid': {
        INTER + ('num_heads', ): 1, INTER + ('project_value', ): False,
        INTER + ('residual_relu', ): True},
    'hvrnet_r18-dc5_stage2-loss-to-features-lambda1_toyvid': {
        **TO_FEATURES, RH + ('triplet_loss', 'loss_weight'): 1.0},
    'hvrnet_r18-dc5_stage2-loss-to-features-lambda0p1_toyvid': {
        **TO_FEATURES, RH + ('triplet_loss', 'loss_weight'): 0.1},
    'hvrnet_r18-dc5_stage2-loss-to-features_toyvid': TO_FEATURES,
    'hvrnet_r18-dc5_stage2-loss-raw-qk_toyvid': {
        RH + ('triplet_loss', 'normalize'): False},
    'hvrnet_r18-dc5_stage2-batch-all_toyvid': {
        RH + ('triplet_miner', 'type'): 'BatchAllTripletMiner'},
    'hvrnet_r18-dc5_stage2-batch-all-to-features_toyvid': {
        RH + ('triplet_miner', 'type'): 'BatchAllTripletMiner',
        **TO_FEATURES},
    'hvrnet_r18-dc5_stage2-fast-inter_toyvid': FAST,
    'hvrnet_r18-dc5_stage2-fast-inter-loss-to-features_toyvid': {
        **FAST, **TO_FEATURES},
    'hvrnet_r18-dc5_stage2-inter-from-intra_toyvid': {
        ('custom_hooks', 1, 'inter_from_intra'): True},
}
# the stage-2 variants also tested with a support bank (as the stored
# ablations did)
BANK_TESTED = {REF, 'hvrnet_r18-dc5_stage2-lambda0_toyvid',
               'hvrnet_r18-dc5_stage2-inter-from-intra_toyvid',
               'hvrnet_r18-dc5_stage2-fast-inter_toyvid',
               'hvrnet_r18-dc5_stage2-fast-inter-loss-to-features_toyvid',
               'hvrnet_r18-dc5_stage2-batch-all_toyvid',
               'hvrnet_r18-dc5_stage2-batch-all-to-features_toyvid'}


def _path(name):
    return osp.join(ABL, name + '.py')


def _flat(obj, prefix=()):
    """A config as {key path: leaf value} (lists by index)."""
    if isinstance(obj, dict):
        items = obj.items()
    elif isinstance(obj, (list, tuple)):
        items = enumerate(obj)
    else:
        return {prefix: obj}
    out = {}
    for k, v in items:
        out.update(_flat(v, prefix + (k, )))
    return out


def _resolved(path):
    from mmengine.config import Config
    d = Config.fromfile(path).to_dict()
    d.pop('ablation', None)
    return _flat(d)


def _diff(a, b):
    """{key: b's value} where b differs from a (added keys included)."""
    keys = set(a) | set(b)
    return {k: b.get(k, '<absent>') for k in keys
            if a.get(k, '<absent>') != b.get(k, '<absent>')}


# -- the named configs --------------------------------------------------------
def test_every_ablation_config_is_known_and_says_what_it_tests():
    names = sorted(osp.splitext(osp.basename(p))[0]
                   for p in glob.glob(osp.join(ABL, '*.py')))
    assert names == sorted({REF, S1, CONTROL} | set(STAGE2_CHANGES))
    for name in names:
        first = open(_path(name)).readline()
        assert first.startswith('# Tests: '), name
        assert not any(c.isupper() for c in name.split('_')[2]), name


def test_each_stage2_variant_changes_only_its_options():
    ref = _resolved(_path(REF))
    # the reference is the toy stage-2 config itself
    assert _diff(_resolved(TOY2), ref) == {}
    for name, changes in STAGE2_CHANGES.items():
        assert _diff(ref, _resolved(_path(name))) == changes, name


def test_stage1_configs_and_the_same_length_control():
    s1 = _resolved(_path(S1))
    assert _diff(_resolved(TOY1), s1) == {}
    control = _resolved(_path(CONTROL))
    stage2 = _resolved(TOY2)
    changed = _diff(s1, control)
    schedule = [k for k in changed if k[0] in ('train_cfg', 'param_scheduler')
                or k == ('optim_wrapper', 'optimizer', 'lr')]
    assert sorted(changed) == sorted(schedule) and changed
    # stage 2's schedule, exactly
    for k in set(schedule) | {k for k in stage2
                              if k[0] in ('train_cfg', 'param_scheduler')}:
        assert control.get(k) == stage2.get(k), k


def test_runs_start_from_stage1_and_test_the_heads_they_have():
    runs = ra.plan_runs([_path(n) for n in [CONTROL, REF] +
                         sorted(STAGE2_CHANGES)])
    assert list(runs)[0] == S1  # trained first: the others start from it
    assert runs[S1]['init'] is None and runs[S1]['tests'] == {'A': {}}
    assert runs[CONTROL]['init'] == S1 and list(runs[CONTROL]['tests']) == [
        'A']
    for name in [REF] + list(STAGE2_CHANGES):
        assert runs[name]['init'] == S1, name
        assert runs[name]['tests'] == {
            'A': {'model.test_cfg.branch': 'intra'}, 'B': {}}, name
        bank = runs[name]['support_bank']
        assert (bank is not None) is (name in BANK_TESTED), name
        if bank:
            assert bank == dict(test='B', per_class=64)


def test_every_ablation_config_builds_its_model():
    """The options each variant sets exist (a renamed one fails here)."""
    from mmhvr.registry import MODELS
    for path in sorted(glob.glob(osp.join(ABL, '*.py'))):
        cfg = ra.training_config(path, 0, {})
        MODELS.build(cfg.model)


def test_fast_inter_lr_reaches_only_the_inter_relation_and_head_b():
    from mmengine.optim import build_optim_wrapper

    from mmhvr.registry import MODELS
    cfg = ra.training_config(_path('hvrnet_r18-dc5_stage2-fast-inter_toyvid'),
                             0, {})
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


def test_training_config_sets_seed_init_and_options_only():
    cfg = ra.training_config(_path(REF), 7, {'train_cfg.max_iters': 3},
                             load_from='/w/iter_3.pth')
    plain = _resolved(_path(REF))
    changed = _diff(plain, _flat(cfg.to_dict()))
    assert changed.pop(('randomness', 'seed')) == 7
    assert changed.pop(('train_cfg', 'max_iters')) == 3
    assert changed.pop(('load_from', )) == '/w/iter_3.pth'
    # no validation while training: each run is tested after it
    assert {k[0] for k in changed} <= {'val_dataloader', 'val_cfg',
                                       'val_evaluator'}
    assert cfg.val_cfg is None and cfg.test_dataloader.dataset.ann_file
    assert 'ablation' not in cfg


# -- stamps -------------------------------------------------------------------
def test_a_run_made_with_another_config_is_not_reused(tmp_path):
    from mmengine.config import Config
    run = tmp_path / 'run'
    ra.check_stamp(str(run), Config(dict(model=dict(x=1))))  # stamped
    assert (run / ra.STAMP).exists()
    ra.check_stamp(str(run), Config(dict(model=dict(x=1))))
    with pytest.raises(ra.AblationError, match='another config'):
        ra.check_stamp(str(run), Config(dict(model=dict(x=2))))
    old = tmp_path / 'old'
    old.mkdir()
    (old / 'last_checkpoint').write_text('old/iter_10.pth')
    with pytest.raises(ra.AblationError, match='cannot be checked'):
        ra.check_stamp(str(old), Config(dict(model=dict(x=1))))


# -- statistics ---------------------------------------------------------------
CLASSES = ['disc', 'cat_a', 'cat_b']


def result(ap, swapped=0, double=0.0):
    # 10 ground truths per cat class, `swapped` of each called the other cat
    matrix = [[10, 0, 0, 0], [0, 10 - swapped, swapped, 0],
              [0, swapped, 10 - swapped, 0]]
    return dict(mAP=float(np.mean(ap)), AP=dict(zip(CLASSES, ap)),
                double_rate=dict(zip(CLASSES, [0.0, double, double])),
                matrix=matrix, classes=CLASSES)


PER_SEED = {
    0: dict(ctrl=dict(A=result([1.0, 0.4, 0.2])),
            full=dict(A=result([1.0, 0.4, 0.2]),
                      B=result([1.0, 0.5, 0.3], swapped=2, double=0.1))),
    1: dict(ctrl=dict(A=result([1.0, 0.6, 0.4])),
            full=dict(A=result([1.0, 0.6, 0.4]),
                      B=result([1.0, 0.8, 0.6], swapped=4, double=0.3))),
}


def test_summary_mean_std_over_seeds_and_paired_differences():
    confusable = ['cat_a', 'cat_b']
    summary = ra.summarize(PER_SEED, confusable)
    assert list(summary) == ['ctrl/A', 'full/A', 'full/B']
    b = summary['full/B']
    assert b['seeds'] == 2
    assert b['confusable_AP']['values'] == pytest.approx([0.4, 0.7])
    assert b['confusable_AP']['mean'] == pytest.approx(0.55)
    assert b['confusable_AP']['std'] == pytest.approx(
        np.std([0.4, 0.7], ddof=1))
    assert b['mAP']['values'] == pytest.approx([0.6, 0.8])
    # 2 + 2 of 20 cat boxes, then 4 + 4 of 20, called the other cat
    assert b['confusable_swap_rate']['values'] == pytest.approx([0.2, 0.4])
    assert b['confusable_double_rate']['mean'] == pytest.approx(0.2)
    diff = ra.paired(PER_SEED, 'full/B', 'ctrl/A', confusable)
    assert diff['confusable_AP']['values'] == pytest.approx([0.1, 0.2])
    assert diff['mAP']['values'] == pytest.approx([0.2 / 3, 0.4 / 3])
    assert ra.paired(PER_SEED, 'none/B', 'ctrl/A', confusable) is None
    # without confusable classes: mAP only
    assert set(ra.summarize(PER_SEED, [])['full/B']) == {
        'run', 'test', 'seeds', 'mAP', 'AP'}


def test_comparisons_against_a_control_and_its_named_test():
    summary = ra.summarize(PER_SEED, [])
    same = ra.comparisons(PER_SEED, summary, [('ctrl', None)], [])
    # the control has no test B: only A is compared
    assert list(same) == ['full/A - ctrl/A']
    assert same['full/A - ctrl/A']['mAP']['values'] == [0.0, 0.0]
    named = ra.comparisons(PER_SEED, summary, [('ctrl', 'A')], [])
    assert list(named) == ['full/A - ctrl/A', 'full/B - ctrl/A']
    within = ra.comparisons(PER_SEED, summary, [('full', 'A')], [])
    assert list(within) == ['ctrl/A - full/A']
    table = ra.markdown(summary, named, {}, [0, 1], [])
    assert '| full | B | 2 | 0.700 ± 0.141 |' in table
    assert '| full/B - ctrl/A | 0.100 ± 0.047 |' in table


def test_retrieval_summary_over_seeds():
    def means(top1, mass):
        r = dict(top1=top1, mass=mass, chance=0.5, queries=8)
        return dict(inter_qk=r, features_cosine=dict(r, top1=0.6))

    retrievals = {
        0: dict(full=dict(confusable=means(0.4, 0.5), all=means(0.7, 0.6))),
        1: dict(full=dict(confusable=means(0.6, 0.5), all=means(0.9, 0.8)),
                other=dict(confusable=means(0.8, 0.7), all=means(0.9, 0.9))),
    }
    out = ra.summarize_retrieval(retrievals)
    assert out['full']['confusable']['relation_top1']['mean'] == \
        pytest.approx(0.5)
    assert out['full']['all']['relation_mass']['values'] == \
        pytest.approx([0.6, 0.8])
    assert out['full']['confusable']['features_top1']['mean'] == \
        pytest.approx(0.6)
    assert np.isnan(out['other']['all']['relation_top1']['std'])
    table = ra.markdown(ra.summarize(PER_SEED, []), {}, out, [0, 1], [])
    assert '| full | confusable | 0.500 ± 0.141 | 0.500 ± 0.000 |' in table


# -- what the runner runs (tools replaced by a recorder) ---------------------
@pytest.fixture
def recorded(tmp_path, monkeypatch):
    """run_ablation.main with every tool call recorded and faked: training
    writes its checkpoint, a test its detections (scored by seed and
    head), the bank and retrieval tools their files."""
    from mmengine.config import Config
    calls = []
    data = tmp_path / 'data'
    (data / 'annotations').mkdir(parents=True)
    (data / 'annotations' / 'toy_vid_val.json').write_text('{}')

    def call(self, cmd, log_file):
        tool = cmd[1]
        calls.append((tool, cmd[2:]))
        if tool == 'tools/train.py':
            cfg = Config.fromfile(cmd[2])
            run = cmd[cmd.index('--work-dir') + 1]
            ckpt = osp.join(run, f'iter_{cfg.train_cfg.max_iters}.pth')
            open(ckpt, 'w').close()
            with open(osp.join(run, 'last_checkpoint'), 'w') as f:
                f.write(ckpt)
        elif tool == 'tools/test.py':
            cfg = Config.fromfile(cmd[2])
            with open(cmd[cmd.index('--out') + 1], 'wb') as f:
                pickle.dump(dict(seed=cfg.randomness.seed,
                                 branch=cfg.model.test_cfg.branch,
                                 bank=cfg.model.test_cfg.support_bank), f)
        elif tool.endswith('build_support_bank.py'):
            open(cmd[cmd.index('--out') + 1], 'w').close()
        elif tool.endswith('relation_retrieval.py'):
            r = dict(top1=0.5, mass=0.4, chance=0.2)
            with open(cmd[cmd.index('--out') + 1], 'w') as f:
                json.dump(dict(inter_qk=dict(mean=r),
                               features_cosine=dict(mean=r)), f)

    def score(dets_file, ann_file, classes):
        with open(dets_file, 'rb') as f:
            d = pickle.load(f)
        m = 0.5 + 0.1 * d['seed'] + (0.05 if d['branch'] == 'intra' else 0) \
            + (0.01 if d['bank'] else 0)
        return dict(mAP=m, AP={c: m for c in classes},
                    double_rate={c: 0.0 for c in classes},
                    matrix=np.eye(len(classes) + 1).tolist(),
                    classes=list(classes))

    monkeypatch.setattr(ra.Ablation, 'call', call)
    monkeypatch.setattr(ra, 'score', score)
    return calls, data


def test_runner_trains_init_first_and_tests_each_head_and_the_bank(
        recorded, tmp_path):
    calls, data = recorded
    work = tmp_path / 'work'
    assert ra.main([_path(REF), _path(CONTROL), '--seeds', '0', '1',
                    '--work-dir', str(work), '--data-root', str(data),
                    '--control', CONTROL + ':A', '--confusable',
                    'striped_cat', 'spotted_cat', '--cfg-options',
                    'train_cfg.max_iters=2']) == 0
    tools = [c[0] for c in calls]
    per_seed = ['tools/train.py', 'tools/test.py',  # stage 1, A
                'tools/train.py', 'tools/test.py', 'tools/test.py',  # A, B
                'tools/analysis_tools/build_support_bank.py',
                'tools/analysis_tools/relation_retrieval.py',
                'tools/analysis_tools/relation_retrieval.py',
                'tools/test.py',  # B with the bank
                'tools/train.py', 'tools/test.py']  # the control, A
    assert tools == per_seed * 2
    from mmengine.config import Config
    s1_dir = work / 'seed1' / S1
    for name in (REF, CONTROL):
        cfg = Config.fromfile(str(work / 'seed1' / name / 'config.py'))
        # each seed's runs start from that seed's stage-1 weights
        assert cfg.load_from == str(s1_dir / 'iter_2.pth')
        assert cfg.randomness.seed == 1 and cfg.train_cfg.max_iters == 2
        assert cfg.train_dataloader.dataset.data_root == str(data) + '/'
    retrievals = [c[1] for c in calls if c[0].endswith('retrieval.py')][:2]
    assert retrievals[0][-2:] == ['striped_cat', 'spotted_cat']
    assert retrievals[1][-5:] == ['disc', 'square', 'triangle',
                                  'striped_cat', 'spotted_cat']
    report = json.loads((work / 'ablation.json').read_text())
    assert set(report['summary']) == {f'{S1}/A', f'{REF}/A', f'{REF}/B',
                                      f'{REF}/B_bank', f'{CONTROL}/A'}
    ref_b = report['summary'][f'{REF}/B_bank']['mAP']
    assert ref_b['values'] == pytest.approx([0.51, 0.61])
    assert report['summary'][f'{REF}/A']['mAP']['values'] == \
        pytest.approx([0.55, 0.65])
    diffs = report['comparisons']
    assert diffs[f'{REF}/A - {CONTROL}/A']['mAP']['values'] == \
        pytest.approx([0.05, 0.05])
    assert diffs[f'{REF}/B_bank - {CONTROL}/A']['mAP']['values'] == \
        pytest.approx([0.01, 0.01])
    assert set(report['retrieval']) == {REF}
    md = (work / 'ablation.md').read_text()
    assert f'| {REF} | B_bank | 2 | 0.560 ± 0.071 |' in md
    # a second invocation reuses every run and test: no tool runs again
    calls.clear()
    assert ra.main([_path(REF), _path(CONTROL), '--seeds', '0', '1',
                    '--work-dir', str(work), '--data-root', str(data),
                    '--cfg-options', 'train_cfg.max_iters=2']) == 0
    assert calls == []
    # a stored test made with other overrides is tested again, alone
    stored = work / 'seed0' / REF / 'test_A.json'
    stored.write_text(json.dumps(dict(json.loads(stored.read_text()),
                                      overrides={'x': 1})))
    assert ra.main([_path(REF), '--seeds', '0', '--work-dir', str(work),
                    '--data-root', str(data), '--cfg-options',
                    'train_cfg.max_iters=2']) == 0
    assert [c[0] for c in calls] == ['tools/test.py']
    assert calls[0][1][0].endswith('config_test_A.py')
    calls.clear()
    # ... but another resolved config is refused, naming the run folder
    assert ra.main([_path(REF), '--seeds', '0', '--work-dir', str(work),
                    '--data-root', str(data), '--cfg-options',
                    'train_cfg.max_iters=3']) == 1
    assert calls == []


def error_lines(text):
    return [ln for ln in text.splitlines() if ln.startswith('error: ')]


@pytest.mark.parametrize('case', ['work_dir', 'config', 'control',
                                  'control_test', 'ann_file', 'option',
                                  'option_key'])
def test_bad_input_is_one_error_line_before_any_work(recorded, tmp_path,
                                                     capsys, case):
    calls, data = recorded
    blocker = tmp_path / 'a_file'
    blocker.write_text('')
    work = tmp_path / 'work'
    args = dict(configs=[_path(CONTROL)], work=str(work),
                data=str(data), control=[])
    expected = {
        'work_dir': f'--work-dir {blocker}/sub',
        'config': f'config {tmp_path}/nope.py does not exist',
        'control': f'--control {REF}: {REF} is not one of the runs',
        'control_test': f'--control {CONTROL}:B: {CONTROL} has no test',
        'ann_file': f'test annotation file {tmp_path}/annotations/'
                    'toy_vid_val.json does not exist',
        'option': '--cfg-options train_cfg: expected KEY=VALUE',
        'option_key': '--cfg-options on config '}[case]
    if case == 'work_dir':
        args['work'] = str(blocker / 'sub')
    elif case == 'config':
        args['configs'] = [str(tmp_path / 'nope.py')]
    elif case == 'control':
        args['control'] = [REF]
    elif case == 'control_test':
        args['control'] = [CONTROL + ':B']
    else:
        args['data'] = str(tmp_path)
    argv = args['configs'] + ['--seeds', '0', '--work-dir', args['work'],
                              '--data-root', args['data']]
    if args['control']:
        argv += ['--control'] + args['control']
    if case == 'option':
        argv += ['--cfg-options', 'train_cfg']
    elif case == 'option_key':  # max_iters is a number, not a dict
        argv += ['--cfg-options', 'train_cfg.max_iters.x=1']
    assert ra.main(argv) == 1
    out = capsys.readouterr()
    (line, ) = error_lines(out.err)
    assert out.err.strip() == line
    assert expected in line, line
    assert calls == [] and out.out == ''
    assert not (work / 'progress.log').exists()


# -- one real run, tiny ----------------------------------------------------
def test_tiny_real_run_through_the_tools(toy_data, tmp_path):
    """The runner through the real tools: stage 1 and the same-length
    control from its weights, 1 iteration each, one seed (the statistics
    over seeds are tested above); figures are the tools' own."""
    from mmengine.config import Config
    work = tmp_path / 'work'
    cmd = [sys.executable, 'tools/analysis_tools/run_ablation.py',
           _path(CONTROL), '--seeds', '3', '--work-dir', str(work),
           '--data-root', toy_data, '--control', S1, '--cfg-options',
           'train_cfg.max_iters=1', 'model.test_cfg.rpn.max_per_img=16',
           'model.train_cfg.rpn_proposal.max_per_img=16',
           'test_dataloader.dataset.pipeline.0.num_support=2']
    env = dict(os.environ, PYTHONPATH=REPO)
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert proc.stdout.count(' done in ') == 2
    runs = work / 'seed3'
    control = Config.fromfile(str(runs / CONTROL / 'config.py'))
    assert control.load_from == str(runs / S1 / 'iter_1.pth')
    assert (runs / CONTROL / 'iter_1.pth').exists()
    report = json.loads((work / 'ablation.json').read_text())
    found = {}
    for run in (S1, CONTROL):
        stored = json.loads((runs / run / 'test_A.json').read_text())
        assert report['per_seed']['3'][run]['A'] == stored['result']
        found[run] = stored['result']['mAP']
        assert set(stored['result']['AP']) == {
            'disc', 'square', 'triangle', 'striped_cat', 'spotted_cat'}
    diff = report['comparisons'][f'{CONTROL}/A - {S1}/A']['mAP']['values']
    assert diff == pytest.approx([found[CONTROL] - found[S1]], nan_ok=True)
    assert (work / 'ablation.md').read_text().startswith('Seeds [3];')

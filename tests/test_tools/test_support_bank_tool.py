"""tools/analysis_tools/build_support_bank.py on a tiny trained model."""
import pytest
import torch

from tests_helpers import TOY1, data_opts, run_tool


def test_build_support_bank_is_balanced_and_loads(stage1_run, toy_data,
                                                  tmp_path):
    from mmengine.config import Config

    from mmhvr.models.roi_heads import SupportBank
    from mmhvr.registry import MODELS
    _, ckpt = stage1_run
    cfg_file = tmp_path / 'cfg.py'
    cfg = Config.fromfile(TOY1)
    cfg.merge_from_dict({o.split('=')[0]: o.split('=')[1].rstrip('/') + '/'
                         for o in data_opts(toy_data)[:3]})
    cfg.dump(str(cfg_file))
    out = tmp_path / 'bank.pth'
    proc = run_tool(['tools/analysis_tools/build_support_bank.py',
                     str(cfg_file), str(ckpt), '--out', str(out),
                     '--per-class', '3', '--frames-per-video', '1'])
    assert 'support bank of' in proc.stdout
    bank = SupportBank.load(str(out))
    assert bank.classes == tuple(cfg.toy_classes)
    counts = torch.bincount(bank.labels, minlength=6)
    assert counts.max() <= 3 and counts[5] == 3  # background always found
    assert bank.roi_feats.shape[1:] == (128, 7, 7)
    cfg.model.test_cfg.support_bank = dict(file=str(out))
    cfg.model.backbone.init_cfg = None
    model = MODELS.build(cfg.model)
    assert len(model.support_bank) == len(bank)


def test_build_support_bank_refuses_bad_out(stage1_run, tmp_path):
    _, ckpt = stage1_run
    proc = run_tool(['tools/analysis_tools/build_support_bank.py', TOY1,
                     str(ckpt), '--out', str(tmp_path / 'no' / 'bank.pth')],
                    check=False)
    assert proc.returncode != 0 and 'does not exist' in proc.stderr
    assert not (tmp_path / 'no').exists()


def test_relation_retrieval_tool_reports_the_bank_classes(stage1_run,
                                                          tmp_path):
    import json

    from mmengine.config import Config

    from mmhvr.models.roi_heads import SupportBank
    _, ckpt = stage1_run
    classes = tuple(Config.fromfile(TOY1).toy_classes)
    gen = torch.Generator().manual_seed(0)
    labels = torch.tensor([3] * 4 + [4] * 3 + [0] * 2 + [5] * 2)
    bank = SupportBank(torch.rand(len(labels), 128, 7, 7, generator=gen),
                       labels, classes)
    bank.save(str(tmp_path / 'bank.pth'))
    out = tmp_path / 'r.json'
    proc = run_tool(['tools/analysis_tools/relation_retrieval.py', TOY1,
                     str(ckpt), '--bank', str(tmp_path / 'bank.pth'),
                     '--classes', classes[3], classes[4], '--out', str(out)])
    res = json.load(open(out))
    for space in ('inter_qk', 'features_cosine'):
        assert res[space][classes[3]]['queries'] == 4
        assert res[space][classes[4]]['queries'] == 3
        # 7 cat RoIs: a striped query has 3 striped among 6 candidates
        assert res[space][classes[3]]['chance'] == pytest.approx(3 / 6)
        assert res[space][classes[4]]['chance'] == pytest.approx(2 / 6)
        assert 0 <= res[space]['mean']['top1'] <= 1
    assert 0 < res['inter_qk']['mean']['mass'] < 1
    assert 'inter_qk' in proc.stdout
    SupportBank(bank.roi_feats, labels, ('a', 'b', 'c', 'd', 'e')).save(
        str(tmp_path / 'other.pth'))
    proc = run_tool(['tools/analysis_tools/relation_retrieval.py', TOY1,
                     str(ckpt), '--bank', str(tmp_path / 'other.pth')],
                    check=False)
    assert proc.returncode != 0 and 'other.pth' in proc.stderr

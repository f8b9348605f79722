"""The benchmark script runs and reports its figures (no timing asserted)."""
import json

import pytest

from tests_helpers import TOY2, frame_folder, run_tool


def test_benchmark_reports_latency_and_ratio(tmp_path):
    folder = frame_folder(tmp_path / 'frames', [(64, 80)] * 4)
    out = tmp_path / 'bench.json'
    proc = run_tool(['tools/analysis_tools/benchmark.py', TOY2, '--video',
                     str(folder), '--num-frames', '3', '--warmup', '1',
                     '--supports', '1', '2', '--main-support', '2',
                     '--stream-frames', '10', '--out', str(out)])
    assert 'single-frame' in proc.stdout and 'HVR-Net' in proc.stdout
    res = json.load(open(out))
    assert set(res['hvr']) == {'1', '2'}
    assert res['device'] == 'cpu' and 'gpu' not in res
    # every path timed the frames asked for; the figures are consistent:
    # the ratio is HVR-Net's (main support count) median over the
    # single-frame median, and it is what the console says
    for r in [res['single_frame'], *res['hvr'].values()]:
        assert r['frames'] == 3
        assert 0 < r['p10_ms'] <= r['median_ms'] <= r['p90_ms']
    assert res['ratio'] == pytest.approx(
        res['hvr']['2']['median_ms'] / res['single_frame']['median_ms'])
    assert f"single-frame: {res['ratio']:.3f}x" in proc.stdout
    points = res['stream']['points']
    assert [p['frame'] for p in points] == list(range(1, 11))
    # the online cache holds the supports and the key frame, no more
    assert [p['cached_frames'] for p in points] == [1, 2] + [3] * 8
    assert 'online stream of 10 frames' in proc.stdout


def test_benchmark_profiles_where_a_train_step_goes(tmp_path):
    folder = frame_folder(tmp_path / 'frames', [(64, 80)] * 2)
    out = tmp_path / 'bench.json'
    proc = run_tool(['tools/analysis_tools/benchmark.py', TOY2, '--video',
                     str(folder), '--num-frames', '1', '--warmup', '0',
                     '--supports', '1', '--main-support', '1',
                     '--train-steps', '1', '--train-shape', '64', '96',
                     '--profile', '--out', str(out)])
    train = json.load(open(out))['train']
    s1, s2 = train['stage1']['profile_ms'], train['stage2']['profile_ms']
    # stage 2 runs the frozen trunk once for the group, conv5 for the
    # descriptors and again (with gradient) for the triplet's frames
    assert {'hvr.frozen_trunk', 'hvr.descriptor_head', 'hvr.triplet_head',
            'hvr.roi_loss', 'bench.backward'} <= set(s2)
    assert 'hvr.backbone' in s1 and 'hvr.frozen_trunk' not in s1
    for prof in (s1, s2):
        assert all(v > 0 for v in prof.values())
        # the model's regions are nested in the forward pass
        assert sum(v for k, v in prof.items() if k.startswith('hvr.')) <= \
            prof['bench.forward']
    assert 'stage2 profile' in proc.stdout and 'hvr.frozen_trunk' in \
        proc.stdout

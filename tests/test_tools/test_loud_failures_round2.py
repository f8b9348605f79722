"""No silent wrong results, round two (issue 19): each numbered case and
each traceback family ends with exit status != 0, exactly one ``error:``
line naming the file, key or value, and nothing written or replaced.

The tools check their arguments before they build a model or a runner, so
most cases run in this process through the tools' ``main(argv)``.
"""
import importlib.util
import json
import os
import os.path as osp
import sys
import warnings

import numpy as np
import pytest
import torch

from tests_helpers import REPO, TOY1, TOY2, data_opts, frame_folder, run_tool


def load_tool(path):
    spec = importlib.util.spec_from_file_location(
        osp.splitext(osp.basename(path))[0] + '_round2', osp.join(REPO, path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def one_error(stderr: str) -> str:
    """The one line of ``stderr`` that starts with ``error:``; no
    traceback."""
    lines = [ln for ln in stderr.splitlines() if ln.startswith('error:')]
    assert len(lines) == 1, stderr[-3000:]
    assert 'Traceback' not in stderr, stderr[-3000:]
    return lines[0]


def listing(folder) -> list:
    """Every file under ``folder`` (nothing if it does not exist)."""
    return sorted(osp.relpath(osp.join(d, f), folder)
                  for d, _, files in os.walk(folder) for f in files)


def run_main(tool, argv, capsys):
    """``tool.main(argv)`` → (exit status, stderr, stdout); a ``sys.exit``
    counts as a return."""
    import logging

    from mmengine.logging import MMLogger
    # mmengine's loggers outlive a test: their console handlers would
    # still write into an earlier test's (closed) captured stdout
    for logger in list(MMLogger._instance_dict.values()):
        for handler in logger.handlers:
            if type(handler) is logging.StreamHandler:
                handler.stream = sys.stdout  # no flush of the closed one
    try:
        rc = tool.main(argv)
    except SystemExit as e:
        rc = e.code
    captured = capsys.readouterr()
    return rc, captured.err, captured.out


def train_main(argv, capsys, monkeypatch):
    """tools/train.py in this process."""
    return run_main(load_tool('tools/train.py'), list(argv), capsys)


def toy_config(folder, toy_data) -> str:
    """TOY1 with its data roots at the generated toy set, as a file (for
    tools without --cfg-options)."""
    os.makedirs(folder, exist_ok=True)
    path = osp.join(folder, 'toy.py')
    roots = ''.join(f"{k} = dict(dataset=dict(data_root='{toy_data}/'))\n"
                    for k in ('train_dataloader', 'val_dataloader',
                              'test_dataloader'))
    with open(path, 'w') as f:
        f.write(f"_base_ = '{TOY1}'\n{roots}")
    return path


@pytest.fixture
def foreign_ckpt(tmp_path):
    """A checkpoint of another model: a dict with two random tensors."""
    path = tmp_path / 'other_model.pth'
    torch.save({'a': torch.rand(3, 4), 'b': torch.rand(2)}, path)
    return path


# -- 1. stage 2 from a load_from that is not a stage-1 model -----------------
def test_stage2_refuses_a_load_from_of_another_model(foreign_ckpt, toy_data,
                                                     stage1_run, tmp_path,
                                                     capsys, monkeypatch):
    work = tmp_path / 'work'
    # 1 iteration: a broken check would train (and fail the test) quickly
    rc, err, _ = train_main(
        [TOY2, '--work-dir', str(work), '--cfg-options',
         f'load_from={foreign_ckpt}', 'train_cfg.max_iters=1',
         'train_cfg.val_interval=1'] + data_opts(toy_data), capsys,
        monkeypatch)
    assert rc == 1
    line = one_error(err)
    assert f'load_from {foreign_ckpt} does not match' in line
    assert 'missing keys' in err and 'backbone.conv1.weight' in err
    assert '--allow-incomplete-load-from' in err
    assert not work.exists()  # refused before the runner wrote anything
    # the checks: a stage-1 checkpoint fills stage 2; the override warns
    from mmengine.config import Config

    from mmhvr.engine import check_stage2_load_from
    cfg = Config.fromfile(TOY2)
    cfg.load_from = str(stage1_run[1])
    check_stage2_load_from(cfg)
    cfg.load_from = str(foreign_ckpt)
    with pytest.warns(UserWarning, match='allowed'):
        check_stage2_load_from(cfg, allow=True)
    with pytest.raises(ValueError, match='missing keys'):
        check_stage2_load_from(cfg)


# -- 2. the demo and init_detector with weights of another model --------------
def test_demo_and_init_detector_refuse_weights_of_another_model(
        foreign_ckpt, tmp_path, capsys):
    from mmhvr.apis import init_detector
    frames = frame_folder(tmp_path / 'frames', [(48, 64)] * 2)
    out = tmp_path / 'out.mp4'
    demo = load_tool('demo/video_demo.py')
    rc, err, stdout = run_main(demo, [str(frames), TOY2, str(foreign_ckpt),
                                      '--out', str(out)], capsys)
    assert rc == 1
    line = one_error(err)
    assert str(foreign_ckpt) in line and 'does not match' in line
    assert 'missing keys' in err
    assert not out.exists() and 'annotated video' not in stdout
    with pytest.raises(ValueError, match='missing keys'):
        init_detector(TOY2, str(foreign_ckpt))


# -- 3. tools/test.py with a support bank of other class names ---------------
def test_test_refuses_a_support_bank_of_other_classes(stage1_run, toy_data,
                                                      tmp_path, capsys):
    from mmengine.config import Config

    from mmhvr.models.roi_heads import SupportBank
    _, ckpt = stage1_run
    classes = tuple(Config.fromfile(TOY1).toy_classes)
    feats = torch.rand(len(classes), 128, 7, 7)
    labels = torch.arange(len(classes))
    other = tmp_path / 'bank_other.pth'
    SupportBank(feats, labels, tuple(c + '_x' for c in classes)).save(
        str(other))
    work = tmp_path / 'work'
    tool = load_tool('tools/test.py')
    argv = [TOY2, str(ckpt), '--allow-stage-mismatch', '--work-dir',
            str(work), '--cfg-options'] + data_opts(toy_data)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')  # the allowed stage mismatch
        rc, err, stdout = run_main(
            tool, argv + [f'model.test_cfg.support_bank.file={other}'],
            capsys)
    assert rc == 1
    line = one_error(err)
    assert f'support_bank.file {other}' in line
    assert 'striped_cat_x' in line and 'striped_cat' in line
    assert not work.exists() and 'mAP' not in stdout
    # a bank of the test set's classes passes the same check
    good = tmp_path / 'bank.pth'
    SupportBank(feats, labels, classes).save(str(good))
    cfg = Config.fromfile(TOY2)
    cfg.merge_from_dict({k: v for k, v in (o.split('=', 1) for o in
                                           data_opts(toy_data)[:3])})
    cfg.model.test_cfg.support_bank = dict(file=str(good))
    tool.check_support_bank(cfg)


# -- 4. build_support_bank.py: foreign weights, an existing bank ------------
def test_support_bank_tool_never_replaces_a_bank_by_a_bad_one(
        stage1_run, foreign_ckpt, toy_data, tmp_path, capsys):
    _, ckpt = stage1_run
    cfg = toy_config(tmp_path / 'cfg', toy_data)
    out = tmp_path / 'bank.pth'
    out.write_bytes(b'a good bank')
    tool = load_tool('tools/analysis_tools/build_support_bank.py')
    for argv, said in (
            ([cfg, str(foreign_ckpt), '--out', str(out), '--force'],
             f'{foreign_ckpt} does not match'),
            ([cfg, str(ckpt), '--out', str(out)], '--force'),
            ([cfg, str(ckpt), '--out', str(tmp_path / 'a' / 'b.pth')],
             'does not exist'),
            ([cfg, str(ckpt), '--out', str(out / 'b.pth')],
             'does not exist'),
            ([cfg, str(ckpt), '--out', str(tmp_path / 'b.pt')], '.pth'),
            ([cfg, str(ckpt), '--out', str(tmp_path / 'b.pth'),
              '--per-class', '0'], '--per-class')):
        rc, err, _ = run_main(tool, argv, capsys)
        assert rc == 1, argv
        line = one_error(err)
        assert said in line, (argv, line)
        assert out.read_bytes() == b'a good bank'
    assert listing(tmp_path) == ['bank.pth', 'cfg/toy.py', 'other_model.pth']


# -- 5. publish_model.py: what is not a model checkpoint ---------------------
@pytest.mark.parametrize('content,said', [
    ({'a': torch.rand(2)}, 'no state_dict'),
    ({'state_dict': {'a': torch.rand(2)}}, 'meta'),
    ({'state_dict': {}, 'meta': {'hvr_stage': 1}}, 'empty'),
])
def test_publish_model_refuses_what_is_not_a_model(tmp_path, capsys, content,
                                                   said):
    src = tmp_path / 'in.pth'
    torch.save(content, src)
    tool = load_tool('tools/model_converters/publish_model.py')
    rc, err, stdout = run_main(tool, [str(src), str(tmp_path / 'pub.pth')],
                               capsys)
    assert rc == 1
    line = one_error(err)
    assert str(src) in line and said in line
    assert listing(tmp_path) == ['in.pth'] and 'published' not in stdout


# -- 6. record_result.py: a result the command did not write -----------------
def test_record_result_refuses_a_result_older_than_the_command(tmp_path,
                                                               capsys):
    old = tmp_path / 'old.json'
    old.write_text(json.dumps({'mAP': 0.9}))
    os.utime(old, (1e9, 1e9))  # written long ago
    results = tmp_path / 'results'
    tool = load_tool('tools/misc/record_result.py')
    for command in (['true'], ['touch', '-d', '2001-01-01', str(old)]):
        rc, err, _ = run_main(tool, ['run', '--result', str(old),
                                     '--out-dir', str(results), '--'] +
                              command, capsys)
        assert rc == 1
        line = one_error(err)
        assert f'--result {old} was not written by the command' in line
        assert not results.exists()
    # a result the command writes is stored
    write = [sys.executable, '-c', 'import json, sys; json.dump({"mAP": 1},'
             f' open({str(old)!r}, "w"))']
    rc, _, stdout = run_main(tool, ['run', '--result', str(old), '--out-dir',
                                    str(results), '--'] + write, capsys)
    assert rc == 0 and listing(results) == ['run.json']


# -- 7. nothing to do: max_iters=0, browse --num 0 ---------------------------
def test_nothing_to_do_is_an_error(toy_data, tmp_path, capsys, monkeypatch):
    work = tmp_path / 'work'
    for option, said in (('train_cfg.max_iters=0', 'train_cfg.max_iters=0'),
                         ('train_cfg.max_iters=-3', 'train_cfg.max_iters=-3')):
        rc, err, _ = train_main([TOY1, '--work-dir', str(work),
                                 '--cfg-options', option] +
                                data_opts(toy_data), capsys, monkeypatch)
        assert rc == 1
        assert said in one_error(err) and 'nothing would be trained' in err
    assert not work.exists()
    browse = load_tool('tools/analysis_tools/browse_dataset.py')
    out = tmp_path / 'browse'
    for argv, said in ((['--num', '0', '--output-dir', str(out)], '--num 0'),
                       (['--not-show'], '--not-show')):
        rc, err, stdout = run_main(browse, [TOY1] + argv, capsys)
        assert rc == 1
        assert said in one_error(err) and 'completed' not in stdout
    assert not out.exists()


# -- 8. a typo'd --cfg-options key -------------------------------------------
@pytest.mark.parametrize('option,closest', [
    ('train_cfgs.max_iters=3', 'train_cfg.max_iters'),
    ('train_cfg.max_iter=3', 'train_cfg.max_iters'),
    ('model.test_cfg.branc=intra', 'model.test_cfg.branch'),
])
def test_typo_in_cfg_options_is_an_error_naming_the_closest_key(
        toy_data, tmp_path, capsys, monkeypatch, option, closest):
    work = tmp_path / 'work'
    # the real keys at 1 iteration: an unchecked typo trains (and fails
    # the test) quickly
    rc, err, _ = train_main([TOY1, '--work-dir', str(work), '--cfg-options',
                             option, 'train_cfg.max_iters=1',
                             'train_cfg.val_interval=1'] +
                            data_opts(toy_data), capsys, monkeypatch)
    assert rc == 1
    line = one_error(err)
    key = option.split('=')[0]
    assert f'--cfg-options {key}' in line and f'did you mean {closest}?' \
        in line and f'+{key}=' in line
    assert not work.exists()


# -- 9. inference_video checks its arguments at the call --------------------
def test_inference_video_checks_arguments_at_the_call(tmp_path):
    from mmhvr.apis import inference_video, init_detector
    with pytest.warns(UserWarning, match='RANDOM'):
        model = init_detector(TOY1)
    frames = [np.zeros((48, 64, 3), np.uint8)] * 2
    for kwargs, said in ((dict(num_support=-1), 'num_support'),
                         (dict(num_support=1.5), 'num_support'),
                         (dict(mode='bogus'), 'bogus')):
        with pytest.raises(ValueError, match=said):
            inference_video(model, frames, **kwargs)  # no next() needed
    with pytest.raises(FileNotFoundError, match='nope.mp4'):
        inference_video(model, str(tmp_path / 'nope.mp4'))
    with pytest.raises(ValueError, match=r'frame 1 .*shape \(48, 64, 2\)'):
        list(inference_video(model, [frames[0],
                                     np.zeros((48, 64, 2), np.uint8)]))


# -- traceback families ------------------------------------------------------
def test_grayscale_and_mixed_size_frames_through_inference_video():
    """A grayscale frame is detected as its 3-channel copy; a frame twice
    the size of frame 0 is resized to it for the model (a warning says
    so) and its boxes come back in its own, doubled, coordinates."""
    from mmhvr.apis import inference_video, init_detector
    with pytest.warns(UserWarning, match='RANDOM'):
        model = init_detector(TOY1)
    rng = np.random.default_rng(0)
    gray = rng.integers(0, 255, (48, 64), dtype=np.uint8)
    small = np.repeat(gray[..., None], 3, axis=2)
    big = small.repeat(2, axis=0).repeat(2, axis=1)  # 96x128, exact 2x

    def boxes(frames):
        return [r.pred_instances.bboxes for r in
                inference_video(model, frames, num_support=0)]

    ref = boxes([small, small])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        got = boxes([gray, big])
    assert len(got) == 2 and len(ref[0]) > 0
    torch.testing.assert_close(got[0], ref[0])
    torch.testing.assert_close(got[1], ref[1] * 2)
    said = [str(w.message) for w in caught if 'resized' in str(w.message)]
    assert len(said) == 1 and '128x96' in said[0] and '64x48' in said[0]


def test_config_problems_are_one_line(tmp_path, capsys, monkeypatch):
    bad = tmp_path / 'bad_syntax.py'
    bad.write_text("_base_ = '%s'\nmodel = dict(\n" % TOY1)
    missing = tmp_path / 'nope.py'
    for config, said in ((missing, 'does not exist'),
                         (bad, 'cannot be read')):
        rc, err, _ = train_main([str(config), '--work-dir',
                                 str(tmp_path / 'w')], capsys, monkeypatch)
        assert rc == 1
        line = one_error(err)
        assert str(config) in line and said in line
        test = load_tool('tools/test.py')
        rc, err, _ = run_main(test, [str(config), str(tmp_path / 'x.pth'),
                                     '--work-dir', str(tmp_path / 'w')],
                              capsys)
        assert rc == 1 and str(config) in one_error(err)
        pc = load_tool('tools/misc/print_config.py')
        rc, err, stdout = run_main(pc, [str(config)], capsys)
        assert rc == 1 and str(config) in one_error(err)
        assert 'Config:' not in stdout
    assert 'line' in line  # the syntax error says where
    assert not (tmp_path / 'w').exists()


def test_bad_values_are_one_line(toy_data, tmp_path, capsys, monkeypatch):
    work = tmp_path / 'work'
    for argv, said in (
            (['--seed', '-1'], 'seed -1'),
            (['--cfg-options', 'randomness.seed=4294967296'],
             'seed 4294967296'),
            (['--cfg-options', 'train_cfg.max_iters=abc'],
             'train_cfg.max_iters=abc'),
            (['--cfg-options', 'train_cfg.max_iters=2.5'],
             'train_cfg.max_iters=2.5')):
        opts = data_opts(toy_data)
        argv = argv + opts if '--cfg-options' in argv else \
            argv + ['--cfg-options'] + opts
        rc, err, _ = train_main([TOY1, '--work-dir', str(work)] + argv,
                                capsys, monkeypatch)
        assert rc == 1, argv
        assert said in one_error(err), argv
    assert not work.exists()


def test_unwritable_work_dir_is_one_line(toy_data, tmp_path, capsys,
                                         monkeypatch, stage1_run):
    blocker = tmp_path / 'a_file'
    blocker.write_text('x')
    test = load_tool('tools/test.py')
    for work, said in ((blocker / 'work', 'is a file, not a folder'),
                       ('/proc/mmhvr_work', 'cannot write into')):
        rc, err, _ = train_main([TOY1, '--work-dir', str(work),
                                 '--cfg-options'] + data_opts(toy_data),
                                capsys, monkeypatch)
        assert rc == 1
        line = one_error(err)
        assert f'--work-dir {work}' in line and said in line
        rc, err, _ = run_main(test, [TOY1, str(stage1_run[1]), '--work-dir',
                                     str(work), '--cfg-options'] +
                              data_opts(toy_data), capsys)
        assert rc == 1 and said in one_error(err)
    assert blocker.read_text() == 'x'


def test_missing_or_broken_data_is_one_line(toy_data, stage1_run, tmp_path,
                                            capsys, monkeypatch):
    work = tmp_path / 'work'
    not_json = tmp_path / 'not_json.json'
    not_json.write_text('<xml>not json</xml>')
    for option, said in (
            (f'train_dataloader.dataset.data_root={tmp_path}/none/',
             f'data_root {tmp_path}/none/ does not exist'),
            (f'train_dataloader.dataset.ann_file={tmp_path}/none.json',
             f'ann_file {tmp_path}/none.json does not exist'),
            (f'train_dataloader.dataset.ann_file={not_json}',
             f'ann_file {not_json} is not JSON')):
        rc, err, _ = train_main([TOY1, '--work-dir', str(work),
                                 '--cfg-options'] + data_opts(toy_data) +
                                [option], capsys, monkeypatch)
        assert rc == 1, option
        assert said in one_error(err), option
    # the test set: not JSON, and one without frames
    empty = tmp_path / 'empty.json'
    ann = json.load(open(osp.join(toy_data, 'annotations',
                                  'toy_vid_val.json')))
    empty.write_text(json.dumps(dict(ann, images=[], annotations=[],
                                     videos=[])))
    test = load_tool('tools/test.py')
    for path, said in ((not_json, 'is not JSON'), (empty, 'no ')):
        rc, err, stdout = run_main(
            test, [TOY1, str(stage1_run[1]), '--work-dir', str(work / 't'),
                   '--cfg-options'] + data_opts(toy_data) +
            [f'test_dataloader.dataset.ann_file={path}'], capsys)
        assert rc == 1
        line = one_error(err)
        assert str(path) in line and said in line
        assert 'mAP' not in stdout


def test_stage2_with_too_few_videos_per_class_is_one_line(
        toy_data, stage1_run, tmp_path, capsys, monkeypatch):
    """VideoTripletSampler's message, raised while the runner builds its
    loop, becomes the one error line; no step runs, no checkpoint."""
    work = tmp_path / 'work'
    rc, err, _ = train_main(
        [TOY2, '--work-dir', str(work), '--cfg-options',
         f'load_from={stage1_run[1]}', 'train_dataloader.dataset.indices=4']
        + data_opts(toy_data), capsys, monkeypatch)
    assert rc == 1
    line = one_error(err)
    assert 'train_dataloader' in line and 'num_same=3' in line
    assert not [f for f in listing(work) if f.endswith('.pth')]


def test_outputs_in_unwritable_places_are_refused_first(stage1_run, toy_data,
                                                        tmp_path, capsys):
    """Checked before the work: print_config --save-path, confusion_matrix
    --out, browse_dataset --output-dir, the converters' -o."""
    blocker = tmp_path / 'a_file'
    blocker.write_text('x')
    dets = tmp_path / 'dets.pkl'
    dets.write_bytes(b'')
    ann = osp.join(toy_data, 'annotations', 'toy_vid_val.json')
    ilsvrc = tmp_path / 'ILSVRC2015'
    for d in ('Data/VID', 'Annotations/VID/train', 'Annotations/VID/val'):
        os.makedirs(ilsvrc / d)
    cases = (
        ('tools/misc/print_config.py',
         [TOY1, '--save-path', str(blocker / 'cfg.py')], '--save-path'),
        ('tools/analysis_tools/confusion_matrix.py',
         [TOY1, str(dets), '--ann-file', ann, '--out',
          str(blocker / 'm.png')], '--out'),
        ('tools/analysis_tools/browse_dataset.py',
         [TOY1, '--not-show', '--output-dir', str(blocker / 'b')],
         '--output-dir'),
        ('tools/dataset_converters/imagenet2coco_vid.py',
         ['-i', str(ilsvrc), '-o', str(blocker)], '-o'),
        ('tools/dataset_converters/imagenet2coco_det.py',
         ['-i', str(ilsvrc), '-o', str(blocker / 'x')], '-o'),
    )
    ilsvrc_det = ilsvrc / 'Data' / 'DET'
    os.makedirs(ilsvrc_det)
    os.makedirs(ilsvrc / 'Annotations' / 'DET')
    for path, argv, option in cases:
        rc, err, stdout = run_main(load_tool(path), argv, capsys)
        assert rc == 1, path
        line = one_error(err)
        assert line.startswith(f'error: {option} ') and str(blocker) in line
        assert 'written' not in stdout and 'Config:' not in stdout
    assert blocker.read_text() == 'x'
    assert sorted(os.listdir(tmp_path)) == ['ILSVRC2015', 'a_file',
                                            'dets.pkl']


def test_confusion_matrix_without_annotations_says_ann_file(tmp_path,
                                                            capsys):
    dets = tmp_path / 'dets.pkl'
    dets.write_bytes(b'')
    cfg = tmp_path / 'cfg.py'
    cfg.write_text(f"_base_ = '{TOY1}'\ntest_dataloader = dict(dataset=dict("
                   f"data_root='{tmp_path}/absent/'))\n")
    tool = load_tool('tools/analysis_tools/confusion_matrix.py')
    rc, err, _ = run_main(tool, [str(cfg), str(dets), '--out',
                                 str(tmp_path / 'm.png')], capsys)
    assert rc == 1
    line = one_error(err)
    assert f'{tmp_path}/absent/' in line and '--ann-file' in line
    assert not (tmp_path / 'm.png').exists()


def test_benchmark_refuses_an_unreadable_video(tmp_path):
    video = tmp_path / 'clip.mp4'
    video.write_text('not a video')
    out = tmp_path / 'bench.json'
    proc = run_tool(['tools/analysis_tools/benchmark.py', TOY1, '--video',
                     str(video), '--out', str(out)], check=False, timeout=300)
    assert proc.returncode == 1
    assert str(video) in one_error(proc.stderr)
    assert not out.exists()


# -- weak messages -----------------------------------------------------------
def test_unloadable_checkpoints_say_what_they_are(tmp_path):
    from mmhvr.engine import read_checkpoint
    text = tmp_path / 'notes.pth'
    text.write_text('these are my notes\n')
    whole = tmp_path / 'whole.pth'
    torch.save({'state_dict': {'w': torch.zeros(64, 64)}}, whole)
    cut = tmp_path / 'cut.pth'
    cut.write_bytes(whole.read_bytes()[:whole.stat().st_size // 2])
    damaged = tmp_path / 'damaged.pth'  # a zip, but not torch's layout
    import zipfile
    with zipfile.ZipFile(damaged, 'w') as z:
        z.writestr('notes.txt', 'hello')
    for path, said in ((text, 'a text file'), (cut, 'cut off'),
                       (damaged, 'zip archive that torch cannot read')):
        with pytest.raises(RuntimeError) as e:
            read_checkpoint(str(path))
        msg = str(e.value)
        assert str(path) in msg and said in msg
        assert 'weights_only=False' not in msg
        assert 'inline_container' not in msg
    publish = load_tool('tools/model_converters/publish_model.py')
    with pytest.raises(ValueError, match='text file') as e:
        publish.process_checkpoint(str(text), str(tmp_path / 'p.pth'))
    assert 'weights_only=False' not in str(e.value)


def test_a_file_in_an_output_path_is_named(tmp_path):
    from mmhvr.apis.outputs import check_writable
    blocker = tmp_path / 'a_file'
    blocker.write_text('x')
    with pytest.raises(ValueError) as e:
        check_writable(str(blocker / 'sub' / 'out.pkl'), '--out')
    assert f'{blocker} is a file, not a folder' in str(e.value)
    assert 'File exists' not in str(e.value)

"""Tools fail loudly: nonzero exit, one clear line, nothing overwritten and
no success reported that did not happen (issue 11)."""
import importlib.util
import json
import os
import os.path as osp
import time

import cv2
import pytest

from tests_helpers import (REPO, TOY1, TOY2, data_opts, frame_folder,
                           free_port, run_tool)

TEST_PY = 'tools/test.py'


def load_tool(path):
    spec = importlib.util.spec_from_file_location(
        osp.splitext(osp.basename(path))[0] + '_tool', osp.join(REPO, path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def error_lines(stderr):
    return [ln for ln in stderr.splitlines() if ln.startswith('error: ')]


# -- tools/test.py ----------------------------------------------------------
def test_stage1_checkpoint_under_stage2_config(stage1_run, toy_data,
                                               tmp_path):
    _, ckpt = stage1_run
    proc = run_tool([TEST_PY, TOY2, str(ckpt), '--work-dir', str(tmp_path),
                     '--cfg-options'] + data_opts(toy_data), check=False)
    assert proc.returncode == 1
    (line, ) = error_lines(proc.stderr)
    assert f'{ckpt} is a stage-1 checkpoint' in line
    assert 'test_cfg.branch=intra' in line and '--allow-stage-mismatch' in line
    assert 'Traceback' not in proc.stderr
    assert 'bbox_mAP' not in proc.stdout + proc.stderr  # nothing was tested
    # the explicit override passes the check (the run itself is not needed)
    tool = load_tool(TEST_PY)
    with pytest.warns(UserWarning, match='allowed'):
        cfg = tool.prepare(tool.parse_args(
            [TOY2, str(ckpt), '--allow-stage-mismatch', '--work-dir',
             str(tmp_path)]))
    assert cfg.load_from == str(ckpt)


@pytest.mark.parametrize('content', [b'', b'garbage'])
def test_unreadable_checkpoint(tmp_path, capsys, content):
    ckpt = tmp_path / 'bad.pth'
    ckpt.write_bytes(content)
    tool = load_tool(TEST_PY)
    assert tool.main([TOY1, str(ckpt), '--work-dir', str(tmp_path)]) == 1
    (line, ) = error_lines(capsys.readouterr().err)
    assert str(ckpt) in line


def test_out_checked_before_testing(stage1_run, tmp_path, capsys):
    _, ckpt = stage1_run
    blocker = tmp_path / 'a_file'
    blocker.write_text('x')
    tool = load_tool(TEST_PY)
    start = time.time()
    for out, what in ((str(blocker / 'res.pkl'), 'cannot write'),
                      (str(tmp_path / 'res.json'), '.pkl'),
                      (str(tmp_path), '.pkl')):
        assert tool.main([TOY1, str(ckpt), '--out', out, '--work-dir',
                          str(tmp_path / 'w')]) == 1
        (line, ) = error_lines(capsys.readouterr().err)
        assert '--out' in line and what in line
    assert time.time() - start < 60  # refused before a test run
    assert not osp.exists(tmp_path / 'w')
    # a relative --show-dir is drawn under the work dir: checked there
    (blocker.parent / 'work').mkdir()
    (blocker.parent / 'work' / 'vis').write_text('a file, not a folder')
    assert tool.main([TOY1, str(ckpt), '--show-dir', 'vis/sub',
                      '--work-dir', str(tmp_path / 'work')]) == 1
    (line, ) = error_lines(capsys.readouterr().err)
    assert line.startswith('error: --show-dir ') and 'work dir' in line
    assert time.time() - start < 90
    # a writable one is checked without leaving folders behind
    cfg = tool.prepare(tool.parse_args([TOY1, str(ckpt), '--show-dir',
                                        'v2/sub', '--work-dir',
                                        str(tmp_path / 'new' / 'work')]))
    assert cfg.default_hooks.visualization.test_out_dir == 'v2/sub'
    assert not osp.exists(tmp_path / 'new')


def test_show_dir_keeps_every_video(stage1_run, toy_data, tmp_path):
    """Every video has a 000000.JPEG: frames go to <dir>/<video>/<frame>."""
    _, ckpt = stage1_run
    work = tmp_path / 'work'
    run_tool([TEST_PY, TOY1, str(ckpt), '--work-dir', str(work),
              '--show-dir', 'vis', '--cfg-options'] + data_opts(toy_data))
    ann = json.load(open(osp.join(toy_data, 'annotations',
                                  'toy_vid_val.json')))
    expected = sorted(osp.join(osp.basename(osp.dirname(i['file_name'])),
                               osp.basename(i['file_name']))
                      for i in ann['images'])
    (stamp, ) = [d for d in os.listdir(work)
                 if osp.isdir(osp.join(work, d, 'vis'))]
    vis = osp.join(work, stamp, 'vis')
    written = sorted(osp.relpath(osp.join(d, f), vis)
                     for d, _, files in os.walk(vis) for f in files)
    assert written == expected
    assert len({osp.basename(f) for f in written}) < len(written)
    # drawn through mmengine's own local backend: the umask's mode, not
    # the 0600 of a temporary file renamed over the target
    umask = os.umask(0o022)
    os.umask(umask)
    assert {os.stat(osp.join(vis, f)).st_mode & 0o777
            for f in written} == {0o666 & ~umask}


def test_stale_distributed_variables_time_out_with_a_message(stage1_run,
                                                             tmp_path):
    _, ckpt = stage1_run
    env = dict(RANK='1', WORLD_SIZE='2', LOCAL_RANK='1',
               MASTER_ADDR='127.0.0.1', MASTER_PORT=str(free_port()),
               MMHVR_DIST_TIMEOUT='3')
    start = time.time()
    proc = run_tool([TEST_PY, TOY1, str(ckpt), '--launcher', 'pytorch',
                     '--work-dir', str(tmp_path)], check=False, env=env,
                    timeout=240)
    assert proc.returncode == 1
    (line, ) = error_lines(proc.stderr)
    for name in ('RANK=1', 'WORLD_SIZE=2', 'MASTER_PORT'):
        assert name in line
    # c10d's C++ stack frames are not shown before the line (issue 19)
    assert 'frame #' not in proc.stderr and 'c10::' not in proc.stderr
    assert time.time() - start < 200


# -- converters -------------------------------------------------------------
def ilsvrc_xml(boxes, w=64, h=48):
    objs = ''.join(
        f'<object><trackid>0</trackid><name>n02691156</name><bndbox>'
        f'<xmin>{x1}</xmin><ymin>{y1}</ymin><xmax>{x2}</xmax>'
        f'<ymax>{y2}</ymax></bndbox><occluded>0</occluded>'
        '<generated>0</generated></object>' for x1, y1, x2, y2 in boxes)
    return (f'<annotation><size><width>{w}</width><height>{h}</height>'
            f'</size>{objs}</annotation>')


def fake_ilsvrc(root, val=True, boxes=((1, 2, 11, 22), )):
    for split in ('train', 'val') if val else ('train', ):
        d = osp.join(root, 'Annotations', 'VID', split, f'{split}_snippet')
        os.makedirs(d)
        for i in range(2):
            with open(osp.join(d, f'{i:06d}.xml'), 'w') as f:
                f.write(ilsvrc_xml(boxes))
    os.makedirs(osp.join(root, 'Data', 'VID'))
    return root


def existing_output(tmp_path):
    out = tmp_path / 'annotations'
    out.mkdir()
    good = json.dumps(dict(images=[dict(id=i) for i in range(8)]))
    for split in ('train', 'val'):
        (out / f'imagenet_vid_{split}.json').write_text(good)
    return out, good


def test_converter_refuses_a_root_that_is_not_ilsvrc(tmp_path, capsys):
    out, good = existing_output(tmp_path)
    vid = load_tool('tools/dataset_converters/imagenet2coco_vid.py')
    assert vid.main(['-i', str(tmp_path / 'ILSVRC2O15'), '-o',
                     str(out)]) == 1
    (line, ) = error_lines(capsys.readouterr().err)
    assert 'ILSVRC2O15' in line and 'Data/VID' in line
    assert 'Annotations/VID' in line
    for split in ('train', 'val'):
        assert (out / f'imagenet_vid_{split}.json').read_text() == good
    det = load_tool('tools/dataset_converters/imagenet2coco_det.py')
    assert det.main(['-i', str(tmp_path / 'nope'), '-o', str(out)]) == 1


def test_converter_never_replaces_output_with_an_empty_one(tmp_path, capsys):
    out, good = existing_output(tmp_path)
    root = fake_ilsvrc(str(tmp_path / 'ILSVRC2015'), val=False)
    tool = load_tool('tools/dataset_converters/imagenet2coco_vid.py')
    assert tool.main(['-i', root, '-o', str(out)]) == 1
    captured = capsys.readouterr()
    (line, ) = error_lines(captured.err)
    assert 'imagenet_vid_val.json not written' in line and 'kept' in line
    assert (out / 'imagenet_vid_val.json').read_text() == good
    train = json.load(open(out / 'imagenet_vid_train.json'))
    assert len(train['images']) == 2  # the split that has frames is written


def test_converter_skips_and_counts_inverted_boxes(tmp_path, capsys):
    root = fake_ilsvrc(str(tmp_path / 'ILSVRC2015'),
                       boxes=((1, 2, 11, 22), (30, 5, 20, 15), (5, 9, 8, 9)))
    tool = load_tool('tools/dataset_converters/imagenet2coco_vid.py')
    assert tool.main(['-i', root, '-o', str(tmp_path / 'out')]) == 0
    stdout = capsys.readouterr().out
    # 1 inverted box x 2 frames, per split; ymin == ymax is a 1-px object
    # for the devkit (issue 18): kept
    assert stdout.count('skipped 2 invalid boxes') == 2
    assert 'xmin=30 ymin=5 xmax=20 ymax=15' in stdout
    for split in ('train', 'val'):
        anns = json.load(open(tmp_path / 'out' /
                              f'imagenet_vid_{split}.json'))['annotations']
        assert len(anns) == 4
        assert all(a['bbox'][2] >= 0 and a['bbox'][3] >= 0 for a in anns)


# -- demo -------------------------------------------------------------------
def test_demo_refuses_outputs_it_cannot_write(tmp_path, capsys):
    frames = frame_folder(tmp_path / 'frames', [(48, 64)] * 2)
    blocker = tmp_path / 'a_file'
    blocker.write_text('x')
    demo = load_tool('demo/video_demo.py')
    for out, what in ((blocker / 'out.mp4', 'cannot write'),
                      (tmp_path / 'out', '.mp4 or .avi'),
                      (tmp_path / 'out.gif', '.mp4 or .avi')):
        assert demo.main([str(frames), TOY2, '--out', str(out),
                          '--num-support', '1']) == 1
        captured = capsys.readouterr()
        (line, ) = error_lines(captured.err)
        assert str(out) in line and what in line
        assert 'annotated video' not in captured.out
        assert not osp.exists(out)


def test_demo_writes_every_frame_of_a_mixed_size_folder(tmp_path, capsys):
    sizes = [(48, 64), (60, 80), (48, 64), (30, 90), (48, 64)]
    frames = frame_folder(tmp_path / 'frames', sizes)
    demo = load_tool('demo/video_demo.py')
    for ext in ('.mp4', '.avi'):
        out, js = tmp_path / f'out{ext}', tmp_path / 'out.json'
        assert demo.main([str(frames), TOY2, '--out', str(out), '--out-json',
                          str(js), '--num-support', '2']) == 0
        captured = capsys.readouterr()
        assert f'annotated video: {out} (5 frames)' in captured.out
        resized = [i for i, s in enumerate(sizes) if s != sizes[0]]
        assert f'{len(resized)} frames of another size' in captured.err
        assert str(resized) in captured.err
        cap = cv2.VideoCapture(str(out))
        shapes = []
        while True:
            ok, img = cap.read()
            if not ok:
                break
            shapes.append(img.shape[:2])
        assert shapes == [sizes[0]] * len(sizes)
        dets = json.load(open(js))
        assert len(dets['frames']) == len(sizes)
        assert dets['resized_frames'] == resized
        assert dets['frame_size'] == [sizes[0][1], sizes[0][0]]


# -- toy generator ------------------------------------------------------------
@pytest.mark.parametrize('args,option', [
    (['--frames', '0'], '--frames'),
    (['--num-val-videos', '-1'], '--num-val-videos'),
    (['--num-train-videos', '0'], '--num-train-videos'),
    (['--size', '20', '16'], '--size'),
    (['--cat-cue', 'subtle', '--cue-contrast', '1.5'], '--cue-contrast'),
])
def test_toy_generator_validates_its_arguments(tmp_path, capsys, args,
                                               option):
    from mmhvr.datasets.toy_vid import main
    out = tmp_path / 'toy'
    with pytest.raises(SystemExit) as e:
        main(['--out', str(out)] + args)
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert option in err.splitlines()[-1]
    assert not out.exists()


def test_toy_generator_smallest_size_works(tmp_path):
    from mmhvr.datasets.toy_vid import MIN_TOY_SIZE, main
    main(['--out', str(tmp_path / 'toy'), '--num-train-videos', '1',
          '--num-val-videos', '1', '--frames', '2', '--size',
          str(MIN_TOY_SIZE), str(MIN_TOY_SIZE)])
    val = json.load(open(tmp_path / 'toy' / 'annotations' /
                         'toy_vid_val.json'))
    assert len(val['images']) == 2
    with pytest.raises(SystemExit):
        main(['--out', str(tmp_path / 'toy2'), '--size',
              str(MIN_TOY_SIZE - 1), str(MIN_TOY_SIZE)])


def test_demo_refuses_a_stage1_checkpoint_under_stage2(stage1_run, tmp_path,
                                                       capsys):
    _, ckpt = stage1_run
    frames = frame_folder(tmp_path / 'frames', [(48, 64)] * 2)
    out = tmp_path / 'out.mp4'
    demo = load_tool('demo/video_demo.py')
    assert demo.main([str(frames), TOY2, str(ckpt), '--out', str(out)]) == 1
    captured = capsys.readouterr()
    (line, ) = error_lines(captured.err)
    assert f'{ckpt} is a stage-1 checkpoint' in line
    assert not out.exists() and 'annotated video' not in captured.out
    with pytest.warns(UserWarning, match='allowed'):
        assert demo.main([str(frames), TOY2, str(ckpt), '--out', str(out),
                          '--num-support', '1',
                          '--allow-stage-mismatch']) == 0
    assert out.exists()


# -- tools/train.py -----------------------------------------------------------
def test_train_refuses_a_miswired_stage2_config(tmp_path):
    """Stage 2 without a frozen RPN is refused before the runner is built
    (no work dir, no checkpoint)."""
    work = tmp_path / 'work'
    proc = run_tool(['tools/train.py', TOY2, '--work-dir', str(work),
                     '--cfg-options', 'model.frozen_modules=[]'],
                    check=False)
    assert proc.returncode == 1
    assert proc.stderr.startswith('error: ') or '\nerror: ' in proc.stderr
    assert "model.frozen_modules must hold 'rpn_head'" in proc.stderr
    assert 'Traceback' not in proc.stderr
    assert not work.exists()


def test_train_refuses_an_empty_missing_or_cut_load_from(tmp_path):
    import torch
    from tests_helpers import TOY1, run_tool
    empty = tmp_path / 'empty.pth'
    empty.write_bytes(b'')
    whole = tmp_path / 'whole.pth'
    torch.save(dict(state_dict={'w': torch.zeros(64, 64)}), whole)
    cut = tmp_path / 'cut.pth'
    cut.write_bytes(whole.read_bytes()[:whole.stat().st_size // 2])
    for path, said in ((empty, 'is empty (0 bytes)'),
                       (tmp_path / 'none.pth', 'does not exist')):
        proc = run_tool(['tools/train.py', TOY1, '--work-dir',
                         str(tmp_path / 'w'), '--cfg-options',
                         f'load_from={path}'], check=False)
        assert proc.returncode == 1
        assert f'load_from checkpoint {path} {said}' in proc.stderr
    proc = run_tool(['tools/train.py', TOY1, '--work-dir',
                     str(tmp_path / 'w'), '--cfg-options',
                     f'load_from={cut}'], check=False)
    assert proc.returncode == 1
    (line, ) = error_lines(proc.stderr)
    assert f'load_from cannot load checkpoint {cut}' in line
    assert 'Traceback' not in proc.stderr and not (tmp_path / 'w').exists()

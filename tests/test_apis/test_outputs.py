"""mmhvr.apis.outputs: the output-folder check and the error line that
build_support_bank.py, confusion_matrix.py and video_demo.py share."""
import os

import pytest

from mmhvr.apis.outputs import check_out_folder, check_writable, error


def test_a_missing_folder_is_named_and_not_made(tmp_path):
    out = tmp_path / 'none' / 'bank.pth'
    with pytest.raises(ValueError) as e:
        check_out_folder(str(out), '--out')
    assert str(e.value) == (f'--out {out}: directory {tmp_path / "none"} '
                            'does not exist')
    assert not (tmp_path / 'none').exists()


def test_create_makes_the_folder(tmp_path):
    out = tmp_path / 'a' / 'b' / 'c.png'
    assert check_out_folder(str(out), '--out', create=True) == \
        str(tmp_path / 'a' / 'b')
    assert (tmp_path / 'a' / 'b').is_dir()
    assert os.listdir(tmp_path / 'a' / 'b') == []  # the probe is gone
    # check_writable goes through the same check
    assert check_writable(str(tmp_path / 'x' / 'y.json'), '--out-json',
                          ('.json', )) == str(tmp_path / 'x' / 'y.json')
    assert (tmp_path / 'x').is_dir()


def test_an_unwritable_folder_is_named():
    with pytest.raises(ValueError, match='--out /proc/c.png: cannot write '
                       'into /proc'):
        check_out_folder('/proc/c.png', '--out')


def test_error_is_one_line_and_status_1(capsys):
    assert error(ValueError('--out x: a .png file')) == 1
    captured = capsys.readouterr()
    assert captured.out == ''
    assert captured.err == 'error: --out x: a .png file\n'


@pytest.mark.parametrize('tool,argv', [
    ('tools/analysis_tools/confusion_matrix.py',
     ['{cfg}', '{cfg}', '--out', '{tmp}/none/c.png']),
    ('tools/analysis_tools/build_support_bank.py',
     ['{cfg}', '{cfg}', '--out', '{tmp}/none/b.pth']),
])
def test_the_tools_use_it(tool, argv, tmp_path, capsys):
    import importlib.util
    import os.path as osp
    repo = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    spec = importlib.util.spec_from_file_location('tool', osp.join(repo, tool))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    cfg = tmp_path / 'cfg.py'
    cfg.write_text('x = 1\n')
    argv = [a.format(cfg=cfg, tmp=tmp_path) for a in argv]
    assert mod.main(argv) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [f'error: --out {tmp_path}/none/{osp.basename(argv[-1])}: '
                   f'directory {tmp_path}/none does not exist']

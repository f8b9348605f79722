"""docs/results/: the README's figures with the command and JSON behind
them (tools/misc/record_result.py; docs/results/README.md)."""
import glob
import json
import os.path as osp
import re
import shlex
import subprocess
import sys

import pytest

from tests_helpers import REPO

sys.path.insert(0, osp.join(REPO, 'tools', 'misc'))
import record_result  # noqa: E402

KEYS = {'command', 'commit', 'dirty', 'date', 'machine', 'wall_s', 'results'}
STORED = sorted(glob.glob(osp.join(REPO, 'docs', 'results', '*.json')))


def test_record_stores_the_result_with_its_provenance(tmp_path):
    out = tmp_path / 'r.json'
    code = f"import json; json.dump({{'mAP': 0.5}}, open({str(out)!r}, 'w'))"
    path = record_result.record('run_x', str(out),
                                [sys.executable, '-c', code],
                                str(tmp_path / 'results'))
    entry = json.load(open(path))
    assert set(entry) == KEYS
    assert entry['results'] == {'mAP': 0.5}
    assert shlex.split(entry['command']) == [sys.executable, '-c', code]
    head = subprocess.run(['git', 'rev-parse', 'HEAD'], cwd=REPO,
                          capture_output=True, text=True).stdout.strip()
    assert entry['commit'] == head
    assert entry['machine']['cores'] >= 1 and 'torch' in entry['machine']
    assert entry['wall_s'] >= 0


def test_a_failed_or_silent_command_stores_nothing(tmp_path):
    results = tmp_path / 'results'
    with pytest.raises(SystemExit, match='exited with 3'):
        record_result.record('bad', str(tmp_path / 'r.json'),
                             [sys.executable, '-c', 'raise SystemExit(3)'],
                             str(results))
    with pytest.raises(SystemExit, match='wrote no'):
        record_result.record('silent', str(tmp_path / 'r.json'),
                             [sys.executable, '-c', 'pass'], str(results))
    assert not results.exists()


@pytest.mark.parametrize('path', STORED or [pytest.param(
    None, marks=pytest.mark.skip(reason='no stored result yet'))])
def test_stored_results_say_where_they_come_from(path):
    entry = json.load(open(path))
    assert KEYS <= set(entry), osp.basename(path)
    assert re.fullmatch(r'[0-9a-f]{40}', entry['commit'])
    assert entry['command'].strip()


def test_readme_cites_only_stored_results():
    text = open(osp.join(REPO, 'README.md')).read()
    cited = re.findall(r'docs/results/([\w.-]+\.json)', text)
    missing = [c for c in cited
               if not osp.isfile(osp.join(REPO, 'docs', 'results', c))]
    assert not missing, f'README cites results that are not stored: {missing}'

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


# -- the README and docs/ say only what exists -------------------------------
DOCS = [osp.join(REPO, 'README.md'),
        osp.join(REPO, 'configs', 'hvrnet', 'README.md')] + sorted(
    glob.glob(osp.join(REPO, 'docs', '**', '*.md'), recursive=True))
# a repository path in running text or code: configs/..., tools/..., ...
REPO_PATH = re.compile(r'(?<![\w/.$-])((?:configs|tools|docs|demo|mmhvr|'
                       r'tests|\.ci)/[\w.*/-]*[\w*/])(?![<\w.*/-])')
README_MAX_LINES = 200
# the pages about this repository, whose repository paths are checked too
# (a page about another code base, e.g. docs/mmtrack_methods.md, names that
# code base's files: only its links are checked)
OWN_PAGES = {osp.join(REPO, p) for p in (
    'README.md', 'configs/hvrnet/README.md', 'docs/design.md',
    'docs/tools.md', 'docs/install.md', 'docs/imagenet_vid.md',
    'docs/testing.md', 'docs/batch_layout.md', 'docs/results/README.md',
    'docs/results/ablation.md', 'docs/results/quickstart.md',
    'docs/results/speed.md')}


def _links(text):
    """Relative markdown link targets (no URL, no anchor-only link)."""
    targets = re.findall(r'\]\(([^)\s]+)\)', text)
    return [t.split('#')[0] for t in targets
            if not re.match(r'[a-z]+:', t) and not t.startswith('#')]


def test_own_pages_exist():
    missing = [p for p in OWN_PAGES if not osp.isfile(p)]
    assert not missing


def test_readme_is_short():
    lines = open(osp.join(REPO, 'README.md')).read().splitlines()
    assert len(lines) <= README_MAX_LINES, \
        f'README.md has {len(lines)} lines; move detail into docs/'


@pytest.mark.parametrize('doc', DOCS, ids=lambda p: osp.relpath(p, REPO))
def test_every_link_and_path_a_doc_names_exists(doc):
    text = open(doc).read()
    missing = [t for t in _links(text)
               if not osp.exists(osp.join(osp.dirname(doc), t))]
    assert not missing, f'{osp.relpath(doc, REPO)} links to {missing}'
    if doc not in OWN_PAGES:
        return
    for path in REPO_PATH.findall(text):
        found = glob.glob(osp.join(REPO, path))
        assert found, f'{osp.relpath(doc, REPO)} names {path}'


def test_the_readme_has_one_results_table_to_update():
    text = open(osp.join(REPO, 'README.md')).read()
    start = text.count('<!-- RESULTS TABLE')
    end = text.count('<!-- END RESULTS TABLE -->')
    assert (start, end) == (1, 1)
    table = text.split('<!-- RESULTS TABLE')[1].split('<!-- END')[0]
    # the rule and date the figures were computed with, and the machine
    assert 'devkit rule' in table and '2026-11-26' in table
    assert '2026-12-03' in table
    assert '2-core' in table
    rows = [ln for ln in table.splitlines() if ln.startswith('| ')]
    assert len(rows) >= 3 and '±' in table


def test_ablation_page_names_every_ablation_config_and_old_letter():
    page = open(osp.join(REPO, 'docs', 'results', 'ablation.md')).read()
    for path in glob.glob(osp.join(REPO, 'configs', 'hvrnet', 'ablation',
                                   '*.py')):
        name = osp.basename(path)[len('hvrnet_r18-dc5_'):-len('_toyvid.py')]
        assert f'`{name}`' in page or f'`-{name.split("-")[-1]}`' in page, \
            name
    letters = re.findall(r'^\| ([a-o]) \|', page, re.M)
    stored = set()
    for name in ('hvr_ablation_20261126', 'hvr_ablation_subtle_20261126',
                 'hvr_ablation_subtle-v3_20261126'):
        entry = json.load(open(osp.join(REPO, 'docs', 'results',
                                        name + '.json')))
        stored |= set(entry['results']['variants'])
        assert f'({name}.json)' in page, name
    assert sorted(letters) == sorted(stored)


def test_design_notes_are_cited_where_they_live():
    """The design notes are docs/design.md; nothing cites a file outside
    the repository (the former DESIGN.md)."""
    assert osp.isfile(osp.join(REPO, 'docs', 'design.md'))
    stale = []
    for folder in ('mmhvr', 'tools', 'configs', 'tests', 'docs', 'demo'):
        for path in glob.glob(osp.join(REPO, folder, '**', '*.*'),
                              recursive=True):
            if path.endswith(('.py', '.md', '.sh', '.yml')) and \
                    path != __file__:
                if re.search(r'(?<![\w/])DESIGN\.md', open(path).read()):
                    stale.append(osp.relpath(path, REPO))
    assert not stale, f'cite docs/design.md instead: {stale}'

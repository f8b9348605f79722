"""MMTracking VID checkpoint keys → mmhvr keys: one table of prefix rules.

A method's mapping is a tuple of named rule groups (:data:`RULE_GROUPS`);
a group is a tuple of :class:`PrefixRule` (MMTracking prefix → mmhvr
prefix). ``*`` in a prefix stands for one dotted segment (an index such as
the aggregator number) and is copied to the same place on the mmhvr side.
A key is mapped by the first rule (longest source prefix first) whose
source prefix it starts with; the rest of the key is kept.

To add a method (e.g. FGFA/DFF's flow network): add its groups to
:data:`RULE_GROUPS` (or call :func:`register_method`) and its entry to
:data:`METHODS` (groups and the mmhvr configs its checkpoints fit).
:func:`detect_method` then recognises its checkpoints without other
changes: the method whose groups cover every key, each group used.

Keys: ``docs/mmtrack_methods.md`` §7 (the stored lists are
``tests/fixtures/mmtrack_ref/keys/*.json``).
"""
import re
from dataclasses import dataclass
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Tuple


@dataclass(frozen=True)
class PrefixRule:
    """``src`` (an MMTracking key prefix) becomes ``dst`` (mmhvr's); both
    may hold ``*`` segments, matched and copied in order."""
    src: str
    dst: str

    def __post_init__(self) -> None:
        if self.src.count('*') != self.dst.count('*'):
            raise ValueError(f'{self}: src and dst need as many * segments')

    @property
    def _pattern(self) -> 're.Pattern':
        parts = [re.escape(p) for p in self.src.split('*')]
        return re.compile('^' + r'([^.]+)'.join(parts))

    def apply(self, key: str) -> Optional[str]:
        """The mmhvr key of ``key``, or None when the rule does not
        match."""
        m = self._pattern.match(key)
        if m is None:
            return None
        dst = self.dst
        for seg in m.groups():
            dst = dst.replace('*', seg, 1)
        return dst + key[m.end():]


def _rules(*pairs: Tuple[str, str]) -> Tuple[PrefixRule, ...]:
    return tuple(PrefixRule(s, d) for s, d in pairs)


#: named groups of rules; a method is a tuple of group names
RULE_GROUPS: Dict[str, Tuple[PrefixRule, ...]] = {
    # mmdet's Faster R-CNN wrapped by MMTracking as ``detector``: every
    # method has it; mmhvr's detectors keep mmdet's names
    'detector': _rules(
        ('detector.backbone.', 'backbone.'),
        ('detector.neck.', 'neck.'),
        ('detector.rpn_head.', 'rpn_head.'),
        ('detector.roi_head.bbox_head.shared_fcs.',
         'roi_head.bbox_head.shared_fcs.'),
        ('detector.roi_head.bbox_head.fc_cls.', 'roi_head.bbox_head.fc_cls.'),
        ('detector.roi_head.bbox_head.fc_reg.', 'roi_head.bbox_head.fc_reg.'),
    ),
    # SelsaAggregator (one per shared fc) → mmhvr's RelationBlock, which
    # computes the same attention (docs/mmtrack_methods.md §3)
    'selsa_aggregator': _rules(
        ('detector.roi_head.bbox_head.aggregator.*.fc_embed.',
         'roi_head.bbox_head.aggregator.*.query.'),
        ('detector.roi_head.bbox_head.aggregator.*.ref_fc_embed.',
         'roi_head.bbox_head.aggregator.*.key.'),
        ('detector.roi_head.bbox_head.aggregator.*.ref_fc.',
         'roi_head.bbox_head.aggregator.*.value.'),
        ('detector.roi_head.bbox_head.aggregator.*.fc.',
         'roi_head.bbox_head.aggregator.*.out.'),
    ),
    # TemporalRoIAlign's embedding conv (the same name in mmhvr)
    'temporal_roi_align': _rules(
        ('detector.roi_head.bbox_roi_extractor.embed_network.',
         'roi_head.bbox_roi_extractor.embed_network.'),
    ),
    # FGFA/DFF's FlowNetSimple (mmhvr's keeps MMTracking's module names)
    'motion': _rules(('motion.', 'motion.')),
    # FGFA's EmbedAggregator (the same names in mmhvr)
    'embed_aggregator': _rules(('aggregator.embed_convs.',
                                'aggregator.embed_convs.')),
}


@dataclass(frozen=True)
class MethodSpec:
    """A method's rule groups and the mmhvr configs its checkpoints load
    into, per backbone (``'r50'``, ``'r101'``, ``'x101'``; see
    :func:`detect_backbone`)."""
    groups: Tuple[str, ...]
    configs: Mapping[str, str]


def _configs(folder: str, stem: str) -> Dict[str, str]:
    return {
        b: f'configs/{folder}/{stem.format(b)}'
        for b in ('r50', 'r101', 'x101')
    }


#: method name → its spec; single-frame Faster R-CNN is ``faster_rcnn``
METHODS: Dict[str, MethodSpec] = {
    'faster_rcnn': MethodSpec(
        ('detector', ),
        {k: v for k, v in _configs(
            'faster_rcnn',
            'faster-rcnn_{}-dc5_8xb1-7e_imagenetvid.py').items()
         if k != 'x101'}),
    'selsa': MethodSpec(
        ('detector', 'selsa_aggregator'),
        _configs('selsa', 'selsa_faster-rcnn_{}-dc5_8xb1-7e_imagenetvid.py')),
    'temporal_roi_align': MethodSpec(
        ('detector', 'selsa_aggregator', 'temporal_roi_align'),
        _configs('temporal_roi_align',
                 'selsa-troialign_faster-rcnn_{}-dc5_8xb1-7e_imagenetvid.py')),
    'fgfa': MethodSpec(
        ('detector', 'motion', 'embed_aggregator'),
        _configs('fgfa', 'fgfa_faster-rcnn_{}-dc5_8xb1-7e_imagenetvid.py')),
    'dff': MethodSpec(
        ('detector', 'motion'),
        _configs('dff', 'dff_faster-rcnn_{}-dc5_8xb1-7e_imagenetvid.py')),
}


def register_method(name: str, groups: Sequence[str],
                    configs: Mapping[str, str],
                    new_groups: Optional[Mapping[str, Iterable[Tuple[
                        str, str]]]] = None) -> None:
    """Add a method (and rule groups it brings, as (src, dst) pairs)."""
    for group, pairs in (new_groups or {}).items():
        RULE_GROUPS[group] = _rules(*pairs)
    unknown = [g for g in groups if g not in RULE_GROUPS]
    if unknown:
        raise KeyError(f'method {name}: unknown rule groups {unknown}')
    METHODS[name] = MethodSpec(tuple(groups), dict(configs))


def method_rules(method: str) -> List[Tuple[str, PrefixRule]]:
    """(group, rule) pairs of ``method``, longest source prefix first."""
    if method not in METHODS:
        raise KeyError(f'unknown method {method!r} (known: {sorted(METHODS)})')
    pairs = [(g, r) for g in METHODS[method].groups for r in RULE_GROUPS[g]]
    return sorted(pairs, key=lambda p: -len(p[1].src))


def map_key(key: str, method: str) -> Optional[str]:
    """mmhvr's name for the MMTracking key ``key`` (None: no rule)."""
    for _, rule in method_rules(method):
        out = rule.apply(key)
        if out is not None:
            return out
    return None


def convert_keys(keys: Iterable[str],
                 method: str) -> Tuple[Dict[str, str], List[str]]:
    """``({mmtrack key: mmhvr key}, [keys no rule maps])``."""
    mapped, left = {}, []
    for key in keys:
        out = map_key(key, method)
        if out is None:
            left.append(key)
        else:
            mapped[key] = out
    return mapped, left


def _groups_used(keys: Sequence[str], method: str) -> Tuple[bool, set]:
    used, covered = set(), True
    rules = method_rules(method)
    for key in keys:
        for group, rule in rules:
            if rule.apply(key) is not None:
                used.add(group)
                break
        else:
            covered = False
    return covered, used


def detect_method(keys: Iterable[str]) -> Optional[str]:
    """The method whose rule groups map every key and each of whose groups
    maps at least one key (None when no method or several do)."""
    keys = list(keys)
    found = []
    for method, spec in METHODS.items():
        covered, used = _groups_used(keys, method)
        if covered and used == set(spec.groups):
            found.append(method)
    return found[0] if len(found) == 1 else None


def closest_method(keys: Iterable[str]) -> str:
    """The method that maps the most keys (fewest unused rule groups on a
    tie): the one a checkpoint with a few wrong keys was meant to be."""
    keys = list(keys)

    def score(method: str) -> Tuple[int, int]:
        mapped, _ = convert_keys(keys, method)
        _, used = _groups_used(keys, method)
        return len(mapped), -len(set(METHODS[method].groups) - used)

    return max(METHODS, key=score)


def detect_backbone(shapes: Mapping[str, Sequence[int]]) -> str:
    """``'r50'``, ``'r101'`` or ``'x101'`` from MMTracking keys and their
    shapes: a 101-layer net has 23 ``layer3`` blocks; ResNeXt-64x4d's
    ``layer1.0.conv1`` is 256 wide (ResNet's 64)."""
    deep = any(k.startswith('detector.backbone.layer3.22.') for k in shapes)
    conv1 = shapes.get('detector.backbone.layer1.0.conv1.weight')
    wide = conv1 is not None and int(conv1[0]) > 64
    if wide and deep:
        return 'x101'
    return 'r101' if deep else 'r50'


def convert_state_dict(state: Mapping[str, object],
                       method: Optional[str] = None
                       ) -> Tuple[Dict[str, object], str, List[str]]:
    """An MMTracking state dict in mmhvr's keys.

    Args:
        state: MMTracking's ``state_dict`` (key → tensor).
        method: the method (a :data:`METHODS` key); detected from the keys
            (:func:`detect_method`) when None.

    Returns:
        ``(converted, method, unmapped)``: the tensors under mmhvr's keys,
        the method used and the keys no rule of it maps (not converted).
    """
    if method is None:
        method = detect_method(state.keys())
        if method is None:
            raise ValueError(
                'the keys match no single MMTracking method of '
                f'{sorted(METHODS)}; give the method')
    mapped, unmapped = convert_keys(state.keys(), method)
    return {dst: state[src] for src, dst in mapped.items()}, method, unmapped

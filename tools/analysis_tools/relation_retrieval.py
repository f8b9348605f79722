"""Does the inter-video relation's affinity prefer the query's own class?

Embeds the RoIs of a support bank (``build_support_bank.py``) with a
checkpoint's box head and, leaving each RoI out in turn, asks which of the
others the inter-video relation would attend to (``q·k/sqrt(d)``, softmax)
and which is nearest by cosine similarity of the level-2 features the
relation reads. Prints, for the chosen classes (default: all foreground
classes), top-1 same-class retrieval, the attention mass on the same class
and its chance level::

    python tools/analysis_tools/relation_retrieval.py CONFIG CKPT \\
        --bank bank.pth --classes striped_cat spotted_cat [--out r.json]

The queries are the RoIs' level-2 embeddings, not their intra(2) features
(a bank RoI has no video context), so this measures the relation's
query/key space, not a whole test-time forward pass.
"""
import argparse
import json
import os.path as osp
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--bank', required=True, help='support bank (.pth)')
    parser.add_argument('--classes', nargs='+', default=None,
                        help='class names compared (default: all)')
    parser.add_argument('--out', help='write the figures as JSON')
    args = parser.parse_args()
    for name in ('config', 'checkpoint', 'bank'):
        if not osp.isfile(getattr(args, name)):
            parser.error(f'{name} {getattr(args, name)} does not exist')
    return args


@torch.no_grad()
def retrieval(model, bank, class_ids) -> dict:
    from mmhvr.evaluation import relation_retrieval
    head = model.roi_head.bbox_head
    feats = bank.roi_feats.to(next(model.parameters()).device)
    emb = head.inter_embedding(head.embed(feats))
    relation = head.inter_relation
    affinity = relation.affinity(emb, relation.key(emb))  # (heads, M, M)
    cos = F.normalize(emb, dim=1) @ F.normalize(emb, dim=1).t()
    labels = bank.labels.to(emb.device)
    return dict(inter_qk=relation_retrieval(affinity, labels, class_ids),
                features_cosine=relation_retrieval(cos, labels, class_ids))


def main():
    args = parse_args()
    from terminaltables import AsciiTable

    from mmhvr.apis import init_detector
    from mmhvr.models.roi_heads import SupportBank
    try:
        bank = SupportBank.load(args.bank)
    except (FileNotFoundError, ValueError) as e:
        sys.exit(f'error: {e}')
    model = init_detector(args.config, args.checkpoint)
    classes = tuple(model.dataset_meta['classes'])
    try:
        bank.check_classes(classes)
    except ValueError as e:
        sys.exit(f'error: {args.bank}: {e}')
    names = args.classes or list(classes)
    unknown = [n for n in names if n not in classes]
    if unknown:
        sys.exit(f'error: --classes {unknown} not among {classes}')
    result = retrieval(model, bank, [classes.index(n) for n in names])
    rows = [['space', 'class', 'queries', 'top-1 same class',
             'attention on same class', 'chance']]
    for space, res in result.items():
        for c, name in [(classes.index(n), n) for n in names] + [
                ('mean', 'mean')]:
            r = res[c]
            rows.append([space, name, r['queries'], f"{r['top1']:.3f}",
                         f"{r['mass']:.3f}" if space == 'inter_qk' else '-',
                         f"{r['chance']:.3f}"])
    print(AsciiTable(rows, title=f'{args.checkpoint}').table)
    if args.out:
        out = {space: {('mean' if c == 'mean' else classes[c]): v
                       for c, v in res.items()}
               for space, res in result.items()}
        with open(args.out, 'w') as f:
            json.dump(dict(config=args.config, checkpoint=args.checkpoint,
                           bank=args.bank, classes=names, **out), f,
                      indent=1)
        print(f'written {args.out}')


if __name__ == '__main__':
    main()

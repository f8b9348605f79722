import hashlib
import json
import os

from mmhvr.datasets.toy_vid import TOY_CLASSES, make_toy_vid


def digest(root):
    h = hashlib.sha256()
    for dirpath, _, files in sorted(os.walk(root)):
        for f in sorted(files):
            h.update(f.encode())
            h.update(open(os.path.join(dirpath, f), 'rb').read())
    return h.hexdigest()


def test_deterministic_for_a_seed(tmp_path):
    kw = dict(num_train_videos=3, num_val_videos=1, num_frames=3)
    make_toy_vid(str(tmp_path / 'a'), seed=3, **kw)
    make_toy_vid(str(tmp_path / 'b'), seed=3, **kw)
    make_toy_vid(str(tmp_path / 'c'), seed=4, **kw)
    assert digest(tmp_path / 'a') == digest(tmp_path / 'b')
    assert digest(tmp_path / 'a') != digest(tmp_path / 'c')


def test_valid_cocovid(toy_data):
    ann = json.load(open(f'{toy_data}/annotations/toy_vid_train.json'))
    assert [c['name'] for c in ann['categories']] == list(TOY_CLASSES)
    images = {img['id']: img for img in ann['images']}
    videos = {v['id'] for v in ann['videos']}
    assert len(videos) == 15 and len(images) == 75
    for img in ann['images']:
        assert img['video_id'] in videos
        assert os.path.exists(f"{toy_data}/Data/{img['file_name']}")
    tracks = {}
    for a in ann['annotations']:
        img = images[a['image_id']]
        x, y, w, h = a['bbox']
        assert w >= 4 and h >= 4 and x >= 0 and y >= 0
        assert x + w <= img['width'] + 1e-6 and y + h <= img['height'] + 1e-6
        assert a['video_id'] == img['video_id']
        # an instance keeps its class and stays in its video
        key = a['instance_id']
        assert tracks.setdefault(key, (a['video_id'], a['category_id'])) \
            == (a['video_id'], a['category_id'])


def test_confusable_pair_shares_colour_and_shape(tmp_path):
    # both cats are drawn in the same colour and shape; only the coat differs
    from mmhvr.datasets import toy_vid
    import numpy as np
    a = np.zeros((64, 64, 3), np.float32)
    b = np.zeros((64, 64, 3), np.float32)
    toy_vid._draw(a, 'striped_cat', 32, 32, 40, (0, 0, 0), False)
    toy_vid._draw(b, 'spotted_cat', 32, 32, 40, (0, 0, 0), False)
    assert np.array_equal(a, b)
    toy_vid._draw(a, 'striped_cat', 32, 32, 40, (0, 0, 0), True)
    toy_vid._draw(b, 'spotted_cat', 32, 32, 40, (0, 0, 0), True)
    assert not np.array_equal(a, b)


def test_class_colours_keep_their_hue_apart():
    # disc/square/triangle have a typical hue (like real classes); each
    # stays > 36 degrees (PhotoMetricDistortion's hue jitter) from the
    # others' and from the cats' colour
    import cv2
    import numpy as np
    from mmhvr.datasets import toy_vid
    rng = np.random.default_rng(0)

    def hue(bgr):
        px = np.array([[bgr]], np.uint8)
        return 2.0 * cv2.cvtColor(px, cv2.COLOR_BGR2HSV)[0, 0, 0]

    hues = {c: [hue(toy_vid._class_colour(rng, c)) for _ in range(50)]
            for c in ('disc', 'square', 'triangle')}
    hues['cat'] = [hue(toy_vid._class_colour(rng, 'spotted_cat'))]
    assert toy_vid._class_colour(rng, 'striped_cat') == toy_vid.CAT_COLOUR
    names = list(hues)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            gap = min(min(abs(x - y), 360 - abs(x - y))
                      for x in hues[a] for y in hues[b])
            assert gap > 36, (a, b, gap)


def test_subtle_cue_draws_a_faint_coat_on_every_frame(tmp_path,
                                                       monkeypatch):
    # 'subtle': the same videos and boxes as the default set (same seed),
    # but the cats' coat is drawn on every frame, cue_contrast darker than
    # the coat; the default set shows a dark coat on some frames only
    import numpy as np
    import pytest
    from mmhvr.datasets import toy_vid
    calls = {'coat': [], 'subtle': []}
    draw = toy_vid._draw

    for cue in calls:
        def spy(img, cls, *args, _cue=cue):
            if cls.endswith('cat'):
                calls[_cue].append(args[-2:])
            return draw(img, cls, *args)

        monkeypatch.setattr(toy_vid, '_draw', spy)
        make_toy_vid(str(tmp_path / cue), seed=1, num_train_videos=5,
                     num_val_videos=1, num_frames=6, cat_cue=cue,
                     cue_contrast=0.2)
    monkeypatch.setattr(toy_vid, '_draw', draw)
    assert calls['subtle'] and len(calls['subtle']) == len(calls['coat'])
    assert all(v is True and c == 0.2 for v, c in calls['subtle'])
    visible = [v for v, c in calls['coat'] if c is None]
    assert len(visible) == len(calls['coat']) and 0 < sum(visible) < len(
        visible)
    for split in ('train', 'val'):
        ann = [json.load(open(tmp_path / cue / 'annotations' /
                              f'toy_vid_{split}.json'))
               for cue in ('coat', 'subtle')]
        assert ann[0] == ann[1]
    # the faint pattern: (1 - contrast) x the coat colour
    img = np.zeros((64, 64, 3), np.float32)
    toy_vid._draw(img, 'striped_cat', 32, 32, 40, (0, 0, 0), True, 0.2)
    colours = {tuple(px) for px in img.reshape(-1, 3)}
    assert tuple(0.8 * np.array(toy_vid.CAT_COLOUR, np.float32)) in colours
    assert (20, 40, 60) not in colours
    with pytest.raises(ValueError, match='cat_cue'):
        make_toy_vid(str(tmp_path / 'x'), cat_cue='stripes')
    with pytest.raises(ValueError, match='cue_contrast'):
        make_toy_vid(str(tmp_path / 'x'), cat_cue='subtle', cue_contrast=1)

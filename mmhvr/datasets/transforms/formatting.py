from mmdet.datasets.transforms import PackTrackInputs

from mmhvr.registry import TRANSFORMS


@TRANSFORMS.register_module()
class PackVideoInputs(PackTrackInputs):
    """mmdet's ``PackTrackInputs`` plus the video-level keys mmhvr's test
    path needs in the TrackDataSample metainfo: ``support_frame_ids`` (the
    key frame's supports), ``stream_start`` (the key frame is its video's
    first: the model's frame cache starts afresh), ``video_id`` and
    ``video_label`` (the video's class, for the video-level triplet)."""

    def transform(self, results: dict) -> dict:
        check_frame_sizes(results)
        packed = super().transform(results)
        sample = packed['data_samples']
        key = sample.metainfo.get('key_frames_inds', [0])[0]
        for name in ('support_frame_ids', 'stream_start', 'video_id',
                     'video_label'):
            if name in results:
                sample.set_metainfo({name: results[name][key]})
        return packed


def check_frame_sizes(results: dict) -> None:
    """Refuse a loaded frame whose size is not the one its annotation file
    gives (``height``/``width`` of the frame info): boxes and the metric
    would be measured on another image than the one annotated."""
    heights, widths = results.get('height'), results.get('width')
    shapes = results.get('ori_shape')
    if heights is None or widths is None or shapes is None:
        return
    paths = results.get('img_path') or [None] * len(shapes)
    for h, w, shape, path in zip(heights, widths, shapes, paths):
        if h is None or w is None:
            continue
        if (int(h), int(w)) != tuple(int(s) for s in shape[:2]):
            raise ValueError(
                f'frame {path} is {shape[1]}x{shape[0]} (width x height) but '
                f'its annotation file says {w}x{h}: fix the image or the '
                "JSON's images[].width/height")

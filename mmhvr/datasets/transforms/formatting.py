from mmdet.datasets.transforms import PackTrackInputs

from mmhvr.registry import TRANSFORMS


@TRANSFORMS.register_module()
class PackVideoInputs(PackTrackInputs):
    """mmdet's ``PackTrackInputs`` plus the video-level keys mmhvr's test
    path needs in the TrackDataSample metainfo: ``support_frame_ids`` (the
    key frame's supports), ``video_id`` and ``video_label`` (the video's
    class, for the video-level triplet)."""

    def transform(self, results: dict) -> dict:
        packed = super().transform(results)
        sample = packed['data_samples']
        key = sample.metainfo.get('key_frames_inds', [0])[0]
        for name in ('support_frame_ids', 'video_id', 'video_label'):
            if name in results:
                sample.set_metainfo({name: results[name][key]})
        return packed

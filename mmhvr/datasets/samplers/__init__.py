from .video_triplet_sampler import VideoTripletSampler, dataset_video_labels

__all__ = ['VideoTripletSampler', 'dataset_video_labels']

from .video_triplet_sampler import VideoTripletSampler

__all__ = ['VideoTripletSampler']

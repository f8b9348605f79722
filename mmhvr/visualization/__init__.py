from .video_visualizer import VideoLocalVisualizer

__all__ = ['VideoLocalVisualizer']

from .embed_aggregator import EmbedAggregator

__all__ = ['EmbedAggregator']

from .relation_triplet_loss import RelationTripletLoss

__all__ = ['RelationTripletLoss']

from .triplet_miners import (BatchAllTripletMiner, HardestTripletMiner,
                             MinedBank, OutputTripletMiner)

__all__ = [
    'BatchAllTripletMiner', 'HardestTripletMiner', 'MinedBank',
    'OutputTripletMiner'
]

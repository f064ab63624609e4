"""wagerflow: real-time risk and settlement stream processing for iGaming provider feeds."""

__version__ = "0.1.0"

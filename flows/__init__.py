"""Bytewax dataflows. They wire rules (plain Python in ``wagerflow``) to connectors."""

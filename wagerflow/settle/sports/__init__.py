"""Sports settlement: ``settlement.SportsSettlement`` over its lines, odds, evaluation and
versions (one module each)."""

"""Settlement: bets and results -> exact payouts, per bet version."""

"""Casino settlement: ``settlement.CasinoSettlement`` over the shared pairing core (``core``),
live bridge rounds (``live``) and the seamless wallets (``wallet``, ``hub88``, ``evolution``,
``pragmatic``)."""

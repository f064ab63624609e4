"""I/O only: connectors move bytes between services and the flows; they decide nothing."""

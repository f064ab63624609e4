"""Generated provider feeds in each provider's own format, for the demo, tests and benchmarks when
the recordings are absent; and where the recordings are (``recordings``)."""

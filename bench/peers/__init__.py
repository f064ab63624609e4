"""Benchmark contenders beside wagerflow, for ``bench.e2e`` only (not part of wagerflow):

- ``job``: the exposure + settlement job as plain calls to wagerflow's pure functions, and the
  flow's Redis and ClickHouse sink partitions driven by hand;
- ``plain_job``: that job in a plain consume/produce loop (no engine), the practical limit;
- ``quix_job``: that job on Quix Streams, a BENCHMARK PEER engine.
"""

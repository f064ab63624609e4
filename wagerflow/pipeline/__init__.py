"""The normalize pipeline's rules, with no engine and no I/O: flows and the offline tool wire
these. ``decode`` turns raw batches into work and rejections; ``shard`` applies the stateful
rules (dedup, stale, confirmations, market books) per shard; ``outputs`` shapes what the sinks
write."""

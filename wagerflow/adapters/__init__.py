"""Provider adapters: pure functions from raw bytes to normalized events or a rejection."""

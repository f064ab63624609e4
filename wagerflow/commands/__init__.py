"""The wagerflow commands: what the CLI runs, wiring flows to connectors and settings."""

"""Running wagerflow in production: logs, health and readiness, instrumented sinks and source,
the DLQ brake, cluster addressing, and the manifests rendered from code."""

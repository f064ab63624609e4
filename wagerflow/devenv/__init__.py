"""Local real infrastructure for development, tests and CI: Apache Kafka (KRaft) and Redis.

``wagerflow dev up|down|status`` drives it; tests start the same services through
``start_all``. Everything lives under ``<home>/dev`` (data, logs, pid files); the Kafka jars are
cached under ``$XDG_CACHE_HOME/wagerflow`` (default ``~/.cache/wagerflow``) after the first
download from Maven Central.
"""

"""ClickHouse DDL migrations, applied in file-name order by ``wagerflow migrate``."""

"""The ClickHouse migrations shipped in ``sql/``, and applying them."""

from __future__ import annotations

from importlib import resources

from clickhouse_connect.driver.client import Client

from wagerflow.connectors.clickhouse_client import INSERT_SETTINGS


def _statements(sql: str) -> list[str]:
    lines = [ln for ln in sql.splitlines() if not ln.lstrip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


def migrations() -> list[tuple[int, str, str]]:
    """``(version, name, sql)`` of every migration shipped in ``sql/``, in order."""
    found = []
    for entry in resources.files("wagerflow.sql").iterdir():
        if entry.name.endswith(".sql"):
            version = int(entry.name.split("_", 1)[0])
            found.append((version, entry.name, entry.read_text()))
    return sorted(found)


def migrate(client: Client) -> list[str]:
    """Apply the migrations not applied yet; return their names. Idempotent: the applied
    versions are recorded in ``schema_migrations``, and every statement is itself idempotent
    (``IF NOT EXISTS``, ``OR REPLACE``), so a migration interrupted half-way is re-run whole."""
    client.command(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version UInt32, name String, "
        "applied_at DateTime64(3, 'UTC') DEFAULT now64(3)) "
        "ENGINE = ReplacingMergeTree ORDER BY version"
    )
    applied = {
        r[0] for r in client.query("SELECT version FROM schema_migrations FINAL").result_rows
    }
    done = []
    for version, name, sql in migrations():
        if version in applied:
            continue
        for statement in _statements(sql):
            client.command(statement)
        client.insert(
            "schema_migrations",
            [[version, name]],
            column_names=["version", "name"],
            settings=INSERT_SETTINGS,
        )
        done.append(name)
    return done

"""The risk board: a live web page over the flow's Redis state and the ClickHouse history.

Top layer beside ``wagerflow.commands``: it reads what the connectors write and publishes the
traders' manual commands; nothing but the CLI imports it. ``docs/board.md`` describes the page.
"""

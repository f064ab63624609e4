"""The normalized contract (msgspec Structs) and the raw provider formats we decode."""

"""The index layer: domain models, the `Store` protocol and its two backends (SQLite, Elasticsearch)."""

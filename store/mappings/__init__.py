"""Index template and mapping bodies (JSON), loaded by store.elastic_schema."""

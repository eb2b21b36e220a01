"""Kibana saved objects for Vigil's indices: data views and the two dashboards (NDJSON)."""

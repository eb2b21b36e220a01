"""The FastAPI service for press officers and the security team."""

"""The API's routers, one per audience: press, security, ops, keys."""

"""Vigil: configuration and the `vigil` command that wires crawlers, nlp, secmon, store and api."""

__version__ = "0.1.0"

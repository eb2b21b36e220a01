"""Vigil's kernel: settings, errors, console and version — the ground floor every part may import.

It imports no part of Vigil (store, crawlers, nlp, secmon, api) nor the `vigil` command above them.
"""

__version__ = "0.1.0"

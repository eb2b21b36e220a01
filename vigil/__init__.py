"""The top floor: the `vigil` command, `vigil run` and `vigil demo`, which wire every part together.

Nothing below imports this package; the shared kernel (settings, errors, console) is `core/`.
"""

"""User-facing errors of the wiring layer.

VigilError            base: a message for a person, printed by the CLI without a stack trace
└── ConfigError       vigil.toml or a VIGIL_* variable is invalid
"""


class VigilError(Exception):
    """An error whose message tells the user what is wrong and what to do."""

    exit_code = 1


class ConfigError(VigilError):
    """The configuration file or environment holds an invalid value."""

    exit_code = 2

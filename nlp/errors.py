"""Errors of the NLP part; each message says what to do.

VigilError (core.errors)
└── NlpError                 base of this package
    ├── ModelNotFound        no model file for a task in the model directory
    ├── ModelLoadError       a model file is corrupt or holds types we do not trust
    └── TrainingDataError    a training/input JSONL file is missing, malformed or lacks a field
"""

from __future__ import annotations

from core.errors import VigilError


class NlpError(VigilError):
    """Base class for NLP errors."""


class ModelNotFound(NlpError):
    """No model for a task was found where it was looked for."""


class ModelLoadError(NlpError):
    """A model file could not be loaded safely."""


class TrainingDataError(NlpError):
    """Training or input data is unusable."""

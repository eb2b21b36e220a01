"""Detections as data: a rule schema, a loader, and an engine that runs rules over ECS events.

Errors (secmon.errors): RuleError for an invalid rule, threat-intel or suppressions file.
"""

from secmon.detect.engine import Detection, DetectionEngine
from secmon.detect.intel import ThreatIntel
from secmon.detect.loader import BUNDLED_RULES, load_rules
from secmon.detect.schema import DetectionRule
from secmon.detect.suppress import Suppression, Suppressions

__all__ = [
    "BUNDLED_RULES",
    "Detection",
    "DetectionEngine",
    "DetectionRule",
    "Suppression",
    "Suppressions",
    "ThreatIntel",
    "load_rules",
]

"""Information-security monitoring: log inputs, parsers to ECS, rulesets, detections, incidents."""

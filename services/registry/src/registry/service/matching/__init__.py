"""Template matching: parse a template once, then explain any message against it part by part.

Pure code (no database, no FastAPI): `compile_template` turns a template's text into segments,
`match_message` / `best_match` align a message with them and say which part failed.
"""

from registry.service.matching.matcher import MatchResult, SegmentResult, best_match, match_message
from registry.service.matching.template import (
    CompiledTemplate,
    Fixed,
    TemplateRules,
    TemplateSyntaxError,
    Variable,
    compile_template,
    rule_violations,
)

__all__ = [
    "CompiledTemplate",
    "Fixed",
    "MatchResult",
    "SegmentResult",
    "TemplateRules",
    "TemplateSyntaxError",
    "Variable",
    "best_match",
    "compile_template",
    "match_message",
    "rule_violations",
]

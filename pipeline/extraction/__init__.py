"""Event extraction: one `EventExtractor` interface, a rule-based implementation.

`cycle`, `analyze`, `evaluate`, `maintenance` and the benchmark call
`default_extractor(model).extract(text, published)`, so a trained component can replace
or vote with the rules without touching them.
"""

from pipeline.extraction.extractor import (
    EventExtractor,
    RuleExtractor,
    default_extractor,
    is_relevant,
    split_sentences,
)

__all__ = [
    "EventExtractor",
    "RuleExtractor",
    "default_extractor",
    "is_relevant",
    "split_sentences",
]

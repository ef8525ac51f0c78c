"""Event extraction: one `EventExtractor` interface, a rule-based implementation.

`cycle`, `analyze`, `evaluate`, `maintenance` and the benchmark call
`default_extractor(model).extract(text, published)`, so a trained component can replace
or vote with the rules without touching them. Extraction reads the matching copy of a
text (`normalize_for_matching`: NFKC, invisible characters removed, look-alike letters
folded) and maps each event's evidence back to the text as published.
"""

from pipeline.extraction.extractor import (
    EventExtractor,
    RuleExtractor,
    default_extractor,
    is_relevant,
    split_sentences,
)
from pipeline.extraction.normalize import NormalizedText, normalize_for_matching

__all__ = [
    "EventExtractor",
    "NormalizedText",
    "RuleExtractor",
    "default_extractor",
    "is_relevant",
    "normalize_for_matching",
    "split_sentences",
]

"""Compatibility entry points over `pipeline.extraction` (the extractor lives there)."""

from __future__ import annotations

from datetime import date, datetime

from pipeline.extraction import default_extractor, is_relevant, split_sentences
from pipeline.extraction.extractor import FALLBACK_MODELS, load_nlp
from pipeline.models import Event

__all__ = ["FALLBACK_MODELS", "extract_events", "is_relevant", "load_nlp", "split_sentences"]


def extract_events(
    text: str, published: datetime | date | None = None, model: str = FALLBACK_MODELS[0]
) -> list[Event]:
    """All events of an article, read by the default extractor."""
    return default_extractor(model).extract(text, published)

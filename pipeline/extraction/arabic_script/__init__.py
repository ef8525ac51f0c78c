"""Extraction for Dari and Iranian Persian (fa), Pashto (ps) and Urdu (ur).

`ScriptExtractor.extract(text, published, language)` gives events in the English
extractor's schema: English district and province names, the original sentence as
evidence. Lexicons are data files (data/lexicon/fa.yaml, ps.yaml, ur.yaml); place names
are the gazetteer's Dari columns plus data/gazetteer/spellings_arabic_script.yaml.
"""

from pipeline.extraction.arabic_script.extractor import LANGUAGES, ScriptExtractor
from pipeline.extraction.arabic_script.fold import FoldedText, fold

__all__ = ["LANGUAGES", "FoldedText", "ScriptExtractor", "fold"]

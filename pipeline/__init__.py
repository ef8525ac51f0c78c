"""Afghanistan security news pipeline: fetch, dedupe, extract, store, alert."""

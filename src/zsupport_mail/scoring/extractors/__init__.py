"""One extractor per checklist item (or per tightly linked pair of items)."""

"""Segments: saved rules over the customer database (``rules``, ``compiler``),
saved and versioned by ``services``, read by ``selectors``, built in the
browser (``views``) and used through the API and campaign snapshots."""

"""The duplicate section's writes: sweeps, the pass after an import, merges
and their undo. Each module serves the page, the API, admin, the command and
the Celery task alike."""

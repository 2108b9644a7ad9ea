"""Signals the customer database sends for others to act on.

``personal_data_accessed`` is sent whenever personal data leaves the database
for a person or a system: a record's page is viewed, a list of records is
read through the API, a file is exported. Governance records it in the access
log; ``customers`` does not know who listens.

Arguments (all keywords):
- ``user``: who (a User; for a token, the token's user), or None for the command line;
- ``action``: "view", "list", "export" or "api_read";
- ``customer_ids``: the primary keys read (a list; may be empty for an export
  whose rows are only counted);
- ``count``: how many records were read;
- ``via``: "page", "api", "command" or "task";
- ``request``: the HttpRequest when there is one (for the address), else None;
- ``detail``: a short text, e.g. the export's columns or the filters.
"""

from django.dispatch import Signal

personal_data_accessed = Signal()

customer_merged = Signal()
"""Sent inside the merge's transaction when ``merged`` was merged into
``survivor`` (customers.duplicates.merge). Keywords: ``merge`` (the Merge
record), ``survivor``, ``merged``, ``actor`` (a User or None for an automatic
merge). A receiver moves what its app keeps for the merged record to the
survivor and returns what it moved, as JSON (e.g. a list of ids): it is kept on
the merge and handed back on undo. An exception undoes the whole merge."""

customer_merge_undone = Signal()
"""Sent inside the undo's transaction. Keywords: ``merge`` (whose ``moved``
holds, under each receiver's dotted name, what that receiver returned),
``survivor``, ``merged``, ``actor``. A receiver moves back what it moved."""

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

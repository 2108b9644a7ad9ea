"""The demo set: reference data (``data/``), the generator, the writer, the
demo log-ins and the worked insight example, with the ``seed_demo`` and
``seed_insight_demo`` commands. Nothing in the domain apps imports it."""

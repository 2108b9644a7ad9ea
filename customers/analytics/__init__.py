"""Buying-pattern analytics: per-customer metrics and RFM (``metrics``,
``rfm``), and the pre-aggregated figures the analytics pages draw."""

"""Importing customer and order files: read, map, validate, upsert.

``readers`` opens CSV and XLSX files and checks their structure, ``mapping``
ties file columns to fields, ``rows`` cleans one row with the shared
validation, and ``service`` runs a job in resumable batches."""

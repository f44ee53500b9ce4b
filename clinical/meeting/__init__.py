"""The tumour-board meeting, recorded (issue 13, item 5).

- :mod:`.models`: the tables (meetings, their cases with the consensus and the outcome).
- :mod:`.records`: what is recorded, checked (contract codes, departures, no identifiers).
- :mod:`.store`: the database (SQLite by default, PostgreSQL by URL), migrated on open.
- :mod:`.intake`: cases from files, folders and FHIR Bundles, planned as they are added.
- :mod:`.minutes`: the meeting as one Markdown or HTML document.
"""

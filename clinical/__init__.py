"""Clinical data in and out: FHIR R4 import, cohort audit, and a CDS Hooks service.

Dependencies point one way: ``clinical -> planner -> kg``; nothing below imports this package.
"""

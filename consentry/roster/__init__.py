"""The roster: pupils, groups, teachers and guardians imported from the pupil administration.

Parsers (edex, oneroster, guardians_csv) turn a file into plain records without touching the
database; `sync` compares those records with the database and makes a plan; `services` runs
the plan as a dry run or applies it in one transaction.
"""

"""The work that runs by the clock, in one place for both job engines.

Why here and not in cron: a board that installs Consentry should not have to remember five
crontab lines. On PostgreSQL the list becomes Procrastinate's periodic tasks
(`procrastinate_backend`); on SQLite `consentry worker` runs it itself (`scheduler`). Each
entry is a Django task without arguments that is safe to run twice; the engines run each
moment once, however many workers there are.

Times are cron expressions in the server's time zone (TIME_ZONE, Europe/Amsterdam).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Periodic:
    name: str  # stable: it keys the record of the runs
    cron: str
    task: str  # dotted path of a Django task that takes no arguments


SCHEDULE = [
    # Destroy what has passed its retention (pupils who left, mail, uploads, photos, project
    # material), at night, when nobody works with the data.
    Periodic("retention", "15 3 * * *", "consentry.retention.tasks.apply_retention"),
    # The material of ended research projects (the retention job covers it too).
    Periodic("project_cleanup", "30 3 * * *", "consentry.research.tasks.clean_up_projects"),
    # Processor agreements nearing their review or end date, before the office opens.
    Periodic("agreement_reminders", "0 7 * * *", "consentry.processors.tasks.remind_of_agreements"),
    # The safety net for the 24- and 48-hour reminders of open data breaches.
    Periodic("breach_reminders", "5 * * * *", "consentry.breaches.tasks.send_all_breach_reminders"),
    # Pupils with an account who turned 16 are told that they now decide themselves.
    Periodic("pupils_turned_16", "0 8 * * *", "consentry.roster.tasks.tell_pupils_who_turned_16"),
    # The safety net of take-downs: consent that lapsed without anyone acting (a pupil's
    # 16th birthday) or that a signal missed; before the retention job, after midnight.
    Periodic("takedown_sweep", "0 2 * * *", "consentry.photos.tasks.sweep_takedowns"),
    # Finished jobs hold ids of the people they were about: keep them a week, for inspection.
    Periodic("forget_finished_jobs", "45 3 * * *", "consentry.jobs.tasks.forget_finished_jobs"),
    # The audit trail's newest entry, signed, mailed to the privacy officers and written to
    # the private storage: after the night's destruction, so the anchor covers it.
    Periodic("audit_anchor", "0 5 * * *", "consentry.audit.tasks.anchor_audit_trail"),
]

"""On PostgreSQL the database refuses to change or remove the append-only decision rows too:
consent events, never-photograph flag events and answers to separate requests.

UPDATE and TRUNCATE are always refused. DELETE is refused too, except by erasure: while the
transaction-local setting `consentry.erasure` is on (`audit.services.erasing`, used by
`retention.erasure.erase_rows`) the rows of a pupil marked as left may go. As for the audit
log (0002), a superuser can bypass triggers; run Consentry as an ordinary database role.
"""

from django.db import migrations

TABLES = ["consent_consentevent", "consent_neverflagevent", "adhoc_requestanswer"]

FUNCTION = """
CREATE OR REPLACE FUNCTION consentry_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE'
        AND current_setting('consentry.erasure', true) = 'on'
        AND EXISTS (SELECT 1 FROM schools_pupil
                    WHERE id = OLD.pupil_id AND left_on IS NOT NULL) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

TRIGGERS = """
CREATE TRIGGER {table}_no_update_delete
    BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION consentry_append_only();
CREATE TRIGGER {table}_no_truncate
    BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION consentry_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};
DROP TRIGGER IF EXISTS {table}_no_update_delete ON {table};
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION, params=None)  # no %-interpolation
        for table in TABLES:
            schema_editor.execute(TRIGGERS.format(table=table), params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(DROP.format(table=table), params=None)
        schema_editor.execute("DROP FUNCTION IF EXISTS consentry_append_only();", params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_keyed_chain"),
        ("consent", "0001_initial"),
        ("adhoc", "0001_initial"),
        ("schools", "0001_initial"),
    ]
    operations = [migrations.RunPython(forward, backward)]

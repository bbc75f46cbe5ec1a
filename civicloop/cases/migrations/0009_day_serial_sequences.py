"""PostgreSQL: case serials from a sequence per day (see civicloop/cases/serials.py). SQLite: nothing."""
from django.db import migrations

FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION cases_serial_name(d date) RETURNS text LANGUAGE sql IMMUTABLE AS
$$ SELECT 'cases_serial_' || to_char(d, 'YYYYMMDD') $$;

-- Day d's sequence, made if missing, starting after the day's counter row (imports, retired days).
CREATE OR REPLACE FUNCTION cases_ensure_serial(d date) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  seq text := cases_serial_name(d);
  floor bigint;
BEGIN
  IF to_regclass(seq) IS NOT NULL THEN
    RETURN;
  END IF;
  SELECT COALESCE(MAX(last), 0) INTO floor FROM cases_casesequence WHERE day = d;
  EXECUTE format('CREATE SEQUENCE %I START %s', seq, floor + 1);
EXCEPTION WHEN duplicate_table OR unique_violation THEN
  NULL;  -- another creator made it first; its transaction has committed by now
END $$;

-- The next serial of day d. The worker makes today's and tomorrow's sequences ahead (serials.py):
-- a sequence made here, inside a report's transaction, makes other creators of that day wait for
-- its commit once. No EXCEPTION block: that would open a subtransaction on every call.
CREATE OR REPLACE FUNCTION cases_next_serial(d date) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  seq regclass := to_regclass(cases_serial_name(d));
BEGIN
  IF seq IS NULL THEN
    PERFORM cases_ensure_serial(d);
    seq := cases_serial_name(d)::regclass;
  END IF;
  RETURN nextval(seq);
END $$;

-- After an import: the next serial of day d is above at_least.
CREATE OR REPLACE FUNCTION cases_raise_serial(d date, at_least bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  seq text := cases_serial_name(d);
  last_v bigint;
  called boolean;
BEGIN
  EXECUTE format('SELECT last_value, is_called FROM %I', seq) INTO last_v, called;
  IF (CASE WHEN called THEN last_v + 1 ELSE last_v END) <= at_least THEN
    PERFORM setval(seq::regclass, at_least, true);
  END IF;
EXCEPTION WHEN undefined_table THEN
  NULL;  -- no sequence yet: it will start after the counter row
END $$;

-- Days before cutoff: their last value goes into the counter row and the sequence is dropped.
CREATE OR REPLACE FUNCTION cases_retire_serials(cutoff date) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  rel record;
  d date;
  last_v bigint;
  called boolean;
  n integer := 0;
BEGIN
  FOR rel IN SELECT c.relname FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace
             WHERE c.relkind = 'S' AND ns.nspname = current_schema() AND c.relname ~ '^cases_serial_[0-9]{8}$'
  LOOP
    d := to_date(substr(rel.relname, 14), 'YYYYMMDD');
    CONTINUE WHEN d >= cutoff;
    EXECUTE format('SELECT last_value, is_called FROM %I', rel.relname) INTO last_v, called;
    IF called THEN
      INSERT INTO cases_casesequence (day, last) VALUES (d, last_v)
      ON CONFLICT (day) DO UPDATE SET last = GREATEST(cases_casesequence.last, EXCLUDED.last);
    END IF;
    EXECUTE format('DROP SEQUENCE %I', rel.relname);
    n := n + 1;
  END LOOP;
  RETURN n;
END $$;
"""

DROP = """
DROP FUNCTION IF EXISTS cases_retire_serials(date)

DROP FUNCTION IF EXISTS cases_raise_serial(date, bigint)

DROP FUNCTION IF EXISTS cases_next_serial(date)

DROP FUNCTION IF EXISTS cases_ensure_serial(date)

DROP FUNCTION IF EXISTS cases_serial_name(date)
"""


def _run(schema_editor, script: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        # One statement per execute, without parameters (the bodies hold % and $$); the statements
        # are separated by blank lines.
        for statement in script.strip().split("\n\n"):
            cursor.execute(statement)


def forwards(apps, schema_editor):
    _run(schema_editor, FUNCTIONS)


def backwards(apps, schema_editor):
    _run(schema_editor, DROP)


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0008_attachment_phash"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]

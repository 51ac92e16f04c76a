import { type Kysely, sql } from 'kysely';

// Staff actions get a table of their own instead of two partial indexes on events (0050). Every insert into
// events evaluated both indexes' predicate (metadata->>'actor' LIKE 'staff:%') for every row, staff or not:
// about a tenth of an append of 1,000 events. A row trigger with that condition as its WHEN evaluates it once
// and writes one small row per staff event (a few a day against thousands of payments). The trigger sits on
// the table, so every way into events (append_events(), the 0001 functions, the bulk load) records them.
// staff_actions is derived from the events and as append-only as they are.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE staff_actions (
      hospital_id text NOT NULL,
      actor       text NOT NULL,
      position    bigint NOT NULL,
      PRIMARY KEY (hospital_id, position)
    )`.execute(db);
  await sql`CREATE INDEX staff_actions_actor ON staff_actions (hospital_id, actor, position)`.execute(db);
  await sql`COMMENT ON TABLE staff_actions IS 'The positions of events whose actor is a staff user (from the events, by trigger)'`.execute(
    db,
  );
  await sql`
    INSERT INTO staff_actions (hospital_id, actor, position)
    SELECT hospital_id, metadata->>'actor', position FROM events WHERE metadata->>'actor' LIKE 'staff:%'`.execute(
    db,
  );
  await sql`
    CREATE FUNCTION ledger_staff_action() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO staff_actions (hospital_id, actor, position)
      VALUES (NEW.hospital_id, NEW.metadata->>'actor', NEW.position);
      RETURN NULL;
    END $$`.execute(db);
  await sql`
    CREATE TRIGGER events_staff_action AFTER INSERT ON events FOR EACH ROW
    WHEN (NEW.metadata->>'actor' LIKE 'staff:%') EXECUTE FUNCTION ledger_staff_action()`.execute(db);
  await sql`CREATE TRIGGER staff_actions_immutable BEFORE UPDATE OR DELETE ON staff_actions
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()`.execute(db);
  await sql`CREATE TRIGGER staff_actions_no_truncate BEFORE TRUNCATE ON staff_actions
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change()`.execute(db);
  await sql`DROP INDEX events_staff_actions_all`.execute(db);
  await sql`DROP INDEX events_staff_actions`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE INDEX events_staff_actions ON events (hospital_id, (metadata->>'actor'), position)
    WHERE metadata->>'actor' LIKE 'staff:%'`.execute(db);
  await sql`CREATE INDEX events_staff_actions_all ON events (hospital_id, position)
    WHERE metadata->>'actor' LIKE 'staff:%'`.execute(db);
  await sql`DROP TRIGGER events_staff_action ON events`.execute(db);
  await sql`DROP FUNCTION ledger_staff_action`.execute(db);
  await sql`DROP TABLE staff_actions`.execute(db);
}

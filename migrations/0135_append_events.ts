import { type Kysely, sql } from 'kysely';

// append_events() and append_events_many(): append_to_stream() and append_many() (0001) with the hash chain
// optionally computed by the caller, and the stream's new head hash in the answer, so that a store can keep the
// heads of the streams it writes and chain the next append itself.
//
// p_head: the hex hash the caller chained from (the genesis hash for a new stream, else the head it last saw),
// and each event then carries its chained hash as "c". The caller's chain is used only when p_head is the
// stream's head at the time of the append (the hash covers the version, so the versions agree too); otherwise
// the function chains from the stored head as append_to_stream() does. Either way the hash is the same
// sha256(hash(n-1) || int4(version n) || content_hash(n)), so verification is unchanged.
//
// Fewer writes than append_to_stream(): a new stream's row is inserted with its final version and head (no
// second update of it), and an append to a known head is one conditional UPDATE of the stream row (no
// SELECT … FOR UPDATE first; the UPDATE locks the row). The 0001 functions stay for processes still running
// the previous code during an upgrade.
export async function up(db: Kysely<unknown>): Promise<void> {
  // The chained hashes of p_events after a head at p_version. Iterates the array as rows: indexing
  // p_events -> i inside the loop copies the whole payload each time.
  await sql`
    CREATE FUNCTION ledger_chain(p_hash bytea, p_version integer, p_events jsonb) RETURNS bytea[]
    LANGUAGE plpgsql IMMUTABLE AS $$
    DECLARE
      v_hash bytea := p_hash;
      v_hashes bytea[] := '{}';
      r record;
    BEGIN
      FOR r IN SELECT t.ord::integer AS ord, decode(t.e ->> 'h', 'hex') AS content
               FROM jsonb_array_elements(p_events) WITH ORDINALITY AS t(e, ord) ORDER BY t.ord LOOP
        v_hash := sha256(v_hash || int4send(p_version + r.ord) || r.content);
        v_hashes[r.ord] := v_hash;
      END LOOP;
      RETURN v_hashes;
    END $$`.execute(db);
  await sql`
    CREATE FUNCTION append_events(p_stream text, p_hospital text, p_expected text, p_events jsonb,
                                  p_idem_key text, p_request_hash text, p_head text)
    RETURNS TABLE (next_version integer, first_position bigint, last_position bigint, duplicate boolean,
                   last_hash bytea)
    LANGUAGE plpgsql AS $$
    DECLARE
      v_version integer;
      v_hash bytea;
      v_n integer := jsonb_array_length(p_events);
      v_head bytea := decode(p_head, 'hex');
      v_given boolean := false;
      v_hashes bytea[] := '{}';
      v_first bigint;
      v_last bigint;
      r record;
    BEGIN
      -- Take a transaction id before any position is drawn: readers rely on every in-flight append
      -- owning an xid older than the snapshot that shows a later position.
      PERFORM pg_current_xact_id();
      IF p_idem_key IS NOT NULL THEN
        INSERT INTO idempotency_keys (hospital_id, key, request_hash, stream_id)
        VALUES (p_hospital, p_idem_key, p_request_hash, p_stream)
        ON CONFLICT DO NOTHING;
        IF NOT FOUND THEN
          SELECT * INTO r FROM idempotency_keys k WHERE k.hospital_id = p_hospital AND k.key = p_idem_key;
          IF r.request_hash <> p_request_hash OR r.stream_id <> p_stream THEN
            RAISE EXCEPTION USING ERRCODE = 'LE004', MESSAGE = 'idempotency key reused for another request',
              DETAIL = json_build_object('key', p_idem_key, 'stream', r.stream_id)::text;
          END IF;
          RETURN QUERY SELECT r.next_version, r.first_position, r.last_position, true, NULL::bytea;
          RETURN;
        END IF;
      END IF;

      IF v_head IS NOT NULL AND p_expected ~ '^[1-9][0-9]*$' THEN
        -- The caller chained from the head it knew: one UPDATE checks the version and the head and locks the row.
        v_version := p_expected::integer;
        v_hash := decode((p_events -> (v_n - 1)) ->> 'c', 'hex');
        UPDATE streams SET version = v_version + v_n, last_hash = v_hash, updated_at = now()
        WHERE streams.stream_id = p_stream AND streams.version = v_version AND streams.last_hash = v_head;
        v_given := FOUND;
      END IF;

      IF NOT v_given THEN
        SELECT s.version, s.last_hash INTO v_version, v_hash FROM streams s WHERE s.stream_id = p_stream FOR UPDATE;
        IF NOT FOUND THEN
          IF p_expected = 'exists' THEN
            RAISE EXCEPTION USING ERRCODE = 'LE003', MESSAGE = format('stream %s does not exist', p_stream);
          ELSIF p_expected NOT IN ('any', 'no_stream', '0') THEN
            RAISE EXCEPTION USING ERRCODE = 'LE001', MESSAGE = 'concurrency conflict',
              DETAIL = json_build_object('actual', 0)::text;
          END IF;
          v_version := 0;
          v_hash := sha256(convert_to(p_stream, 'UTF8'));
          v_given := v_head IS NOT NULL AND v_head = v_hash;
          IF v_given THEN
            v_hash := decode((p_events -> (v_n - 1)) ->> 'c', 'hex');
          ELSE
            v_hashes := ledger_chain(v_hash, 0, p_events);
            v_hash := v_hashes[v_n];
          END IF;
          -- The new stream's row with its final version and head: one write, and the lock that orders creators.
          INSERT INTO streams (stream_id, hospital_id, version, last_hash)
          VALUES (p_stream, p_hospital, v_n, v_hash) ON CONFLICT DO NOTHING;
          IF NOT FOUND THEN
            -- created by a concurrent append since our read: 'any' appends after its head, anything else fails
            SELECT s.version, s.last_hash INTO v_version, v_hash FROM streams s WHERE s.stream_id = p_stream FOR UPDATE;
            IF p_expected <> 'any' THEN
              RAISE EXCEPTION USING ERRCODE = 'LE001', MESSAGE = 'concurrency conflict',
                DETAIL = json_build_object('actual', v_version)::text;
            END IF;
            v_given := false;
            v_hashes := ledger_chain(v_hash, v_version, p_events);
            v_hash := v_hashes[v_n];
            UPDATE streams SET version = v_version + v_n, last_hash = v_hash, updated_at = now()
            WHERE stream_id = p_stream;
          END IF;
        ELSE
          IF p_expected IN ('no_stream', '0') OR (p_expected ~ '^[0-9]+$' AND p_expected::integer <> v_version) THEN
            RAISE EXCEPTION USING ERRCODE = 'LE001', MESSAGE = 'concurrency conflict',
              DETAIL = json_build_object('actual', v_version)::text;
          END IF;
          v_hashes := ledger_chain(v_hash, v_version, p_events);
          v_hash := v_hashes[v_n];
          UPDATE streams SET version = v_version + v_n, last_hash = v_hash, updated_at = now()
          WHERE stream_id = p_stream;
        END IF;
      END IF;

      WITH ins AS (
        INSERT INTO events (stream_id, hospital_id, stream_version, event_id, type, schema_version, data,
                            metadata, occurred_at, content_hash, hash)
        SELECT p_stream, p_hospital, v_version + t.ord::integer, (t.e ->> 'id')::uuid, t.e ->> 'type',
               (t.e ->> 'sv')::integer, t.e -> 'data', t.e -> 'meta', (t.e ->> 'at')::timestamptz,
               decode(t.e ->> 'h', 'hex'),
               CASE WHEN v_given THEN decode(t.e ->> 'c', 'hex') ELSE v_hashes[t.ord] END
        FROM jsonb_array_elements(p_events) WITH ORDINALITY AS t(e, ord)
        ORDER BY t.ord
        RETURNING position
      )
      SELECT min(ins.position), max(ins.position) INTO v_first, v_last FROM ins;

      v_version := v_version + v_n;
      IF p_idem_key IS NOT NULL THEN
        UPDATE idempotency_keys SET next_version = v_version, first_position = v_first, last_position = v_last
        WHERE hospital_id = p_hospital AND key = p_idem_key;
      END IF;
      RETURN QUERY SELECT v_version, v_first, v_last, false, v_hash;
    END $$`.execute(db);

  // Several appends in one transaction (one WAL flush, one round trip), as append_many() with append_events():
  // p_batch: a JSON array of { s: stream, t: hospital, x: expected, e: events, k?: key, r?: request hash, p?: head }.
  await sql`
    CREATE FUNCTION append_events_many(p_batch jsonb)
    RETURNS TABLE (ord integer, next_version integer, first_position bigint, last_position bigint,
                   duplicate boolean, last_hash bytea)
    LANGUAGE plpgsql AS $$
    DECLARE
      a record;
      r record;
    BEGIN
      PERFORM pg_current_xact_id();
      FOR a IN SELECT t.e, t.n FROM jsonb_array_elements(p_batch) WITH ORDINALITY AS t(e, n) ORDER BY t.n LOOP
        SELECT * INTO r FROM append_events(a.e ->> 's', a.e ->> 't', a.e ->> 'x', a.e -> 'e', a.e ->> 'k',
                                           a.e ->> 'r', a.e ->> 'p');
        ord := a.n; next_version := r.next_version; first_position := r.first_position;
        last_position := r.last_position; duplicate := r.duplicate; last_hash := r.last_hash;
        RETURN NEXT;
      END LOOP;
    END $$`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP FUNCTION append_events_many`.execute(db);
  await sql`DROP FUNCTION append_events`.execute(db);
  await sql`DROP FUNCTION ledger_chain`.execute(db);
}

import { type Kysely, sql } from 'kysely';

// append_event_rows() and append_event_rows_many(): append_events() and append_events_many() (0135) with the
// events passed as one array per column instead of one jsonb document of envelopes. Parsing that document
// built a jsonb of every payload only to split it again (a third of an append of 1,000 events); here each
// payload is parsed once, straight into its column, and the envelope fields arrive typed. The hash chain,
// the idempotency keys, the expected-version checks and their error codes are those of append_events().
//
// Events, one element (or 32 bytes) per event, in order: p_ids, p_types, p_svs (schema versions), p_ats
// (occurred at), p_data and p_meta (JSON texts), p_content (the content hashes, concatenated) and p_chain
// (the hashes chained from p_head, concatenated; null when p_head is null). The 0135 functions stay for
// processes still running the previous code during an upgrade.
export async function up(db: Kysely<unknown>): Promise<void> {
  // The chained hashes after a head at p_version, of the content hashes concatenated in p_content.
  await sql`
    CREATE FUNCTION ledger_chain_of(p_hash bytea, p_version integer, p_content bytea) RETURNS bytea[]
    LANGUAGE plpgsql IMMUTABLE AS $$
    DECLARE
      v_hash bytea := p_hash;
      v_hashes bytea[] := '{}';
    BEGIN
      FOR i IN 1 .. length(p_content) / 32 LOOP
        v_hash := sha256(v_hash || int4send(p_version + i) || substring(p_content FROM i * 32 - 31 FOR 32));
        v_hashes[i] := v_hash;
      END LOOP;
      RETURN v_hashes;
    END $$`.execute(db);
  // The errors of an append, one place each: the codes and texts the store maps (sql-event-store.ts).
  await sql`
    CREATE FUNCTION ledger_conflict(p_actual integer) RETURNS void LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION USING ERRCODE = 'LE001', MESSAGE = 'concurrency conflict',
        DETAIL = json_build_object('actual', p_actual)::text;
    END $$`.execute(db);
  // Claims an idempotency key for a request: null when the key is new, else the key's row (the earlier result)
  // when it was used for this very request; a key used for another request fails with LE004.
  await sql`
    CREATE FUNCTION ledger_claim_key(p_hospital text, p_key text, p_request_hash text, p_stream text)
    RETURNS idempotency_keys LANGUAGE plpgsql AS $$
    DECLARE
      k idempotency_keys;
    BEGIN
      INSERT INTO idempotency_keys (hospital_id, key, request_hash, stream_id)
      VALUES (p_hospital, p_key, p_request_hash, p_stream) ON CONFLICT DO NOTHING;
      IF FOUND THEN
        RETURN NULL;
      END IF;
      SELECT * INTO k FROM idempotency_keys i WHERE i.hospital_id = p_hospital AND i.key = p_key;
      IF k.request_hash <> p_request_hash OR k.stream_id <> p_stream THEN
        RAISE EXCEPTION USING ERRCODE = 'LE004', MESSAGE = 'idempotency key reused for another request',
          DETAIL = json_build_object('key', p_key, 'stream', k.stream_id)::text;
      END IF;
      RETURN k;
    END $$`.execute(db);
  await sql`
    CREATE FUNCTION append_event_rows(p_stream text, p_hospital text, p_expected text, p_head bytea,
                                      p_idem_key text, p_request_hash text, p_ids uuid[], p_types text[],
                                      p_svs integer[], p_ats timestamptz[], p_data text[], p_meta text[],
                                      p_content bytea, p_chain bytea)
    RETURNS TABLE (next_version integer, first_position bigint, last_position bigint, duplicate boolean,
                   last_hash bytea)
    LANGUAGE plpgsql AS $$
    DECLARE
      v_n integer := cardinality(p_ids);
      v_version integer;
      v_hash bytea;
      -- p_chain's last hash: the stream's head once the caller's chain is taken
      v_end bytea := substring(p_chain FROM v_n * 32 - 31 FOR 32);
      v_given boolean := false;
      v_hashes bytea[];
      v_first bigint;
      v_last bigint;
      k idempotency_keys;
    BEGIN
      PERFORM pg_current_xact_id(); -- before any position is drawn, as append_events() (0135) explains
      IF p_idem_key IS NOT NULL THEN
        k := ledger_claim_key(p_hospital, p_idem_key, p_request_hash, p_stream);
        IF k.key IS NOT NULL THEN
          RETURN QUERY SELECT k.next_version, k.first_position, k.last_position, true, NULL::bytea;
          RETURN;
        END IF;
      END IF;

      -- The caller chained from the head it knew: one UPDATE checks the version and the head and locks the row.
      IF p_head IS NOT NULL AND p_expected ~ '^[1-9][0-9]*$' THEN
        v_version := p_expected::integer;
        UPDATE streams SET version = v_version + v_n, last_hash = v_end, updated_at = now()
        WHERE streams.stream_id = p_stream AND streams.version = v_version AND streams.last_hash = p_head;
        v_given := FOUND;
      END IF;

      IF NOT v_given THEN
        SELECT s.version, s.last_hash INTO v_version, v_hash FROM streams s WHERE s.stream_id = p_stream FOR UPDATE;
        IF FOUND THEN
          IF p_expected IN ('no_stream', '0') OR (p_expected ~ '^[0-9]+$' AND p_expected::integer <> v_version) THEN
            PERFORM ledger_conflict(v_version);
          END IF;
        ELSIF p_expected = 'exists' THEN
          RAISE EXCEPTION USING ERRCODE = 'LE003', MESSAGE = format('stream %s does not exist', p_stream);
        ELSIF p_expected NOT IN ('any', 'no_stream', '0') THEN
          PERFORM ledger_conflict(0);
        ELSE
          -- A new stream's row with its final version and head: one write, and the lock that orders creators.
          v_version := 0;
          v_hash := sha256(convert_to(p_stream, 'UTF8'));
          v_given := p_head IS NOT NULL AND p_head = v_hash;
          IF NOT v_given THEN
            v_hashes := ledger_chain_of(v_hash, 0, p_content);
          END IF;
          INSERT INTO streams (stream_id, hospital_id, version, last_hash)
          VALUES (p_stream, p_hospital, v_n, CASE WHEN v_given THEN v_end ELSE v_hashes[v_n] END)
          ON CONFLICT DO NOTHING;
          IF NOT FOUND THEN
            -- created by a concurrent append since our read: 'any' appends after its head, anything else fails
            SELECT s.version, s.last_hash INTO v_version, v_hash FROM streams s WHERE s.stream_id = p_stream FOR UPDATE;
            IF p_expected <> 'any' THEN
              PERFORM ledger_conflict(v_version);
            END IF;
            v_given := false;
            v_hashes := NULL;
          END IF;
        END IF;
        IF v_hashes IS NULL AND NOT v_given THEN
          -- an existing stream: chained here from its stored head
          v_hashes := ledger_chain_of(v_hash, v_version, p_content);
          UPDATE streams SET version = v_version + v_n, last_hash = v_hashes[v_n], updated_at = now()
          WHERE stream_id = p_stream;
        END IF;
      END IF;

      WITH ins AS (
        INSERT INTO events (stream_id, hospital_id, stream_version, event_id, type, schema_version, data,
                            metadata, occurred_at, content_hash, hash)
        SELECT p_stream, p_hospital, v_version + t.ord::integer, t.id, t.type, t.sv, t.data::jsonb, t.meta::jsonb,
               t.at, substring(p_content FROM t.ord::integer * 32 - 31 FOR 32),
               CASE WHEN v_given THEN substring(p_chain FROM t.ord::integer * 32 - 31 FOR 32) ELSE v_hashes[t.ord] END
        FROM ROWS FROM (unnest(p_ids), unnest(p_types), unnest(p_svs), unnest(p_ats), unnest(p_data),
                        unnest(p_meta)) WITH ORDINALITY AS t(id, type, sv, at, data, meta, ord)
        ORDER BY t.ord
        RETURNING position
      )
      SELECT min(ins.position), max(ins.position) INTO v_first, v_last FROM ins;

      v_version := v_version + v_n;
      IF p_idem_key IS NOT NULL THEN
        UPDATE idempotency_keys SET next_version = v_version, first_position = v_first, last_position = v_last
        WHERE hospital_id = p_hospital AND key = p_idem_key;
      END IF;
      RETURN QUERY SELECT v_version, v_first, v_last, false, CASE WHEN v_given THEN v_end ELSE v_hashes[v_n] END;
    END $$`.execute(db);

  // Several appends in one transaction (one WAL flush, one round trip), as append_events_many(), their events
  // one after another in the arrays: p_batch is a JSON array of { s: stream, t: hospital, x: expected,
  // n: how many events, k?: key, r?: request hash, p?: hex head }; p_chain holds the chained hashes of the
  // appends that name a head, in the same order.
  await sql`
    CREATE FUNCTION append_event_rows_many(p_batch jsonb, p_ids uuid[], p_types text[], p_svs integer[],
                                           p_ats timestamptz[], p_data text[], p_meta text[], p_content bytea,
                                           p_chain bytea)
    RETURNS TABLE (ord integer, next_version integer, first_position bigint, last_position bigint,
                   duplicate boolean, last_hash bytea)
    LANGUAGE plpgsql AS $$
    DECLARE
      a record;
      v_chained integer := 0;
      v_head bytea;
      v_n integer;
    BEGIN
      PERFORM pg_current_xact_id();
      -- Each append's events cut out of the arrays in one pass: a slice of an array argument per append would
      -- copy the whole array each time (PL/pgSQL holds array arguments expanded).
      FOR a IN
        SELECT b.e, b.n::integer AS n, x.first, x.ids, x.types, x.svs, x.ats, x.data, x.meta
        FROM jsonb_array_elements(p_batch) WITH ORDINALITY AS b(e, n)
        JOIN (SELECT y.owner, min(y.ord) AS first, array_agg(y.id ORDER BY y.ord) AS ids,
                     array_agg(y.type ORDER BY y.ord) AS types, array_agg(y.sv ORDER BY y.ord) AS svs,
                     array_agg(y.at ORDER BY y.ord) AS ats, array_agg(y.data ORDER BY y.ord) AS data,
                     array_agg(y.meta ORDER BY y.ord) AS meta
              FROM ROWS FROM (unnest(p_ids), unnest(p_types), unnest(p_svs), unnest(p_ats), unnest(p_data),
                              unnest(p_meta),
                              unnest(ARRAY(SELECT t.n FROM jsonb_array_elements(p_batch) WITH ORDINALITY AS t(e, n),
                                             generate_series(1, (t.e ->> 'n')::integer) ORDER BY t.n)))
                   WITH ORDINALITY AS y(id, type, sv, at, data, meta, owner, ord)
              GROUP BY y.owner) x ON x.owner = b.n
        ORDER BY b.n
      LOOP
        v_n := (a.e ->> 'n')::integer;
        v_head := decode(a.e ->> 'p', 'hex');
        RETURN QUERY SELECT a.n, r.* FROM append_event_rows(
          a.e ->> 's', a.e ->> 't', a.e ->> 'x', v_head, a.e ->> 'k', a.e ->> 'r', a.ids, a.types, a.svs, a.ats,
          a.data, a.meta, substring(p_content FROM a.first::integer * 32 - 31 FOR v_n * 32),
          CASE WHEN v_head IS NOT NULL THEN substring(p_chain FROM v_chained * 32 + 1 FOR v_n * 32) END) AS r;
        IF v_head IS NOT NULL THEN
          v_chained := v_chained + v_n;
        END IF;
      END LOOP;
    END $$`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP FUNCTION append_event_rows_many`.execute(db);
  await sql`DROP FUNCTION append_event_rows`.execute(db);
  await sql`DROP FUNCTION ledger_claim_key`.execute(db);
  await sql`DROP FUNCTION ledger_conflict`.execute(db);
  await sql`DROP FUNCTION ledger_chain_of`.execute(db);
}

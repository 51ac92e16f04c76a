// The answer given to each (device, serial) (devices.exchanges, migration 0030). A kiosk that timed out and
// resends the same request gets the first answer again, byte for byte (re-signed); the same serial with
// other content is refused. Heartbeats are not kept (they are answered the same every time).
import { type Kysely, sql } from 'kysely';

export interface Exchange {
  requestHash: string;
  requestType: string;
  /** The response message's fields, without its MAC. */
  response: Record<string, string>;
}

interface Row {
  request_hash: string;
  request_type: string;
  response: Record<string, string>;
}

export class ExchangeBook {
  // biome-ignore lint/suspicious/noExplicitAny: the devices schema is addressed with raw SQL
  constructor(private readonly db: Kysely<any>) {}

  async find(deviceId: string, serial: string): Promise<Exchange | undefined> {
    const { rows } = await sql<Row>`SELECT request_hash, request_type, response FROM devices.exchanges
      WHERE device_id = ${deviceId} AND serial = ${serial}`.execute(this.db);
    return rows[0] ? fromRow(rows[0]) : undefined;
  }

  /** Keeps the answer; when another request with this serial was answered first, returns that one instead. */
  async keep(deviceId: string, serial: string, exchange: Exchange): Promise<Exchange> {
    const { rows } =
      await sql<Row>`INSERT INTO devices.exchanges (device_id, serial, request_hash, request_type, response)
      VALUES (${deviceId}, ${serial}, ${exchange.requestHash}, ${exchange.requestType}, ${JSON.stringify(exchange.response)}::jsonb)
      ON CONFLICT (device_id, serial) DO NOTHING
      RETURNING request_hash, request_type, response`.execute(this.db);
    if (rows[0]) return fromRow(rows[0]);
    return (await this.find(deviceId, serial)) ?? exchange;
  }
}

function fromRow(r: Row): Exchange {
  return { requestHash: r.request_hash, requestType: r.request_type, response: r.response };
}

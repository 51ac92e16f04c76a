import type { Migration } from 'kysely';
import * as m0001 from './0001_event_store.ts';
import * as m0002 from './0002_read_models.ts';
import * as m0003 from './0003_bus.ts';
import * as m0004 from './0004_event_compression.ts';
import * as m0005 from './0005_his_sync_refunded.ts';
import * as m0030 from './0030_devices.ts';
import * as m0040 from './0040_read_model_totals.ts';
import * as m0045 from './0045_signed_seals.ts';
import * as m0050 from './0050_staff_accounts.ts';
import * as m0055 from './0055_jobs.ts';
import * as m0075 from './0075_channel_merchants.ts';
import * as m0085 from './0085_client_read_grants.ts';
import * as m0090 from './0090_evidence.ts';
import * as m0110 from './0110_request_jobs.ts';
import * as m0125 from './0125_demo_runs.ts';
import * as m0135 from './0135_append_events.ts';
import * as m0140 from './0140_staff_actions.ts';
import * as m0145 from './0145_append_event_rows.ts';

/** Every migration, in order. Static imports so the same list works under tsx, vitest and bundlers. */
export const migrations: Record<string, Migration> = {
  '0001_event_store': m0001,
  '0002_read_models': m0002,
  '0003_bus': m0003,
  '0004_event_compression': m0004,
  '0005_his_sync_refunded': m0005,
  '0030_devices': m0030,
  '0040_read_model_totals': m0040,
  '0045_signed_seals': m0045,
  '0050_staff_accounts': m0050,
  '0055_jobs': m0055,
  '0075_channel_merchants': m0075,
  '0085_client_read_grants': m0085,
  '0090_evidence': m0090,
  '0110_request_jobs': m0110,
  '0125_demo_runs': m0125,
  '0135_append_events': m0135,
  '0140_staff_actions': m0140,
  '0145_append_event_rows': m0145,
};

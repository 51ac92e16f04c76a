import { BACKWARDS, END, jsonEvent, type KurrentDBClient } from '@kurrent/kurrentdb-client';
import type { CheckpointStore } from '../checkpoints.ts';
import { isStreamNotFound, translateError } from './errors.ts';
import { CHECKPOINT_EVENT_TYPE, checkpointStreamName } from './mapping.ts';

/** Checkpoint events a stream keeps; older ones are scavenged (only the last is ever read). */
const CHECKPOINT_HISTORY = 10;

/**
 * Named checkpoints as KurrentDB streams, one per name, the last event holding the position. For deployments
 * without a ledger database; with one, the SQL checkpoints table serves (see open.ts).
 */
export function kurrentCheckpoints(client: KurrentDBClient, deadline: number): CheckpointStore {
  return {
    async load(name) {
      const stream = checkpointStreamName(name);
      try {
        for await (const r of client.readStream(stream, {
          direction: BACKWARDS,
          fromRevision: END,
          maxCount: 1,
          deadline,
        })) {
          const position = (r.event?.data as { position?: unknown } | undefined)?.position;
          if (typeof position === 'string' && /^\d+$/.test(position)) return BigInt(position);
        }
        return undefined;
      } catch (error) {
        if (isStreamNotFound(error)) return undefined;
        throw translateError(error, { operation: `load checkpoint ${name}` });
      }
    },
    async store(name, position) {
      const stream = checkpointStreamName(name);
      try {
        const r = await client.appendToStream(
          stream,
          jsonEvent({ type: CHECKPOINT_EVENT_TYPE, data: { name, position: position.toString() } }),
          { deadline },
        );
        if (r.nextExpectedRevision === 0n)
          await client.setStreamMetadata(stream, { maxCount: CHECKPOINT_HISTORY }, { deadline });
      } catch (error) {
        throw translateError(error, { operation: `store checkpoint ${name}` });
      }
    },
  };
}

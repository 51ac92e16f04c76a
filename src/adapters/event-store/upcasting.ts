import type { EventMetadata, JsonObject, RecordedEvent, Upcaster } from '../../domain/event-store.ts';

/** The upcasters a store was given, applied on read until none takes the stored version further. */
export class UpcasterTable {
  private readonly byKey = new Map<string, Upcaster>();

  constructor(upcasters: readonly Upcaster[] = []) {
    for (const u of upcasters) this.byKey.set(`${u.type}@${u.fromVersion}`, u);
  }

  /** `type@fromVersion` of every upcaster: the stored versions a read converts. */
  keys(): string[] {
    return [...this.byKey.keys()];
  }

  apply(
    type: string,
    schemaVersion: number,
    data: JsonObject,
    metadata: EventMetadata,
  ): { schemaVersion: number; data: JsonObject } {
    let version = schemaVersion;
    let current = data;
    for (let u = this.byKey.get(`${type}@${version}`); u; u = this.byKey.get(`${type}@${version}`)) {
      current = u.upcast(current, metadata);
      version++;
    }
    return { schemaVersion: version, data: current };
  }

  /** The event as a reader sees it: its data upcast from the stored schema version. */
  recorded(stored: RecordedEvent): RecordedEvent {
    const { schemaVersion, data } = this.apply(
      stored.type,
      stored.schemaVersion,
      stored.data,
      stored.metadata,
    );
    return { ...stored, schemaVersion, data };
  }
}

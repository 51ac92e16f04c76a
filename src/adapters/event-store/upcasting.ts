import type { EventMetadata, JsonObject, Upcaster } from '../../domain/event-store.ts';

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
}

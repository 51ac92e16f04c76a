// The statement mappings a hospital has configured, looked up by name when a file is imported with
// `mapping: NAME`. A port: the managed, versioned catalog lives elsewhere; the import only asks it.
import type { ColumnMapping } from '../../adapters/statements/index.ts';

export interface MappingCatalog {
  /** The hospital's current mapping of that name, or undefined when it has none. */
  get(hospitalId: string, name: string): Promise<ColumnMapping | undefined>;
}

/** No mappings configured: every name is unknown (the built-in formats still work). */
export const EMPTY_MAPPING_CATALOG: MappingCatalog = {
  get: async () => undefined,
};

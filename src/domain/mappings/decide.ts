// A hospital's managed mapping, one stream per name (`<hospital>/mapping/<name>`): added, revised (each revision
// a new version, the old ones kept), retired. Pure: the definition is validated here, so an invalid mapping is
// never a fact.
import { type CommandBase, type Decider, unknownType } from '../decider.ts';
import type { JsonObject } from '../event-store.ts';
import { type ColumnMapping, MAPPING_LIMITS, MAPPING_NAME, validateMapping } from './definition.ts';
import { refuseMapping } from './refusals.ts';

export const MAPPING_CATEGORY = 'mapping';

export type MappingCommand =
  | (CommandBase & {
      type: 'AddMapping';
      /** Untrusted JSON: validated by decide. */
      definition: unknown;
      note?: string;
      /** Names of the built-in mappings: a hospital's mapping may not shadow one. */
      reservedNames: readonly string[];
    })
  | (CommandBase & { type: 'ReviseMapping'; name: string; definition: unknown; note?: string })
  | (CommandBase & { type: 'RetireMapping'; name: string; reason: string });

export type MappingEvent =
  | { type: 'MappingAdded'; data: MappingVersionData & JsonObject }
  | { type: 'MappingRevised'; data: MappingVersionData & JsonObject }
  | { type: 'MappingRetired'; data: { name: string; version: number; reason: string } };

export interface MappingVersionData {
  name: string;
  version: number;
  definition: ColumnMapping & JsonObject;
  note: string | null;
}

export interface MappingState {
  exists: boolean;
  retired: boolean;
  /** Current version (0 before the mapping exists). */
  version: number;
  definition: ColumnMapping | undefined;
}

export const MAPPING_EVENT_TYPES = ['MappingAdded', 'MappingRevised', 'MappingRetired'] as const;

function note(text: string | undefined, field: string): string | null {
  if (text === undefined || text === '') return null;
  if (text.length > MAPPING_LIMITS.descriptionLength)
    throw refuseMapping('MAPPING_INVALID', {
      path: field,
      reason: `must be at most ${MAPPING_LIMITS.descriptionLength} characters`,
    });
  return text;
}

/** Key order does not make two mappings different. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

export function decideMapping(command: MappingCommand, state: MappingState): MappingEvent[] {
  switch (command.type) {
    case 'AddMapping': {
      const definition = validateMapping(command.definition);
      if (command.reservedNames.includes(definition.name))
        throw refuseMapping('MAPPING_NAME_RESERVED', { name: definition.name });
      if (state.exists) throw refuseMapping('MAPPING_ALREADY_EXISTS', { name: definition.name });
      return [
        {
          type: 'MappingAdded',
          data: {
            name: definition.name,
            version: 1,
            definition: definition as ColumnMapping & JsonObject,
            note: note(command.note, 'note'),
          },
        },
      ];
    }
    case 'ReviseMapping': {
      if (!state.exists) throw refuseMapping('UNKNOWN_MAPPING', { name: command.name });
      if (state.retired) throw refuseMapping('MAPPING_RETIRED', { name: command.name });
      const definition = validateMapping(command.definition);
      if (definition.name !== command.name)
        throw refuseMapping('MAPPING_NAME_MISMATCH', { name: command.name, given: definition.name });
      if (canonical(definition) === canonical(state.definition))
        throw refuseMapping('MAPPING_UNCHANGED', { name: command.name, version: state.version });
      return [
        {
          type: 'MappingRevised',
          data: {
            name: definition.name,
            version: state.version + 1,
            definition: definition as ColumnMapping & JsonObject,
            note: note(command.note, 'note'),
          },
        },
      ];
    }
    case 'RetireMapping': {
      if (!state.exists) throw refuseMapping('UNKNOWN_MAPPING', { name: command.name });
      if (state.retired) throw refuseMapping('MAPPING_RETIRED', { name: command.name });
      const reason = note(command.reason, 'reason');
      if (reason === null) throw refuseMapping('MAPPING_INVALID', { path: 'reason', reason: 'is required' });
      return [{ type: 'MappingRetired', data: { name: command.name, version: state.version, reason } }];
    }
    default:
      return unknownType(command, 'mapping command');
  }
}

export function evolveMapping(state: MappingState, event: MappingEvent): MappingState {
  switch (event.type) {
    case 'MappingAdded':
    case 'MappingRevised':
      return {
        exists: true,
        retired: false,
        version: event.data.version,
        definition: event.data.definition,
      };
    case 'MappingRetired':
      return { ...state, retired: true };
    default:
      return state;
  }
}

export const mappingDecider: Decider<MappingCommand, MappingEvent, MappingState> = {
  category: MAPPING_CATEGORY,
  streamKey: (c) => (c.type === 'AddMapping' ? mappingNameOf(c.definition) : knownName(c.name)),
  initialState: () => ({ exists: false, retired: false, version: 0, definition: undefined }),
  decide: decideMapping,
  evolve: evolveMapping,
};

/** The stream key of an AddMapping: the name it carries, validated first (a bad name never names a stream). */
function mappingNameOf(definition: unknown): string {
  return validateMapping(definition).name;
}

/** A name no mapping can have names no stream either. */
export function knownName(name: string): string {
  if (!MAPPING_NAME.test(name)) throw refuseMapping('UNKNOWN_MAPPING', { name: name.slice(0, 80) });
  return name;
}

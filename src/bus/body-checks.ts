// What parses as JSON yet must not go further: bodies nested too deep or carrying numbers JSON cannot hold
// (the request is hashed for idempotency before it is validated), and text PostgreSQL cannot store (jsonb
// refuses U+0000 and unpaired UTF-16 surrogates). Checked once, where the body is parsed, for every route.
import { reject } from '../domain/rejection.ts';
import { ApiError } from './errors.ts';

/** Deepest nesting of objects and arrays a body may have; the deepest schema needs fewer than ten levels. */
export const MAX_JSON_DEPTH = 64;

// U+0000, a high surrogate not followed by a low one, or a low surrogate not preceded by a high one.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding U+0000 is the point
const UNSTORABLE_TEXT = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function fieldOf(path: readonly (string | number)[]): string {
  return ['body', ...path].join('.');
}

function checkText(text: string, path: readonly (string | number)[]): void {
  const found = UNSTORABLE_TEXT.exec(text);
  if (!found) return;
  throw reject('INVALID_COMMAND', {
    field: fieldOf(path),
    reason:
      found[0] === '\u0000' ? 'text contains U+0000 (NUL)' : 'text contains an unpaired UTF-16 surrogate',
  });
}

/** Throws a 400 (ApiError) for a body too deep or a non-finite number, a 422 INVALID_COMMAND for bad text. */
export function checkJsonBody(body: unknown): void {
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value: body, path: [] }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (typeof value === 'string') checkText(value, path);
    else if (typeof value === 'number') {
      if (!Number.isFinite(value))
        throw new ApiError('VALIDATION_FAILED', { field: fieldOf(path), reason: 'number out of range' });
    } else if (value !== null && typeof value === 'object') {
      if (path.length >= MAX_JSON_DEPTH)
        throw new ApiError('VALIDATION_FAILED', {
          field: fieldOf(path.slice(0, 3)),
          reason: `nested deeper than ${MAX_JSON_DEPTH} levels`,
        });
      const entries: [string | number, unknown][] = Array.isArray(value)
        ? value.map((v, i) => [i, v])
        : Object.entries(value);
      // Pushed in reverse: the first offending field in document order is the one reported.
      for (const [k, v] of entries.reverse()) {
        if (typeof k === 'string') checkText(k, [...path, k]);
        stack.push({ value: v, path: [...path, k] });
      }
    }
  }
}

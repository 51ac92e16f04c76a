// A statement's column header, read once: where each named column stands, how many fields a row has, and a
// row's cell by name. Layouts move and add columns between versions, so rows are read by name, never by place.
import { fault } from './errors.ts';

export class HeaderColumns {
  private readonly at = new Map<string, number>();
  readonly width: number;

  /** `names` as the header prints them, already normalised; a name printed twice counts where it first stands
   * unless `lastWins`. */
  constructor(names: readonly string[], options: { lastWins?: boolean } = {}) {
    names.forEach((c, i) => {
      if (options.lastWins || !this.at.has(c)) this.at.set(c, i);
    });
    this.width = names.length;
  }

  /** Refuses the header (MISSING_HEADER at line `n`) when a required column is absent: `${what} lacks …`. */
  require(required: readonly string[], n: number, what: string): this {
    for (const r of required) if (!this.at.has(r)) throw fault('MISSING_HEADER', n, `${what} lacks ${r}`);
    return this;
  }

  has(name: string): boolean {
    return this.at.has(name);
  }

  /** The trimmed cell of column `name` in row `f` ('' when the layout has no such column). */
  cell(f: readonly string[], name: string): string {
    const i = this.at.get(name);
    return i === undefined ? '' : (f[i] ?? '').trim();
  }
}

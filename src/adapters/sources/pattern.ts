// File name patterns of a statement source: `*` and `?` wildcards and the business-date placeholders
// `{date}` (2026-12-01) and `{yyyymmdd}` (20261201), in patterns and in folder paths and URLs alike.

export function withDate(template: string, businessDate: string): string {
  return template
    .replaceAll('{date}', businessDate)
    .replaceAll('{yyyymmdd}', businessDate.replaceAll('-', ''));
}

/** The pattern, its date filled in, as an anchored regular expression over a file name. */
export function patternMatcher(pattern: string, businessDate: string): RegExp {
  const filled = withDate(pattern, businessDate);
  const body = [...filled]
    .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`);
}

/** Names matching the pattern, in name order (a day's files import in a stable order). */
export function matching(names: readonly string[], pattern: string, businessDate: string): string[] {
  const re = patternMatcher(pattern, businessDate);
  return names.filter((n) => re.test(n)).sort();
}

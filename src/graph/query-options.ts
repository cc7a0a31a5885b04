import { graphErrors } from './errors.js';

/**
 * The query string of a Graph request as the routes read it: a null-prototype object (so no name a
 * client sends, `__proto__` or `constructor` included, can reach Object.prototype), system query
 * options under their lower-case name, each given at most once.
 *
 * OData says a system query option "irrespective of casing … MUST NOT be specified more than once";
 * Graph answers a repeated one with 400 BadRequest "Query option '$select' was specified more than
 * once, but it must be specified at most once." (microsoftgraph/msgraph-sdk-java#336). An option the
 * route does not serve is a 400 naming the ones it does, never silently ignored.
 */
export function graphQuery(raw: unknown, allowed: readonly string[], version: 'v1.0' | 'beta' = 'v1.0'): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  if (!raw || typeof raw !== 'object') return out;
  const seen = new Set<string>();
  for (const written of Object.keys(raw)) {
    const value = (raw as Record<string, unknown>)[written];
    // "On the beta endpoint, the $ prefix is optional. For example, instead of $filter, you can use
    // filter" (Microsoft Graph docs, "Use query parameters"): there `filter=` is `$filter=`.
    const key = version === 'beta' && SYSTEM_OPTIONS.has(`$${written.toLowerCase()}`) ? `$${written}` : written;
    if (!key.startsWith('$')) {
      // Custom (non-system) parameters are passed through as Graph does; a repeated one keeps its first value.
      out[key] = Array.isArray(value) ? String(value[0] ?? '') : String(value ?? '');
      continue;
    }
    const option = key.toLowerCase();
    if (!allowed.includes(option)) throw graphErrors.unsupportedQueryOption(written, [...allowed]);
    if (seen.has(option) || Array.isArray(value)) throw graphErrors.duplicateQueryOption(written);
    seen.add(option);
    out[option] = String(value ?? '');
  }
  return out;
}

/** OData's system query options, as Graph knows them (for the `$`-less spelling beta accepts). */
const SYSTEM_OPTIONS: ReadonlySet<string> = new Set(['$filter', '$select', '$expand', '$top', '$skip', '$skiptoken', '$count', '$orderby', '$search', '$format']);

/** Reading parsed JSON of unknown shape: the checks every JSON result reader makes before trusting a field. */
export type Obj = Record<string, unknown>;

/** A JSON object (not an array, not null). */
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A string field, or '' when it is missing or not a string. */
export const str = (v: unknown): string => (typeof v === 'string' ? v : '');

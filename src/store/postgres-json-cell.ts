/** A value as it goes into a PostgreSQL row sent as JSON (`INSERT … SELECT … FROM jsonb_array_elements($1)`). */

const NEEDS_CLEANING = /[\0\ud800-\udfff]/;

/** Postgres text cannot hold NUL, and its JSON parser rejects lone surrogates; bytea travels as hex. */
export function jsonCell(v: unknown): unknown {
  if (typeof v === 'string') {
    if (!NEEDS_CLEANING.test(v)) return v;
    return v.replace(/\0/g, '').replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
  }
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
  return v;
}

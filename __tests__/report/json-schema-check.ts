/**
 * A validator for the part of JSON Schema (2020-12) that docs/report-schema.json uses: type (incl. arrays of types),
 * const, enum, required, properties, additionalProperties: false, items, oneOf, $ref to #/$defs/... Anything else in
 * a schema is an error here, so the schema cannot quietly use a keyword this checker ignores.
 */
type Schema = Record<string, unknown>;

const KNOWN = new Set(['$schema', '$id', 'title', 'description', 'type', 'const', 'enum', 'required', 'properties', 'additionalProperties', 'items', 'oneOf', '$ref', '$defs']);

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function matchesType(v: unknown, t: string): boolean {
  switch (t) {
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    default:
      return typeOf(v) === t;
  }
}

export function validate(root: Schema, value: unknown): string[] {
  const defs = (root.$defs as Record<string, Schema> | undefined) ?? {};
  const errors: string[] = [];
  check(root, value, '$', defs, errors);
  return errors;
}

function check(schema: Schema, v: unknown, at: string, defs: Record<string, Schema>, errors: string[]): void {
  for (const k of Object.keys(schema)) if (!KNOWN.has(k)) throw new Error(`schema keyword ${k} at ${at} is not supported by this checker`);
  if (typeof schema.$ref === 'string') {
    const m = /^#\/\$defs\/(.+)$/.exec(schema.$ref);
    const target = m ? defs[m[1]] : undefined;
    if (!target) throw new Error(`unresolvable $ref ${schema.$ref}`);
    check(target, v, at, defs, errors);
    return;
  }
  if ('const' in schema && JSON.stringify(schema.const) !== JSON.stringify(v)) errors.push(`${at}: expected const ${JSON.stringify(schema.const)}`);
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(v))) errors.push(`${at}: ${JSON.stringify(v)} not in enum`);
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    if (!types.some((t) => matchesType(v, t))) {
      errors.push(`${at}: expected ${types.join('|')}, got ${typeOf(v)}`);
      return;
    }
  }
  if (Array.isArray(schema.oneOf)) {
    const results = (schema.oneOf as Schema[]).map((s) => {
      const e: string[] = [];
      check(s, v, at, defs, e);
      return e;
    });
    const passing = results.filter((e) => e.length === 0).length;
    if (passing !== 1) errors.push(`${at}: matches ${passing} of oneOf (${results.flat().slice(0, 3).join('; ')})`);
    // Also the errors of the nearest alternative, so a wrong field inside a oneOf is named by its own path.
    if (passing === 0) errors.push(...results.reduce((best, e) => (e.length < best.length ? e : best)));
  }
  if (typeOf(v) === 'object') {
    const obj = v as Record<string, unknown>;
    for (const r of (schema.required as string[] | undefined) ?? []) if (!(r in obj)) errors.push(`${at}: missing ${r}`);
    const props = (schema.properties as Record<string, Schema> | undefined) ?? {};
    for (const [k, val] of Object.entries(obj)) {
      if (props[k]) check(props[k], val, `${at}.${k}`, defs, errors);
      else if (schema.additionalProperties === false) errors.push(`${at}: unexpected property ${k}`);
    }
  }
  if (Array.isArray(v) && schema.items) v.forEach((item, i) => check(schema.items as Schema, item, `${at}[${i}]`, defs, errors));
}

/**
 * The `flakefighters` and `active-flakefighters` inputs: the plugin's configuration shape
 * (`flakefighters: {module: {ClassName: {active, ...params}}}`) read strictly, so a misspelt name
 * or parameter fails the step with one line instead of being silently ignored.
 */
import { parse } from 'yaml';
import { REGISTRY, flakefighterModules, flakefighterNames, type ParamSpec } from '../flakefighters/registry.ts';
import type { PickleValue } from '../store/pickle-types.ts';
import { UserError } from '../store/store.ts';

export interface FlakefighterConfig {
  /** Class name, a key of REGISTRY. */
  name: string;
  module: string;
  /** Parameters the user set (never `active`); the registry applies the defaults. */
  params: Record<string, PickleValue>;
}

export interface FlakefightersConfigInput {
  /** YAML text of the `flakefighters` input ('' when not given). */
  flakefighters?: string | null;
  /** The `active-flakefighters` input: class names separated by commas, spaces or newlines. */
  activeFlakefighters?: string | null;
  /** Whether per-test coverage was given (DiffCov is a default only then). */
  coverageGiven: boolean;
}

const IN = "input 'flakefighters'";
const isMapping = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (xs: readonly string[]): string => xs.join(', ');

/** Flakefighters used when nothing is configured (design §4). */
export function defaultFlakefighters(coverageGiven: boolean): FlakefighterConfig[] {
  const names = coverageGiven ? ['OutcomeFlip', 'TracebackMatching', 'DiffCov'] : ['OutcomeFlip', 'TracebackMatching'];
  return names.map((name) => ({ name, module: REGISTRY.get(name)!.module, params: {} }));
}

export function parseActiveList(text: string | null | undefined): string[] | null {
  if (text === null || text === undefined || text.trim() === '') return null;
  const names = [...new Set(text.split(/[\s,]+/).filter(Boolean))];
  for (const n of names) {
    if (!REGISTRY.has(n)) {
      throw new UserError(`input 'active-flakefighters': unknown flakefighter '${n}'; use one of ${list(flakefighterNames())}`);
    }
  }
  return names;
}

function checkParam(cls: string, key: string, value: unknown, spec: ParamSpec | undefined): PickleValue {
  const where = `${IN}: ${cls}.${key}`;
  if (key === 'active') {
    if (typeof value !== 'boolean') throw new UserError(`${where} must be true or false, got ${JSON.stringify(value)}`);
    return value;
  }
  if (!spec) {
    const known = ['active', ...Object.keys(REGISTRY.get(cls)!.params)];
    throw new UserError(`${IN}: ${cls} has no parameter '${key}'; its parameters are ${list(known)}`);
  }
  switch (spec.type) {
    case 'boolean':
      if (typeof value !== 'boolean') throw new UserError(`${where} must be true or false, got ${JSON.stringify(value)}`);
      return value;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw new UserError(`${where} must be a number, got ${JSON.stringify(value)}`);
      return value;
    case 'string':
    case 'string?':
      if (value === null && spec.type === 'string?') return null;
      if (typeof value !== 'string' || value === '') {
        // An unquoted commit sha such as 0123456 or 1e5 reaches us as a number.
        throw new UserError(`${where} must be a string${typeof value === 'number' ? ' (quote it)' : ''}, got ${JSON.stringify(value)}`);
      }
      if (spec.choices && !spec.choices.includes(value)) {
        throw new UserError(`${where} must be one of ${list(spec.choices)}, got '${value}'`);
      }
      return value;
  }
}

interface Entry {
  module: string;
  name: string;
  params: Record<string, PickleValue>;
}

function readYaml(text: string): Map<string, Entry[]> | null {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    const why = e instanceof RangeError ? 'it is nested too deeply' : (e as Error).message.split('\n')[0].replace(/:$/, '');
    throw new UserError(`${IN} is not valid YAML: ${why}; fix the flakefighters input.`);
  }
  if (doc === null || doc === undefined) return null;
  if (!isMapping(doc)) throw new UserError(`${IN} must be a mapping of module → class → parameters, e.g. "traceback_matching: {CosineSimilarity: {threshold: 0.8}}"`);
  if ('flakefighters' in doc) {
    if (Object.keys(doc).length !== 1) {
      throw new UserError(`${IN}: put everything under 'flakefighters:' or nothing at all; found also ${list(Object.keys(doc).filter((k) => k !== 'flakefighters'))}`);
    }
    doc = doc.flakefighters;
    if (doc === null || doc === undefined) return new Map();
    if (!isMapping(doc)) throw new UserError(`${IN}: 'flakefighters' must be a mapping of module → class → parameters`);
  }
  const modules = new Map<string, Entry[]>();
  for (const [module, classes] of Object.entries(doc)) {
    if (!flakefighterModules().includes(module)) {
      throw new UserError(`${IN}: unknown module '${module}'; use one of ${list(flakefighterModules())}`);
    }
    if (classes !== null && !isMapping(classes)) throw new UserError(`${IN}: '${module}' must map class names to parameters`);
    const entries: Entry[] = [];
    for (const [name, raw] of Object.entries(classes ?? {})) {
      const spec = REGISTRY.get(name);
      const inModule = [...REGISTRY.values()].filter((s) => s.module === module).map((s) => s.name);
      if (!spec) throw new UserError(`${IN}: unknown flakefighter '${module}.${name}'; ${module} has ${list(inModule)}`);
      if (spec.module !== module) throw new UserError(`${IN}: ${name} belongs under '${spec.module}', not '${module}'`);
      if (raw !== null && !isMapping(raw)) throw new UserError(`${IN}: ${name} must map parameter names to values, got ${JSON.stringify(raw)}`);
      const params: Record<string, PickleValue> = {};
      for (const [key, value] of Object.entries(raw ?? {})) params[key] = checkParam(name, key, value, spec.params[key]);
      entries.push({ module, name, params });
    }
    modules.set(module, entries);
  }
  return modules;
}

/**
 * The active flakefighters in configuration order, as the plugin's pytest_configure picks them:
 * every configured class unless `active: false`; `active-flakefighters` keeps only the listed ones
 * (forcing them active) and adds listed ones that have no configuration. Nothing configured: the defaults.
 */
export function parseFlakefightersConfig(input: FlakefightersConfigInput): FlakefighterConfig[] {
  const text = input.flakefighters ?? '';
  const modules = text.trim() === '' ? null : readYaml(text);
  const active = parseActiveList(input.activeFlakefighters);
  if (modules === null && active === null) return defaultFlakefighters(input.coverageGiven);
  const configured = modules ?? new Map<string, Entry[]>();
  if (active !== null) {
    for (const [module, entries] of configured) {
      configured.set(module, entries.filter((e) => active.includes(e.name)).map((e) => ({ ...e, params: { ...e.params, active: true } })));
    }
    for (const name of active) {
      const module = REGISTRY.get(name)!.module;
      const entries = configured.get(module) ?? [];
      if (!entries.some((e) => e.name === name)) entries.push({ module, name, params: {} });
      configured.set(module, entries);
    }
  }
  const out: FlakefighterConfig[] = [];
  for (const entries of configured.values()) {
    for (const { module, name, params } of entries) {
      const { active: on = true, ...rest } = params;
      if (on !== false) out.push({ name, module, params: rest });
    }
  }
  return out;
}

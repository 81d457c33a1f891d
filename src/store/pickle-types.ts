/** Values the pickle codec reads and writes; anything else from a pickle becomes an OpaqueObject. */
export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PickleValue[]
  | PickleTuple
  | PickleSet
  | PickleDict
  | OpaqueObject;

/** A Python dict whose keys are str (the common case) maps to a plain object via Map to keep key types. */
export class PickleDict extends Map<PickleValue, PickleValue> {}
export class PickleTuple {
  constructor(public readonly items: PickleValue[]) {}
}
export class PickleSet {
  constructor(public readonly items: PickleValue[], public readonly frozen = false) {}
}
/** A global we never import (e.g. git.repo.base.Repo): kept as its name and its state, never executed. */
export class OpaqueObject {
  constructor(
    public readonly module: string,
    public readonly qualname: string,
    public readonly args: PickleValue[] = [],
    public state: PickleValue = null,
  ) {}
  toString(): string {
    return `<${this.module}.${this.qualname}>`;
  }
}

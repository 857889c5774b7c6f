/**
 * Dotted paths (`infer.model.name`) into nested plain objects, as used by config overrides.
 * Only plain objects are containers: arrays, config markers and everything else are values, so a
 * path never indexes into an array or reads a marker's own fields.
 */
import { isMarker } from './markers.ts';
import { isPlainObject } from '../util/json.ts';

/** The segments of a dotted path. */
export function splitPath(path: string): string[] {
  return path.split('.');
}

/** Joins a parent path and a key; the empty parent is the root. */
export function joinPath(parent: string, key: string): string {
  return parent === '' ? key : `${parent}.${key}`;
}

/** A plain object that holds settings: not a marker, and not empty (an empty object is a value). */
export function isBranch(value: unknown): value is Record<string, unknown> {
  return isPlainObject(value) && !isMarker(value) && Object.keys(value).length > 0;
}

function isContainer(value: unknown): value is Record<string, unknown> {
  return isPlainObject(value) && !isMarker(value);
}

/** The value at `path`, or undefined when some segment is missing. */
export function getPath(obj: unknown, path: string): unknown {
  let node: unknown = obj;
  for (const key of splitPath(path)) {
    if (!isContainer(node) || !Object.hasOwn(node, key)) return undefined;
    node = node[key];
  }
  return node;
}

/** True when every segment of `path` exists (the value there may still be undefined). */
export function hasPath(obj: unknown, path: string): boolean {
  let node: unknown = obj;
  for (const key of splitPath(path)) {
    if (!isContainer(node) || !Object.hasOwn(node, key)) return false;
    node = node[key];
  }
  return true;
}

/**
 * Sets the value at `path` in place, creating missing intermediate objects. Throws a TypeError
 * rather than replacing a non-object value that stands in the way.
 */
export function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const keys = splitPath(path);
  const last = keys.pop() as string;
  let node = obj;
  let walked = '';
  for (const key of keys) {
    walked = joinPath(walked, key);
    if (!Object.hasOwn(node, key)) define(node, key, {});
    const next = node[key];
    if (!isContainer(next)) throw new TypeError(`Cannot set '${path}': '${walked}' is not an object`);
    node = next;
  }
  define(node, last, value);
}

// defineProperty, not assignment, so a key such as `__proto__` becomes an own property.
function define(node: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(node, key, { value, writable: true, enumerable: true, configurable: true });
}

/**
 * The leaves of `obj` as `[path, value]` pairs in key order. Plain objects are recursed unless
 * `isLeaf` says otherwise; by default arrays, markers and empty objects are leaves. Undefined
 * values are skipped, as JSON would drop them.
 */
export function flattenLeaves(
  obj: unknown,
  isLeaf: (value: unknown, path: string) => boolean = (value) => !isBranch(value),
): [string, unknown][] {
  const leaves: [string, unknown][] = [];
  const walk = (node: Record<string, unknown>, prefix: string): void => {
    for (const [key, value] of Object.entries(node)) {
      if (value === undefined) continue;
      const path = joinPath(prefix, key);
      if (isContainer(value) && !isLeaf(value, path)) walk(value, path);
      else leaves.push([path, value]);
    }
  };
  if (isContainer(obj)) walk(obj, '');
  return leaves;
}

/**
 * Tree repair cost (GoTaglio's `repair.py`, gotaglio-spec §7.5): the minimum number of edits that
 * turn an observed list of items (each with nested child items, `options` by default) into the
 * expected one, with a human-readable step for each edit. Used by the menu sample's assess stage.
 *
 * - Delete an item: 1 (`<id>: <name>: delete item`).
 * - Insert an item: 1 (`insert default version`) + 1 per attribute other than the id, the children,
 *   ignored and atomic ones (`change attribute(<attr>) to '<value>'`) + inserting each child.
 * - Repair an item into another: when an atomic attribute (`name`) differs, delete + insert − 0.001
 *   (a slight preference for delete-then-insert over other equal-cost options); otherwise 1 per
 *   attribute missing (`set <attr> to \`<v>\``), differing (`change <attr> to \`<v>\``) or extra
 *   (`remove <attr>`), plus the cost of matching the two lists of children.
 * - Matching two lists: an n×n assignment (Hungarian algorithm, O(n³)) of repairs, deletes (rows
 *   beyond the expected list) and inserts (columns beyond the observed list).
 *
 * Ids: the observed items are numbered 0…k−1 and the expected ones from k on; children are
 * `<parent>.<index>`. Costs are rounded to 1/1000 (no `10.99899` float noise).
 */
import { stableStringify } from '../util/json.ts';

export interface TreeRepairOptions {
  /** The id attribute written by the numbering. @default 'id' */
  readonly id?: string;
  /** The attribute holding the child items. @default 'options' */
  readonly children?: string;
  /** Attributes that are never compared. @default [] */
  readonly ignored?: readonly string[];
  /** Attributes whose change means a different item (delete + insert). @default ['name'] */
  readonly atomic?: readonly string[];
  /** The attribute shown in steps. @default 'name' */
  readonly name?: string;
}

export interface TreeRepairResult {
  readonly op: 'REPAIR';
  readonly cost: number;
  readonly steps: readonly string[];
}

type Item = Record<string, unknown>;

interface Edit {
  readonly cost: number;
  readonly steps: readonly string[];
}

const round = (cost: number) => Math.round(cost * 1000) / 1000;

/**
 * Solves the assignment problem for a square cost matrix: the permutation `assignment[row] = col`
 * of least total cost (Hungarian algorithm with potentials, O(n³)).
 */
export function hungarian(cost: readonly (readonly number[])[]): number[] {
  const n = cost.length;
  if (n === 0) return [];
  for (const row of cost) if (row.length !== n) throw new TypeError('hungarian(): the cost matrix must be square');
  const INF = Number.POSITIVE_INFINITY;
  // 1-based arrays; p[j] is the row assigned to column j, way[j] the previous column on the path.
  const u = new Float64Array(n + 1);
  const v = new Float64Array(n + 1);
  const p = new Int32Array(n + 1);
  const way = new Int32Array(n + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    const minv = new Float64Array(n + 1).fill(INF);
    const used = new Uint8Array(n + 1);
    do {
      used[j0] = 1;
      const i0 = p[j0]!;
      let delta = INF;
      let j1 = 0;
      for (let j = 1; j <= n; j++) {
        if (used[j]) continue;
        const reduced = cost[i0 - 1]![j - 1]! - u[i0]! - v[j]!;
        if (reduced < minv[j]!) {
          minv[j] = reduced;
          way[j] = j0;
        }
        if (minv[j]! < delta) {
          delta = minv[j]!;
          j1 = j;
        }
      }
      for (let j = 0; j <= n; j++) {
        if (used[j]) {
          u[p[j]!] = u[p[j]!]! + delta;
          v[j] = v[j]! - delta;
        } else {
          minv[j] = minv[j]! - delta;
        }
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0]!;
      p[j0] = p[j1]!;
      j0 = j1;
    } while (j0 !== 0);
  }
  const assignment = new Array<number>(n).fill(-1);
  for (let j = 1; j <= n; j++) if (p[j]! > 0) assignment[p[j]! - 1] = j - 1;
  return assignment;
}

class TreeRepair {
  private readonly id: string;
  private readonly children: string;
  private readonly atomic: readonly string[];
  private readonly name: string;
  private readonly excluded: ReadonlySet<string>;

  constructor(options: TreeRepairOptions) {
    this.id = options.id ?? 'id';
    this.children = options.children ?? 'options';
    this.atomic = options.atomic ?? ['name'];
    this.name = options.name ?? 'name';
    this.excluded = new Set([this.id, this.children, ...(options.ignored ?? []), ...this.atomic]);
  }

  /** Deep copies of the items, numbered from `first`; children get `<parent>.<index>`. */
  number(items: readonly unknown[], first: number): Item[] {
    const copy = (item: unknown, id: string): Item => {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) throw new TypeError(`tree repair: item ${id} is not an object`);
      if (this.id in item) throw new TypeError(`tree repair: item ${id} already has an '${this.id}' attribute`);
      const result: Item = { ...(item as Item), [this.id]: id };
      const kids = (item as Item)[this.children];
      if (Array.isArray(kids)) result[this.children] = kids.map((kid, i) => copy(kid, `${id}.${i}`));
      return result;
    };
    return items.map((item, i) => copy(item, String(first + i)));
  }

  private label(item: Item): string {
    const id = item[this.id];
    const name = item[this.name];
    return `${id === undefined ? '???' : String(id)}: ${name === undefined ? '???' : String(name)}`;
  }

  private kids(item: Item): Item[] {
    const kids = item[this.children];
    return Array.isArray(kids) ? (kids as Item[]) : [];
  }

  private attributes(item: Item): string[] {
    return Object.keys(item).filter((key) => !this.excluded.has(key) && item[key] !== undefined);
  }

  delete(item: Item): Edit {
    return { cost: 1, steps: [`${this.label(item)}: delete item`] };
  }

  insert(item: Item): Edit {
    const steps = [`${this.label(item)}: insert default version`];
    let cost = 1;
    for (const key of this.attributes(item)) {
      cost++;
      steps.push(`${this.label(item)}: change attribute(${key}) to '${show(item[key])}'`);
    }
    for (const kid of this.kids(item)) {
      const edit = this.insert(kid);
      cost += edit.cost;
      steps.push(...edit.steps);
    }
    return { cost, steps };
  }

  repair(observed: Item, expected: Item): Edit {
    for (const key of this.atomic) {
      if (key in observed !== key in expected || !same(observed[key], expected[key])) {
        const removal = this.delete(observed);
        const insertion = this.insert(expected);
        return { cost: removal.cost + insertion.cost - 0.001, steps: [...removal.steps, ...insertion.steps] };
      }
    }
    let cost = 0;
    const steps: string[] = [];
    const label = this.label(observed);
    for (const key of this.attributes(expected)) {
      if (observed[key] === undefined) {
        cost++;
        steps.push(`${label}: set ${key} to \`${show(expected[key])}\``);
      } else if (!same(observed[key], expected[key])) {
        cost++;
        steps.push(`${label}: change ${key} to \`${show(expected[key])}\``);
      }
    }
    for (const key of this.attributes(observed)) {
      if (expected[key] === undefined) {
        cost++;
        steps.push(`${label}: remove ${key}`);
      }
    }
    const kids = this.match(this.kids(observed), this.kids(expected));
    return { cost: cost + kids.cost, steps: [...steps, ...kids.steps] };
  }

  match(a: readonly Item[], b: readonly Item[]): Edit {
    const n = Math.max(a.length, b.length);
    if (n === 0) return { cost: 0, steps: [] };
    const edits: Edit[][] = [];
    for (let i = 0; i < n; i++) {
      const row: Edit[] = [];
      for (let j = 0; j < n; j++) {
        if (i < a.length) row.push(j < b.length ? this.repair(a[i]!, b[j]!) : this.delete(a[i]!));
        else row.push(j < b.length ? this.insert(b[j]!) : { cost: 0, steps: [] });
      }
      edits.push(row);
    }
    const assignment = hungarian(edits.map((row) => row.map((edit) => edit.cost)));
    let cost = 0;
    const steps: string[] = [];
    assignment.forEach((j, i) => {
      const edit = edits[i]![j]!;
      if (edit.cost === 0) return;
      cost += edit.cost;
      steps.push(...edit.steps);
    });
    return { cost, steps };
  }
}

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return stableStringify(a) === stableStringify(b);
}

function show(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * The least-cost edit turning `observed` items into `expected` ones, with its steps. Neither list
 * is modified; items must not already carry the id attribute.
 */
export function treeRepair(observed: readonly unknown[], expected: readonly unknown[], options: TreeRepairOptions = {}): TreeRepairResult {
  const repair = new TreeRepair(options);
  const a = repair.number(observed, 0);
  const b = repair.number(expected, observed.length);
  const edit = repair.match(a, b);
  return { op: 'REPAIR', cost: round(edit.cost), steps: edit.steps };
}

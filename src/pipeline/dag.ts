import { PipelineError } from '../errors.ts';
import { closest } from '../util/suggest.ts';
import type { StageFn, Stages } from './types.ts';

export interface GraphNode {
  readonly name: string;
  readonly stage: StageFn<any, any, any>;
  readonly inputs: readonly string[];
  /** Positions (in `nodes`) of the stages that wait for this one. */
  readonly dependents: readonly number[];
  /** Positions of this node's inputs. */
  readonly inputIndexes: readonly number[];
  /** Most instances of this stage in flight across the cases of a run (a node's `concurrency`). */
  readonly concurrency?: number;
}

/** A validated stage graph. `nodes` keeps the order the pipeline declared. */
export interface StageGraph {
  readonly nodes: readonly GraphNode[];
  /** Positions of nodes without inputs, in declaration order. */
  readonly roots: readonly number[];
  readonly linear: boolean;
}

const fail = (code: string, message: string, hint?: string): never => {
  throw new PipelineError(code, message, hint === undefined ? {} : { hint });
};

interface RawNode {
  name: unknown;
  stage: unknown;
  inputs: unknown;
  concurrency?: unknown;
}

/**
 * Builds and validates the graph returned by `stages()`: a map (linear, in insertion order) or a
 * list of `{ name, stage, inputs }` nodes. Every problem is reported before any case runs.
 */
export function buildStageGraph(stages: Stages<any, any, any>, pipelineName: string): StageGraph {
  const where = `Pipeline '${pipelineName}'`;
  let raw: RawNode[];
  let linear = false;
  if (Array.isArray(stages)) {
    raw = stages.map((node: unknown, i) => {
      if (typeof node !== 'object' || node === null) fail('E_DAG_NODE', `${where}: stage #${i + 1} is not a { name, stage, inputs } object.`);
      const { name, stage, inputs, concurrency, ...rest } = node as Record<string, unknown>;
      if ('function' in rest && stage === undefined) {
        fail('E_DAG_NODE', `${where}: stage '${String(name)}' uses 'function'; tagliots calls it 'stage'.`, 'Write { name, stage, inputs }.');
      }
      return { name, stage, inputs: inputs ?? [], concurrency };
    });
  } else if (typeof stages === 'object' && stages !== null) {
    linear = true;
    const names = Object.keys(stages);
    raw = names.map((name, i) => ({
      name,
      stage: (stages as Record<string, unknown>)[name],
      inputs: i === 0 ? [] : [names[i - 1]],
    }));
  } else {
    return fail('E_DAG_SHAPE', `${where}: stages() must return a map of stage functions or a list of { name, stage, inputs } nodes (got ${typeof stages}).`);
  }

  if (raw.length === 0) fail('E_DAG_EMPTY', `${where}: stages() returned no stages (empty pipeline).`, 'Return at least one stage.');

  const positions = new Map<string, number>();
  raw.forEach((node, i) => {
    if (typeof node.name !== 'string' || node.name === '') fail('E_DAG_NODE', `${where}: stage #${i + 1} has no name.`);
    const name = node.name as string;
    if (positions.has(name)) fail('E_DAG_DUPLICATE', `${where}: duplicate stage name '${name}'.`, 'Stage names must be unique.');
    if (typeof node.stage !== 'function') fail('E_DAG_NODE', `${where}: stage '${name}' is not a function (got ${node.stage === null ? 'null' : typeof node.stage}).`);
    if (!Array.isArray(node.inputs) || !node.inputs.every((input) => typeof input === 'string')) {
      fail('E_DAG_NODE', `${where}: inputs of stage '${name}' must be a list of stage names.`);
    }
    if (node.concurrency !== undefined && !(Number.isInteger(node.concurrency) && (node.concurrency as number) >= 1)) {
      fail('E_DAG_NODE', `${where}: concurrency of stage '${name}' must be a positive integer (got ${JSON.stringify(node.concurrency)}).`);
    }
    positions.set(name, i);
  });

  const inputIndexes: number[][] = raw.map(() => []);
  const dependents: number[][] = raw.map(() => []);
  raw.forEach((node, i) => {
    const seen = new Set<string>();
    for (const input of node.inputs as string[]) {
      if (seen.has(input)) fail('E_DAG_DUPLICATE_INPUT', `${where}: stage '${String(node.name)}' lists input '${input}' twice.`);
      seen.add(input);
      const from = positions.get(input);
      if (from === undefined) {
        const suggestion = closest(input, [...positions.keys()])[0];
        fail(
          'E_DAG_UNKNOWN_INPUT',
          `${where}: stage '${String(node.name)}' cannot find input '${input}'.`,
          suggestion ? `Did you mean '${suggestion}'?` : `Stages are: ${[...positions.keys()].join(', ')}.`,
        );
      }
      inputIndexes[i]!.push(from!);
      dependents[from!]!.push(i);
    }
  });

  const nodes: GraphNode[] = raw.map((node, i) => ({
    name: node.name as string,
    stage: node.stage as StageFn<any, any, any>,
    inputs: node.inputs as string[],
    dependents: dependents[i]!,
    inputIndexes: inputIndexes[i]!,
    ...(node.concurrency !== undefined && { concurrency: node.concurrency as number }),
  }));
  const cycle = findCycle(nodes);
  if (cycle) fail('E_DAG_CYCLE', `${where}: cycle detected: ${cycle.join(' -> ')}.`, 'A stage cannot wait, directly or indirectly, for itself.');
  const roots = nodes.flatMap((node, i) => (node.inputs.length === 0 ? [i] : []));
  return { nodes, roots, linear };
}

/**
 * A cycle as the path of names the search walked, from where it started to the stage it met again
 * (`A -> B -> D -> B`), or undefined. The search starts from the roots, in declaration order, then
 * from any stage not yet visited (a cycle no root reaches).
 */
function findCycle(nodes: readonly GraphNode[]): string[] | undefined {
  const state = new Uint8Array(nodes.length); // 0 new, 1 on the current path, 2 done
  const path: number[] = [];
  const visit = (i: number): string[] | undefined => {
    state[i] = 1;
    path.push(i);
    for (const next of nodes[i]!.dependents) {
      if (state[next] === 1) return [...path, next].map((n) => nodes[n]!.name);
      if (state[next] === 0) {
        const found = visit(next);
        if (found) return found;
      }
    }
    path.pop();
    state[i] = 2;
    return undefined;
  };
  const roots = nodes.flatMap((node, i) => (node.inputs.length === 0 ? [i] : []));
  for (const i of [...roots, ...nodes.keys()]) {
    if (state[i] === 0) {
      const found = visit(i);
      if (found) return found;
    }
  }
  return undefined;
}

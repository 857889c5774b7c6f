import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PipelineError } from '../errors.ts';
import { buildStageGraph, type StageGraph } from './dag.ts';

const noop = () => null;

function caught(fn: () => unknown): PipelineError {
  try {
    fn();
  } catch (error) {
    if (error instanceof PipelineError) return error;
    throw error;
  }
  throw new Error('expected a PipelineError');
}

const build = (stages: unknown) => buildStageGraph(stages as never, 'p');
const names = (graph: StageGraph, indexes: readonly number[]) => indexes.map((i) => graph.nodes[i]!.name);

describe('buildStageGraph: linear pipelines', () => {
  it('turns a map into a chain in insertion order, each stage waiting for the one before', () => {
    const prepare = () => 1;
    const infer = () => 2;
    const assess = () => 3;
    const graph = build({ prepare, infer, assess });
    expect(graph.linear).toBe(true);
    expect(graph.nodes.map((n) => [n.name, n.inputs, n.inputIndexes, n.dependents])).toEqual([
      ['prepare', [], [], [1]],
      ['infer', ['prepare'], [0], [2]],
      ['assess', ['infer'], [1], []],
    ]);
    expect(graph.nodes.map((n) => n.stage)).toEqual([prepare, infer, assess]);
    expect(graph.roots).toEqual([0]);
  });

  it('accepts a single stage', () => {
    const graph = build({ only: noop });
    expect(graph.roots).toEqual([0]);
    expect(graph.nodes[0]!.dependents).toEqual([]);
  });
});

describe('buildStageGraph: DAG pipelines', () => {
  it("builds the seed's A..F graph keeping declaration order", () => {
    const graph = build([
      { name: 'A', stage: noop, inputs: [] },
      { name: 'B', stage: noop, inputs: ['A'] },
      { name: 'C', stage: noop, inputs: ['A'] },
      { name: 'D', stage: noop, inputs: ['B', 'C'] },
      { name: 'E', stage: noop },
      { name: 'F', stage: noop, inputs: ['D', 'E'] },
    ]);
    expect(graph.linear).toBe(false);
    expect(graph.nodes.map((n) => n.name)).toEqual(['A', 'B', 'C', 'D', 'E', 'F']);
    expect(names(graph, graph.roots)).toEqual(['A', 'E']);
    expect(graph.nodes.map((n) => names(graph, n.dependents))).toEqual([['B', 'C'], ['D'], ['D'], ['F'], ['F'], []]);
    expect(graph.nodes.map((n) => names(graph, n.inputIndexes))).toEqual([[], ['A'], ['A'], ['B', 'C'], [], ['D', 'E']]);
    expect(graph.nodes[4]!.inputs).toEqual([]);
  });

  it('allows inputs declared after the stage that uses them', () => {
    const graph = build([
      { name: 'late', stage: noop, inputs: ['early'] },
      { name: 'early', stage: noop },
    ]);
    expect(graph.roots).toEqual([1]);
    expect(graph.nodes[1]!.dependents).toEqual([0]);
  });
});

describe('buildStageGraph: validation errors', () => {
  it('rejects an empty map and an empty list with E_DAG_EMPTY', () => {
    for (const stages of [{}, []]) {
      const error = caught(() => build(stages));
      expect(error.code).toBe('E_DAG_EMPTY');
      expect(error.message).toBe("Pipeline 'p': stages() returned no stages (empty pipeline).");
      expect(error.hint).toBe('Return at least one stage.');
    }
  });

  it('rejects something that is neither a map nor a list with E_DAG_SHAPE', () => {
    const error = caught(() => build(undefined));
    expect(error.code).toBe('E_DAG_SHAPE');
    expect(error.message).toMatch(/^Pipeline 'p': stages\(\) must return a map of stage functions or a list .* \(got undefined\)\.$/);
  });

  it('rejects a duplicate stage name with E_DAG_DUPLICATE', () => {
    const error = caught(() =>
      build([
        { name: 'A', stage: noop },
        { name: 'B', stage: noop, inputs: ['A'] },
        { name: 'A', stage: noop },
      ]),
    );
    expect(error.code).toBe('E_DAG_DUPLICATE');
    expect(error.message).toBe("Pipeline 'p': duplicate stage name 'A'.");
    expect(error.hint).toBe('Stage names must be unique.');
  });

  it('rejects a stage that is not a function, in both forms, naming what it got', () => {
    const inMap = caught(() => build({ prepare: noop, infer: 'gpt' }));
    expect(inMap.code).toBe('E_DAG_NODE');
    expect(inMap.message).toBe("Pipeline 'p': stage 'infer' is not a function (got string).");
    const inList = caught(() => build([{ name: 'A', stage: null }]));
    expect(inList.code).toBe('E_DAG_NODE');
    expect(inList.message).toBe("Pipeline 'p': stage 'A' is not a function (got null).");
  });

  it('rejects list entries that are not objects or have no name', () => {
    expect(caught(() => build([{ name: 'A', stage: noop }, 42])).message).toBe("Pipeline 'p': stage #2 is not a { name, stage, inputs } object.");
    const unnamed = caught(() => build([{ stage: noop }]));
    expect(unnamed.code).toBe('E_DAG_NODE');
    expect(unnamed.message).toBe("Pipeline 'p': stage #1 has no name.");
  });

  it('rejects inputs that are not a list of names', () => {
    const error = caught(() => build([{ name: 'A', stage: noop }, { name: 'B', stage: noop, inputs: 'A' }]));
    expect(error.code).toBe('E_DAG_NODE');
    expect(error.message).toBe("Pipeline 'p': inputs of stage 'B' must be a list of stage names.");
  });

  it('hints that GoTaglio\'s "function" key is called "stage"', () => {
    const error = caught(() => build([{ name: 'A', function: noop, inputs: [] }]));
    expect(error.code).toBe('E_DAG_NODE');
    expect(error.message).toBe("Pipeline 'p': stage 'A' uses 'function'; tagliots calls it 'stage'.");
    expect(error.hint).toBe('Write { name, stage, inputs }.');
  });

  it('rejects an input listed twice with E_DAG_DUPLICATE_INPUT', () => {
    const error = caught(() => build([{ name: 'A', stage: noop }, { name: 'B', stage: noop, inputs: ['A', 'A'] }]));
    expect(error.code).toBe('E_DAG_DUPLICATE_INPUT');
    expect(error.message).toBe("Pipeline 'p': stage 'B' lists input 'A' twice.");
  });

  it('rejects an unknown input, suggesting the closest stage name', () => {
    const error = caught(() => build([{ name: 'prepare', stage: noop }, { name: 'infer', stage: noop, inputs: ['prepar'] }]));
    expect(error.code).toBe('E_DAG_UNKNOWN_INPUT');
    expect(error.message).toBe("Pipeline 'p': stage 'infer' cannot find input 'prepar'.");
    expect(error.hint).toBe("Did you mean 'prepare'?");
  });

  it('lists the stages when no name is close to an unknown input', () => {
    const error = caught(() => build([{ name: 'prepare', stage: noop }, { name: 'infer', stage: noop, inputs: ['xyzzy'] }]));
    expect(error.code).toBe('E_DAG_UNKNOWN_INPUT');
    expect(error.hint).toBe('Stages are: prepare, infer.');
  });

  it('reports a cycle as the path from the root that leads into it', () => {
    const error = caught(() =>
      build([
        { name: 'A', stage: noop },
        { name: 'B', stage: noop, inputs: ['A', 'D'] },
        { name: 'C', stage: noop, inputs: ['A'] },
        { name: 'D', stage: noop, inputs: ['B'] },
      ]),
    );
    expect(error.code).toBe('E_DAG_CYCLE');
    expect(error.message).toBe("Pipeline 'p': cycle detected: A -> B -> D -> B.");
    expect(error.hint).toBe('A stage cannot wait, directly or indirectly, for itself.');
  });

  it('searches from the roots first, whatever the declaration order', () => {
    const error = caught(() =>
      build([
        { name: 'B', stage: noop, inputs: ['A', 'D'] },
        { name: 'D', stage: noop, inputs: ['B'] },
        { name: 'A', stage: noop },
      ]),
    );
    expect(error.message).toBe("Pipeline 'p': cycle detected: A -> B -> D -> B.");
  });

  it('reports a stage that waits for itself', () => {
    const error = caught(() => build([{ name: 'A', stage: noop }, { name: 'B', stage: noop, inputs: ['B'] }]));
    expect(error.code).toBe('E_DAG_CYCLE');
    expect(error.message).toBe("Pipeline 'p': cycle detected: B -> B.");
  });

  it('reports a rootless cycle (no stage could ever start)', () => {
    const error = caught(() =>
      build([
        { name: 'A', stage: noop, inputs: ['B'] },
        { name: 'B', stage: noop, inputs: ['A'] },
      ]),
    );
    expect(error.code).toBe('E_DAG_CYCLE');
    expect(error.message).toBe("Pipeline 'p': cycle detected: A -> B -> A.");
  });

  it('reports a cycle that no root reaches', () => {
    const error = caught(() =>
      build([
        { name: 'R', stage: noop },
        { name: 'X', stage: noop, inputs: ['R', 'Z'] },
        { name: 'Y', stage: noop, inputs: ['Z'] },
        { name: 'Z', stage: noop, inputs: ['Y'] },
      ]),
    );
    expect(error.code).toBe('E_DAG_CYCLE');
    expect(error.message).toBe("Pipeline 'p': cycle detected: Y -> Z -> Y.");
  });
});

/** A random DAG: node i (in topological order) may wait for any node j < i; declared in a shuffled order. */
const dagArbitrary = fc.integer({ min: 1, max: 12 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    edges: fc.array(fc.array(fc.boolean(), { minLength: n, maxLength: n }), { minLength: n, maxLength: n }),
    order: fc.shuffledSubarray(
      Array.from({ length: n }, (_, i) => i),
      { minLength: n, maxLength: n },
    ),
    pick: fc.tuple(fc.nat(), fc.nat()),
  }),
);

type Dag = { inputsOf: number[][]; order: number[] };

function toDag({ n, edges, order }: { n: number; edges: boolean[][]; order: number[] }): Dag {
  const inputsOf = Array.from({ length: n }, (_, i) => Array.from({ length: i }, (_, j) => j).filter((j) => edges[i]![j]));
  return { inputsOf, order };
}

const nodesOf = (dag: Dag) => dag.order.map((i) => ({ name: `s${i}`, stage: noop, inputs: dag.inputsOf[i]!.map((j) => `s${j}`) }));

describe('buildStageGraph: properties', () => {
  it('builds every valid DAG with consistent inputs, dependents and roots', () => {
    fc.assert(
      fc.property(dagArbitrary, (arb) => {
        const declared = nodesOf(toDag(arb));
        const graph = build(declared);
        expect(graph.nodes.map((n) => n.name)).toEqual(declared.map((n) => n.name));
        graph.nodes.forEach((node, i) => {
          expect(names(graph, node.inputIndexes)).toEqual(declared[i]!.inputs);
          const waiting = graph.nodes.flatMap((other, d) => (other.inputIndexes.includes(i) ? [d] : []));
          expect(node.dependents).toEqual(waiting);
        });
        expect(graph.roots).toEqual(graph.nodes.flatMap((n, i) => (n.inputs.length === 0 ? [i] : [])));
        expect(graph.roots.length).toBeGreaterThan(0);
      }),
      { numRuns: 200 },
    );
  });

  it('rejects every back edge that closes a cycle with E_DAG_CYCLE and a path along real edges', () => {
    fc.assert(
      fc.property(dagArbitrary, (arb) => {
        const dag = toDag(arb);
        const n = arb.n;
        // v waits (transitively) for each of its ancestors; making an ancestor u wait for v closes a cycle.
        const v = arb.pick[0] % n;
        const ancestors = new Set<number>([v]);
        for (let i = v; i >= 0; i--) if (ancestors.has(i)) for (const j of dag.inputsOf[i]!) ancestors.add(j);
        const candidates = [...ancestors].sort((a, b) => a - b);
        const u = candidates[arb.pick[1] % candidates.length]!;
        dag.inputsOf[u] = [...dag.inputsOf[u]!, v];
        const declared = nodesOf(dag);

        const error = caught(() => build(declared));
        expect(error.code).toBe('E_DAG_CYCLE');
        const path = /cycle detected: (.*)\.$/.exec(error.message)![1]!.split(' -> ');
        const last = path[path.length - 1]!;
        expect(path.indexOf(last)).toBeLessThan(path.length - 1);
        const inputsByName = new Map(declared.map((node) => [node.name, node.inputs]));
        for (let k = 1; k < path.length; k++) expect(inputsByName.get(path[k]!)).toContain(path[k - 1]);
      }),
      { numRuns: 200 },
    );
  });
});

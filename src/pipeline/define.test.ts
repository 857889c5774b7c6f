import { describe, expect, it } from 'vitest';
import { CalcPipeline } from '../../samples/calc/pipeline.ts';
import { prompt } from '../config/markers.ts';
import { PipelineError } from '../errors.ts';
import { definePipeline, Pipeline, toPipelineSpec } from './define.ts';
import type { CaseResult, PipelineSpec, SetupContext } from './types.ts';

function caught(fn: () => unknown): PipelineError {
  try {
    fn();
  } catch (error) {
    if (error instanceof PipelineError) return error;
    throw error;
  }
  throw new Error('expected a PipelineError');
}

const result = (stages: Record<string, unknown>, extra: Partial<CaseResult> = {}): CaseResult =>
  ({ case: { answer: 3 }, caseId: 'c', stages, config: {}, status: 'complete', error: null, ...extra }) as CaseResult;

const setup = { config: {}, models: {}, runId: 'r', cwd: '/', setInternal: () => undefined, resolvePath: (p: string) => p } as unknown as SetupContext<any>;

describe('definePipeline', () => {
  it('returns the spec it is given', () => {
    const spec = { name: 'echo', description: 'Echoes', config: { model: prompt('Model') }, stages: () => ({ echo: () => 1 }) };
    expect(definePipeline(spec)).toBe(spec);
  });
});

describe('toPipelineSpec: the object form', () => {
  it('accepts a valid spec and returns it unchanged', () => {
    const spec: PipelineSpec = {
      name: 'calc.v2-beta_1',
      description: 'A calculator',
      config: {},
      stages: () => ({ a: () => 1 }),
      expected: () => 1,
      passed: () => true,
      score: () => 1,
      columns: { answer: () => 1 },
    };
    expect(toPipelineSpec(spec, 'pipelines[0]')).toBe(spec);
  });

  it('accepts a spec without the optional parts', () => {
    const spec = { name: 'min', description: '', stages: () => ({ a: () => 1 }) };
    expect(toPipelineSpec(spec, 'pipelines[0]')).toBe(spec);
  });

  it.each([
    [null, 'null'],
    [42, 'number'],
    ['calc', 'string'],
    [undefined, 'undefined'],
    [() => ({ a: () => 1 }), 'function'],
  ])('rejects %j, which is not a pipeline', (value, got) => {
    const error = caught(() => toPipelineSpec(value, 'pipelines[2]'));
    expect(error.code).toBe('E_PIPELINE_SHAPE');
    expect(error.message).toBe(`pipelines[2] is not a pipeline (got ${got}).`);
    expect(error.hint).toBe('List pipelines made with definePipeline({...}) or classes that extend Pipeline.');
  });

  it('lists every problem of a malformed spec at once', () => {
    const error = caught(() => toPipelineSpec({}, 'pipelines[0]'));
    expect(error.code).toBe('E_PIPELINE_SHAPE');
    expect(error.message).toBe(
      "pipelines[0]: invalid pipeline:\n  name must be a word of letters, digits, '.', '_' or '-' (got undefined)\n  description must be a string\n  stages must be a function returning the stages",
    );
  });

  it('names the pipeline and each wrong optional part', () => {
    const error = caught(() =>
      toPipelineSpec(
        { name: 'calc', description: 'x', stages: () => ({}), expected: 'answer', passed: true, score: 1, config: [], columns: { ok: () => 1, bad: 'x' } },
        'tagliots.config.ts',
      ),
    );
    expect(error.message).toBe(
      "tagliots.config.ts: invalid pipeline 'calc':\n  expected must be a function\n  passed must be a function\n  score must be a function\n  config must be an object\n  column 'bad' must be a function",
    );
  });

  it('checks the format hook like the columns: an object of functions, by section title', () => {
    const bad = (format: unknown) => caught(() => toPipelineSpec({ name: 'a', description: '', stages: () => ({}), format } as never, 'p')).message;
    expect(bad({ Notes: () => 'x', Audit: 'x' })).toBe("p: invalid pipeline 'a':\n  format section 'Audit' must be a function");
    expect(bad(() => 'x')).toBe("p: invalid pipeline 'a':\n  format must be an object of functions, by name");
    class WithSections extends Pipeline {
      static override readonly name = 'with-sections';
      override readonly format = { Notes: () => 'n' };
      stages() {
        return {};
      }
    }
    expect(Object.keys(toPipelineSpec(WithSections, 'p').format!)).toEqual(['Notes']);
  });

  it.each(['my pipeline', '-calc', '', 'calc/v2'])('rejects the name %j', (name) => {
    const error = caught(() => toPipelineSpec({ name, description: '', stages: () => ({}) }, 'p'));
    expect(error.message).toContain(`name must be a word of letters, digits, '.', '_' or '-' (got ${JSON.stringify(name)})`);
  });

  it('rejects a null config', () => {
    expect(caught(() => toPipelineSpec({ name: 'a', description: '', stages: () => ({}), config: null }, 'p')).message).toContain('config must be an object');
  });
});

describe('toPipelineSpec: the class form', () => {
  const defaults = { threshold: 2 };

  class Threshold extends Pipeline<{ answer: number }, { guess: number }, typeof defaults> {
    static override readonly name = 'threshold';
    static override readonly description = 'Guesses within a threshold';
    static override readonly config = defaults;
    readonly tolerance = 1;

    stages(setup: SetupContext<typeof defaults>) {
      return { guess: () => setup.config.threshold + this.tolerance };
    }

    override expected({ case: c }: { case: { answer: number } }) {
      return c.answer * this.tolerance;
    }

    override passed({ stages, case: c }: CaseResult<{ answer: number }, { guess: number }>) {
      return Math.abs(stages.guess! - c.answer) <= this.tolerance;
    }

    override score({ stages }: CaseResult<{ answer: number }, { guess: number }>) {
      return stages.guess! * this.tolerance;
    }

    override readonly columns = { guess: (r: CaseResult<{ answer: number }, { guess: number }>) => r.stages.guess ?? null };
  }

  it('reads name, description and config from the statics', () => {
    const spec = toPipelineSpec(Threshold, 'pipelines[0]');
    expect(spec.name).toBe('threshold');
    expect(spec.description).toBe('Guesses within a threshold');
    expect(spec.config).toBe(defaults);
  });

  it('calls stages() and the optional methods on one instance, with `this` bound', async () => {
    const spec = toPipelineSpec(Threshold, 'pipelines[0]');
    const stages = (await spec.stages({ ...setup, config: { threshold: 2 } } as SetupContext<any>)) as Record<string, () => number>;
    expect(stages['guess']!()).toBe(3);
    expect(spec.expected!({ case: { answer: 4 }, stages: {}, config: {} })).toBe(4);
    expect(spec.passed!(result({ guess: 3 }))).toBe(true);
    expect(spec.passed!(result({ guess: 5 }))).toBe(false);
    expect(spec.score!(result({ guess: 5 }))).toBe(5);
    expect(Object.keys(spec.columns!)).toEqual(['guess']);
    expect(spec.columns!['guess']!(result({ guess: 7 }))).toBe(7);
  });

  it('leaves out the optional methods a class does not define, and defaults description and config', () => {
    class Bare extends Pipeline {
      stages() {
        return { a: () => 1 };
      }
    }
    const spec = toPipelineSpec(Bare, 'p');
    expect(spec).toMatchObject({ name: 'Bare', description: '', config: {} });
    expect(spec.expected).toBeUndefined();
    expect(spec.passed).toBeUndefined();
    expect(spec.score).toBeUndefined();
    expect(spec.columns).toBeUndefined();
  });

  it('checks the class like an object spec', () => {
    class BadColumns extends Pipeline {
      static override readonly name = 'bad';
      override readonly columns = { broken: 'x' } as never;
      stages() {
        return {};
      }
    }
    const error = caught(() => toPipelineSpec(BadColumns, 'p'));
    expect(error.code).toBe('E_PIPELINE_SHAPE');
    expect(error.message).toBe("p: invalid pipeline 'bad':\n  column 'broken' must be a function");
  });

  it("turns the calc sample's class into a spec", () => {
    const spec = toPipelineSpec(CalcPipeline, 'samples/calc');
    expect(spec.name).toBe('calc');
    expect(spec.description).toBe('A simple calculator pipeline');
    expect(Object.keys(spec.columns!)).toEqual(['user', 'answer', 'got']);
    expect(spec.expected!({ case: { answer: 12 }, stages: {}, config: {} })).toBe('12');
    expect(spec.passed!(result({ assess: 0 }))).toBe(true);
    expect(spec.score!(result({ assess: 1 }))).toBeCloseTo(2 / 3);
  });
});

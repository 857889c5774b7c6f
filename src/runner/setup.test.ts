import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { internal, prompt } from '../config/markers.ts';
import { parseOverrideArgs } from '../config/overrides.ts';
import { ConfigError, ModelError, PipelineError, TagliotsError, TemplateError } from '../errors.ts';
import type { Model } from '../model/types.ts';
import { loadTemplate } from '../pipeline/template.ts';
import type { PipelineSpec, SetupContext } from '../pipeline/types.ts';
import { prepareRun, type PrepareRunOptions } from './setup.ts';

const defaults = {
  prepare: { template: 'calc.njk', sha: internal<string>('sha256 of the template') },
  infer: { model: prompt('Model name'), temperature: 0.7 },
};

type Setup = SetupContext<any>;

function spec(stages: (setup: Setup) => unknown, extra: Partial<PipelineSpec<any, any, any>> = {}): PipelineSpec {
  return { name: 'calc', description: 'test', config: defaults, stages: stages as PipelineSpec['stages'], ...extra } as PipelineSpec;
}

const fillSha = (setup: Setup) => {
  setup.setInternal('prepare.sha', 'abc123');
  return { only: () => 1 };
};

function prepare(stages: (setup: Setup) => unknown, options: Partial<PrepareRunOptions> & { extra?: Partial<PipelineSpec<any, any, any>> } = {}) {
  const { extra, ...rest } = options;
  return prepareRun({ spec: spec(stages, extra), overrides: parseOverrideArgs(['infer.model=parrot']), runId: 'run-1', cwd: '/work/project', ...rest });
}

async function rejection(promise: Promise<unknown>): Promise<TagliotsError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TagliotsError) return error;
    throw error;
  }
  throw new Error('expected a TagliotsError');
}

describe('prepareRun: config', () => {
  it('resolves the config against the overrides, fills internal values and records the deltas', async () => {
    const prepared = await prepare(fillSha, { overrides: parseOverrideArgs(['infer.model=parrot', 'infer.temperature=0.2']) });
    expect(prepared.config).toEqual({
      prepare: { template: 'calc.njk', sha: 'abc123' },
      infer: { model: 'parrot', temperature: 0.2 },
    });
    expect(prepared.deltas).toEqual([
      { path: 'infer.model', from: null, to: 'parrot', prompt: true },
      { path: 'infer.temperature', from: 0.7, to: 0.2 },
    ]);
    expect(prepared.graph.nodes.map((n) => n.name)).toEqual(['only']);
  });

  it('starts from a base config when one is given (reruns)', async () => {
    const prepared = await prepare(fillSha, { overrides: [], base: { infer: { model: 'flakey', temperature: 0.1 } } });
    expect(prepared.config['infer']).toEqual({ model: 'flakey', temperature: 0.1 });
  });

  it('surfaces a missing prompt() value before setup runs', async () => {
    let setupRan = false;
    const error = await rejection(
      prepare(
        () => {
          setupRan = true;
          return { a: () => 1 };
        },
        { overrides: [] },
      ),
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.code).toBe('E_CONFIG_REQUIRED');
    expect(error.message).toBe('Missing required config values:\n  infer.model: Model name');
    expect(setupRan).toBe(false);
  });

  it('surfaces an unknown config path', async () => {
    const error = await rejection(prepare(fillSha, { overrides: parseOverrideArgs(['infer.model=parrot', 'infer.temprature=0.1']) }));
    expect(error.code).toBe('E_CONFIG_UNKNOWN_PATH');
    expect(error.hint).toContain("'infer.temperature'");
  });

  it('hands setup the config with internal values still null, plus the run id and cwd', async () => {
    let seen: unknown;
    await prepare((setup) => {
      seen = { sha: setup.config.prepare.sha, model: setup.config.infer.model, runId: setup.runId, cwd: setup.cwd };
      return fillSha(setup);
    });
    expect(seen).toEqual({ sha: null, model: 'parrot', runId: 'run-1', cwd: '/work/project' });
  });

  it('resolves relative paths against cwd and leaves absolute ones alone', async () => {
    const paths: string[] = [];
    await prepare((setup) => {
      paths.push(setup.resolvePath('templates/calc.njk'), setup.resolvePath('/etc/calc.njk'));
      return fillSha(setup);
    });
    expect(paths).toEqual([resolve('/work/project', 'templates/calc.njk'), '/etc/calc.njk']);
  });

  it('freezes the resolved config, all the way down', async () => {
    const prepared = await prepare(fillSha);
    const infer = prepared.config['infer'] as Record<string, unknown>;
    expect(Object.isFrozen(prepared.config)).toBe(true);
    expect(Object.isFrozen(infer)).toBe(true);
    expect(() => {
      infer['temperature'] = 2;
    }).toThrow(TypeError);
    expect(infer['temperature']).toBe(0.7);
  });
});

describe('prepareRun: internal() values', () => {
  it('rejects setInternal on a path that is not internal(), listing the internal ones', async () => {
    const error = await rejection(
      prepare((setup) => {
        setup.setInternal('infer.temperature', 1);
        return { a: () => 1 };
      }),
    );
    expect(error).toBeInstanceOf(PipelineError);
    expect(error.code).toBe('E_SETUP_INTERNAL');
    expect(error.message).toBe("Pipeline 'calc' setup failed: setInternal('infer.temperature'): 'infer.temperature' is not an internal() value of pipeline 'calc'.");
    expect(error.hint).toBe('Internal values: prepare.sha.');
  });

  it('rejects a value for setInternal that is not JSON', async () => {
    const error = await rejection(
      prepare((setup) => {
        setup.setInternal('prepare.sha', { when: new Date(0) } as never);
        return { a: () => 1 };
      }),
    );
    expect(error.code).toBe('E_SETUP_INTERNAL');
    expect(error.message).toMatch(/^Pipeline 'calc' setup failed: setInternal\('prepare\.sha'\): value\.when is a Date /);
  });

  it('rejects an internal() value that setup left unset with E_CONFIG_INTERNAL_UNSET', async () => {
    const error = await rejection(prepare(() => ({ a: () => 1 })));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.code).toBe('E_CONFIG_INTERNAL_UNSET');
    expect(error.message).toBe("Pipeline 'calc' left internal() config values unset: prepare.sha.");
    expect(error.hint).toBe('Fill them in stages() with setup.setInternal(path, value).');
  });

  it('counts an internal value set to null as filled', async () => {
    const prepared = await prepare((setup) => {
      setup.setInternal('prepare.sha', null);
      return { a: () => 1 };
    });
    expect((prepared.config['prepare'] as Record<string, unknown>)['sha']).toBeNull();
  });
});

describe('prepareRun: setup failures', () => {
  it('wraps an error thrown by stages() as E_PIPELINE_SETUP naming the pipeline, keeping the cause', async () => {
    const cause = new Error('disk on fire');
    const error = await rejection(
      prepare(() => {
        throw cause;
      }),
    );
    expect(error).toBeInstanceOf(PipelineError);
    expect(error.code).toBe('E_PIPELINE_SETUP');
    expect(error.message).toBe("Pipeline 'calc' setup failed: disk on fire");
    expect(error.cause).toBe(cause);
    expect(error.hint).toContain('stages() runs once before any case');
  });

  it('wraps an async rejection and a thrown non-Error the same way', async () => {
    const rejected = await rejection(prepare(async () => Promise.reject(new Error('later'))));
    expect(rejected.message).toBe("Pipeline 'calc' setup failed: later");
    const thrown = await rejection(
      prepare(() => {
        throw 'plain text';
      }),
    );
    expect(thrown.code).toBe('E_PIPELINE_SETUP');
    expect(thrown.message).toBe("Pipeline 'calc' setup failed: plain text");
  });

  it('keeps the code of a tagliots error from setup, prefixing its message with the pipeline', async () => {
    const error = await rejection(prepare(async () => loadTemplate('/nonexistent/dir/calc.njk')));
    expect(error).toBeInstanceOf(TemplateError);
    expect(error.code).toBe('E_TEMPLATE_NOT_FOUND');
    expect(error.message).toBe("Pipeline 'calc' setup failed: Cannot read template '/nonexistent/dir/calc.njk': no such file.");
  });

  it('rejects an unknown model name, listing the models and suggesting one', async () => {
    const custom: Model = { name: 'gpt4o', description: 'configured', kind: 'openai', complete: async () => ({ text: '' }) };
    const error = await rejection(
      prepare(
        (setup) => {
          setup.models.get('gpt4');
          return { a: () => 1 };
        },
        { models: { gpt4o: custom } },
      ),
    );
    expect(error).toBeInstanceOf(ModelError);
    expect(error.code).toBe('E_MODEL_UNKNOWN');
    expect(error.message).toBe("Pipeline 'calc' setup failed: Model 'gpt4' not found. Available models include flakey, gpt4o, parrot, perfect, and scripted.");
    expect(error.hint).toBe("Did you mean 'gpt4o'?");
  });

  it('rejects the perfect mock at setup when the pipeline has no expected()', async () => {
    const error = await rejection(
      prepare((setup) => {
        setup.models.get('perfect');
        return fillSha(setup);
      }),
    );
    expect(error.code).toBe('E_MOCK_NO_EXPECTED');
  });

  it('gives the mocks the pipeline\'s expected()', async () => {
    const prepared = await prepare(fillSha, { extra: { expected: ({ case: c }) => c.answer } });
    const reply = await prepared.models.get('perfect').complete({ messages: [] }, { case: { answer: 7 }, stages: {}, config: {} });
    expect(reply.text).toBe('7');
  });

  it('surfaces stage graph errors after setup', async () => {
    const error = await rejection(
      prepare((setup) => {
        fillSha(setup);
        return [];
      }),
    );
    expect(error.code).toBe('E_DAG_EMPTY');
    expect(error.message).toBe("Pipeline 'calc': stages() returned no stages (empty pipeline).");
  });
});

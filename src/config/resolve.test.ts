import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.ts';
import { deepFreeze } from '../util/json.ts';
import { internal, prompt } from './markers.ts';
import { parseOverrideArgs, type Override } from './overrides.ts';
import { resolveConfig } from './resolve.ts';

const defaults = {
  prepare: { template: prompt('Template file for system message'), templateText: internal('Cached template source') },
  infer: {
    model: {
      name: prompt('Model name to use for inference stage'),
      settings: { max_tokens: 800, temperature: 0.7, stream: false, stop: ['END'], extra: {} },
    },
    label: 'default',
    seed: null,
  },
};
const supplied = ['prepare.template=t.txt', 'infer.model.name=gpt'];

function resolve(...args: string[]) {
  return resolveConfig(defaults, parseOverrideArgs([...supplied, ...args]));
}

function caught(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const typed = (path: string, value: unknown, source = 'patch.yaml'): Override => ({ path, value, raw: false, source });

describe('resolveConfig: result', () => {
  it('replaces prompts with supplied values and internals with null, keeping key order', () => {
    const { config, internalPaths } = resolve();
    expect(config).toEqual({
      prepare: { template: 't.txt', templateText: null },
      infer: {
        model: { name: 'gpt', settings: { max_tokens: 800, temperature: 0.7, stream: false, stop: ['END'], extra: {} } },
        label: 'default',
        seed: null,
      },
    });
    expect(JSON.stringify(config)).toMatch(/^\{"prepare":\{"template".*"infer":\{"model":\{"name"/);
    expect(internalPaths).toEqual(['prepare.templateText']);
  });

  it('shares no references with the defaults', () => {
    const { config } = resolve();
    const settings = (config['infer'] as { model: { settings: { stop: string[] } } }).model.settings;
    settings.stop.push('mutated');
    expect(defaults.infer.model.settings.stop).toEqual(['END']);
  });

  it('applies overrides in order, the last one winning', () => {
    const { config, deltas } = resolve('infer.label=a', 'infer.label=b');
    expect((config['infer'] as { label: string }).label).toBe('b');
    expect(deltas.filter((d) => d.path === 'infer.label')).toEqual([{ path: 'infer.label', from: 'default', to: 'b' }]);
  });
});

describe('resolveConfig: coercing command-line strings to the default type', () => {
  const value = (path: string, text: string): unknown => {
    const { config } = resolve(`${path}=${text}`);
    return path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], config);
  };
  const temperature = 'infer.model.settings.temperature';

  it.each([
    ['0.2', 0.2],
    ['-3', -3],
    ['1e-3', 0.001],
    ['2.5E+2', 250],
    ['.5', 0.5],
    [' 7 ', 7],
  ])('reads number %j as %j', (text, expected) => {
    expect(value(temperature, text)).toBe(expected);
  });

  it.each(['', 'hot', 'NaN', 'Infinity', '-Infinity', '0x10', '1e999', '1,5'])('rejects %j for a number', (text) => {
    const error = caught(() => resolve(`${temperature}=${text}`));
    expect(error.code).toBe('E_CONFIG_TYPE');
    expect(error.message).toBe(`Config path '${temperature}' expects a number, got '${text}' (from command line).`);
    expect(error.hint).toBe(`e.g. ${temperature}=0.7`);
  });

  it.each([
    ['true', true],
    ['FALSE', false],
    ['yes', true],
    ['No', false],
    ['on', true],
    ['off', false],
    ['1', true],
    ['0', false],
  ])('reads boolean %j as %j', (text, expected) => {
    expect(value('infer.model.settings.stream', text)).toBe(expected);
  });

  it('rejects other words for a boolean', () => {
    const error = caught(() => resolve('infer.model.settings.stream=maybe'));
    expect(error.code).toBe('E_CONFIG_TYPE');
    expect(error.message).toContain('expects a boolean (true or false)');
  });

  it('parses JSON for a null default, keeping the string when it is not JSON', () => {
    expect(value('infer.seed', '42')).toBe(42);
    expect(value('infer.seed', '{"a":[1]}')).toEqual({ a: [1] });
    expect(value('infer.seed', '"42"')).toBe('42');
    expect(value('infer.seed', 'hello')).toBe('hello');
  });

  it('requires JSON of the right kind for array and object defaults', () => {
    expect(value('infer.model.settings.stop', '["a","b"]')).toEqual(['a', 'b']);
    expect(value('infer.model.settings.extra', '{"k":1}')).toEqual({ k: 1 });
    const error = caught(() => resolve('infer.model.settings.stop=a,b'));
    expect(error.code).toBe('E_CONFIG_TYPE');
    expect(error.message).toContain("expects a JSON array, got 'a,b'");
    expect(error.hint).toBe(`Write the value as JSON, e.g. infer.model.settings.stop='["END"]'`);
    expect(caught(() => resolve('infer.model.settings.extra=[1]')).message).toContain('expects a JSON object');
  });

  it('keeps strings as they are, for string and prompt defaults', () => {
    expect(value('infer.label', '42')).toBe('42');
    expect(value('infer.label', '')).toBe('');
    expect(value('infer.model.name', 'true')).toBe('true');
  });
});

describe('resolveConfig: typed values (patch files and :=)', () => {
  it('accepts values of the default JSON type, and anything for null and prompt defaults', () => {
    const { config } = resolveConfig(defaults, [
      typed('prepare.template', { file: 't.txt' }),
      typed('infer.model.name', 'gpt'),
      typed('infer.model.settings.temperature', 1),
      typed('infer.seed', [1, 2]),
    ]);
    expect(config).toMatchObject({ prepare: { template: { file: 't.txt' } }, infer: { seed: [1, 2], model: { settings: { temperature: 1 } } } });
  });

  it.each([
    ['infer.model.settings.temperature', '0.2', 'expects a number, got "0.2" (a string)'],
    ['infer.model.settings.stream', 1, 'expects a boolean (true or false), got 1 (a number)'],
    ['infer.model.settings.stop', 'END', 'expects a JSON array, got "END" (a string)'],
    ['infer.label', 4, 'expects a string, got 4 (a number)'],
    ['infer.label', null, 'expects a string, got null (null)'],
  ])('rejects %s = %j with E_CONFIG_TYPE', (path, value, message) => {
    const error = caught(() => resolveConfig(defaults, [typed(path, value)]));
    expect(error.code).toBe('E_CONFIG_TYPE');
    expect(error.message).toBe(`Config path '${path}' ${message} (from patch.yaml).`);
  });

  it('rejects values JSON cannot represent', () => {
    const error = caught(() => resolveConfig(defaults, [typed('infer.model.settings.temperature', Infinity)]));
    expect(error.code).toBe('E_CONFIG_TYPE');
    expect(error.message).toContain('infer.model.settings.temperature is Infinity');
  });
});

describe('resolveConfig: paths that cannot be set', () => {
  it('rejects an unknown path and suggests the closest valid one', () => {
    const error = caught(() => resolve('infer.modle.name=x'));
    expect(error.code).toBe('E_CONFIG_UNKNOWN_PATH');
    expect(error.message).toBe("Unknown config path 'infer.modle.name' (from command line).");
    expect(error.hint).toBe("Did you mean 'infer.model.name'?");
  });

  it('suggests by the last segment, and suggests groups too', () => {
    expect(caught(() => resolve('temperature=1')).hint).toBe("Did you mean 'infer.model.settings.temperature'?");
    expect(caught(() => resolveConfig(defaults, [typed('infer.modl', {})])).hint).toBe("Did you mean 'infer.model'?");
  });

  it('never suggests internal paths', () => {
    expect(caught(() => resolve('prepare.templateTxt=x')).hint).toBe("Did you mean 'prepare.template'?");
  });

  it('lists valid paths when nothing is close', () => {
    const error = caught(() => resolve('zzz=1'));
    expect(error.hint).toMatch(/^Valid config paths: prepare\.template, infer\.model\.name, .*\(1 more\)\. Top-level settings: prepare, infer\.$/);
    expect(caught(() => resolveConfig({ a: 1 }, parseOverrideArgs(['zzz=1']))).hint).toBe('Valid config paths: a.');
    expect(caught(() => resolveConfig({}, parseOverrideArgs(['zzz=1']))).hint).toBe('This pipeline has no config settings.');
  });

  it('explains a path that goes through a single setting', () => {
    const error = caught(() => resolve('infer.label.x=1'));
    expect(error.code).toBe('E_CONFIG_UNKNOWN_PATH');
    expect(error.hint).toContain("'infer.label' is a single setting, not a group");
  });

  it('rejects setting an internal() path', () => {
    const error = caught(() => resolve('prepare.templateText=hello'));
    expect(error.code).toBe('E_CONFIG_INTERNAL');
    expect(error.message).toContain("'prepare.templateText' (Cached template source) cannot be set (from command line)");
    expect(error.message).toContain("filled in by the pipeline's setup");
  });

  it('rejects a plain value for a group of settings, listing what can be set', () => {
    const error = caught(() => resolve('infer.model=perfect'));
    expect(error.code).toBe('E_CONFIG_GROUP');
    expect(error.message).toContain("'infer.model' is a group of settings");
    expect(error.message).toContain('Set one of: infer.model.name, infer.model.settings.max_tokens, infer.model.settings.temperature');
    expect(error.hint).toContain("infer.model:='{...}'");
    expect(caught(() => resolveConfig(defaults, [typed('infer', 'x')])).code).toBe('E_CONFIG_GROUP');
  });

  it('merges an object value for a group leaf by leaf, validating each', () => {
    const { config } = resolve('infer.model.settings:={"temperature":0.1,"max_tokens":5}');
    expect(config).toMatchObject({ infer: { model: { name: 'gpt', settings: { temperature: 0.1, max_tokens: 5, stream: false } } } });
    const error = caught(() => resolve('infer.model:={"settings":{"temprature":0.1}}'));
    expect(error.code).toBe('E_CONFIG_UNKNOWN_PATH');
    expect(error.message).toContain("'infer.model.settings.temprature'");
    expect(error.hint).toBe("Did you mean 'infer.model.settings.temperature'?");
    expect(caught(() => resolve('prepare:={"templateText":"x"}')).code).toBe('E_CONFIG_INTERNAL');
    expect(caught(() => resolve('infer:={"label":1}')).code).toBe('E_CONFIG_TYPE');
  });
});

describe('resolveConfig: required prompt() values', () => {
  it('reports every missing prompt together, with descriptions', () => {
    const error = caught(() => resolveConfig(defaults, []));
    expect(error.code).toBe('E_CONFIG_REQUIRED');
    expect(error.message).toBe(
      'Missing required config values:\n  prepare.template: Template file for system message\n  infer.model.name: Model name to use for inference stage',
    );
    expect(error.hint).toContain('tagliots run <suite> prepare.template=... infer.model.name=...');
    expect(error.hint).toContain('--config patch.yaml');
  });

  it('lists only the prompts still missing', () => {
    const error = caught(() => resolveConfig(defaults, parseOverrideArgs(['infer.model.name=gpt'])));
    expect(error.message).toBe('Missing required config values:\n  prepare.template: Template file for system message');
  });

  it('reports a bad override before missing prompts', () => {
    expect(caught(() => resolveConfig(defaults, parseOverrideArgs(['nope=1']))).code).toBe('E_CONFIG_UNKNOWN_PATH');
  });
});

describe('resolveConfig: base config (reruns)', () => {
  const base = {
    prepare: { template: 'old.txt', templateText: 'old template text' },
    infer: { model: { name: 'gpt-old', settings: { max_tokens: 10, temperature: 0.7, stream: true, stop: ['END'], extra: {} } }, label: 'default', seed: 7 },
  };

  it('starts from the base values: prompts count as supplied, internals are reset', () => {
    const { config, deltas } = resolveConfig(defaults, parseOverrideArgs(['prepare.template=new.txt']), { base });
    expect(config).toEqual({
      prepare: { template: 'new.txt', templateText: null },
      infer: { model: { name: 'gpt-old', settings: { max_tokens: 10, temperature: 0.7, stream: true, stop: ['END'], extra: {} } }, label: 'default', seed: 7 },
    });
    expect(deltas).toEqual([
      { path: 'prepare.template', from: null, to: 'new.txt', prompt: true },
      { path: 'infer.model.name', from: null, to: 'gpt-old', prompt: true },
      { path: 'infer.model.settings.max_tokens', from: 800, to: 10 },
      { path: 'infer.model.settings.stream', from: false, to: true },
      { path: 'infer.seed', from: null, to: 7 },
    ]);
  });

  it('still validates overrides against the defaults', () => {
    expect(caught(() => resolveConfig(defaults, parseOverrideArgs(['infer.model.settings.max_tokens=many']), { base })).code).toBe('E_CONFIG_TYPE');
    expect(caught(() => resolveConfig(defaults, parseOverrideArgs(['infer.new=1']), { base: { ...base, infer: { ...base.infer, new: 1 } } })).code).toBe(
      'E_CONFIG_UNKNOWN_PATH',
    );
  });

  it('falls back to the defaults for paths the base lacks', () => {
    const error = caught(() => resolveConfig(defaults, [], { base: { infer: { model: { name: 'gpt' } } } }));
    expect(error.message).toBe('Missing required config values:\n  prepare.template: Template file for system message');
  });
});

describe('resolveConfig: deltas', () => {
  it('lists changed leaves in default order, prompts marked, internals and unchanged values left out', () => {
    const { deltas } = resolve('infer.seed=3', 'infer.model.settings.temperature=0.7', 'infer.model.settings.stop=["END","STOP"]');
    expect(deltas).toEqual([
      { path: 'prepare.template', from: null, to: 't.txt', prompt: true },
      { path: 'infer.model.name', from: null, to: 'gpt', prompt: true },
      { path: 'infer.model.settings.stop', from: ['END'], to: ['END', 'STOP'] },
      { path: 'infer.seed', from: null, to: 3 },
    ]);
  });
});

describe('resolveConfig: properties', () => {
  const paths = [
    'prepare.template',
    'prepare.templateText',
    'infer',
    'infer.model',
    'infer.model.name',
    'infer.model.settings.temperature',
    'infer.model.settings.stop',
    'infer.model.settings.extra',
    'infer.seed',
    'infer.label',
    'infer.nope',
  ];
  const override = fc.record({
    path: fc.constantFrom(...paths),
    value: fc.oneof(fc.string(), fc.jsonValue()),
    raw: fc.boolean(),
    source: fc.constant('test'),
  }).map((o) => (o.raw ? { ...o, value: typeof o.value === 'string' ? o.value : JSON.stringify(o.value) } : o));

  it('never mutates its inputs and returns plain JSON or a ConfigError', () => {
    const frozenDefaults = deepFreeze(structuredClone(defaults));
    const snapshot = JSON.stringify(defaults);
    fc.assert(
      fc.property(fc.array(override, { maxLength: 6 }), fc.boolean(), (overrides, withBase) => {
        const base = deepFreeze({ prepare: { template: 'b', templateText: 'x' }, infer: { model: { name: 'm' }, seed: [1] } });
        const frozenOverrides = deepFreeze(structuredClone(overrides));
        try {
          const result = resolveConfig(defaults, frozenOverrides, withBase ? { base } : {});
          expect(JSON.parse(JSON.stringify(result.config))).toEqual(result.config);
          resolveConfig(frozenDefaults, frozenOverrides, withBase ? { base } : {});
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError);
        }
        expect(JSON.stringify(defaults)).toBe(snapshot);
      }),
    );
  });

  it('reads back any finite number given on the command line for a number default', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (n) => {
        const { config } = resolve(`infer.model.settings.temperature=${String(n)}`);
        expect((config['infer'] as { model: { settings: { temperature: number } } }).model.settings.temperature).toBe(n === 0 ? 0 : n);
      }),
    );
  });
});

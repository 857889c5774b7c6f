import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../errors.ts';
import { internal, prompt } from './markers.ts';
import { loadPatchFile, parseOverrideArgs, patchToOverrides } from './overrides.ts';

const defaults = {
  prepare: { template: prompt('Template file for system message'), templateText: internal() },
  infer: { model: { name: prompt('Model name'), settings: { temperature: 0.7, stop: ['END'] } }, extra: {} },
};

function caught(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

async function caughtAsync(promise: Promise<unknown>): Promise<ConfigError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('parseOverrideArgs', () => {
  it('keeps key=value values as raw strings from the command line', () => {
    expect(parseOverrideArgs(['infer.model.name=gpt-4o'])).toEqual([{ path: 'infer.model.name', value: 'gpt-4o', raw: true, source: 'command line' }]);
  });

  it('splits at the first = so values may contain = or be empty', () => {
    const [a, b] = parseOverrideArgs(['a.b=x=y==z', 'c=']);
    expect(a).toMatchObject({ path: 'a.b', value: 'x=y==z', raw: true });
    expect(b).toMatchObject({ path: 'c', value: '', raw: true });
  });

  it('parses key:=json as typed JSON', () => {
    const overrides = parseOverrideArgs(['a:=0.5', 'b:=["x","y"]', 'c:="42"', 'd:={"k":null}', 'e:=true'], 'suite s.json');
    expect(overrides.map((o) => [o.path, o.value, o.raw, o.source])).toEqual([
      ['a', 0.5, false, 'suite s.json'],
      ['b', ['x', 'y'], false, 'suite s.json'],
      ['c', '42', false, 'suite s.json'],
      ['d', { k: null }, false, 'suite s.json'],
      ['e', true, false, 'suite s.json'],
    ]);
  });

  it('treats := after the first = as part of a raw value', () => {
    expect(parseOverrideArgs(['a=b:=c'])[0]).toMatchObject({ path: 'a', value: 'b:=c', raw: true });
  });

  it.each([
    ['infer.model.name', /expected '='/],
    ['=value', /key is empty/],
    [':=1', /key is empty/],
    ['a..b=1', /empty segment/],
    ['.a=1', /empty segment/],
    ['a.=1', /empty segment/],
    ['a b=1', /whitespace/],
    ['a:=nope', /not valid JSON/],
    ['a:=', /not valid JSON/],
  ])('rejects %j with E_OVERRIDE_SYNTAX', (arg, why) => {
    const error = caught(() => parseOverrideArgs([arg]));
    expect(error.code).toBe('E_OVERRIDE_SYNTAX');
    expect(error.message).toContain(`'${arg}'`);
    expect(error.message).toMatch(why);
    expect(error.hint).toContain('key.path=value');
  });
});

describe('patchToOverrides', () => {
  it('flattens nested objects down to settings', () => {
    const overrides = patchToOverrides({ infer: { model: { name: 'x', settings: { temperature: 0.1 } } } }, defaults, 'p.yaml');
    expect(overrides).toEqual([
      { path: 'infer.model.name', value: 'x', raw: false, source: 'p.yaml' },
      { path: 'infer.model.settings.temperature', value: 0.1, raw: false, source: 'p.yaml' },
    ]);
  });

  it('accepts dotted keys and mixes of dotted and nested keys', () => {
    const overrides = patchToOverrides({ 'infer.model.name': 'x', 'infer.model': { settings: { temperature: 0 } }, prepare: { template: 't' } }, defaults, 'p');
    expect(overrides.map((o) => [o.path, o.value])).toEqual([
      ['infer.model.name', 'x'],
      ['infer.model.settings.temperature', 0],
      ['prepare.template', 't'],
    ]);
  });

  it('keeps an object whole where the default is not a group (a prompt, an object value, or unknown)', () => {
    const overrides = patchToOverrides(
      { prepare: { template: { file: 't' } }, infer: { extra: { a: 1 }, modle: { name: 'x' } } },
      defaults,
      'p',
    );
    expect(overrides.map((o) => [o.path, o.value])).toEqual([
      ['prepare.template', { file: 't' }],
      ['infer.extra', { a: 1 }],
      ['infer.modle', { name: 'x' }],
    ]);
  });

  it('rejects a patch that is not an object', () => {
    expect(caught(() => patchToOverrides(['a'], defaults, 'suite s.yaml')).message).toMatch(/suite s\.yaml must be an object.*got a list/);
  });
});

describe('loadPatchFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tagliots-patch-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const write = (name: string, text: string): Promise<void> => writeFile(join(dir, name), text);

  it('reads a JSON patch relative to cwd, labelled with the path as given', async () => {
    await write('patch.json', '{ "infer.model.name": "gpt", "infer": { "model": { "settings": { "temperature": 0.2 } } } }');
    expect(await loadPatchFile('patch.json', defaults, dir)).toEqual([
      { path: 'infer.model.name', value: 'gpt', raw: false, source: 'patch.json' },
      { path: 'infer.model.settings.temperature', value: 0.2, raw: false, source: 'patch.json' },
    ]);
  });

  it('reads YAML patches (.yaml and .yml)', async () => {
    await write('patch.yaml', '# model\ninfer:\n  model:\n    name: gpt\n    settings: { stop: [a, b] }\n');
    await write('patch.YML', 'prepare.template: t.txt\n');
    expect((await loadPatchFile('patch.yaml', defaults, dir)).map((o) => [o.path, o.value])).toEqual([
      ['infer.model.name', 'gpt'],
      ['infer.model.settings.stop', ['a', 'b']],
    ]);
    expect(await loadPatchFile(join(dir, 'patch.YML'), defaults, '/')).toMatchObject([{ path: 'prepare.template', value: 't.txt' }]);
  });

  it('treats a YAML file of only comments as an empty patch', async () => {
    await write('empty.yaml', '# nothing yet\n');
    expect(await loadPatchFile('empty.yaml', defaults, dir)).toEqual([]);
  });

  it('reports a JSON syntax error with file:line:column', async () => {
    await write('bad.json', '{\n  "a": 1\n  "b": 2\n}\n');
    const error = await caughtAsync(loadPatchFile('bad.json', defaults, dir));
    expect(error.code).toBe('E_PATCH_PARSE');
    expect(error.message).toContain("bad.json:3:3: unexpected '\"': expected ',' or '}' after a property value");
  });

  it('reports a trailing comma and an unexpected end of a JSON file', async () => {
    await write('comma.json', '{"a": [1, 2,]}');
    expect((await caughtAsync(loadPatchFile('comma.json', defaults, dir))).message).toContain("comma.json:1:13: unexpected ']': JSON does not allow a trailing comma");
    await write('short.json', '{"a": ');
    expect((await caughtAsync(loadPatchFile('short.json', defaults, dir))).message).toContain('short.json:1:6: unexpected end of input');
  });

  it('refuses a key repeated in a JSON patch, which JSON.parse would resolve by keeping the last', async () => {
    await write('twice.json', '{\n  "infer.model.name": "a",\n  "infer.model.name": "b"\n}\n');
    const error = await caughtAsync(loadPatchFile('twice.json', defaults, dir));
    expect(error.code).toBe('E_PATCH_PARSE');
    expect(error.message).toBe(
      "Cannot parse config patch file twice.json:3:3: duplicate key 'infer.model.name' (first at line 2, column 3): a key may appear only once in an object\n" +
        '    "infer.model.name": "b"\n' +
        '    ^',
    );
    expect(error.hint).toContain('remove or rename one of the two');
  });

  it('refuses bytes that are not UTF-8 rather than reading them as U+FFFD', async () => {
    await writeFile(join(dir, 'latin1.yaml'), Buffer.from('infer:\n  model:\n    name: café\n', 'latin1'));
    const error = await caughtAsync(loadPatchFile('latin1.yaml', defaults, dir));
    expect(error.code).toBe('E_PATCH_PARSE');
    expect(error.message).toMatch(/^Cannot parse config patch file latin1\.yaml:3:14: invalid UTF-8 \(byte 0xE9\)\n/);
  });

  it('reports a YAML syntax error with file:line:column', async () => {
    await write('bad.yaml', 'infer:\n  model: x\n  model: y\n');
    const error = await caughtAsync(loadPatchFile('bad.yaml', defaults, dir));
    expect(error.code).toBe('E_PATCH_PARSE');
    expect(error.message).toMatch(/bad\.yaml:3:3: Map keys must be unique/);
  });

  it('requires an object at the top level', async () => {
    await write('list.yaml', '- a\n- b\n');
    const error = await caughtAsync(loadPatchFile('list.yaml', defaults, dir));
    expect(error.code).toBe('E_PATCH_PARSE');
    expect(error.message).toContain('got a list');
  });

  it('reports a missing file and an unsupported extension', async () => {
    const missing = await caughtAsync(loadPatchFile('nope.yaml', defaults, dir));
    expect(missing.code).toBe('E_PATCH_NOT_FOUND');
    expect(missing.message).toContain(join(dir, 'nope.yaml'));
    const format = await caughtAsync(loadPatchFile('patch.toml', defaults, dir));
    expect(format.code).toBe('E_PATCH_FORMAT');
    expect(format.message).toContain("its extension is '.toml'");
  });
});

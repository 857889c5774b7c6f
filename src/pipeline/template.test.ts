import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TemplateError } from '../errors.ts';
import { createModelRegistry } from '../model/registry.ts';
import type { Model } from '../model/types.ts';
import { llm } from './llm.ts';
import { compileTemplate, loadTemplate, templateVariables } from './template.ts';

async function templateError(fn: () => unknown): Promise<TemplateError> {
  try {
    await fn();
  } catch (error) {
    if (error instanceof TemplateError) return error;
    throw error;
  }
  throw new Error('expected a TemplateError');
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('compileTemplate: rendering', () => {
  it('renders variables, members, loops and conditions', async () => {
    const template = await compileTemplate('Base {{ case.base }}.{% for k in case.keywords %} #{{ k }}{% endfor %}{% if case.hex %} (hex){% endif %}');
    expect(template.render({ case: { base: 16, keywords: ['a', 'b'], hex: true } })).toBe('Base 16. #a #b (hex)');
    expect(template.render({ case: { base: 10, keywords: [], hex: false } })).toBe('Base 10.');
  });

  it('does not HTML-escape anything', async () => {
    const template = await compileTemplate('{{ text }}');
    expect(template.render({ text: `<b>"Tom" & 'Jerry'</b>` })).toBe(`<b>"Tom" & 'Jerry'</b>`);
  });

  it('offers a json filter that pretty-prints with two spaces', async () => {
    const template = await compileTemplate('Cart: {{ cart | json }}');
    expect(template.render({ cart: { items: [{ name: 'latte', qty: 2 }], note: 'a < b' } })).toBe(
      'Cart: {\n  "items": [\n    {\n      "name": "latte",\n      "qty": 2\n    }\n  ],\n  "note": "a < b"\n}',
    );
  });

  it('records its source, its name and the sha256 of the source', async () => {
    const source = 'Hello {{ name }}';
    const template = await compileTemplate(source);
    expect(template.source).toBe(source);
    expect(template.path).toBe('(inline)');
    expect(template.sha256).toBe(sha256(source));
    expect(template.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect((await compileTemplate(source, 'other.njk')).sha256).toBe(template.sha256);
    expect((await compileTemplate(`${source} `)).sha256).not.toBe(template.sha256);
  });
});

describe('compileTemplate: Jinja2 trailing newline', () => {
  it('keeps the final newline by default, as nunjucks does', async () => {
    expect((await compileTemplate('Hello {{ name }}\n')).render({ name: 'Ann' })).toBe('Hello Ann\n');
  });

  it('drops one final newline with keepTrailingNewline: false, as Jinja2 does, and hashes the source as written', async () => {
    const source = 'Hello {{ name }}\n\n';
    const template = await compileTemplate(source, 'greeting.txt', { keepTrailingNewline: false });
    expect(template.render({ name: 'Ann' })).toBe('Hello Ann\n');
    expect((await compileTemplate('Hi\r\n', 'crlf.txt', { keepTrailingNewline: false })).render({})).toBe('Hi');
    expect((await compileTemplate('Hi', 'none.txt', { keepTrailingNewline: false })).render({})).toBe('Hi');
    expect(template.source).toBe(source);
    expect(template.sha256).toBe(sha256(source));
  });

  it('loadTemplate passes the option on', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tagliots-template-'));
    try {
      await writeFile(join(dir, 'system.txt'), 'Base {{ case.base }}.\n');
      expect((await loadTemplate(join(dir, 'system.txt'), { keepTrailingNewline: false })).render({ case: { base: 16 } })).toBe('Base 16.');
      expect((await loadTemplate(join(dir, 'system.txt'))).render({ case: { base: 16 } })).toBe('Base 16.\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('templateVariables: what a stage renders a template with', () => {
  const stages = { prepare: 'ready' };
  const config = { tone: 'terse' };

  it('gives case, stages, config and the turn of a multi-turn case', async () => {
    const c = { id: 'c', turns: [{ user: 'hi' }, { user: 'bye' }] };
    const turns = [{ index: 0, status: 'complete' as const, passed: true, stages: { reply: 'hello' } }];
    const variables = templateVariables({ case: c, stages, config, turn: 1, turnCase: c.turns[1], turns });
    expect(variables).toEqual({ case: c, stages, config, turn: 1, turnCase: { user: 'bye' }, turns });
    const template = await compileTemplate('Turn {{ turn }}: {{ turnCase.user }} after {% for t in turns %}{{ t.stages.reply }}{% endfor %} ({{ config.tone }})');
    expect(template.render(variables)).toBe('Turn 1: bye after hello (terse)');
  });

  it('gives a single-turn case as its own turn, with no earlier turns', () => {
    const c = { id: 'c', base: 10 };
    expect(templateVariables({ case: c, stages, config, turn: null, turnCase: c, turns: [] })).toEqual({ case: c, stages, config, turn: null, turnCase: c, turns: [] });
  });

  it('is what llm() renders its templates with', async () => {
    const sent: string[] = [];
    const model: Model = {
      name: 'm',
      description: 'test',
      kind: 'test',
      async complete(request) {
        sent.push(...request.messages.map((m) => m.content));
        return { text: 'ok' };
      },
    };
    const stage = await llm({ model, messages: [{ role: 'user', template: '{{ turn }} {{ turnCase.user }} {{ turns | length }}' }] });
    const c = { id: 'c', turns: [{ user: 'hi' }, { user: 'bye' }] };
    const ctx = { case: c, stages: {}, config: {}, turn: 1, turnCase: c.turns[1], turns: [{ index: 0, status: 'complete', passed: true, stages: {} }], models: createModelRegistry(), signal: new AbortController().signal };
    await stage(ctx as never);
    expect(sent).toEqual(['1 bye 1']);
  });
});

describe('compileTemplate: errors', () => {
  it('treats an undefined variable as an error, never an empty string', async () => {
    const template = await compileTemplate('Hello {{ name }}!');
    const error = await templateError(() => template.render({}));
    expect(error.code).toBe('E_TEMPLATE_RENDER');
    expect(error.message).toBe("Template '(inline)': [Line 1, Column 7] attempted to output null or undefined value");
  });

  it('treats a missing member as an error too', async () => {
    const template = await compileTemplate('{{ case.missing }}', 'calc.njk');
    const error = await templateError(() => template.render({ case: {} }));
    expect(error.code).toBe('E_TEMPLATE_RENDER');
    expect(error.message).toBe("Template 'calc.njk': [Line 1, Column 1] attempted to output null or undefined value");
  });

  it('keeps a template name with parentheses intact in messages', async () => {
    const template = await compileTemplate('{{ x }}', 'prompts/(v2).njk');
    const error = await templateError(() => template.render({}));
    expect(error.message).toBe("Template 'prompts/(v2).njk': [Line 1, Column 1] attempted to output null or undefined value");
  });

  it('reports a syntax error with E_TEMPLATE_SYNTAX when compiling, before any render', async () => {
    const unclosed = await templateError(() => compileTemplate('Hello {{ name '));
    expect(unclosed.code).toBe('E_TEMPLATE_SYNTAX');
    expect(unclosed.message).toBe("Template '(inline)' does not compile: expected variable end");
    const badTag = await templateError(() => compileTemplate('{% for %}', 'calc.njk'));
    expect(badTag.code).toBe('E_TEMPLATE_SYNTAX');
    expect(badTag.message).toBe("Template 'calc.njk' does not compile: [Line 1, Column 8] unexpected token: %}");
  });
});

describe('loadTemplate', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tagliots-template-'));
    await writeFile(join(dir, 'calc.njk'), 'You are a calculator for base {{ case.base }}.');
    await mkdir(join(dir, 'folder'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads and compiles a file, hashing its text', async () => {
    const template = await loadTemplate(join(dir, 'calc.njk'));
    expect(template.render({ case: { base: 10 } })).toBe('You are a calculator for base 10.');
    expect(template.sha256).toBe(sha256('You are a calculator for base {{ case.base }}.'));
    const shown = relative(process.cwd(), join(dir, 'calc.njk'));
    expect(template.path).toBe(shown.startsWith('..') ? join(dir, 'calc.njk') : shown);
  });

  it('shows a path inside the working directory relative to it', async () => {
    const template = await loadTemplate(join(process.cwd(), 'package.json'));
    expect(template.path).toBe('package.json');
  });

  it('reports a missing file with E_TEMPLATE_NOT_FOUND', async () => {
    const path = join(dir, 'missing.njk');
    const error = await templateError(() => loadTemplate(path));
    expect(error.code).toBe('E_TEMPLATE_NOT_FOUND');
    expect(error.message).toBe(`Cannot read template '${path}': no such file.`);
    expect(error.hint).toBe('Relative template paths are resolved against the working directory.');
  });

  it('reports a path that cannot be read as a file with the reason', async () => {
    const error = await templateError(() => loadTemplate(join(dir, 'folder')));
    expect(error.code).toBe('E_TEMPLATE_NOT_FOUND');
    expect(error.message).toContain('EISDIR');
  });
});

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { TemplateError, messageOf } from '../errors.ts';
import { processCwd } from '../host.ts';
import type { StageContext } from './types.ts';

/** How a template is compiled. */
export interface TemplateOptions {
  /**
   * Keep a newline that ends the template source. True (the default) keeps it, as nunjucks does;
   * false drops that one newline before compiling, as Jinja2 does by default (its
   * `keep_trailing_newline=False`), so a template shared with GoTaglio renders the same text.
   * @default true
   */
  readonly keepTrailingNewline?: boolean;
}

/** A compiled nunjucks template. */
export interface Template {
  /** The path it was read from, or '(inline)'. */
  readonly path: string;
  readonly source: string;
  /** sha256 of the source, for the run log (record it with setup.setInternal). */
  readonly sha256: string;
  /** Renders with the given variables. An undefined variable is an error, never an empty string. */
  render(variables: Record<string, unknown>): string;
}

type Nunjucks = typeof import('nunjucks');
let nunjucksModule: Promise<Nunjucks> | undefined;
// Loaded on first use: most commands never render a template.
const loadNunjucks = () => (nunjucksModule ??= import('nunjucks').then((m) => ((m as { default?: Nunjucks }).default ?? m) as Nunjucks));

/**
 * Reads and compiles a nunjucks template file. Call it in `stages()`, so a missing file or a syntax
 * error stops the run before any case starts.
 * @example
 * const template = await loadTemplate(setup.resolvePath(setup.config.prepare.template));
 * setup.setInternal('prepare.templateSha256', template.sha256);
 */
export async function loadTemplate(path: string, options: TemplateOptions = {}): Promise<Template> {
  let source: string;
  try {
    source = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new TemplateError('E_TEMPLATE_NOT_FOUND', `Cannot read template '${displayPath(path)}': ${code === 'ENOENT' ? 'no such file' : messageOf(error)}.`, {
      hint: 'Relative template paths are resolved against the working directory.',
    });
  }
  return compileTemplate(source, displayPath(path), options);
}

/**
 * Compiles a template from a string.
 * @example
 * const template = await compileTemplate('The input is base {{ case.base }}.');
 * // A GoTaglio (Jinja2) template file, rendered without its final newline:
 * const system = await compileTemplate(text, 'template.txt', { keepTrailingNewline: false });
 */
export async function compileTemplate(source: string, name = '(inline)', options: TemplateOptions = {}): Promise<Template> {
  const nunjucks = await loadNunjucks();
  // The hash stays that of the file as written: it identifies the template in the run log.
  const body = options.keepTrailingNewline === false ? source.replace(/(\r\n|\r|\n)$/, '') : source;
  const env = new nunjucks.Environment(null, { throwOnUndefined: true, autoescape: false });
  env.addFilter('json', (value: unknown) => JSON.stringify(value, null, 2));
  let compiled: import('nunjucks').Template;
  try {
    compiled = new nunjucks.Template(body, env, name, true);
  } catch (error) {
    throw new TemplateError('E_TEMPLATE_SYNTAX', `Template '${name}' does not compile: ${cleanMessage(error, name)}`);
  }
  const sha256 = createHash('sha256').update(source).digest('hex');
  return {
    path: name,
    source,
    sha256,
    render(variables) {
      try {
        return compiled.render(variables);
      } catch (error) {
        throw new TemplateError('E_TEMPLATE_RENDER', `Template '${name}': ${cleanMessage(error, name)}`);
      }
    },
  };
}

/**
 * The variables a stage renders a template with: `case`, `stages` and `config`, and for a
 * multi-turn case `turn` (its index), `turnCase` (its fields) and `turns` (the earlier turns, each
 * with its `stages`), the way GoTaglio templates see the whole context. For a single-turn case
 * `turn` is null, `turnCase` is the case and `turns` is empty.
 * @example
 * prepare: (ctx) => [{ role: 'system', content: template.render(templateVariables(ctx)) }],
 */
export function templateVariables(ctx: Pick<StageContext<any, any, any>, 'case' | 'stages' | 'config' | 'turn' | 'turnCase' | 'turns'>): Record<string, unknown> {
  return { case: ctx.case, stages: ctx.stages, config: ctx.config, turn: ctx.turn, turnCase: ctx.turnCase, turns: ctx.turns };
}

function displayPath(path: string): string {
  const shown = relative(processCwd(), path);
  return shown.startsWith('..') || shown === '' ? path : shown;
}

/**
 * nunjucks prefixes messages with the template name in parentheses ("((inline))", "(unknown path)");
 * drop it (the name is in our message already), keep the "[Line x, Column y]" marker and the text.
 */
function cleanMessage(error: unknown, name: string): string {
  const message = messageOf(error);
  const prefix = `(${name})`;
  return (message.startsWith(prefix) ? message.slice(prefix.length) : message.replace(/^\(unknown path\)/, ''))
    .replace(/\s+/g, ' ')
    .trim();
}

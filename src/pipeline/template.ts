import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { TemplateError, messageOf } from '../errors.ts';
import { processCwd } from '../host.ts';

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
export async function loadTemplate(path: string): Promise<Template> {
  let source: string;
  try {
    source = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new TemplateError('E_TEMPLATE_NOT_FOUND', `Cannot read template '${displayPath(path)}': ${code === 'ENOENT' ? 'no such file' : messageOf(error)}.`, {
      hint: 'Relative template paths are resolved against the working directory.',
    });
  }
  return compileTemplate(source, displayPath(path));
}

/**
 * Compiles a template from a string.
 * @example
 * const template = await compileTemplate('The input is base {{ case.base }}.');
 */
export async function compileTemplate(source: string, name = '(inline)'): Promise<Template> {
  const nunjucks = await loadNunjucks();
  const env = new nunjucks.Environment(null, { throwOnUndefined: true, autoescape: false });
  env.addFilter('json', (value: unknown) => JSON.stringify(value, null, 2));
  let compiled: import('nunjucks').Template;
  try {
    compiled = new nunjucks.Template(source, env, name, true);
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

import { flattenLeaves } from '../config/dotted.ts';
import { ModelError } from '../errors.ts';
import { closest, oxfordJoin } from '../util/suggest.ts';
import { createMockModel, MOCK_DESCRIPTIONS, type ExpectedFn, type MockName } from './mocks.ts';
import type { CallOptions, CompletionRequest, Model, ModelInfo, ModelRegistry } from './types.ts';

export interface ModelRegistryOptions {
  /** The pipeline's expected(), for the perfect and flakey mocks. */
  readonly expected?: ExpectedFn;
  /** Models configured by the project, by name (they take precedence over nothing: names must not clash with mocks). */
  readonly models?: Readonly<Record<string, Model>>;
  /** Wraps every model handed out (tagliots check replaces calls with a recorder). */
  readonly intercept?: (model: Model) => Model;
}

/**
 * The models a run can use: the built-in mocks plus the project's configured ones. Every model is
 * wrapped so its usage lands in the calling stage's record.
 */
export function createModelRegistry(options: ModelRegistryOptions = {}): ModelRegistry {
  const cache = new Map<string, Model>();
  const configured = options.models ?? {};
  for (const name of Object.keys(configured)) {
    if (Object.hasOwn(MOCK_DESCRIPTIONS, name)) {
      throw new ModelError('E_MODEL_DUPLICATE', `Model '${name}' is a built-in mock; give the configured model another name.`);
    }
  }
  const names = () => [...Object.keys(MOCK_DESCRIPTIONS), ...Object.keys(configured)].sort();

  const registry: ModelRegistry = {
    // Object.hasOwn, not `in`: 'toString' or 'constructor' is no mock.
    has: (name) => Object.hasOwn(MOCK_DESCRIPTIONS, name) || Object.hasOwn(configured, name),
    get(name) {
      assertModelName(name);
      const known = cache.get(name);
      if (known) return known;
      let model: Model;
      if (Object.hasOwn(MOCK_DESCRIPTIONS, name)) model = createMockModel(name as MockName, options.expected);
      else if (Object.hasOwn(configured, name)) model = configured[name]!;
      else {
        const suggestion = closest(name, names())[0];
        throw new ModelError('E_MODEL_UNKNOWN', `Model '${name}' not found. Available models include ${oxfordJoin(names())}.`, {
          hint: suggestion ? `Did you mean '${suggestion}'?` : 'Run `tagliots models` to list them.',
        });
      }
      const recorded = recordingUsage(options.intercept ? options.intercept(model) : model);
      cache.set(name, recorded);
      return recorded;
    },
    list(): ModelInfo[] {
      const mocks = Object.entries(MOCK_DESCRIPTIONS).map(([name, description]) => ({ name, description, kind: 'mock' }));
      const others = Object.values(configured).map(({ name, description, kind }) => ({ name, description, kind }));
      return [...mocks, ...others].sort((a, b) => a.name.localeCompare(b.name));
    },
  };
  return registry;
}

/**
 * Throws unless `name` is a string. A model name from a prompt() setting typed as JSON
 * (`infer.model.name:=42`) can be any value; the error names the config paths that hold it, so it
 * is not blamed on the pipeline line that looked the model up.
 */
export function assertModelName(name: unknown, config?: object): asserts name is string {
  if (typeof name === 'string') return;
  const shown = JSON.stringify(name) ?? String(name);
  const kind = name === null ? 'null' : Array.isArray(name) ? 'a list' : `a ${typeof name}`;
  const paths = config === undefined ? [] : flattenLeaves(config).filter(([, value]) => value === name).map(([path]) => path);
  const where = paths.length > 0 ? `config ${paths.map((path) => `'${path}'`).join(' or ')} is` : 'got';
  const path = paths[0] ?? '<model setting>';
  throw new ModelError('E_MODEL_NAME', `A model name must be a string, but ${where} ${shown} (${kind}).`, {
    hint: `Set it to a model name, e.g. ${path}=perfect, or with := a JSON string: ${path}:='"perfect"'.`,
  });
}

function recordingUsage(model: Model): Model {
  return {
    name: model.name,
    description: model.description,
    kind: model.kind,
    ...(model.structuredOutput !== undefined && { structuredOutput: model.structuredOutput }),
    async complete(request: CompletionRequest, options?: CallOptions) {
      const result = await model.complete(request, options);
      if (result.usage && options?.recordUsage) options.recordUsage(result.usage);
      return result;
    },
  };
}

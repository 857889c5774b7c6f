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

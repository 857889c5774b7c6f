/**
 * Markers for a pipeline's default config: `prompt()` values the user must supply, `internal()`
 * values the pipeline's own setup fills in. Branded with registered symbols, so a marker created by
 * another copy of tagliots (a bundled pipeline, say) is still recognised.
 */
const PROMPT = Symbol.for('tagliots.config.prompt');
const INTERNAL = Symbol.for('tagliots.config.internal');

/** A config value the user must supply (on the command line, in a patch file or in the suite). */
export interface PromptMarker<T = string> {
  readonly [PROMPT]: true;
  readonly description: string;
  /** Type-level only: the type the supplied value will have. */
  readonly __type?: T;
}

/** A config value filled in by the pipeline's own setup (`setup.setInternal`), never by the user. */
export interface InternalMarker<T = unknown> {
  readonly [INTERNAL]: true;
  readonly description: string | undefined;
  readonly __type?: T;
}

/**
 * Declares a config value the user must supply.
 * @example
 * const config = { infer: { model: { name: prompt('Model name to use for inference stage') } } };
 */
export function prompt<T = string>(description: string): PromptMarker<T> {
  return Object.freeze({ [PROMPT]: true as const, description });
}

/**
 * Declares a config value that the pipeline fills in during setup (for example a template's hash),
 * so it is recorded in the run log. Users cannot set it.
 * @example
 * const config = { prepare: { template: prompt('Template file'), templateSha256: internal<string>() } };
 */
export function internal<T = unknown>(description?: string): InternalMarker<T> {
  return Object.freeze({ [INTERNAL]: true as const, description });
}

export function isPromptMarker(value: unknown): value is PromptMarker<unknown> {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[PROMPT] === true;
}

export function isInternalMarker(value: unknown): value is InternalMarker<unknown> {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[INTERNAL] === true;
}

export function isMarker(value: unknown): boolean {
  return isPromptMarker(value) || isInternalMarker(value);
}

/** The type of a config after resolution: markers replaced by the values they stand for. */
export type Resolved<T> =
  T extends PromptMarker<infer U>
    ? U
    : T extends InternalMarker<infer U>
      ? U
      : T extends readonly unknown[]
        ? T
        : T extends object
          ? { readonly [K in keyof T]: Resolved<T[K]> }
          : T;

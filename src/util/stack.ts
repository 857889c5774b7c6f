/**
 * The first stack frame of an error that belongs to the user's code (not tagliots' bundle, not
 * node_modules, not Node itself), e.g. `at stages (samples/calc/pipeline.ts:71:22)`, for hints.
 */
export function firstUserFrame(error: unknown): string | undefined {
  const stack = error instanceof Error ? error.stack : undefined;
  if (!stack) return undefined;
  const frame = stack
    .split('\n')
    .find((line) => /^\s+at /.test(line) && !/node_modules|node:|\/dist\/|\/src\/(runner|project|cli|commands)\//.test(line));
  return frame?.trim();
}

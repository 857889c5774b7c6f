/**
 * Dotted paths of YAML pipelines (`case.question`, `stages.infer.answer`, `config.infer.model`),
 * read from the stage context. Unlike config paths, they may index arrays (`stages.extract.0`).
 */
export function readPath(root: unknown, path: string): unknown {
  let node: unknown = root;
  for (const segment of path.split('.')) {
    if (Array.isArray(node) && /^\d+$/.test(segment)) node = node[Number(segment)];
    else if (typeof node === 'object' && node !== null && Object.hasOwn(node, segment)) node = (node as Record<string, unknown>)[segment];
    else return undefined;
  }
  return node;
}

/** The root dotted paths are read from. */
export function pathRoot(ctx: { readonly case: unknown; readonly stages: unknown; readonly config: unknown }): Record<string, unknown> {
  return { case: ctx.case, stages: ctx.stages, config: ctx.config };
}

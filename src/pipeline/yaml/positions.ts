/**
 * Where a path of a parsed YAML document is, for messages that name file:line:column and show
 * the line with a caret. Paths are zod issue paths: map keys and sequence indexes.
 */
import type { Document, Node as YamlNode } from 'yaml';
import { textPosition } from '../../util/json-syntax.ts';
import type { YamlModule } from '../../util/yaml.ts';

export type PathSegment = string | number;

export interface Located {
  readonly line: number;
  readonly column: number;
  /** `file:line:column`. */
  readonly at: string;
  /** The line with a caret under the position. */
  readonly excerpt: string;
}

export class YamlLocator {
  constructor(
    private readonly yaml: YamlModule,
    private readonly doc: Document,
    private readonly text: string,
    readonly display: string,
  ) {}

  /**
   * The start of the node at `path`, or of its key with `key: true` (for unknown keys). A path
   * that goes missing part-way (a required key that is absent) stops at the deepest node found.
   */
  offsetOf(path: readonly PathSegment[], options: { key?: boolean } = {}): number {
    const { isMap, isScalar, isSeq } = this.yaml;
    let node: unknown = this.doc.contents;
    let offset = (node as YamlNode | null)?.range?.[0] ?? 0;
    for (const [i, segment] of path.entries()) {
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
        if (!pair) return offset;
        const keyStart = (pair.key as YamlNode | null)?.range?.[0];
        if (last && options.key && keyStart !== undefined) return keyStart;
        node = pair.value;
        // A key without a value (`model:`) points at the key.
        offset = (node as YamlNode | null)?.range?.[0] ?? keyStart ?? offset;
        if (node === null || node === undefined) return offset;
      } else if (isSeq(node) && typeof segment === 'number') {
        node = node.items[segment];
        if (node === undefined) return offset;
        offset = (node as YamlNode).range?.[0] ?? offset;
      } else {
        return offset;
      }
    }
    return offset;
  }

  locate(path: readonly PathSegment[], options: { key?: boolean } = {}): Located {
    return this.locateOffset(this.offsetOf(path, options));
  }

  locateOffset(offset: number): Located {
    const { line, column, excerpt } = textPosition(this.text, offset);
    return { line, column, at: `${this.display}:${line}:${column}`, excerpt };
  }
}

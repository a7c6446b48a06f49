/**
 * The class a heap snapshot node is listed under, as Chrome DevTools' Summary and Comparison views group them
 * (`JSHeapSnapshotNode.className()` in DevTools' heap_snapshot_worker), so a ramflow group and a DevTools row
 * read the same:
 *
 *  - `object` and `native` nodes are grouped by their name, which V8 sets to the constructor's name
 *    (`LeakyWidget`, `Object`, `Array`, `Buffer`) or to an engine-internal kind (`system / Context`,
 *    `system / JSArrayBufferData`);
 *  - every other type is one group per type: `(string)` (DevTools splits `(concatenated string)` and
 *    `(sliced string)` out; they are the same thing to an app developer, so they are merged here), `(array)`
 *    (V8's internal arrays, not JS `Array`s, which are `object`s named `Array`), `(closure)`, `(regexp)`,
 *    `(number)`, `(compiled code)`, `(system)` for `hidden` nodes, …;
 *  - `synthetic` nodes (the root and the GC root categories) are never grouped, since they are never new, but
 *    they appear as holders in retainer paths, where their own name (`(GC roots)`, `(Global handles)`,
 *    `Node / Environment`) says more than DevTools' `(synthetic)`.
 */

const STRING_TYPES: ReadonlySet<string> = new Set(['string', 'concatenated string', 'sliced string']);

/**
 * The class of every node of `type` when it does not depend on the node's name, or `undefined` when the class
 * is the name itself (`object`, `native`, `synthetic`): lets a caller resolve classes per type, not per node.
 */
export function typeClassName(type: string): string | undefined {
  switch (type) {
    case 'object':
    case 'native':
    case 'synthetic':
      return undefined;
    case 'hidden':
      return '(system)';
    case 'code':
      return '(compiled code)';
    default:
      return STRING_TYPES.has(type) ? '(string)' : `(${type})`;
  }
}

/** The class DevTools lists a node of this V8 node type and name under (see the module comment). */
export function className(type: string, name: string): string {
  const byType = typeClassName(type);
  if (byType !== undefined) return byType;
  if (type === 'synthetic' && name === '') return '(root)';
  return name;
}

/** The node type reported for a class: the string variants are one group, reported as `string`. */
export function classType(type: string): string {
  return STRING_TYPES.has(type) ? 'string' : type;
}

/** Graph helpers on canvas edges. Pure. */

/** Every node from which `node` can be reached (its ancestors), not including itself. */
export function upstreamOf(node: string, edges: readonly { source: string; target: string }[]): Set<string> {
  const parents = new Map<string, string[]>();
  for (const e of edges) {
    const list = parents.get(e.target);
    if (list) list.push(e.source);
    else parents.set(e.target, [e.source]);
  }
  const seen = new Set<string>();
  const stack = [...(parents.get(node) ?? [])];
  while (stack.length) {
    const n = stack.pop() as string;
    if (seen.has(n)) continue;
    seen.add(n);
    stack.push(...(parents.get(n) ?? []));
  }
  return seen;
}

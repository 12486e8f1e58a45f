import { describe, expect, it } from "vitest";
import { canvasToDocument, documentToCanvas } from "./document";
import { fixtureDocuments } from "../lib/fixtures";

/** JSON with keys sorted, so that key order does not matter. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) =>
    val && typeof val === "object" && !Array.isArray(val)
      ? Object.fromEntries(Object.entries(val as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : val,
  );
}

describe("canvas <-> document conversion", () => {
  for (const [name, doc] of Object.entries(fixtureDocuments())) {
    it(`round-trips ${name} unchanged`, () => {
      const before = structuredClone(doc);
      const g = documentToCanvas(doc);
      const back = canvasToDocument(g.meta, g.nodes, g.edges);
      expect(back).toEqual(before);
      expect(canonical(back)).toBe(canonical(before));
      expect(doc).toEqual(before); // input not mutated
    });
  }

  it("reads the shared fixture documents the Python tests use", () => {
    expect(Object.keys(fixtureDocuments())).toEqual(expect.arrayContaining(["chain.json", "diamond.json"]));
  });

  it("maps edges to React Flow source/sourceHandle/target/targetHandle", () => {
    const doc = Object.values(fixtureDocuments()).find((d) => d.edges.length > 0);
    expect(doc, "a shared fixture document with edges").toBeDefined();
    if (!doc) throw new Error("unreachable");
    const g = documentToCanvas(doc);
    const e = doc.edges[0]!;
    expect(g.edges[0]).toMatchObject({
      source: e.source,
      sourceHandle: e.source_port,
      target: e.target,
      targetHandle: e.target_port,
    });
  });

  it("writes moved positions back into the document", () => {
    const doc = Object.values(fixtureDocuments()).find((d) => d.nodes.length > 0)!;
    const g = documentToCanvas(doc);
    g.nodes[0] = { ...g.nodes[0]!, position: { x: 123, y: -45 } };
    const back = canvasToDocument(g.meta, g.nodes, g.edges);
    expect(back.nodes[0]!.position).toEqual({ x: 123, y: -45 });
    expect(back.nodes[0]!.id).toBe(doc.nodes[0]!.id);
  });
});

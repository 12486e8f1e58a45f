import { describe, expect, it } from "vitest";
import { checkConnection, DEFAULT_COMPATIBILITY, wouldCreateCycle } from "./connection";

const q = (sourceType: string, targetType: string, targetTaken = false) =>
  checkConnection({
    sourceNode: "a",
    sourcePort: "out",
    sourceType,
    targetNode: "b",
    targetPort: "in",
    targetType,
    targetTaken,
  });

describe("connection rule", () => {
  const allowed: [string, string][] = [
    ["uri_folder", "uri_folder"],
    ["uri_file", "uri_file"],
    ["mltable", "mltable"],
    ["mlflow_model", "mlflow_model"],
    ["custom_model", "custom_model"],
    ["uri_folder", "mltable"],
    ["mltable", "uri_folder"],
    ["mlflow_model", "custom_model"],
    ["mlflow_model", "uri_folder"],
    ["custom_model", "uri_folder"],
    ["uri_folder", "custom_model"],
  ];
  const refused: [string, string][] = [
    ["uri_file", "uri_folder"],
    ["uri_folder", "uri_file"],
    ["mltable", "mlflow_model"],
    ["custom_model", "mlflow_model"],
    ["uri_folder", "mlflow_model"],
    ["mltable", "custom_model"],
  ];

  it.each(allowed)("allows %s -> %s", (s, t) => expect(q(s, t)).toEqual({ ok: true }));
  it.each(refused)("refuses %s -> %s as incompatible", (s, t) => expect(q(s, t)).toMatchObject({ ok: false, code: "incompatible_types" }));
  it.each(["string", "integer", "number", "boolean"])("refuses any edge into a %s parameter", (t) =>
    expect(q("uri_folder", t)).toMatchObject({ ok: false, code: "primitive_port" }),
  );

  it("refuses an input that is already taken and says why", () => {
    const r = q("uri_folder", "uri_folder", true);
    expect(r).toMatchObject({ ok: false, code: "input_taken" });
    if (!r.ok) expect(r.reason).toContain("already connected");
  });

  it("refuses unknown ports and self loops", () => {
    expect(q("uri_folder", undefined as unknown as string)).toMatchObject({ ok: false, code: "unknown_port" });
    const self = checkConnection({
      sourceNode: "a",
      sourcePort: "o",
      sourceType: "uri_folder",
      targetNode: "a",
      targetPort: "i",
      targetType: "uri_folder",
      targetTaken: false,
    });
    expect(self).toMatchObject({ ok: false, code: "self_loop" });
  });

  it("uses the table it is given instead of the built-in one", () => {
    const r = checkConnection({
      sourceNode: "a",
      sourcePort: "o",
      sourceType: "uri_file",
      targetNode: "b",
      targetPort: "i",
      targetType: "uri_folder",
      targetTaken: false,
      compatibility: { ...DEFAULT_COMPATIBILITY, uri_file: ["uri_file", "uri_folder"] },
    });
    expect(r).toEqual({ ok: true });
  });

  it("detects cycles", () => {
    const edges = [
      { source: "a", target: "b" },
      { source: "b", target: "c" },
    ];
    expect(wouldCreateCycle(edges, "c", "a")).toBe(true);
    expect(wouldCreateCycle(edges, "a", "c")).toBe(false);
  });
});

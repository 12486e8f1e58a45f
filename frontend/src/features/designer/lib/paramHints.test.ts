import { describe, expect, it } from "vitest";
import { hasColumn, inputApplies, parseHints, toggleColumn } from "./paramHints";
import type { InputPortSpec } from "../../../lib/types";

const inputs: Record<string, InputPortSpec> = {
  data: { type: "uri_folder" },
  script: { type: "string" },
  target: { type: "string" },
  features: { type: "string", optional: true },
  algorithm: { type: "string", default: "logistic_regression", enum: ["logistic_regression", "svm", "knn"] },
  kernel: { type: "string", default: "rbf" },
};

describe("editor hints from tags", () => {
  const hints = parseHints(
    {
      category: "Model Training",
      "conveyor.editor.script": "python",
      "conveyor.column.target": "data",
      "conveyor.columns.features": "data",
      "conveyor.applies.kernel": "algorithm=svm, knn",
      "conveyor.applies.nothing": "algorithm=svm",
      "conveyor.editor.target": "ruby",
    },
    inputs,
  );

  it("reads each kind per input and ignores malformed ones", () => {
    expect(hints.script).toEqual({ editor: "python" });
    expect(hints.target).toEqual({ columnsFrom: "data", multipleColumns: false });
    expect(hints.features).toEqual({ columnsFrom: "data", multipleColumns: true });
    expect(hints.kernel).toEqual({ applies: { input: "algorithm", values: ["svm", "knn"] } });
    expect(hints.nothing).toBeUndefined();
  });

  it("shows a dependent input only while its controller has a listed value (or default)", () => {
    expect(inputApplies(hints.kernel, inputs, {})).toBe(false); // default logistic_regression
    expect(inputApplies(hints.kernel, inputs, { algorithm: { value: "svm" } })).toBe(true);
    expect(inputApplies(hints.kernel, inputs, { algorithm: { value: "logistic_regression" } })).toBe(false);
    expect(inputApplies(hints.kernel, inputs, { algorithm: { pipeline_input: "algo" } })).toBe(true);
    expect(inputApplies(hints.script, inputs, {})).toBe(true);
  });
});

describe("column lists", () => {
  it("toggles a column in a comma-separated list, keeping what was typed", () => {
    expect(toggleColumn("", "age")).toBe("age");
    expect(toggleColumn("age,income", "label")).toBe("age, income, label");
    expect(toggleColumn("age, income", "age")).toBe("income");
    expect(hasColumn("age, income", "income")).toBe(true);
    expect(hasColumn("age, income", "inc")).toBe(false);
  });
});

import { describe, expect, it } from "vitest";
import { datasetNameOf } from "./datasetPath";

const SHA = "3f7a".padEnd(64, "0");

describe("datasetNameOf", () => {
  it("names the file of a stored dataset path", () => {
    expect(datasetNameOf(`/srv/conveyor/var/datasets/${SHA}/iris.csv`)).toBe("iris.csv");
  });
  it("gives null for any other path", () => {
    expect(datasetNameOf("data/iris.csv")).toBeNull();
    expect(datasetNameOf(`/srv/datasets/${SHA.slice(1)}/iris.csv`)).toBeNull();
    expect(datasetNameOf(`/srv/datasets/${SHA}/`)).toBeNull();
  });
});

import { describe, expect, it } from "vitest";
import { datasetNameOf, datastorePathOf } from "./datasetPath";

const SHA = "3f7a".padEnd(64, "0");

describe("datasetNameOf", () => {
  it("names the file of an uploaded dataset reference", () => {
    expect(datasetNameOf(`azureml://datastores/uploads/paths/${SHA}/iris.csv`)).toBe("iris.csv");
  });
  it("gives null for any other value, server paths included", () => {
    expect(datasetNameOf("data/iris.csv")).toBeNull();
    expect(datasetNameOf(`/srv/conveyor/var/datasets/${SHA}/iris.csv`)).toBeNull();
    expect(datasetNameOf(`azureml://datastores/uploads/paths/${SHA.slice(1)}/iris.csv`)).toBeNull();
    expect(datasetNameOf(`azureml://datastores/shared/paths/${SHA}/iris.csv`)).toBeNull();
  });
});

describe("datastorePathOf", () => {
  it("splits a datastore reference", () => {
    expect(datastorePathOf("azureml://datastores/shared/paths/iris/data.csv")).toEqual({ datastore: "shared", path: "iris/data.csv" });
    expect(datastorePathOf("/etc/shadow")).toBeNull();
  });
});

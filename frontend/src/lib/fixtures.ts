/** Test helper: the shared fixture documents (tests/fixtures/pipelines), also read by pytest.
 * A missing or empty fixture folder is an error, never a silent fallback. Documents a test
 * builds by hand are in INLINE_DOCUMENTS and used by name. */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { ComponentSpec, PipelineDocument } from "./types";

const FIXTURE_DIR = fileURLToPath(new URL("../../../tests/fixtures/pipelines/", import.meta.url));

export const INLINE_DOCUMENTS: Record<string, PipelineDocument> = {
  "inline-iris": {
    schema_version: 1,
    name: "iris-classification",
    description: "",
    inputs: {
      learning_rate: { type: "number", default: 0.1, optional: false, description: "" },
      training_data: { type: "uri_folder", optional: false, description: "" },
    },
    outputs: { trained_model: { node: "train", port: "model_output" } },
    settings: { default_compute: "cpu", continue_on_step_failure: false, force_rerun: false },
    nodes: [
      {
        id: "load",
        component: "load_data@1",
        display_name: "Load",
        position: { x: -300, y: 12.5 },
        inputs: {},
        compute: "highmem",
        settings: { timeout_seconds: 600 },
      },
      {
        id: "train",
        component: "train_model@1",
        display_name: "Train",
        position: { x: 0, y: 0 },
        inputs: { lr: { value: 0.1 }, data: { pipeline_input: "training_data" } },
        compute: null,
        settings: { timeout_seconds: null },
      },
    ],
    edges: [{ source: "load", source_port: "output_data", target: "train", target_port: "data" }],
  },
  "inline-empty": {
    schema_version: 1,
    name: "empty",
    description: "nothing yet",
    inputs: {},
    outputs: {},
    settings: { default_compute: "gpu", continue_on_step_failure: true, force_rerun: true },
    nodes: [],
    edges: [],
  },
};

export function fixtureDocuments(): Record<string, PipelineDocument> {
  if (!existsSync(FIXTURE_DIR)) throw new Error(`the shared fixtures are missing: ${FIXTURE_DIR}`);
  const out: Record<string, PipelineDocument> = {};
  for (const f of readdirSync(FIXTURE_DIR).sort()) {
    if (!f.endsWith(".json") || f === "components.json") continue;
    const raw = JSON.parse(readFileSync(FIXTURE_DIR + f, "utf8")) as Record<string, unknown>;
    const doc = (Array.isArray(raw.nodes) ? raw : raw.document) as PipelineDocument | undefined;
    if (doc && Array.isArray(doc.nodes)) out[f] = doc;
  }
  if (!Object.keys(out).length) throw new Error(`no pipeline documents in ${FIXTURE_DIR}`);
  return out;
}

export function fixtureComponents(): ComponentSpec[] {
  const f = FIXTURE_DIR + "components.json";
  if (!existsSync(f)) throw new Error(`the shared fixture is missing: ${f}`);
  const raw = JSON.parse(readFileSync(f, "utf8")) as unknown;
  return (Array.isArray(raw) ? raw : ((raw as { components?: ComponentSpec[] }).components ?? [])) as ComponentSpec[];
}

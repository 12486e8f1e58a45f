/** Shapes shared with the Django API. Field names match the server one to one. */

export type PortType = "uri_folder" | "uri_file" | "mltable" | "mlflow_model" | "custom_model" | "string" | "integer" | "number" | "boolean";

export type Primitive = string | number | boolean | null;

export interface InputPortSpec {
  type: string;
  optional?: boolean;
  default?: Primitive;
  min?: number | null;
  max?: number | null;
  enum?: Primitive[] | null;
  description?: string;
}

export interface OutputPortSpec {
  type: string;
  description?: string;
}

export interface ComponentSpec {
  name: string;
  version: string;
  display_name: string;
  description: string;
  tags: Record<string, string>;
  inputs: Record<string, InputPortSpec>;
  outputs: Record<string, OutputPortSpec>;
  command?: string;
  yaml?: string;
  digest?: string;
  is_deterministic?: boolean;
  created_at?: string;
}

/** Who owns a component name: the system (built-ins) or its first publisher (and a group). */
export interface ComponentOwner {
  /** "unclaimed": only anonymous versions so far; the first named version claims the name. */
  kind: "system" | "user" | "unclaimed";
  name: string | null;
  group: string | null;
}

export interface ComponentSummary {
  name: string;
  owner: ComponentOwner;
  display_name: string;
  description: string;
  tags: Record<string, string>;
  latest_version: string;
  versions: string[];
  /** Versions registered by pipeline imports (a hash of spec and code); `@latest` skips them. */
  anonymous_versions?: number;
  only_anonymous?: boolean;
  /** "azureml": a built-in, `azureml://registries/azureml/components/<name>`. */
  registry?: "azureml" | "workspace";
}

export interface ComponentVersionSummary {
  version: string;
  digest: string;
  created_at: string;
  anonymous?: boolean;
  source?: string;
}

export interface ComponentDetail extends Omit<ComponentSummary, "versions"> {
  versions: ComponentVersionSummary[];
}

export interface Paginated<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

/* ---- pipeline document (canonical JSON) ---- */

export interface PipelineInput {
  type: string;
  default?: Primitive;
  optional?: boolean;
  description?: string;
}

export interface PipelineOutput {
  node: string;
  port: string;
}

export interface PipelineSettings {
  default_compute: string;
  continue_on_step_failure: boolean;
  force_rerun: boolean;
}

export type NodeInputValue = { value: Primitive } | { pipeline_input: string };

export interface PipelineNode {
  id: string;
  component: string;
  display_name: string;
  position: { x: number; y: number };
  inputs: Record<string, NodeInputValue>;
  compute: string | null;
  settings: { timeout_seconds?: number | null } & Record<string, unknown>;
}

export interface PipelineEdge {
  source: string;
  source_port: string;
  target: string;
  target_port: string;
}

export interface PipelineDocument {
  schema_version: number;
  name: string;
  description: string;
  inputs: Record<string, PipelineInput>;
  outputs: Record<string, PipelineOutput>;
  settings: PipelineSettings;
  nodes: PipelineNode[];
  edges: PipelineEdge[];
}

export type DocumentMeta = Omit<PipelineDocument, "nodes" | "edges">;

export interface ValidationError {
  node: string | null;
  port: string | null;
  code: string;
  message: string;
}

export interface PipelineSummary {
  id: number | string;
  name: string;
  description: string;
  owner: string;
  latest_version: number;
  updated_at: string;
  archived: boolean;
}

export interface PipelineVersion {
  number: number;
  document: PipelineDocument;
  message: string;
  author: string;
  created_at: string;
  is_valid: boolean;
  errors: ValidationError[];
}

export type PipelineVersionSummary = Omit<PipelineVersion, "document" | "errors">;

export interface PipelineDetail extends PipelineSummary {
  latest: PipelineVersion | null;
}

export interface Meta {
  compute_pools: string[];
  input_types: string[];
  compatibility: Record<string, string[]>;
  sandbox?: SandboxState;
}

/** Whether steps run in the bubblewrap sandbox here (docs/security.md, "Step sandbox"). */
export interface SandboxState {
  available: boolean;
  reason: string;
  mode?: string;
  allow_unsandboxed?: boolean;
}

export function isBinding(v: NodeInputValue | undefined): v is { pipeline_input: string } {
  return !!v && typeof v === "object" && "pipeline_input" in v;
}

export function isValue(v: NodeInputValue | undefined): v is { value: Primitive } {
  return !!v && typeof v === "object" && "value" in v;
}

/** "train_model@1" -> ["train_model", "1"] */
export function splitComponentRef(ref: string): [string, string] {
  const at = ref.lastIndexOf("@");
  return at < 0 ? [ref, ""] : [ref.slice(0, at), ref.slice(at + 1)];
}

/** A run's and a step's status, as the API and the live events name them (designer/engine/models.py). */
export type RunStatus = "NotStarted" | "Queued" | "Running" | "Completed" | "Failed" | "Canceled";
export type StepStatus = RunStatus | "Skipped";

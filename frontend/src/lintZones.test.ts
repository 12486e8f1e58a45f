/** The lint zones of eslint.config.js, checked on code that breaks them and code that keeps them. */
import { ESLint } from "eslint";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const eslint = new ESLint({ cwd: ROOT });

async function zoneErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${ROOT}/${filePath}` });
  return (result?.messages ?? []).filter((m) => m.ruleId === "import-x/no-restricted-paths").map((m) => m.message);
}

describe("lint zones", () => {
  it("refuse a feature importing another feature", async () => {
    const errors = await zoneErrors("src/features/designer/components/X.ts", 'export { RunGraph } from "../../runs/components/RunGraph";\n');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain("A feature imports no other feature");
  });

  it("let a feature import its own folder and the shared modules", async () => {
    const code = [
      'export { ComponentNode } from "./ComponentNode";',
      'export { NodeCard } from "../../../canvas/NodeCard";',
      'export { fetchRun } from "../../../api/runs";',
      'export { Dialog } from "../../../components/Dialog";',
      'export { formatBytes } from "../../../lib/format";',
      "",
    ].join("\n");
    expect(await zoneErrors("src/features/designer/components/X.ts", code)).toEqual([]);
  });

  it("refuse a shared module importing a feature", async () => {
    const errors = await zoneErrors("src/components/X.ts", 'export { RunGraph } from "../features/runs/components/RunGraph";\n');
    expect(errors).toEqual([expect.stringContaining("Shared modules import no feature")]);
  });

  it("refuse src/lib importing a shared module above it", async () => {
    const errors = await zoneErrors("src/lib/X.ts", 'export { NodeCard } from "../canvas/NodeCard";\n');
    expect(errors).toEqual([expect.stringContaining("src/lib is the lowest layer")]);
  });
});

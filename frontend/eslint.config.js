// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import reactHooks from "eslint-plugin-react-hooks";
import importX from "eslint-plugin-import-x";
import { createTypeScriptImportResolver } from "eslint-import-resolver-typescript";
import globals from "globals";
import { readdirSync } from "node:fs";
import { join } from "node:path";

/*
 * Lint zones (as bulletproof-react draws them): a feature imports only from the shared
 * modules and its own folder, never from another feature; the shared modules never import a
 * feature or the app; and among them lib < api < canvas < components. Code two features need
 * moves down into a shared module.
 */
const FEATURES = readdirSync(join(import.meta.dirname, "src", "features"), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name);
const SHARED = ["./src/lib", "./src/api", "./src/canvas", "./src/components", "./src/styles"];
const ZONES = [
  ...FEATURES.map((feature) => ({
    target: `./src/features/${feature}`,
    from: "./src/features",
    except: [`./${feature}`],
    message: "A feature imports no other feature: move what both need to src/lib, src/api, src/canvas or src/components.",
  })),
  {
    target: SHARED,
    from: ["./src/features", "./src/App.tsx", "./src/main.tsx"],
    message: "Shared modules import no feature and not the app.",
  },
  { target: "./src/lib", from: ["./src/api", "./src/canvas", "./src/components"], message: "src/lib is the lowest layer." },
  { target: "./src/api", from: ["./src/canvas", "./src/components"], message: "src/api imports only src/lib." },
  { target: "./src/canvas", from: "./src/components", message: "src/canvas imports src/lib and src/api only." },
];
// The contract test checks the runs feature's event union against the fixture pytest also
// reads (tests/fixtures/contracts): the one shared file allowed to look into a feature.
const CONTRACT_TEST = "src/lib/contracts.test.ts";
const zonesRule = (zones) => ["error", { basePath: import.meta.dirname, zones }];

export default tseslint.config(
  { ignores: ["dist", "node_modules"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.{ts,tsx}"],
    languageOptions: { globals: globals.browser },
    plugins: { "react-hooks": reactHooks, "import-x": importX },
    settings: {
      "import-x/resolver-next": [createTypeScriptImportResolver({ project: "./tsconfig.json" })],
    },
    rules: {
      "react-hooks/rules-of-hooks": "error",
      "react-hooks/exhaustive-deps": "warn",
      "import-x/no-cycle": ["error", { maxDepth: 10 }],
      "import-x/no-restricted-paths": zonesRule(ZONES),
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
    },
  },
  {
    files: [CONTRACT_TEST],
    rules: { "import-x/no-restricted-paths": zonesRule(ZONES.filter((z) => z.target !== SHARED)) },
  },
);

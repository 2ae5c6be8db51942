// ESLint for the phone app (pwa/), the console (console/) and the modules both load (web/shared/): plain ES modules
// run by the browser as written; and for the phone's module tests (tests/js/), run by Node.
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["**/vendor/**", "node_modules/**", ".venv/**"] },
  js.configs.recommended,
  {
    files: ["pwa/**/*.js", "console/**/*.js", "web/**/*.js", "tests/js/**/*.js"],
    languageOptions: {
      ecmaVersion: 2024,
      sourceType: "module",
      globals: { ...globals.browser },
    },
    rules: {
      "max-len": ["error", { code: 120, ignoreUrls: true }],
      "no-unused-vars": ["error", { argsIgnorePattern: "^_", caughtErrors: "none" }],
      eqeqeq: ["error", "always", { null: "ignore" }],
      "prefer-const": "error",
      "no-var": "error",
    },
  },
  {
    files: ["pwa/sw.js", "pwa/sw-shell.js"],
    languageOptions: { globals: { ...globals.serviceworker } },
  },
  {
    files: ["tests/js/**/*.js"],
    languageOptions: { globals: { ...globals.node } },
  },
];

import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/**", "reports/**", ".cache/**", ".scratch/**", "targets/shop/.bin/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["bin/**/*.mjs", "scripts/**/*.mjs"],
    languageOptions: { globals: { process: "readonly", console: "readonly" } },
  },
  {
    // k6 scripts: the k6 runtime's globals.
    files: ["suites/load/k6/**/*.js", "test/**/k6/**/*.js"],
    languageOptions: {
      globals: {
        __ENV: "readonly",
        __VU: "readonly",
        __ITER: "readonly",
        open: "readonly",
        console: "readonly",
      },
    },
  },
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
);

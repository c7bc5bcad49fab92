/** Three tiers: unit/service tests beside the code, and the end-to-end suite run against both modes. */
const transform = {
  "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }],
  // The Meilisearch client ships as an ES module only; Node requires it natively, jest's runtime needs it compiled.
  "/node_modules/meilisearch/.+\\.js$": ["ts-jest", { tsconfig: { allowJs: true, module: "commonjs", target: "ES2023" }, isolatedModules: true }],
};
const base = {
  testEnvironment: "node",
  transform,
  transformIgnorePatterns: ["/node_modules/(?!meilisearch/)"],
  moduleFileExtensions: ["ts", "js", "json"],
};

module.exports = {
  // A global option: inside a project entry jest ignores it and tests get 5 s.
  testTimeout: 30_000,
  projects: [
    { ...base, displayName: "unit", testMatch: ["<rootDir>/{libs,services,src}/**/*.test.ts"] },
    {
      ...base,
      displayName: "e2e-embedded",
      testMatch: ["<rootDir>/test/e2e/**/*.e2e.ts"],
      setupFiles: ["<rootDir>/test/support/mode-embedded.ts"],
    },
    {
      ...base,
      displayName: "e2e-distributed",
      testMatch: ["<rootDir>/test/e2e/**/*.e2e.ts"],
      setupFiles: ["<rootDir>/test/support/mode-distributed.ts"],
    },
  ],
};

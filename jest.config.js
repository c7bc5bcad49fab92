/** Four tiers: unit/service tests beside the code, the end-to-end suite run against both modes, and the web client in a browser. */
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
  // dist/ holds the build (test/deploy builds it): never a module or a test to jest.
  modulePathIgnorePatterns: ["<rootDir>/dist/"],
};

module.exports = {
  // A global option: jest ignores it inside a project's settings.
  testTimeout: 30_000,
  projects: [
    {
      ...base,
      displayName: "unit",
      // Beside the code, and the deployment's checks (compose, k8s, the image's entry point) under test/deploy.
      testMatch: ["<rootDir>/{libs,services,src}/**/*.test.ts", "<rootDir>/test/deploy/**/*.test.ts", "<rootDir>/web/src/**/*.test.ts"],
    },
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
    // Debian's headless Chromium (`/usr/bin/chromium`, CHROMIUM_PATH) driving the web client, in both modes.
    { ...base, displayName: "browser", testMatch: ["<rootDir>/test/browser/**/*.browser.ts"], setupFiles: ["<rootDir>/test/support/mode-embedded.ts"] },
    {
      ...base,
      displayName: "browser-distributed",
      testMatch: ["<rootDir>/test/browser/**/*.browser.ts"],
      setupFiles: ["<rootDir>/test/support/mode-distributed.ts"],
    },
  ],
};

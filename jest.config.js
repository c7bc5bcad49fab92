/** Three tiers: unit/service tests beside the code, and the end-to-end suite run against both modes. */
const transform = { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }] };
const base = { testEnvironment: "node", transform, moduleFileExtensions: ["ts", "js", "json"], testTimeout: 30_000 };

module.exports = {
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

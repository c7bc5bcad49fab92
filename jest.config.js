/**
 * Test tiers, each a project with its own npm script (`npm test` runs them all):
 *   unit     `*.test.ts` beside the code: pure modules, no I/O at all; seconds, runs anywhere.
 *   db       `*.db.test.ts` beside the code: the test does I/O — Postgres (test/support/db.ts) or PGlite,
 *            NATS, a socket (a loopback server too), a file, a child process. The rule: a test file that
 *            touches anything outside its own memory ends in `.db.test.ts`; the rest stay `*.test.ts`.
 *   e2e-embedded, e2e-distributed   `test/e2e/*.e2e.ts`: the whole stack as real processes, in both modes.
 *   browser, browser-distributed    `test/browser/*.browser.ts`: the web client in headless Chromium.
 *   deploy   `test/deploy/*.test.ts`: the image, compose, Kubernetes manifests and graceful shutdown.
 *   fault    `test/fault/*.fault.ts`: kill -9 of each service, NATS down, Postgres connections cut, over the built
 *            entry point. `npm test` runs its short version (FAULT_SUITE=short, about 3 min); `npm run test:fault`
 *            the full one (FAULT_SUITE=full: NATS down 30 s, each service down 10 s). cluster.fault.ts: three
 *            clustered NATS servers and two replicas of each service, one server killed, then one replica of each
 *            service (about 2.5 min short). standby.fault.ts: a Postgres primary and standby of its own, two of every
 *            service (gateways behind a round-robin proxy), a NATS server, the replicas and the primary killed, the
 *            standby promoted (about 2.5 min short).
 * The scripts close `--selectProjects` with a flag (`--runInBand` again): it takes every word after it as a
 * project name, so `npm run test:db -- libs/db` would otherwise run the whole tier instead of filtering it.
 */
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
      testMatch: ["<rootDir>/{libs,services,src}/**/*.test.ts", "<rootDir>/web/src/**/*.test.ts", "!**/*.db.test.ts"],
    },
    { ...base, displayName: "db", testMatch: ["<rootDir>/{libs,services,src}/**/*.db.test.ts"] },
    { ...base, displayName: "deploy", testMatch: ["<rootDir>/test/deploy/**/*.test.ts"] },
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
    { ...base, displayName: "fault", testMatch: ["<rootDir>/test/fault/**/*.fault.ts"] },
  ],
};

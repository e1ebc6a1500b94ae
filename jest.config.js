/** Unit, integration (n8n-core in-process against the sandbox) and fault tests. e2e lives in jest.e2e.config.js. */

// The tests run in a zone that is not UTC (n8n's default GENERIC_TIMEZONE), so that a time read as
// local time instead of UTC shows on any machine. Set before Jest starts its workers (they inherit it),
// and in the process that loads this file (StrykerJS runs the tests there).
process.env.TZ = 'America/New_York';

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/e2e/'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  },
  testTimeout: 60000,
  // Two workers on two cores: most of these tests wait on sockets and timers (the sandbox, real
  // backoff and rate-limit windows), so two files side by side take about half the time of one after the other.
  maxWorkers: 2,
};

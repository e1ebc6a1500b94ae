/**
 * End-to-end tests against a real n8n 2.x server (Node 24 runtime from .cache/n8n-runtime) and
 * Debian's Chromium. One n8n per test file, two files side by side: n8n's start and Chromium
 * keep one core busy at a time for the most part (each worker takes its ports from a range of
 * its own: freePort in scripts/n8n-stack.ts).
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test/e2e'],
  testMatch: ['**/*.test.ts'],
  // The queue-mode test (Redis, PostgreSQL, three n8n processes) runs on its own: npm run test:e2e:queue.
  testPathIgnorePatterns: ['/node_modules/', '/test/e2e/queue-mode\\.test\\.ts$'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  },
  maxWorkers: 2,
  testTimeout: 240000,
  // Installing the runtime on a cold cache happens in beforeAll and can take several minutes.
  // (It is bounded by the install script itself; CI installs it in scripts/ci-setup.sh first.)
  slowTestThreshold: 60,
};

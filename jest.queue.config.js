/** The queue-mode e2e test alone (npm run test:e2e:queue): Redis, PostgreSQL, n8n main and two workers. */
const e2e = require('./jest.e2e.config.js');

module.exports = {
  ...e2e,
  testMatch: ['**/queue-mode.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  // Redis, PostgreSQL and three n8n processes are enough for two cores.
  maxWorkers: 1,
};

// Two projects: unit (pages rendered by miniprogram-simulate, wx mocked) and contract (the API module
// against a running backend: BASE_URL, started by tests/miniprogram in the Python suite).
module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'jsdom',
      testMatch: ['<rootDir>/tests/unit/**/*.test.js'],
    },
    {
      displayName: 'contract',
      testEnvironment: 'node',
      testMatch: ['<rootDir>/tests/contract/**/*.test.js'],
    },
  ],
}

module.exports = {
  testEnvironment: 'jsdom',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.js'],
  setupFiles: ['<rootDir>/test/setup.js'],
  setupFilesAfterEnv: ['<rootDir>/test/fail-on-console-error.js'],
  // Only our code: the built component library and node_modules are not ours.
  modulePathIgnorePatterns: ['<rootDir>/miniprogram_npm/'],
  testTimeout: 20000,
}

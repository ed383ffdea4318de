import {defineConfig} from 'vitest/config';

export default defineConfig({
	test: {
		include: ['test/**/*.test.{ts,tsx}'],
		// The real agent CLIs run apart: `npm run test:agents` (vitest.agents.config.ts).
		exclude: ['test/agents/**', 'node_modules/**'],
		// End-to-end tests spawn the built CLI and real terminals; give them room on 2 cores.
		testTimeout: 30_000,
		hookTimeout: 30_000,
		// A test that asserts nothing (an expect in a branch not taken, a helper that never checks) fails.
		expect: {requireAssertions: true},
	},
});

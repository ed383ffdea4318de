import {defineConfig} from 'vitest/config';

/** The real agent CLIs against the scripted model (test/agents): slow, so apart from `npm test`. */
export default defineConfig({
	test: {
		include: ['test/agents/**/*.test.ts'],
		testTimeout: 300_000,
		hookTimeout: 60_000,
		// One real CLI at a time: each runs its own agent loop, shell and the app on 2 cores.
		fileParallelism: false,
		expect: {requireAssertions: true},
	},
});

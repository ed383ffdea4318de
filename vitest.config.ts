import {defineConfig} from 'vitest/config';
import {inkOutputStep, isInkOutputImport} from './scripts/ink-output-step.js';

export default defineConfig({
	// The app's frames are made by our output step, as in the bundle. Ink is loaded through Vite for that (deps.inline).
	plugins: [{name: 'ink-output-step', enforce: 'pre', resolveId: (specifier, importer) => (isInkOutputImport(specifier, importer) ? inkOutputStep : undefined)}],
	test: {
		include: ['test/**/*.test.{ts,tsx}'],
		// The real agent CLIs run apart: `npm run test:agents` (vitest.agents.config.ts).
		exclude: ['test/agents/**', 'node_modules/**'],
		server: {deps: {inline: ['ink']}},
		// End-to-end tests spawn the built CLI and real terminals; give them room on 2 cores.
		testTimeout: 30_000,
		hookTimeout: 30_000,
		// A test that asserts nothing (an expect in a branch not taken, a helper that never checks) fails.
		expect: {requireAssertions: true},
	},
});

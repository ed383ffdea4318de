// Lint for source/, test/ and scripts/: type-aware typescript-eslint and the React hooks rules.
// `npm run lint` runs it with --max-warnings 0, then scripts/check-disable-reasons.js.
// Type information comes from tsconfig.json, whose include (with allowJs) also holds the .js/.mjs scripts and fixtures.
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import {defineConfig, globalIgnores} from 'eslint/config';
import tseslint from 'typescript-eslint';

/** The Node globals the plain JavaScript files use (TypeScript checks names in .ts files itself). */
const nodeGlobals = Object.fromEntries(['process', 'console', 'Buffer', 'URL', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'performance', 'AbortController'].map(name => [name, 'readonly']));

export default defineConfig([
	globalIgnores(['dist/', 'coverage/', 'screenshots/', 'source/core/generated/*.js']),
	{
		files: ['**/*.{ts,tsx,js,mjs}'],
		extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
		languageOptions: {
			parserOptions: {
				projectService: true,
				tsconfigRootDir: import.meta.dirname,
			},
		},
		linterOptions: {
			reportUnusedDisableDirectives: 'error',
			reportUnusedInlineConfigs: 'error',
		},
		rules: {
			// A promise nobody awaits loses its rejection: `void` does not count as handling it.
			'@typescript-eslint/no-floating-promises': ['error', {ignoreVoid: false}],
			// Inside try, `return promise` skips the catch and finally of this function.
			'@typescript-eslint/return-await': ['error', 'in-try-catch'],
			// Off: its hits here were functions that are async to fit an interface (FolderWatch.close, Node's loader
			// hooks). Dropping `async` would turn their throws from rejections into synchronous exceptions.
			'@typescript-eslint/require-await': 'off',
			'@typescript-eslint/no-unused-vars': ['error', {ignoreRestSiblings: true, argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none'}],
			// A variable a callback reads before its one assignment cannot be const.
			'prefer-const': ['error', {ignoreReadBeforeAssign: true}],
			// A failed best-effort cleanup is ignored on purpose in several places; other empty blocks are still errors.
			'no-empty': ['error', {allowEmptyCatch: true}],
			// Matching control characters and escape sequences is this program's job (sanitizing, terminal tests).
			'no-control-regex': 'off',
		},
	},
	{
		// The v7 recommended set (rules of hooks and the React Compiler's checks). Only for React code: the tests'
		// vitest helpers named use... (useTempDirectories) are not hooks.
		files: ['source/**/*.{ts,tsx}', 'test/**/*.tsx'],
		extends: [reactHooks.configs.flat.recommended],
		rules: {
			'react-hooks/exhaustive-deps': 'error',
		},
	},
	{
		// Tests and scripts read JSON from child processes and files without declaring its shape.
		files: ['test/**', 'scripts/**'],
		rules: {
			'@typescript-eslint/no-unsafe-argument': 'off',
			'@typescript-eslint/no-unsafe-assignment': 'off',
			'@typescript-eslint/no-unsafe-call': 'off',
			'@typescript-eslint/no-unsafe-member-access': 'off',
			'@typescript-eslint/no-unsafe-return': 'off',
			'@typescript-eslint/no-explicit-any': 'off',
		},
	},
	{
		files: ['**/*.{js,mjs}'],
		languageOptions: {globals: nodeGlobals},
	},
]);

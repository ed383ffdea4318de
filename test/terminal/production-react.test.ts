import {execFileSync} from 'node:child_process';
import path from 'node:path';
import {expect, test} from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

/** Runs `script` (an ES module) in a fresh node without NODE_ENV, as a person's shell runs the CLI; returns what it prints. */
function inFreshNode(script: string): unknown {
	const environment = {...process.env};
	delete environment['NODE_ENV'];
	return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], {cwd: root, env: environment, encoding: 'utf8'})) as unknown;
}

const probe = `
	const {createRequire} = await import('node:module');
	const require = createRequire(import.meta.url);
	await import('./dist/app.js');
	const {jsx} = await import('react/jsx-runtime');
	const production = require(require.resolve('react/jsx-runtime').replace(/jsx-runtime[.]js$/, 'cjs/react-jsx-runtime.production.js'));
	process.stdout.write(JSON.stringify({jsxIsProduction: jsx === production.jsx, nodeEnv: process.env.NODE_ENV ?? null}));
`;

test('a screen command loads React\'s production builds, every entry of them, and leaves NODE_ENV unset for what it starts', () => {
	expect(inFreshNode(`await (await import('./dist/terminal/production-react.js')).loadProductionReact();${probe}`)).toEqual({jsxIsProduction: true, nodeEnv: null});
});

test('control: without it, the app\'s modules get the development builds', () => {
	expect(inFreshNode(probe)).toEqual({jsxIsProduction: false, nodeEnv: null});
});

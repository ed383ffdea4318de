// Builds dist/ with esbuild: the CLI and everything it imports, bundled and split at each lazy import.
// Why a bundle: Node 20 spends most of a screen command's start-up finding, reading and compiling the few hundred
// files of ink and react one by one (about 400 ms before the first frame); one chunk of them loads in about 80 ms.
// Splitting keeps the consumer commands that agents run often small: each command loads only the chunks it reaches.
// Type checking is `npm run typecheck` (tsc), which `npm test` runs.
import fs from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';
import {inkOutputStep, isInkOutputImport} from './ink-output-step.js';

const root = path.resolve(import.meta.dirname, '..');
const dist = path.join(root, 'dist');

/**
Ink's output step, which paints every cell of every frame, replaced by ours, which paints only rows no recent frame had and
makes the same text (source/terminal/ink-output.ts says why; its test compares the two).
*/
const inkOutput = {
	name: 'ink-output-step',
	setup(build) {
		build.onResolve({filter: /^\.\/output\.js$/}, ({path: specifier, importer}) => (isInkOutputImport(specifier, importer) ? {path: inkOutputStep} : undefined));
	},
};

fs.rmSync(dist, {recursive: true, force: true});
const result = await esbuild.build({
	absWorkingDir: root,
	// Besides the CLI, the two files started by path: the validation worker and the demo's consumer.
	entryPoints: {
		cli: 'source/cli.tsx',
		'core/validation-worker': 'source/core/validation-worker.ts',
		'demo/consumer': 'source/demo/consumer.ts',
	},
	outdir: 'dist',
	// One folder level down, as core/ and demo/ are, so `new URL('../…', import.meta.url)` means the same in every output file.
	chunkNames: 'chunks/[name]-[hash]',
	bundle: true,
	splitting: true,
	format: 'esm',
	platform: 'node',
	target: 'node20.19',
	// React and its reconciler pick their build by NODE_ENV: the bundle holds the production ones only, and NODE_ENV is never set at run time, so nothing the app starts inherits it.
	define: {'process.env.NODE_ENV': '"production"'},
	// Ink loads its devtools only when DEV=true; their client is not a dependency of ours.
	alias: {'react-devtools-core': './scripts/no-react-devtools.js'},
	// clipboardy finds its fallback binaries beside its own files; ajv is loaded lazily through createRequire.
	external: ['clipboardy'],
	// Bundled CommonJS (signal-exit, ws) requires Node's own modules; an ES module has no `require` of its own.
	banner: {js: 'import {createRequire as __handoffCreateRequire} from \'node:module\'; const require = __handoffCreateRequire(import.meta.url);'},
	sourcemap: true,
	sourcesContent: false,
	metafile: true,
	logLevel: 'warning',
	plugins: [inkOutput],
});
if (Object.keys(result.metafile.inputs).some(input => input.endsWith('ink/build/output.js'))) {
	throw new Error('build: Ink\'s own output step is in the bundle: did ink/build/renderer.js stop importing ./output.js? See source/terminal/ink-output.ts.');
}

fs.chmodSync(path.join(dist, 'cli.js'), 0o755);
// Which sources and packages each output file holds: the tests read it to check what a command loads.
fs.writeFileSync(path.join(dist, 'bundle-meta.json'), JSON.stringify(result.metafile));
console.log(`built dist/: ${Object.keys(result.metafile.outputs).filter(file => file.endsWith('.js')).length} files`);

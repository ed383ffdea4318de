import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {runCli} from './cli.js';

const recorder = fileURLToPath(new URL('../fixtures/record-modules.mjs', import.meta.url));
const dist = fileURLToPath(new URL('../../dist/', import.meta.url));

type BundleMeta = {outputs: Record<string, {inputs: Record<string, unknown>}>};

export type LoadedModules = {
	code: number | null;
	stderr: string;
	/** The npm packages whose code ran: loaded from node_modules, or bundled into a dist/ file that was loaded. */
	packages: Set<string>;
	/** The package files among them, as `<package>/<path>` (ajv/dist/core.js). */
	packageFiles: Set<string>;
	/** Our own source files whose code was loaded (bundled into the dist/ files), as `source/...` paths. */
	sources: Set<string>;
};

const packageFileOf = (file: string): string | undefined => /node_modules\/((?:@[^/]+\/)?[^/]+\/.*)$/.exec(file.replaceAll('\\', '/'))?.[1];

/** The environment that preloads the module recorder into a node process, recording into `record`. */
export function recordingEnvironment(record: string): Record<string, string> {
	return {NODE_OPTIONS: `--import=${recorder}`, HANDOFF_RECORD_MODULES: record};
}

/**
What a process started with `recordingEnvironment(record)` loaded. The build bundles packages into dist/'s chunks, so a loaded chunk stands for every input that dist/bundle-meta.json (esbuild's metafile) lists in it.
*/
export function recordedModules(record: string): Omit<LoadedModules, 'code' | 'stderr'> {
	const meta = JSON.parse(fs.readFileSync(path.join(dist, 'bundle-meta.json'), 'utf8')) as BundleMeta;
	const packages = new Set<string>();
	const packageFiles = new Set<string>();
	const sources = new Set<string>();
	for (const file of new Set(fs.readFileSync(record, 'utf8').split('\n').filter(Boolean))) {
		const relative = path.relative(path.dirname(dist), file).replaceAll('\\', '/');
		const inputs = relative.startsWith('dist/') ? Object.keys(meta.outputs[relative]?.inputs ?? {}) : [file];
		for (const input of inputs) {
			const packageFile = packageFileOf(input);
			if (packageFile) {
				packageFiles.add(packageFile);
				packages.add(/^(?:@[^/]+\/)?[^/]+/.exec(packageFile)![0]);
			} else if (input.startsWith('source/')) {
				sources.add(input);
			}
		}
	}

	return {packages, packageFiles, sources};
}

/** Runs the built CLI with the module recorder preloaded, and says what it loaded. */
export async function runRecordingModules(args: string[], cwd: string): Promise<LoadedModules> {
	const record = path.join(cwd, `modules-${args[0]}-${process.hrtime.bigint()}.txt`);
	fs.writeFileSync(record, '');
	// Detached: a session of its own, without the controlling terminal of whoever runs the tests, as a program or an agent runs a command (watch would draw its screen on /dev/tty).
	const result = await runCli(args, {cwd, env: recordingEnvironment(record), detached: true});
	return {...result, ...recordedModules(record)};
}

// Where our output step (source/terminal/ink-output.ts) takes the place of Ink's: in the bundle (scripts/build.js) and in
// the tests (vitest.config.ts), so that the screen the tests draw is made by the same code as the one people see.
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');

/** Our output step's file. */
export const inkOutputStep = path.join(root, 'source/terminal/ink-output.ts');

/** Whether `specifier`, imported by `importer`, is Ink's output step: its renderer imports it as ./output.js. */
export function isInkOutputImport(specifier, importer) {
	return specifier === './output.js' && (importer ?? '').split(path.sep).join('/').endsWith('/node_modules/ink/build/renderer.js');
}

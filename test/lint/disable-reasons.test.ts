import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {expect, test} from 'vitest';
import {useTempDirectories} from '../helpers/cli.js';

const tempDirectory = useTempDirectories();
const checkScript = path.resolve('scripts/check-disable-reasons.js');
/** Spelled in two parts so that the check, run over this file, does not take these samples for real comments. */
const disable = ['eslint', 'disable'].join('-');

function check(files: Record<string, string>) {
	const folder = tempDirectory();
	for (const [name, text] of Object.entries(files)) {
		fs.writeFileSync(path.join(folder, name), text);
	}

	return spawnSync(process.execPath, [checkScript, folder], {encoding: 'utf8'});
}

test('an eslint-disable comment without " -- reason" fails the check, naming the file and line', () => {
	const result = check({
		'bare.ts': `const a = 1;\n// ${disable}-next-line no-console\nconsole.log(a);\n`,
		'block.tsx': `/* ${disable} */\n`,
		'same-line.mjs': `foo(); // ${disable}-line no-undef\n`,
		'empty-reason.ts': `// ${disable}-next-line no-console --\n`,
	});
	expect(result.status).toBe(1);
	expect(result.stderr).toMatch(/bare\.ts:2: eslint-disable without a reason/);
	expect(result.stderr).toMatch(/block\.tsx:1: /);
	expect(result.stderr).toMatch(/same-line\.mjs:1: /);
	expect(result.stderr).toMatch(/empty-reason\.ts:1: /);
});

test('eslint-disable comments that give a reason pass', () => {
	const result = check({
		'reasoned.ts': `// ${disable}-next-line no-console -- the CLI prints here\nconsole.log(1);\n/* ${disable} no-undef -- a browser global */\n`,
		'plain.md': `// ${disable}-next-line no-console\n`,
	});
	expect(result.stderr).toBe('');
	expect(result.status).toBe(0);
});

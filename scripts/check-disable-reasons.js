// Fails when an `eslint-disable` comment gives no reason after ` -- `, so every exception to the lint says why.
// A separate check rather than a lint rule, because a bare file-wide disable comment would switch that rule off too.
// Usage: node scripts/check-disable-reasons.js [folder or file ...]  (default: source test scripts eslint.config.js)
import fs from 'node:fs';
import path from 'node:path';

const checkedExtensions = new Set(['.ts', '.tsx', '.js', '.mjs', '.cjs']);
const directive = /(?:\/\/|\/\*)\s*eslint-disable(?:-next-line|-line)?\b(.*)$/;

function* sourceFiles(target) {
	const stat = fs.statSync(target);
	if (stat.isFile()) {
		yield target;
		return;
	}

	for (const entry of fs.readdirSync(target, {withFileTypes: true})) {
		const child = path.join(target, entry.name);
		if (entry.isDirectory() && entry.name !== 'node_modules') {
			yield * sourceFiles(child);
		} else if (entry.isFile() && checkedExtensions.has(path.extname(entry.name))) {
			yield child;
		}
	}
}

/** The `eslint-disable` comments in `text` that give no reason, as line numbers (from 1). */
function disablesWithoutReason(text) {
	const lines = [];
	for (const [index, line] of text.split('\n').entries()) {
		const match = directive.exec(line);
		if (match && !/\s--\s+\S/.test(match[1])) {
			lines.push(index + 1);
		}
	}

	return lines;
}

const targets = process.argv.length > 2 ? process.argv.slice(2) : ['source', 'test', 'scripts', 'eslint.config.js'];
let failures = 0;
for (const target of targets) {
	for (const file of sourceFiles(target)) {
		for (const line of disablesWithoutReason(fs.readFileSync(file, 'utf8'))) {
			console.error(`${file}:${line}: eslint-disable without a reason (add " -- why")`);
			failures++;
		}
	}
}

process.exitCode = failures > 0 ? 1 : 0;

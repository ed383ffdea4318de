import fs from 'node:fs';
import path from 'node:path';
import {beforeEach, describe, expect, test} from 'vitest';
import {HandoffError} from '../../source/core/errors.js';
import {isInside, resolveInside, resolveInsideReal, toWorkspaceRelative} from '../../source/core/paths.js';
import {useTempDirectories} from './helpers.js';

const temporaryDirectory = useTempDirectories();

/** <root>/ws with output/, next to <root>/ws-evil (a sibling whose name starts with the workspace's) and <root>/outside.txt. */
let root: string;
let workspace: string;
beforeEach(async () => {
	root = await temporaryDirectory();
	workspace = path.join(root, 'ws');
	fs.mkdirSync(path.join(workspace, 'output'), {recursive: true});
	fs.mkdirSync(path.join(root, 'ws-evil'));
	fs.writeFileSync(path.join(root, 'ws-evil/secret.json'), '{"secret": true}');
	fs.writeFileSync(path.join(root, 'outside.txt'), 'outside');
});

const refused: Array<[string, string, string]> = [
	['parent', '..', 'leaves the workspace'],
	['parent file', '../outside.txt', 'leaves the workspace'],
	['parent after a folder', 'output/../../outside.txt', 'leaves the workspace'],
	['deep climb', 'output/a/b/../../../../outside.txt', 'leaves the workspace'],
	['sibling with the same prefix', '../ws-evil/secret.json', 'leaves the workspace'],
	['sibling through a folder', 'output/../../ws-evil/secret.json', 'leaves the workspace'],
	['POSIX absolute', '/etc/passwd', 'is absolute'],
	['Windows drive', 'C:\\Windows\\system32', 'is absolute'],
	['Windows drive, forward slashes', 'C:/Windows/system32', 'is absolute'],
	['Windows UNC', '\\\\server\\share\\file', 'is absolute'],
	['Windows root-relative', '\\Windows\\file', 'is absolute'],
	['NUL byte', 'output/a\0.json', 'NUL byte'],
	['NUL byte that hides a climb', 'output/ok.json\0/../../../outside.txt', 'NUL byte'],
	['empty', '', 'is empty'],
];

describe('resolveInside', () => {
	test.each(refused)('refuses %s (%j)', (_name, relativePath, message) => {
		let thrown: unknown;
		try {
			resolveInside(workspace, relativePath, 'outputs.result');
		} catch (error) {
			thrown = error;
		}

		expect(thrown).toBeInstanceOf(HandoffError);
		expect((thrown as Error).message).toContain(message);
		expect((thrown as Error).message).toMatch(/^outputs\.result /);
	});

	test('an absolute path is refused even when it points inside', () => {
		expect(() => resolveInside(workspace, path.join(workspace, 'output/result.json'))).toThrow('is absolute');
	});

	test.each([
		['output/result.json', 'output/result.json'],
		['output/sub/deeper/result.json', 'output/sub/deeper/result.json'],
		['output/sub/../result.json', 'output/result.json'],
		['./output/./result.json', 'output/result.json'],
		['.', ''],
		['output/..', ''],
		// Names that merely start with two dots stay inside.
		['..notes.txt', '..notes.txt'],
		['output/..hidden/x.json', 'output/..hidden/x.json'],
		['...', '...'],
	])('accepts %j', (relativePath, expected) => {
		expect(resolveInside(workspace, relativePath)).toBe(path.join(workspace, expected));
	});

	test('a workspace given relative to the current folder is resolved to an absolute path', () => {
		const relativeWorkspace = path.relative(process.cwd(), workspace);
		expect(resolveInside(relativeWorkspace, 'output/r.json')).toBe(path.join(workspace, 'output/r.json'));
	});

	test('isInside compares whole path segments, never string prefixes', () => {
		expect(isInside('/tmp/ws', '/tmp/ws')).toBe(true);
		expect(isInside('/tmp/ws', '/tmp/ws/output/x')).toBe(true);
		expect(isInside('/tmp/ws', '/tmp/ws-evil')).toBe(false);
		expect(isInside('/tmp/ws', '/tmp/ws-evil/x')).toBe(false);
		expect(isInside('/tmp/ws', '/tmp/wsx')).toBe(false);
		expect(isInside('/tmp/ws', '/tmp')).toBe(false);
		expect(isInside('/tmp/ws', '/tmp/ws/..x')).toBe(true);
		expect(isInside('/tmp/ws/', '/tmp/ws/a')).toBe(true);
	});

	test('toWorkspaceRelative gives forward slashes', () => {
		expect(toWorkspaceRelative(workspace, path.join(workspace, 'output', 'a', 'b.json'))).toBe('output/a/b.json');
	});
});

describe('resolveInsideReal', () => {
	test.each(refused)('refuses what resolveInside refuses: %s', (_name, relativePath, message) => {
		expect(() => resolveInsideReal(workspace, relativePath)).toThrow(message);
	});

	test('accepts plain paths, existing or not, and returns the lexical path', () => {
		fs.writeFileSync(path.join(workspace, 'output/result.json'), '{}');
		expect(resolveInsideReal(workspace, 'output/result.json')).toBe(path.join(workspace, 'output/result.json'));
		expect(resolveInsideReal(workspace, 'output/not/yet/there.json')).toBe(path.join(workspace, 'output/not/yet/there.json'));
	});

	test('accepts symlinks that stay inside, to files and to folders, and returns the link, not its target', () => {
		fs.writeFileSync(path.join(workspace, 'output/real.json'), '{}');
		fs.symlinkSync('real.json', path.join(workspace, 'output/relative-link.json'));
		fs.symlinkSync(path.join(workspace, 'output/real.json'), path.join(workspace, 'output/absolute-link.json'));
		fs.symlinkSync('output', path.join(workspace, 'alias'));
		expect(resolveInsideReal(workspace, 'output/relative-link.json')).toBe(path.join(workspace, 'output/relative-link.json'));
		expect(resolveInsideReal(workspace, 'output/absolute-link.json')).toBe(path.join(workspace, 'output/absolute-link.json'));
		expect(resolveInsideReal(workspace, 'alias/real.json')).toBe(path.join(workspace, 'alias/real.json'));
		expect(resolveInsideReal(workspace, 'alias/new/file.json')).toBe(path.join(workspace, 'alias/new/file.json'));
		// A dangling link that points inside is fine: what it would create is inside.
		fs.symlinkSync('later.json', path.join(workspace, 'output/dangling-inside.json'));
		expect(resolveInsideReal(workspace, 'output/dangling-inside.json')).toBe(path.join(workspace, 'output/dangling-inside.json'));
	});

	test('refuses existing symlinks that point outside: files, folders, and the sibling with the same prefix', () => {
		fs.symlinkSync(path.join(root, 'outside.txt'), path.join(workspace, 'output/leak.txt'));
		fs.symlinkSync('../../outside.txt', path.join(workspace, 'output/relative-leak.txt'));
		fs.symlinkSync(root, path.join(workspace, 'escape'));
		fs.symlinkSync(path.join(root, 'ws-evil'), path.join(workspace, 'evil'));
		for (const relativePath of ['output/leak.txt', 'output/relative-leak.txt', 'escape', 'escape/outside.txt', 'escape/not/yet/there.txt', 'evil/secret.json', 'evil/new.json']) {
			expect(() => resolveInsideReal(workspace, relativePath), relativePath).toThrow('goes through a symlink that leaves the workspace');
		}
	});

	test('refuses dangling symlinks that point outside, so nothing can be created there later', () => {
		fs.symlinkSync('/nonexistent/place', path.join(workspace, 'output/absolute.json'));
		fs.symlinkSync('../../not-yet.json', path.join(workspace, 'output/relative.json'));
		fs.symlinkSync(path.join(root, 'ws-evil/new'), path.join(workspace, 'output/evil-folder'));
		for (const relativePath of ['output/absolute.json', 'output/relative.json', 'output/evil-folder', 'output/evil-folder/file.json']) {
			expect(() => resolveInsideReal(workspace, relativePath), relativePath).toThrow('goes through a symlink that leaves the workspace');
		}

		expect(fs.existsSync(path.join(root, 'not-yet.json'))).toBe(false);
	});

	test('a dangling symlink reached through a folder link is judged from where it really is', () => {
		// a/b/c -> x (inside), and x/d -> ../../y: lexically a/b/c/../../y is a/y, inside; really x/../../y is outside the workspace.
		fs.mkdirSync(path.join(workspace, 'a/b'), {recursive: true});
		fs.mkdirSync(path.join(workspace, 'x'));
		fs.symlinkSync(path.join(workspace, 'x'), path.join(workspace, 'a/b/c'));
		fs.symlinkSync('../../y', path.join(workspace, 'x/d'));
		expect(() => resolveInsideReal(workspace, 'x/d/file.json')).toThrow('leaves the workspace');
		expect(() => resolveInsideReal(workspace, 'a/b/c/d/file.json')).toThrow('leaves the workspace');
	});

	test('a chain of links that ends dangling outside is refused', () => {
		// one -> two (a link inside), two -> outside (dangling): writing through one would create a file outside.
		fs.symlinkSync(path.join(root, 'created-outside.json'), path.join(workspace, 'output/two.json'));
		fs.symlinkSync('two.json', path.join(workspace, 'output/one.json'));
		expect(() => resolveInsideReal(workspace, 'output/two.json')).toThrow('leaves the workspace');
		expect(() => resolveInsideReal(workspace, 'output/one.json')).toThrow('leaves the workspace');
	});

	test('a link loop is an error, not a hang', () => {
		fs.symlinkSync('loop-b', path.join(workspace, 'output/loop-a'));
		fs.symlinkSync('loop-a', path.join(workspace, 'output/loop-b'));
		expect(() => resolveInsideReal(workspace, 'output/loop-a/x')).toThrow(/^ELOOP: too many symbolic links/);
	});

	test('a workspace reached through a symlink still accepts its own paths', () => {
		const alias = path.join(root, 'ws-alias');
		fs.symlinkSync(workspace, alias);
		fs.writeFileSync(path.join(workspace, 'output/result.json'), '{}');
		expect(resolveInsideReal(alias, 'output/result.json')).toBe(path.join(alias, 'output/result.json'));
		expect(resolveInsideReal(alias, 'output/new.json')).toBe(path.join(alias, 'output/new.json'));
		// A dangling link with an absolute target spelled through the alias points inside.
		fs.symlinkSync(path.join(alias, 'output/later.json'), path.join(workspace, 'output/via-alias.json'));
		expect(resolveInsideReal(alias, 'output/via-alias.json')).toBe(path.join(alias, 'output/via-alias.json'));
		fs.symlinkSync(path.join(root, 'outside.txt'), path.join(workspace, 'output/leak.txt'));
		expect(() => resolveInsideReal(alias, 'output/leak.txt')).toThrow('leaves the workspace');
	});
});

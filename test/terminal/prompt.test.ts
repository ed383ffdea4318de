import {describe, expect, test} from 'vitest';
import {buildPrompt, isPromptTool, promptTools} from '../../source/core/prompt.js';

const plain = '/home/ada/project/.handoff/workspaces/t_1';
const spaced = "/home/ada/my project/o'brien/t_1";
const retry = {errorsFile: 'shared/rejection.md'};

describe('hand-off prompt', () => {
	test('the tool list is what --tool accepts, generic first as the default', () => {
		expect(promptTools).toEqual(['generic', 'claude', 'codex', 'gemini', 'aider', 'cursor', 'copilot', 'opencode', 'qwen', 'amp']);
		expect(isPromptTool('aider')).toBe(true);
		expect(isPromptTool('vim')).toBe(false);
		expect(buildPrompt({workspace: plain})).toBe(buildPrompt({workspace: plain, tool: 'generic'}));
	});

	test.each(promptTools.flatMap(tool => [[tool, false], [tool, true]] as const))('%s (fix-up: %s) names the absolute workspace and its instructions, in at most 3 lines', (tool, isRetry) => {
		for (const workspace of [plain, spaced]) {
			const prompt = buildPrompt({workspace, tool, retry: isRetry ? retry : undefined});
			expect(prompt).toContain(workspace);
			expect(prompt).toContain(`${workspace}/input/instructions.md`);
			expect(prompt.split('\n').length).toBeLessThanOrEqual(3);
		}
	});

	test('the tools added for --launch get a note on where they may write', () => {
		expect(buildPrompt({workspace: spaced, tool: 'copilot'})).toContain(`--add-dir '/home/ada/my project/o'\\''brien/t_1'`);
		expect(buildPrompt({workspace: plain, tool: 'qwen'})).toContain(`Qwen Code may use only its working folders: start it in a folder that contains this one, or with --add-dir ${plain}.`);
		expect(buildPrompt({workspace: plain, tool: 'amp'})).toContain('(Amp works in the folder it starts in');
		expect(buildPrompt({workspace: plain, tool: 'opencode'})).toContain('(opencode works in the folder it starts in');
	});

	test('the generic prompt is exact', () => {
		expect(buildPrompt({workspace: plain})).toBe([
			`Read ${plain}/input/instructions.md and follow it exactly.`,
			`It is a hand-off task in the folder ${plain}: work only inside that folder and finish as the instructions say.`,
		].join('\n'));
	});

	test('the fix-up prompt points at the rejection reasons', () => {
		expect(buildPrompt({workspace: plain, retry})).toBe([
			`The result you handed back in ${plain} was rejected.`,
			`Read ${plain}/shared/rejection.md, fix every error it lists, and finish again as ${plain}/input/instructions.md says.`,
		].join('\n'));
	});

	test('a path with spaces is set off in backticks in prose, and shell-quoted in command lines', () => {
		const prompt = buildPrompt({workspace: spaced, tool: 'claude'});
		expect(prompt).toContain(`Read \`${spaced}/input/instructions.md\` and follow it exactly.`);
		expect(prompt).toContain(`in the folder \`${spaced}\`:`);
		expect(prompt).toContain(String.raw`--add-dir '/home/ada/my project/o'\''brien/t_1'`);
	});

	test('each tool gets what it needs to read and write the workspace', () => {
		const workspace = '/w s';
		expect(buildPrompt({workspace, tool: 'claude'})).toContain("--add-dir '/w s'");
		expect(buildPrompt({workspace, tool: 'codex'})).toContain("--cd '/w s' --sandbox workspace-write");
		expect(buildPrompt({workspace, tool: 'gemini'})).toContain("--include-directories '/w s'");
		expect(buildPrompt({workspace, tool: 'cursor'})).toContain('Agent chat');
		expect(buildPrompt({workspace, tool: 'generic'})).not.toContain('(');
	});

	test('aider: its own commands take double quotes, and a pasted block is one message, so no line starts with /', () => {
		const prompt = buildPrompt({workspace: '/w s', tool: 'aider'});
		expect(prompt).toContain("cd '/w s' && aider --no-git --read input");
		expect(prompt).toContain('/read-only "/w s/input"');
		expect(buildPrompt({workspace: '/w s', tool: 'aider', retry})).toContain('/read-only "/w s/shared/rejection.md"');
		for (const line of [...prompt.split('\n'), ...buildPrompt({workspace: '/w s', tool: 'aider', retry}).split('\n')]) {
			expect(line.startsWith('/')).toBe(false);
		}
	});
});

import {describe, expect, test} from 'vitest';
import pinned from './agent-clis.json' with {type: 'json'};
import {findAgentCli} from './agent-clis.js';

describe('the real agent CLIs are installed at their pinned versions', () => {
	for (const name of ['codex', 'gemini'] as const) {
		const cli = findAgentCli(name);
		// A missing install is a visible skip that says why, never a silent pass.
		test.skipIf(cli.missing !== undefined)(`${name} ${pinned[name].version}${cli.missing ? ` (skipped: ${cli.missing})` : ''}`, () => {
			expect(cli.version).toBe(pinned[name].version);
		});
	}
});

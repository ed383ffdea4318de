import {render} from 'ink-testing-library';
import {afterEach, expect, test} from 'vitest';
import {App} from '../../source/app.js';
import type {Intent} from '../../source/ui/intents.js';
import {commandFor} from '../../source/ui/keymap.js';
import {waitUntil} from '../helpers/cli.js';
import {FakeSession, keys, makeSnapshot} from './helpers.js';

const ctrlZ = '\u001A';
const mounted: Array<ReturnType<typeof render>> = [];
afterEach(() => {
	for (const instance of mounted.splice(0)) {
		instance.unmount();
	}
});

function mount(session: FakeSession) {
	const intents: Intent[] = [];
	const instance = render(<App source={session} onIntent={intent => intents.push(intent)} />);
	mounted.push(instance);
	const frame = (): string => instance.lastFrame() ?? '';
	return {instance, intents, frame};
}

test('Ctrl+Z is the suspend command; plain z is nothing', () => {
	expect(commandFor('panes', {text: 'z', ctrl: true, shift: false, meta: false})).toEqual({name: 'suspend'});
	expect(commandFor('panes', {text: 'z', ctrl: false, shift: false, meta: false})).toBeUndefined();
});

test('Ctrl+Z asks to suspend while an answer is being typed, and the answer line stays open', async () => {
	const session = new FakeSession({snapshot: makeSnapshot({questions: [{id: 'q2', text: 'Name the app?'}]})});
	const {instance, intents, frame} = mount(session);
	// The question takes the focus (with the bell) in the second frame; the key handler that sees it is subscribed in an effect React flushes before any later render, so wait for a third (a later render, not a key, draws one).
	await waitUntil(() => intents.some(intent => intent.type === 'bell') && instance.frames.length >= 3, 5000, 'the question focused, and its key handler in place');
	instance.stdin.write(keys.enter);
	await waitUntil(() => frame().includes('answer q2 ›'), 5000, 'the answer line');
	// As above: one more frame, so the handler that knows an answer is being typed is the one subscribed.
	const editingFrame = instance.frames.length;
	await waitUntil(() => instance.frames.length > editingFrame, 5000, 'a frame after the answer line opened');
	instance.stdin.write(ctrlZ);
	await waitUntil(() => intents.some(intent => intent.type === 'suspend'), 5000, 'the suspend intent');
	expect(frame()).toContain('answer q2 ›');
	expect(intents.filter(intent => intent.type !== 'bell')).toEqual([{type: 'suspend'}]);
});

test('on the finished screen Ctrl+Z suspends instead of closing it like other keys', async () => {
	const session = new FakeSession();
	const {instance, intents, frame} = mount(session);
	session.set({outcome: {kind: 'failed', errors: ['it broke']}});
	await waitUntil(() => frame().includes('Failed. The workspace is kept.') && instance.stdin.listenerCount('readable') > 0, 5000, 'the failed screen');
	instance.stdin.write(ctrlZ);
	await waitUntil(() => intents.length > 0, 5000, 'an intent');
	expect(intents).toEqual([{type: 'suspend'}]);
});

import {Text} from 'ink';
import {render} from 'ink-testing-library';
import React from 'react';
import {expect, test} from 'vitest';
import {CrashBoundary} from '../../source/ui/components/crash-boundary.js';

function Thrower({when}: {when: boolean}): React.JSX.Element {
	if (when) {
		throw new TypeError('drawing failed');
	}

	return <Text>drawn fine</Text>;
}

test('an error while drawing reaches onCrash and nothing of it is drawn (Ink would draw a stack trace)', () => {
	const crashes: unknown[] = [];
	const instance = render(<CrashBoundary onCrash={error => crashes.push(error)}><Thrower when={false} /></CrashBoundary>);
	expect(instance.lastFrame()).toBe('drawn fine');
	instance.rerender(<CrashBoundary onCrash={error => crashes.push(error)}><Thrower when /></CrashBoundary>);
	expect(crashes).toEqual([new TypeError('drawing failed')]);
	const frames = instance.frames.join('\n');
	expect(frames).not.toContain('drawing failed');
	expect(frames).not.toMatch(/^\s+at /m);
	instance.unmount();
});

import {useMemo, useSyncExternalStore} from 'react';
import type {SessionSource, SessionState} from '../../core/snapshot.js';

/** One frame slot: a burst of updates (a flood of progress lines) re-renders at most this often. */
const frameMs = 16;

/**
The session's state, re-rendering on change: the first change after a quiet spell at once (a progress line is on screen without waiting for a slot), the rest of a burst at most once a frame slot, the last one always.
*/
export function useSession(source: SessionSource): SessionState {
	const subscribe = useMemo(() => (listener: () => void): (() => void) => {
		let last = Number.NEGATIVE_INFINITY;
		let trailing: NodeJS.Timeout | undefined;
		const fire = (): void => {
			trailing = undefined;
			last = performance.now();
			listener();
		};

		const unsubscribe = source.subscribe(() => {
			if (trailing !== undefined) {
				return;
			}

			const since = performance.now() - last;
			if (since >= frameMs) {
				fire();
			} else {
				trailing = setTimeout(fire, frameMs - since);
			}
		});
		return () => {
			clearTimeout(trailing);
			unsubscribe();
		};
	}, [source]);
	return useSyncExternalStore(subscribe, source.getState);
}

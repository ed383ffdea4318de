import {useEffect, useState} from 'react';

/** When, after `time`, what the screen shows of the time next changes (epoch milliseconds); undefined when nothing on it counts. */
export type NextChange = (time: number) => number | undefined;

/** The next moment after `time` when a duration counted from `from` turns over a whole `unitMs`. */
export const nextTurn = (time: number, from: number, unitMs: number): number => time + unitMs - ((((time - from) % unitMs) + unitMs) % unitMs);

/**
The time that durations on screen are measured to, so rendering itself reads no clock. It changes only when what is shown changes: at the moments `nextChange` gives, or every `nextChange` milliseconds; no timer runs while nothing on screen counts. A moment that passed while no clock ran (nothing counted, then something does) is caught up at once.
*/
export function useNow(nextChange: number | NextChange = 1000): number {
	const [now, setNow] = useState(Date.now);
	useEffect(() => {
		const next: NextChange = typeof nextChange === 'number' ? time => time - (time % nextChange) + nextChange : nextChange;
		// Counted from the time shown, not from this moment: a change it missed is due at once.
		const at = next(now);
		if (at === undefined) {
			return;
		}

		// Just past the moment, so the floor of the new duration has turned over.
		const timer = setTimeout(() => {
			setNow(Date.now());
		}, Math.max(0, at - Date.now()) + 5);
		return () => {
			clearTimeout(timer);
		};
	}, [nextChange, now]);
	return now;
}

import {useEffect, useState} from 'react';

/** When, after `time`, what the screen shows of the time next changes (epoch milliseconds); undefined when nothing on it counts. */
export type NextChange = (time: number) => number | undefined;

/**
The time that durations on screen are measured to, so rendering itself reads no clock. It changes only when what is shown changes: at the moments `nextChange` gives, or every `nextChange` milliseconds; no timer runs while nothing on screen counts.
*/
export function useNow(nextChange: number | NextChange = 1000): number {
	const [now, setNow] = useState(Date.now);
	useEffect(() => {
		const next: NextChange = typeof nextChange === 'number' ? time => time - (time % nextChange) + nextChange : nextChange;
		let timer: NodeJS.Timeout | undefined;
		const schedule = (): void => {
			const time = Date.now();
			const at = next(time);
			if (at === undefined) {
				return;
			}

			// Just past the moment, so the floor of the new duration has turned over.
			timer = setTimeout(() => {
				setNow(Date.now());
				schedule();
			}, Math.max(0, at - time) + 5);
		};

		schedule();
		return () => {
			clearTimeout(timer);
		};
	}, [nextChange]);
	return now;
}

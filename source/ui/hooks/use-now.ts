import {useEffect, useState} from 'react';

/**
The time that durations on screen are measured to, so rendering itself reads no clock. It changes once every `intervalMs`, on the boundaries where a duration counted from `phaseMs` (epoch milliseconds) turns over, so what is shown changes at each tick and at no other time; `false` stops the clock (nothing on screen counts).
*/
export function useNow(intervalMs: number | false = 1000, phaseMs = 0): number {
	const [now, setNow] = useState(Date.now);
	useEffect(() => {
		if (intervalMs === false) {
			return;
		}

		let timer: NodeJS.Timeout | undefined;
		const schedule = (): void => {
			const time = Date.now();
			const intoInterval = (((time - phaseMs) % intervalMs) + intervalMs) % intervalMs;
			// Just past the boundary, so the floor of the new duration has turned over.
			timer = setTimeout(() => {
				setNow(Date.now());
				schedule();
			}, intervalMs - intoInterval + 5);
		};

		setNow(Date.now());
		schedule();
		return () => {
			clearTimeout(timer);
		};
	}, [intervalMs, phaseMs]);
	return now;
}

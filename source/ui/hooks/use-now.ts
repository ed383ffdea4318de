import {useEffect, useState} from 'react';

/** The time that durations on screen are measured to, refreshed every `intervalMs`, so rendering itself reads no clock. */
export function useNow(intervalMs = 1000): number {
	const [now, setNow] = useState(Date.now);
	useEffect(() => {
		const timer = setInterval(() => {
			setNow(Date.now());
		}, intervalMs);
		return () => {
			clearInterval(timer);
		};
	}, [intervalMs]);
	return now;
}

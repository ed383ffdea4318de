import {useStdout} from 'ink';
import React, {useEffect, type ReactNode} from 'react';

/** Subscribes a listener; returns the unsubscribe function. */
export type RedrawRequests = (listener: () => void) => () => void;

/**
Draws the last frame again, in full, whenever a redraw is requested. After Ctrl+Z and fg the alternate screen comes back empty while Ink believes its frame is still there, and would redraw only what changes; writing through Ink (an empty write) makes it erase and rewrite the whole frame.
*/
export function Redraw({requests, children}: {requests: RedrawRequests; children: ReactNode}): React.JSX.Element {
	const {write} = useStdout();
	useEffect(() => requests(() => {
		write('');
	}), [requests, write]);
	return <>{children}</>;
}

import React from 'react';
import {App, type AppProps} from '../app.js';
import {renderScreen, type Screen} from '../terminal/render-screen.js';
import {CrashBoundary} from './components/crash-boundary.js';

export type WatchScreenProps = AppProps & {
	/** A drawing error: the app ends as an internal error, not as Ink's stack-trace overview on a frozen screen. */
	onCrash: (error: unknown) => void;
};

export type WatchScreen = Screen & {
	/** Draws the screen again with new props. */
	update: (props: WatchScreenProps) => void;
};

/**
The hand-off screen: the app inside its crash boundary, drawn on the terminal.
This module (with Ink and React) is loaded apart from the command, so that loading it overlaps opening the workspace.
*/
export function drawWatchScreen(props: WatchScreenProps, {stdin, terminal}: Parameters<typeof renderScreen>[1]): WatchScreen {
	const view = ({onCrash, ...appProps}: WatchScreenProps): React.JSX.Element => (
		<CrashBoundary onCrash={onCrash}>
			<App {...appProps} />
		</CrashBoundary>
	);
	const screen = renderScreen(view(props), {stdin, terminal});
	return Object.assign(screen, {
		update(next: WatchScreenProps) {
			screen.instance.rerender(view(next));
		},
	});
}

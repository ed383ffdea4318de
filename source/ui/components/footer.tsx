import React from 'react';
import {footerItems, keymap, type Mode} from '../keymap.js';
import type {Notice} from '../use-app-state.js';
import {Text} from './text.js';

const separator = ' · ';

/** How many footer items always show, whatever the width (help and quit, the first in each mode's table). */
const keptItems = 2;

/**
The footer's text at a width: the first items always (help and quit come first in the keymap), then a fresh notice, else as many of the other keys as fit whole. Pure, for tests.
*/
export function footerText(mode: Mode, width: number, notice?: string): string {
	const items = footerItems(mode);
	const prefix = mode === 'confirmCancel' || mode === 'confirmQuit' ? `${keymap[mode].title} ` : '';
	let text = prefix + items.slice(0, keptItems).join(separator);
	if (notice !== undefined) {
		return `${text}${separator}${notice}`;
	}

	for (const item of items.slice(keptItems)) {
		if (text.length + separator.length + item.length > width) {
			break;
		}

		text += separator + item;
	}

	return text;
}

const noticeColors: Record<Notice['tone'], string> = {info: 'green', warning: 'yellow', error: 'red'};

export const Footer = React.memo(function Footer({mode, width, notice}: {mode: Mode; width: number; notice?: Notice}): React.JSX.Element {
	const confirming = mode === 'confirmCancel' || mode === 'confirmQuit';
	if (notice && !confirming) {
		const keys = footerText(mode, width, '');
		return (
			<Text wrap="truncate-end">
				<Text dimColor>{keys}</Text>
				<Text color={noticeColors[notice.tone]}>{notice.text}</Text>
			</Text>
		);
	}

	return <Text dimColor={!confirming} color={confirming ? 'red' : undefined} bold={confirming} wrap="truncate-end">{footerText(mode, width)}</Text>;
});

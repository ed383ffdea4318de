import React from 'react';
import {Text} from './text.js';

export function Footer({confirmingCancel, editing, finished}: {confirmingCancel: boolean; editing: boolean; finished: boolean}): React.JSX.Element {
	if (finished) {
		return <Text dimColor wrap="truncate-end">The hand-off has ended · ↑↓ PgUp PgDn scroll · any other key closes</Text>;
	}

	if (confirmingCancel) {
		return <Text color="red" bold wrap="truncate-end">Cancel this hand-off? The consumer is told by status CANCELED. y: yes, cancel   n: no</Text>;
	}

	if (editing) {
		return <Text dimColor wrap="truncate-end">Type the answer · Enter sends · Esc leaves</Text>;
	}

	return <Text dimColor wrap="truncate-end">Tab pane · ↑↓ PgUp PgDn scroll · 1-9 pick · Enter send · t type · c copy prompt · x cancel · ? keys · q quit</Text>;
}

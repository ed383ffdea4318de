import {Text as InkText, type TextProps} from 'ink';
import React, {Fragment, cloneElement, createElement, isValidElement} from 'react';
import {safeText} from '../../terminal/safe-text.js';

/** No terminal row is wider: a truncated Text never shows more, so a longer string (a megabyte-long line of a partial result) is cut before it is made safe and measured. */
const maxRowLength = 4096;

/**
Ink's Text, with every string in it passed through safeText: the one way the app puts words on the screen, so no pane can forget to (test/terminal/terminal-edge.test.ts fails if a file imports Text from ink instead). Each Text is one row of the screen, so line breaks are shown as ␊.
*/
export function Text({children, ...props}: TextProps): React.JSX.Element {
	const truncated = props.wrap?.startsWith('truncate') ?? false;
	const safeNode = (node: React.ReactNode): React.ReactNode => {
		if (typeof node === 'string') {
			return safeText(truncated && node.length > maxRowLength ? node.slice(0, maxRowLength) : node);
		}

		if (Array.isArray(node)) {
			return node.map(child => safeNode(child as React.ReactNode));
		}

		// A fragment's strings are the Text's own (nested Texts make their own safe).
		if (isValidElement<{children?: React.ReactNode}>(node) && node.type === Fragment) {
			return cloneElement(node, undefined, safeNode(node.props.children));
		}

		return node;
	};

	// Spread, not an array, so React does not ask for keys on children that were written side by side.
	return Array.isArray(children)
		? createElement(InkText, props, ...children.map(child => safeNode(child as React.ReactNode)))
		: <InkText {...props}>{safeNode(children)}</InkText>;
}

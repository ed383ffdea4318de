import {useInput} from 'ink';
import {useEffect, useRef} from 'react';
import {type AnswerLineHandlers, type AnswerText, runAnswerKeys} from '../answer-line-reducer.js';
import {splitKeys} from '../key-events.js';

/**
The answer line's keys, active only while it is open (`isActive`), so every printable key is text there (n, q, x included) and the panes see none of them. A pasted run stays whole; "No\r" in one read types No and sends it.
*/
export function useAnswerLineInput(value: AnswerText | undefined, handlers: AnswerLineHandlers, isActive: boolean): void {
	// The text as the last key left it: two reads can arrive before React renders the first.
	const latest = useRef(value);
	useEffect(() => {
		latest.current = value;
	}, [value]);
	useInput((input, key) => {
		runAnswerKeys(latest.current ?? {text: '', cursor: 0}, splitKeys(input, key, {keepText: true}), {
			...handlers,
			onChange(next) {
				latest.current = next;
				handlers.onChange(next);
			},
		});
	}, {isActive});
}

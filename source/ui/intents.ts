/** What the view asks the edge (cli.tsx and the commands) to do. The view itself never writes files or to the terminal. */
export type Intent =
	| {type: 'answer'; id: string; answer: string}
	| {type: 'copy'}
	| {type: 'cancel'}
	| {type: 'quit'}
	/** Ctrl+Z: leave the screen and stop, as the shell's job control would (raw mode keeps the terminal from sending SIGTSTP itself). */
	| {type: 'suspend'}
	/** A new question arrived: ring the terminal bell. */
	| {type: 'bell'};

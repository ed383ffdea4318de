/** What the view asks the edge (cli.tsx and the commands) to do. The view itself never writes files or to the terminal. */
export type Intent =
	| {type: 'answer'; id: string; answer: string}
	| {type: 'copy'}
	| {type: 'cancel'}
	| {type: 'quit'}
	/** A new question arrived: ring the terminal bell. */
	| {type: 'bell'};

/**
Runs an async job one at a time: a request made while it runs is folded into one more run afterwards, so bursts of file events cost at most two reads and never overlap. `more` may ask for another run (a backlog left over); `stopped` ends it.
*/
export function coalesce(job: () => Promise<void>, options: {more?: () => Promise<boolean>; stopped?: () => boolean} = {}) {
	let running: Promise<void> | undefined;
	let again = false;
	return {
		schedule(): void {
			if (options.stopped?.()) {
				return;
			}

			if (running) {
				again = true;
				return;
			}

			running = (async () => {
				do {
					again = false;
					await job();
				} while (!options.stopped?.() && (again || (await options.more?.())));
			})().finally(() => {
				running = undefined;
			});
		},
		/** Resolves when no run is under way. */
		async idle(): Promise<void> {
			await running;
		},
	};
}

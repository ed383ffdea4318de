export type CoalesceOptions = {
	/** Called with whatever a run (or `more`) throws. Required: a job scheduled with `void` has nobody else to hear its failure, and an unhandled rejection would kill the process. */
	onError: (error: unknown) => void;
	more?: () => Promise<boolean>;
	stopped?: () => boolean;
};

/**
Runs an async job one at a time: a request made while it runs is folded into one more run afterwards, so bursts of file events cost at most two reads and never overlap. `more` may ask for another run (a backlog left over); `stopped` ends it. A run that throws is reported to `onError`; later requests still run.
*/
export function coalesce(job: () => Promise<void>, options: CoalesceOptions) {
	let running: Promise<void> | undefined;
	let again = false;
	const runOnce = async (): Promise<boolean> => {
		try {
			await job();
			return await (options.more?.() ?? false);
		} catch (error) {
			options.onError(error);
			return false;
		}
	};

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
				let more: boolean;
				do {
					again = false;
					more = await runOnce();
				} while (!options.stopped?.() && (again || more));
			})().finally(() => {
				running = undefined;
			});
		},
		/** Resolves when no run is under way. Never rejects: failures went to onError. */
		async idle(): Promise<void> {
			await running;
		},
	};
}

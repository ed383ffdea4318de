const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

/** `2025-11-21T23:30:00Z`: the seed's timestamp form, UTC, whole seconds. */
export function isoTimestamp(date = new Date()): string {
	return `${date.toISOString().slice(0, 19)}Z`;
}

/** `2025-11-21 23:30:05`: the progress line prefix, UTC. */
export function progressTimestamp(date = new Date()): string {
	return date.toISOString().slice(0, 19).replace('T', ' ');
}

/** `20251121_233005`: the workspace folder suffix, UTC so names sort the same on every machine. */
export function folderTimestamp(date = new Date()): string {
	return `${date.getUTCFullYear()}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}_${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}`;
}

/** `1h 02m`, `3m 07s`, `12s`. */
export function formatDuration(milliseconds: number): string {
	const totalSeconds = Math.max(0, Math.floor(milliseconds / 1000));
	const hours = Math.floor(totalSeconds / 3600);
	const minutes = Math.floor((totalSeconds % 3600) / 60);
	const seconds = totalSeconds % 60;
	if (hours > 0) {
		return `${hours}h ${pad(minutes)}m`;
	}

	if (minutes > 0) {
		return `${minutes}m ${pad(seconds)}s`;
	}

	return `${seconds}s`;
}

/** `1h 02m`, `3m`, `0m`: a duration that needs to change only once a minute. */
export function formatMinutes(milliseconds: number): string {
	const totalMinutes = Math.max(0, Math.floor(milliseconds / 60_000));
	const hours = Math.floor(totalMinutes / 60);
	return hours > 0 ? `${hours}h ${pad(totalMinutes % 60)}m` : `${totalMinutes}m`;
}

/** Parses an ISO time, returning undefined for anything else. */
export function parseTime(value: unknown): number | undefined {
	if (typeof value !== 'string') {
		return undefined;
	}

	const time = Date.parse(value);
	return Number.isNaN(time) ? undefined : time;
}

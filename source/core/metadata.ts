import path from 'node:path';
import {layout} from './paths.js';
import {parseJson, readTextFile, writeJsonAtomic} from './safe-io.js';
import {isoTimestamp, parseTime} from './time.js';

/** output/metadata.json in the seed's shape ('Error Handling'). */
export type Metadata = {
	status: 'complete' | 'failed';
	started_at?: string;
	completed_at?: string;
	failed_at?: string;
	duration_seconds?: number;
	execution?: {tool?: string; version?: string; model?: string; [key: string]: unknown};
	result?: {output_file: string; size_bytes: number; valid: boolean};
	errors: Array<{type: string; message: string; details?: string}>;
	[key: string]: unknown;
};

export type MetadataFields = {
	status: Metadata['status'];
	startedAt?: string;
	execution?: Metadata['execution'];
	result?: Metadata['result'];
	errors?: Metadata['errors'];
	now?: Date;
};

/**
Writes output/metadata.json. Fields the consumer already wrote there (its own execution details, say) are kept unless we know better.
*/
export async function writeMetadata(workspace: string, fields: MetadataFields): Promise<Metadata> {
	const existing = await readExistingMetadata(workspace);
	const now = fields.now ?? new Date();
	const endKey = fields.status === 'complete' ? 'completed_at' : 'failed_at';
	const startedAt = fields.startedAt ?? (typeof existing.started_at === 'string' ? existing.started_at : undefined);
	const started = parseTime(startedAt);
	const execution = {...(existing.execution as Metadata['execution']), ...withoutUndefined(fields.execution ?? {})};
	const metadata: Metadata = {
		...existing,
		status: fields.status,
		...(startedAt ? {started_at: startedAt} : {}),
		[endKey]: isoTimestamp(now),
		...(started === undefined ? {} : {duration_seconds: Math.max(0, Math.round((now.getTime() - started) / 1000))}),
		...(Object.keys(execution).length > 0 ? {execution} : {}),
		...(fields.result ? {result: fields.result} : {}),
		errors: fields.errors ?? [],
	};
	await writeJsonAtomic(path.join(workspace, layout.metadata), metadata);
	return metadata;
}

async function readExistingMetadata(workspace: string): Promise<Record<string, unknown>> {
	try {
		const text = await readTextFile(path.join(workspace, layout.metadata), {name: layout.metadata});
		const value = text === undefined ? undefined : parseJson(text, layout.metadata);
		return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
	} catch {
		// A torn or hostile metadata file is replaced, not merged.
		return {};
	}
}

function withoutUndefined<T extends Record<string, unknown>>(value: T): Partial<T> {
	return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}

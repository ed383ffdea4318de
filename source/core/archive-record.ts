import {createHash} from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import {archiveIndexName, type ArchiveIndex} from './archive.js';
import {describeError} from './errors.js';
import {parseManifestText} from './manifest.js';
import {layout} from './paths.js';
import {parseProgressLine} from './progress.js';
import {readProducerRecord} from './producer-record.js';
import {mergeQuestions, parseAnswers, parseQuestions} from './questions.js';
import {parseJson, readRegularFile} from './safe-io.js';
import type {ProgressLine, QuestionView} from './snapshot.js';
import {parseStatusWord} from './status.js';

/** One file of the record as the view shows it: its text, or why it cannot be shown. */
export type ArchivedText = {file: string; text?: string; error?: string};

/**
What `watch` shows of an archive: read only, never written. Each part is read on its own, so one bad file costs only its section.
*/
export type ArchiveRecord = {
	path: string;
	task: string;
	/** The workspace it was archived from. */
	workspace?: string;
	archivedAt?: string;
	/** The state the record itself says: metadata.json's status, else status.txt's word (lower case). */
	state?: string;
	/** Archived files whose bytes no longer match archive.json, and files it lists that are gone. */
	altered: string[];
	result?: ArchivedText;
	metadata?: ArchivedText;
	questions: QuestionView[];
	progress: ProgressLine[];
	/** Problems reading a part of the record (a torn answers.json, say). */
	problems: string[];
};

/**
True when `folder` is a finished archive (its archive.json is a regular file) rather than a workspace: a workspace has a producer record beside it, an archive never does, so a consumer that plants an archive.json in its workspace gets it watched as usual.
*/
export async function isArchiveFolder(folder: string): Promise<boolean> {
	try {
		const stat = await fsp.lstat(path.join(folder, archiveIndexName));
		// A damaged record throws too: still a workspace, whose watch reports the damage.
		return stat.isFile() && (await readProducerRecord(folder)) === undefined;
	} catch {
		return false;
	}
}

async function readPart(archive: string, file: string): Promise<ArchivedText> {
	try {
		const buffer = await readRegularFile(path.join(archive, file), {name: file});
		return buffer === undefined ? {file, error: 'not in the archive'} : {file, text: buffer.toString('utf8')};
	} catch (error) {
		return {file, error: describeError(error)};
	}
}

/** Pretty-printed when it is JSON, so the view can show it line by line; as it is otherwise. */
function prettyJson(part: ArchivedText): ArchivedText {
	if (part.text === undefined) {
		return part;
	}

	try {
		return {...part, text: JSON.stringify(parseJson(part.text, part.file), null, 2)};
	} catch {
		return part;
	}
}

async function alteredFiles(archive: string, index: ArchiveIndex): Promise<string[]> {
	const altered: string[] = [];
	for (const entry of index.files) {
		const buffer = await readRegularFile(path.join(archive, entry.path), {name: entry.path}).catch(() => undefined);
		if (buffer === undefined || createHash('sha256').update(buffer).digest('hex') !== entry.sha256) {
			altered.push(entry.path);
		}
	}

	return altered;
}

/** Reads an archive for the view; nothing in it is written, created or renamed. Throws only when archive.json itself cannot be read. */
export async function readArchiveRecord(archive: string): Promise<ArchiveRecord> {
	const indexBuffer = await readRegularFile(path.join(archive, archiveIndexName), {name: archiveIndexName});
	const index = parseJson(indexBuffer?.toString('utf8') ?? '', archiveIndexName) as Partial<ArchiveIndex>;
	const files = Array.isArray(index.files) ? index.files.filter(entry => typeof entry?.path === 'string' && typeof entry.sha256 === 'string') : [];
	const problems: string[] = [];
	const part = async <T>(file: string, parse: (text: string) => T, empty: T): Promise<T> => {
		const read = await readPart(archive, file);
		if (read.text === undefined) {
			return empty;
		}

		try {
			return parse(read.text);
		} catch (error) {
			problems.push(`${file}: ${describeError(error)}`);
			return empty;
		}
	};

	const manifestText = await readPart(archive, layout.manifest);
	let resultFile: string | undefined;
	try {
		resultFile = manifestText.text === undefined ? undefined : parseManifestText(manifestText.text).result.path;
	} catch (error) {
		problems.push(`${layout.manifest}: ${describeError(error)}`);
	}

	const metadata = prettyJson(await readPart(archive, layout.metadata));
	const metadataStatus = await part(layout.metadata, text => (parseJson(text, layout.metadata) as {status?: unknown}).status, undefined);
	const statusWord = await part(layout.status, text => parseStatusWord(text), undefined);
	const questions = await part(layout.questions, text => parseQuestions(parseJson(text, layout.questions)), []);
	const answers = await part(layout.answers, text => parseAnswers(parseJson(text, layout.answers)), []);
	const progress = await part(layout.progress, text => text.split(/\r?\n/).filter(line => line.trim() !== '').map(line => parseProgressLine(line)), []);
	return {
		path: archive,
		task: typeof index.task === 'string' ? index.task : path.basename(archive),
		workspace: typeof index.workspace === 'string' ? index.workspace : undefined,
		archivedAt: typeof index.archived_at === 'string' ? index.archived_at : undefined,
		state: typeof metadataStatus === 'string' ? metadataStatus : statusWord?.toLowerCase(),
		altered: await alteredFiles(archive, {...index, files} as ArchiveIndex),
		result: resultFile === undefined ? undefined : prettyJson(await readPart(archive, resultFile)),
		metadata: metadata.text === undefined && metadata.error === 'not in the archive' ? undefined : metadata,
		questions: mergeQuestions(questions, answers),
		progress,
		problems,
	};
}

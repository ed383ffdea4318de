import path from 'node:path';
import {makePrivateDirectory} from './safe-io.js';

/**
The folder that holds what the producer must be able to trust about one workspace (its record, its hold, its answer-writing lock): `<parent of the workspace>/.handoff-state/<workspace name>/`. It is outside the workspace, so the consumer is never told of it and nothing the consumer is asked to write lands there; for a workspace made by another producer it is made when the workspace is first opened.
*/
export const producerStateFolderName = '.handoff-state';

export function producerStateDirectory(workspace: string): string {
	return path.join(path.dirname(workspace), producerStateFolderName, path.basename(workspace));
}

/** Creates the producer state folder (0700) when missing, refusing one that is a link or not a folder, and returns it. */
export async function ensureProducerStateDirectory(workspace: string): Promise<string> {
	const directory = producerStateDirectory(workspace);
	await makePrivateDirectory(path.dirname(directory));
	await makePrivateDirectory(directory);
	return directory;
}

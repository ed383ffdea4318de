import {spawnSync} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A command prefix that runs what follows in a mount namespace of its own, with `folder` bind-mounted read-only: seen only by that process, gone when it exits. */
export function readOnlyMountPrefix(folder: string): string[] {
	return ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', 'mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" && exec "$@"', folder];
}

/** Whether readOnlyMountPrefix works here (root with CAP_SYS_ADMIN). chmod would not do: it does not stop root. */
export const canMountReadOnly = ((): boolean => {
	const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-ro-probe-'));
	try {
		const [command, ...args] = readOnlyMountPrefix(folder);
		return spawnSync(command!, [...args, 'sh', '-c', '! touch "$0/x" 2>/dev/null', folder]).status === 0;
	} catch {
		return false;
	} finally {
		fs.rmSync(folder, {recursive: true, force: true});
	}
})();

import {useSyncExternalStore} from 'react';
import type {SessionSource, SessionState} from '../../core/snapshot.js';

export function useSession(source: SessionSource): SessionState {
	return useSyncExternalStore(source.subscribe, source.getState);
}

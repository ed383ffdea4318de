/**
Runs `load` with no global `fetch`. Ink's layout engine (yoga-layout, built with Emscripten) reads its inline WebAssembly through `fetch` on a data: URL whenever fetch exists, and the first touch of Node's fetch loads its whole HTTP client (undici): about 25 ms of a screen's start-up spent to decode base64, which it does directly without fetch. Nothing else runs fetch while the screen's code loads.
*/
export async function withoutFetch<T>(load: () => Promise<T>): Promise<T> {
	// The descriptor, not the value: reading globalThis.fetch is what loads undici.
	const descriptor = Object.getOwnPropertyDescriptor(globalThis, 'fetch');
	Object.defineProperty(globalThis, 'fetch', {value: undefined, configurable: true, writable: true});
	try {
		return await load();
	} finally {
		if (descriptor) {
			Object.defineProperty(globalThis, 'fetch', descriptor);
		}
	}
}

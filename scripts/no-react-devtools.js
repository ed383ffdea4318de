// Stands in for react-devtools-core in the bundle: Ink imports it only when DEV=true, to connect to React DevTools.
export default {
	initialize() {},
	connectToDevTools() {},
};

import {createRequire} from 'node:module';
import type {Ajv as AjvInstance, ErrorObject, Options, ValidateFunction} from 'ajv';

/** ajv is loaded on the first compile, synchronously (it is CommonJS): it costs tens of milliseconds, and most consumer commands (progress, claim) never validate anything. */
const requireCommonJs = createRequire(import.meta.url);

export type AjvModules = {Ajv: typeof import('ajv').Ajv; Ajv2020: typeof import('ajv/dist/2020.js').Ajv2020; addFormats: typeof import('ajv-formats')};
let ajvModules: AjvModules | undefined;

/** Compiles with these modules from now on, rather than loading ajv from node_modules: the validation worker imports them into its own bundle. */
export function compileWithAjv(modules: AjvModules): void {
	ajvModules = modules;
}

function loadAjv(): AjvModules {
	ajvModules ??= {
		Ajv: (requireCommonJs('ajv') as typeof import('ajv')).Ajv,
		Ajv2020: (requireCommonJs('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js')).Ajv2020,
		addFormats: requireCommonJs('ajv-formats') as typeof import('ajv-formats'),
	};
	return ajvModules;
}

function newAjv(options: Options, draft2020: boolean): AjvInstance {
	const {Ajv, Ajv2020, addFormats} = loadAjv();
	const ajv = draft2020 ? new Ajv2020(options) : new Ajv(options);
	addFormats.default(ajv);
	return ajv;
}

const options = {allErrors: true, strict: false, validateFormats: true, ownProperties: true} as const;

export type SchemaError = {
	/** JSON pointer to the offending value; '' is the document itself. */
	pointer: string;
	message: string;
};

/**
Compiles a JSON Schema with the draft it declares ($schema 2020-12 or draft-07, the default), every error reported, formats checked, and no remote $ref loading.

`ownProperties` makes `required` and friends look at the value's own fields only: without it `required: ["constructor"]` is met by every object's prototype. A schema that names a property `__proto__` is refused, since ajv silently skips such a property and the check would pass unseen.
*/
export function compileSchema(schema: unknown): ValidateFunction {
	const skipped = protoPropertyPointer(schema);
	if (skipped !== undefined) {
		throw new Error(`${skipped}: a property named "__proto__" cannot be checked; rename it`);
	}

	const declared = typeof schema === 'object' && schema !== null ? (schema as {$schema?: unknown}).$schema : undefined;
	return newAjv(options, typeof declared === 'string' && declared.includes('2020-12')).compile(schema as object);
}

/** A validator of one of our own files (manifest, questions, answers, receipts, pipeline), as `compileSchema` would give. */
export type OwnFileValidator = ((value: unknown) => boolean) & {readonly errors: ErrorObject[] | null | undefined};

/** Turns ajv's errors into pointer + sentence pairs a person or an LLM can act on. */
export function describeErrors(errors: ErrorObject[] | null | undefined): SchemaError[] {
	return (errors ?? []).map(error => {
		const {instancePath, keyword, params, message} = error;
		switch (keyword) {
			case 'required': {
				const missing = (params as {missingProperty: string}).missingProperty;
				return {pointer: `${instancePath}/${escapePointer(missing)}`, message: `missing required field "${missing}"`};
			}

			case 'additionalProperties': {
				const extra = (params as {additionalProperty: string}).additionalProperty;
				return {pointer: `${instancePath}/${escapePointer(extra)}`, message: `unexpected field "${extra}"`};
			}

			case 'enum': {
				const allowed = (params as {allowedValues: unknown[]}).allowedValues;
				return {pointer: instancePath, message: `must be one of ${allowed.map(value => JSON.stringify(value)).join(', ')}`};
			}

			default: {
				return {pointer: instancePath, message: message ?? keyword};
			}
		}
	});
}

export function formatSchemaError(error: SchemaError): string {
	return `${error.pointer === '' ? '/' : error.pointer}: ${error.message}`;
}

function escapePointer(segment: string): string {
	return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** Keywords whose keys name properties of the value; ajv ignores a `__proto__` key in these. */
const propertyMapKeywords = ['properties', 'patternProperties', 'dependencies', 'dependentRequired', 'dependentSchemas'];

/** The JSON pointer of the first `__proto__` property a schema names, found without recursion. */
function protoPropertyPointer(schema: unknown): string | undefined {
	const pending: Array<{value: unknown; pointer: string}> = [{value: schema, pointer: ''}];
	for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
		const {value, pointer} = next;
		if (typeof value !== 'object' || value === null) {
			continue;
		}

		for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
			const childPointer = `${pointer}/${escapePointer(key)}`;
			if (!Array.isArray(value) && propertyMapKeywords.includes(key) && typeof child === 'object' && child !== null && Object.hasOwn(child, '__proto__')) {
				return `${childPointer}/__proto__`;
			}

			pending.push({value: child, pointer: childPointer});
		}
	}

	return undefined;
}

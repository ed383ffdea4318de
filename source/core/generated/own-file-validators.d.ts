// Types of own-file-validators.js (generated); see scripts/generate-validators.js.
import type {OwnFileValidator} from '../schema-validator.js';

export declare const answers: OwnFileValidator;
export declare const manifest: OwnFileValidator;
export declare const pipeline: OwnFileValidator;
export declare const questions: OwnFileValidator;
export declare const receipts: OwnFileValidator;

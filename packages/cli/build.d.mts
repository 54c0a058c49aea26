// Types of build.mjs, for the tests that call it.

export declare const defaultOutdir: string;
export declare const BIN: string;
export declare const CLI_BUNDLE: string;
export declare const THIRD_PARTY_LICENSES: string;
export declare const EXTERNAL: string[];
export declare function buildCli(options?: { outdir?: string }): Promise<unknown>;
export declare function isStale(options?: { outdir?: string }): Promise<boolean>;
export declare function ensureBuilt(options?: { outdir?: string }): Promise<boolean>;
export declare function bundleLikeTheCli(contents: string, outfile: string): Promise<void>;

export declare const BROWSER_SUFFIX: '?browser';
export declare function bundleForBrowser(entry: string): Promise<{ code: string; inputs: string[] }>;

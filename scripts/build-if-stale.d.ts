/** True when dist/src/main.js under `root` (the project) is missing or older than its inputs. */
export declare function isStale(root?: string): boolean;

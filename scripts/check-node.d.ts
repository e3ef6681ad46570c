/** What running on an unsupported Node.js calls for: see check-node.js. */
export interface NodeVersionProblem {
  level: 'refuse' | 'warn';
  message: string;
}

/** The supported Node.js lines, as package.json `engines.node` says them. */
export declare const ENGINES: string;

export declare function nodeVersionProblem(
  version: string,
  engines?: string,
): NodeVersionProblem | undefined;

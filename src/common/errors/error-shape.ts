import { STATUS_CODES } from 'node:http';

/**
 * The one error body of docs/api.md. Its `message` follows one rule: a 400 lists its problems
 * (an array of strings, one per problem, even when there is one); every other status has one
 * sentence (a string).
 */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string | string[];
}

export function errorBody(statusCode: number, message: string | string[]): ErrorBody {
  const text =
    statusCode === 400
      ? typeof message === 'string'
        ? [message]
        : message
      : typeof message === 'string'
        ? message
        : message.join('; ');
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message: text };
}

import type { FastifyInstance } from 'fastify';

/** Deeper JSON is refused: no request of this API nests more than a few levels. */
export const MAX_JSON_DEPTH = 32;

/** A client error the error filter answers as 400 in the error shape. */
class JsonBodyError extends Error {
  readonly statusCode = 400;
}

/**
 * Replaces fastify's JSON body parser with the same parser (prototype-poisoning checks
 * included) behind a nesting limit: deeply nested bodies would otherwise overflow the stack of
 * the validation pipe's recursive walks and surface as 500.
 */
export function useDepthLimitedJsonParser(
  fastify: FastifyInstance,
  maxDepth = MAX_JSON_DEPTH,
): void {
  const parse = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    if (nestingDepth(text) > maxDepth) {
      done(new JsonBodyError(`Body nests JSON deeper than ${maxDepth} levels`), undefined);
      return;
    }
    void parse(request, text, done);
  });
}

/** The deepest nesting of arrays and objects in text, ignoring brackets inside strings. */
export function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > deepest) deepest = depth;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      depth--;
    }
  }
  return deepest;
}

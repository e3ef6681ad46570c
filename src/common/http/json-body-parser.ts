import type { FastifyInstance } from 'fastify';

/** Deeper JSON is refused: no request of this API nests more than a few levels. */
export const MAX_JSON_DEPTH = 32;

/**
 * Wider JSON is refused: no request body of this API has more than a dozen fields, and none holds
 * an array. Validation (class-transformer and class-validator) costs more than linear time in the
 * number of keys, so an object of 100,000 unknown keys would block the process for seconds.
 */
export const MAX_JSON_MEMBERS = 100;

/**
 * Keys and elements in a whole body at most: objects of 100 keys nested in objects of 100 keys
 * still cost validation about 4 µs of CPU a key (38 ms for 64 KiB of them); 1,000 is far more than
 * any request of this API sends (a dozen fields).
 */
export const MAX_JSON_TOTAL_MEMBERS = 1_000;

/** A client error the error filter answers as 400 in the error shape. */
class JsonBodyError extends Error {
  readonly statusCode = 400;
}

/**
 * Replaces fastify's JSON body parser with the same parser (prototype-poisoning checks
 * included) behind a nesting limit and a limit on the keys of an object (and the elements of an
 * array): deeply nested bodies would otherwise overflow the stack of the validation pipe's
 * recursive walks and surface as 500, and very wide ones would stall the process in validation.
 * One pass over the text, before JSON.parse builds anything.
 */
export function useDepthLimitedJsonParser(
  fastify: FastifyInstance,
  maxDepth = MAX_JSON_DEPTH,
  maxMembers = MAX_JSON_MEMBERS,
  maxTotalMembers = MAX_JSON_TOTAL_MEMBERS,
): void {
  const parse = fastify.getDefaultJsonParser('error', 'error');
  // A body is JSON or nothing: fastify's text/plain parser would hand a JSON text sent as
  // text/plain (a bare fetch() does that) to validation as a string; without it, 415.
  fastify.removeContentTypeParser('text/plain');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    // `Content-Type: application/json` with no body (clients send it on DELETE too) is no body;
    // a route that needs one says so (StrictValidationPipe)
    if (text.length === 0) {
      done(null, undefined);
      return;
    }
    const shape = jsonShape(text, maxDepth, maxMembers, maxTotalMembers);
    if (shape.depth > maxDepth) {
      done(new JsonBodyError(`Body nests JSON deeper than ${maxDepth} levels`), undefined);
      return;
    }
    if (shape.members > maxMembers) {
      done(
        new JsonBodyError(
          `Body has an object with more than ${maxMembers} keys or an array with more than ${maxMembers} elements`,
        ),
        undefined,
      );
      return;
    }
    if (shape.total > maxTotalMembers) {
      done(
        new JsonBodyError(`Body has more than ${maxTotalMembers} keys and elements in all`),
        undefined,
      );
      return;
    }
    void parse(request, text, done);
  });
}

/** The deepest nesting of arrays and objects in text, ignoring brackets inside strings. */
export function nestingDepth(text: string): number {
  return jsonShape(text, Infinity, Infinity).depth;
}

/**
 * The deepest nesting of arrays and objects in text, the most members (keys of an object,
 * elements of an array) of any of them, and the members of all of them together, ignoring
 * brackets and commas inside strings. Stops counting as soon as one passes its limit. Malformed
 * text is measured as far as it goes; JSON.parse refuses it afterwards.
 */
export function jsonShape(
  text: string,
  maxDepth: number,
  maxMembers: number,
  maxTotalMembers = Infinity,
): { depth: number; members: number; total: number } {
  // commas seen at each open level, and whether that level holds anything yet
  const commas: number[] = [];
  const filled: boolean[] = [];
  let depth = 0;
  let deepest = 0;
  let widest = 0;
  // members of closed containers, plus the commas of open ones; + 1 for each filled open one at the end
  let total = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
      continue;
    }
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
    if (depth > 0 && c !== 0x5d /* ] */ && c !== 0x7d /* } */) filled[depth] = true;
    if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > maxDepth) break;
      }
      commas[depth] = 0;
      filled[depth] = false;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      if (depth > 0) {
        if (filled[depth]) total++;
        const members = filled[depth] ? commas[depth] + 1 : 0;
        if (members > widest) widest = members;
        depth--;
      }
    } else if (c === 0x2c /* , */ && depth > 0) {
      if (++total > maxTotalMembers) break;
      const members = ++commas[depth] + 1;
      if (members > widest) {
        widest = members;
        if (widest > maxMembers) break;
      }
    }
  }
  for (let level = 1; level <= depth; level++) if (filled[level]) total++;
  return { depth: deepest, members: widest, total };
}

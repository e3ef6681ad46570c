'use strict';
// The `PATCH /todos/:id` pair of the feature tables of bench/run.js (MariaDB) and bench/sqlite.js:
// the route without If-Match and with it, on seeded todos that no other request of a run touches.
//
// The two sides take blocks of 4 neighbouring ids in turn (side 0: 1-4, 9-12, ...; side 1: 5-8,
// 13-16, ...), so that both PATCH rows of the same workflows, pages and seeded statuses and the
// pair compares like with like. A side that answers more PATCHes than it has todos (half the
// seeded ones) comes back to its first: If-Match is then the ETag the last PATCH of that todo
// answered (kept from its answer; a seeded todo is at version 1, ETag "1"). A PATCH still in
// flight when a round's load stops changes its todo without its answer being read: such a todo is
// not PATCHed again, since its ETag is no longer known (it would rightly answer 412).

/**
 * autocannon request lists for the two sides: `plain` and `matched` (If-Match). `patch(id)` gives
 * a request's method, path, headers and body; `seeded` is the number of seeded todos (ids 1..).
 */
function todoPatches(seeded, patch) {
  const interleaved = (side) => {
    let next = 0;
    return () => {
      const n = next++ % Math.floor(seeded / 2);
      return 8 * Math.floor(n / 4) + 4 * side + (n % 4) + 1;
    };
  };
  const plainTodo = interleaved(0);
  const matchedTodo = interleaved(1);
  const versions = new Map();
  const unanswered = new Set();
  return {
    plain: [{ setupRequest: (r) => ({ ...r, ...patch(plainTodo()) }) }],
    matched: [
      {
        setupRequest: (r, context) => {
          let id = matchedTodo();
          while (unanswered.has(id)) id = matchedTodo();
          unanswered.add(id);
          context.todo = id;
          const request = patch(id);
          return {
            ...r,
            ...request,
            headers: { ...request.headers, 'if-match': versions.get(id) ?? '"1"' },
          };
        },
        onResponse: (status, body, context, headers) => {
          const tag = headers.etag ?? headers.ETag;
          if (status === 200 && tag) versions.set(context.todo, tag);
          unanswered.delete(context.todo);
        },
      },
    ],
  };
}

module.exports = { todoPatches };

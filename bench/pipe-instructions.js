'use strict';
// Instructions of the validation pipe alone on one write body, as Nest calls it for the route's
// @Body(): StrictValidationPipe.transform of a built service (its dist/), 20,000 calls to warm up,
// then PIPE_CALLS (default 5,000) counted. Run it under callgrind; it zeroes the counters before
// the counted calls and dumps them after (callgrind_control, as bench/instructions.js does around
// requests), so the dump's main-thread total (cg.<pid>.1-01) divided by PIPE_CALLS is the figure:
//
//   VGDB=/tmp/pipe/vgdb valgrind --tool=callgrind --separate-threads=yes \
//     --callgrind-out-file=/tmp/pipe/cg.%p --vgdb-prefix=/tmp/pipe/vgdb \
//     node bench/pipe-instructions.js <root> post|patch
//
// <root> holds the build's dist/ (this checkout: .), post is CreateTodoDto with
// {"title":"ab","ownerId":1,"workflowId":1}, patch UpdateInterviewDto with {"status":"completed"};
// the read routes' @Query(): list is ListWorkflowsQueryDto with ?limit=20, include
// GetWorkflowQueryDto with ?include=interviews,todos.
require('reflect-metadata');
const { execFile } = require('node:child_process');
const { resolve } = require('node:path');
const { promisify } = require('node:util');

const run = promisify(execFile);
const root = resolve(process.argv[2] ?? '.');
const CALLS = Number(process.env.PIPE_CALLS || 5000);
const { CreateTodoDto } = require(`${root}/dist/src/todos/dto/create-todo.dto`);
const { UpdateInterviewDto } = require(`${root}/dist/src/interviews/dto/update-interview.dto`);
const { ListWorkflowsQueryDto, GetWorkflowQueryDto } = require(
  `${root}/dist/src/workflows/dto/workflow-queries.dto`,
);
// every DTO loaded, as in the server (class-validator walks them all for inherited rules)
require(`${root}/dist/src/app.module`);
const { StrictValidationPipe } = require(
  `${root}/dist/src/common/validation/strict-validation.pipe`,
);

const pipe = new StrictValidationPipe();
const bodies = {
  post: () =>
    pipe.transform(
      { title: 'ab', ownerId: 1, workflowId: 1 },
      { type: 'body', metatype: CreateTodoDto },
    ),
  patch: () =>
    pipe.transform({ status: 'completed' }, { type: 'body', metatype: UpdateInterviewDto }),
  list: () => pipe.transform({ limit: '20' }, { type: 'query', metatype: ListWorkflowsQueryDto }),
  include: () =>
    pipe.transform(
      { include: 'interviews,todos' },
      { type: 'query', metatype: GetWorkflowQueryDto },
    ),
};
/** Sends a command to this process's callgrind; throws unless it answered OK (not under valgrind). */
async function control(command) {
  const { stdout } = await run('callgrind_control', [
    `--vgdb-prefix=${process.env.VGDB}`,
    command,
    String(process.pid),
  ]);
  if (!/OK/.test(stdout)) throw new Error(`callgrind_control ${command}: ${stdout}`);
}

async function main() {
  const call = bodies[process.argv[3]];
  if (!call)
    throw new Error('usage: node bench/pipe-instructions.js <root> post|patch|list|include');
  for (let i = 0; i < 20000; i++) await call();
  await control('-z');
  for (let i = 0; i < CALLS; i++) await call();
  await control('-d');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

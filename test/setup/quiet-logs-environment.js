'use strict';
// The e2e suites' test environment: Node's, plus the log lines of the applications a suite starts
// in its own process (test/setup/test-app.ts hands them to test/setup/log-sink.ts) kept in
// memory instead of written, and written to stderr only when a test or a hook fails, under the
// failing test's name. TEST_LOGS=show writes every line as it comes instead.
const { TestEnvironment } = require('jest-environment-node');

class QuietLogsEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    this.global.__TEST_LOG__ = process.env.TEST_LOGS === 'show' ? undefined : [];
  }

  handleTestEvent(event) {
    const lines = this.global.__TEST_LOG__;
    if (!lines) return;
    if (event.name === 'test_done') {
      if (event.test.errors.length > 0) this.flush(`test "${fullName(event.test)}" failed`);
      lines.length = 0;
    } else if (event.name === 'hook_failure') {
      this.flush(`${event.hook.type} hook failed`);
      lines.length = 0;
    }
  }

  flush(why) {
    const lines = this.global.__TEST_LOG__;
    if (lines.length === 0) return;
    process.stderr.write(
      `\n--- ${why}: the application's log since the previous test ---\n${lines.join('')}--- end of the application's log ---\n`,
    );
  }
}

function fullName(test) {
  const names = [];
  for (let block = test; block && block.name !== 'ROOT_DESCRIBE_BLOCK'; block = block.parent)
    names.unshift(block.name);
  return names.join(' > ');
}

module.exports = QuietLogsEnvironment;

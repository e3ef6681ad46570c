'use strict';
// Preloaded by bench/profile.js (`node -r`): SIGUSR2 starts V8's CPU profiler in the process (the
// profiler --cpu-prof uses, but only over the measured load, not the start-up), the next SIGUSR2
// stops it and writes the profile to CPU_PROFILE_OUT.
const { Session } = require('node:inspector');
const { writeFileSync } = require('node:fs');

const session = new Session();
session.connect();
const post = (method, params) =>
  new Promise((resolve, reject) =>
    session.post(method, params, (err, result) => (err ? reject(err) : resolve(result))),
  );
let running = false;
process.on('SIGUSR2', async () => {
  if (!running) {
    running = true;
    await post('Profiler.enable');
    await post('Profiler.setSamplingInterval', {
      interval: Number(process.env.CPU_PROFILE_INTERVAL_US || 100),
    });
    await post('Profiler.start');
    return;
  }
  running = false;
  const { profile } = await post('Profiler.stop');
  writeFileSync(process.env.CPU_PROFILE_OUT, JSON.stringify(profile));
  process.stderr.write(`[profile] written to ${process.env.CPU_PROFILE_OUT}\n`);
});

/**
 * Preloaded (`node --import`) into a daemon under test: SIGUSR2 makes the process throw an
 * error nobody catches, the way a bug would, to test the daemon's last line of defence.
 */
process.on('SIGUSR2', () => {
  setImmediate(() => {
    throw new Error('injected fault: a bug nobody caught');
  });
});

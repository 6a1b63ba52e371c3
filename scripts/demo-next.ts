/**
 * What `npm run demo` suggests next, run from the checkout: the demo's state, the cost of the
 * sample on the real API, and the real thing with a key. Each line is a command a user can paste;
 * test/integration/demo-next.test.ts runs them.
 */
export interface NextStep {
  /** A shell command line, to run from the checkout's root. */
  readonly command: string;
  /** What it does, in a few words. */
  readonly what: string;
}

/** `demoDir`: the demo's data folder, relative to the checkout's root. */
export function nextSteps(demoDir: string): readonly NextStep[] {
  return [
    {
      command: `npx slicebatch status --data-dir ${demoDir}`,
      what: 'where each file, batch and request of the demo stands, and what it cost',
    },
    {
      command: 'npx slicebatch estimate --input-dir examples/reviewed_slices',
      what: 'prompt tokens and cost of the sample on the real API, before sending anything',
    },
    {
      command: 'cp -r examples/reviewed_slices/. data/2.reviewed_slices/',
      what: 'the sample (or your own reviewed slices) into the inbox of data/',
    },
    {
      command: "read -rsp 'OpenAI API key: ' OPENAI_API_KEY && export OPENAI_API_KEY",
      what: 'your key, kept out of the shell history',
    },
    {
      command: 'npx slicebatch run',
      what: 'the daemon, for real: the dataset lands in data/5.final_output/ (Ctrl-C stops it; run it again to resume)',
    },
  ];
}

/** The steps as the demo prints them: each command, then what it does. */
export function renderNextSteps(steps: readonly NextStep[]): string {
  const lines = ['Try next (docs/commands.md has every command):'];
  for (const { command, what } of steps) lines.push(`  ${command}`, `      ${what}`);
  return lines.join('\n');
}

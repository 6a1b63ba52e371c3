/** Child process of the benchmark: the bare loop over the files given as arguments. */
import { bareLoop } from './bare-loop.ts';

const [output, ...inputs] = process.argv.slice(2);
const lines = await bareLoop(inputs, output!);
process.stdout.write(`${JSON.stringify({ lines })}\n`);

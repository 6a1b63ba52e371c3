/**
 * The floor of step 1: read the lines of every file, JSON.parse and JSON.stringify each, write
 * them to one output file. Lines are split from large chunks with Buffer.indexOf (faster than
 * node:readline), so the floor is a fair one.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';

export async function bareLoop(inputs: readonly string[], output: string): Promise<number> {
  const out = createWriteStream(output);
  let lines = 0;
  for (const input of inputs) {
    let carry = Buffer.alloc(0);
    for await (const chunk of createReadStream(input, {
      highWaterMark: 1 << 20,
    }) as AsyncIterable<Buffer>) {
      const buf = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
      let from = 0;
      let text = '';
      for (let nl = buf.indexOf(10, from); nl !== -1; nl = buf.indexOf(10, from)) {
        if (nl > from) {
          text += `${JSON.stringify(JSON.parse(buf.toString('utf8', from, nl)))}\n`;
          lines++;
        }
        from = nl + 1;
      }
      carry = Buffer.from(buf.subarray(from));
      if (!out.write(text)) await once(out, 'drain');
    }
  }
  out.end();
  await once(out, 'close');
  return lines;
}

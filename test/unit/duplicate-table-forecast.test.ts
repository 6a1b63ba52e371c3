import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fingerprintCode } from '../../src/domain/code-fingerprint.ts';
import { openDuplicateStore, type DuplicateStore } from '../../src/storage/duplicate-store.ts';
import { FORECAST_WHOLE_SLICES } from '../../src/storage/duplicate-kept-tables.ts';

/** A function of its own (at least 24 tokens), numbered `i`; `name` names its argument. */
const code = (i: number, name = 'value'): string =>
  `def scaled_${i}(${name}, limit=${i}):\n` +
  `    if ${name} > limit * ${(i * 7) % 1013}:\n` +
  `        return ${name} // ${i + 3} - ${(i * 31) % 977}\n` +
  `    return [${name}, limit, ${i % 89}, "${i}"]\n`;

async function openStore(t: TestContext, forecastWholeSlices?: number): Promise<DuplicateStore> {
  const dir = await mkdtemp(join(tmpdir(), 'slicebatch-dup-forecast-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const store = await openDuplicateStore(join(dir, 'duplicates.sqlite'), {
    nearThreshold: 0.8,
    ...(forecastWholeSlices === undefined ? {} : { forecastWholeSlices }),
  });
  t.after(() => store.close());
  return store;
}

const at = new Date(0);
function keepAll(store: DuplicateStore, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    const fp = fingerprintCode(code(i), 'a.py');
    assert.equal(store.find('r', `s${i}`, fp), undefined, `slice ${i} is no duplicate`);
    store.keep({ repo: 'r', id: `s${i}`, file: 'a.py', line: i + 1 }, fp, at);
  }
}

/** Every slice kept is found again: the same code as an exact duplicate, renamed as a near one. */
function assertFound(store: DuplicateStore, count: number): void {
  for (let i = 0; i < count; i += 97) {
    const exact = store.find('r2', `copy${i}`, fingerprintCode(`# a copy\n${code(i)}`, 'b.py'));
    assert.equal(exact?.kind, 'exact', `slice ${i}`);
    assert.equal(exact.kept.id, `s${i}`);
    const near = store.find('r2', `renamed${i}`, fingerprintCode(code(i, 'amount'), 'b.py'));
    assert.equal(near?.kind, 'near', `slice ${i}`);
    assert.equal(near.kept.id, `s${i}`);
  }
}

test('the lookup tables are made for the slices the run forecasts: at once while small, in steps of 2.25 when large, and fewer times than without', async (t) => {
  const count = 4000;
  const rebuilds: number[] = [];
  // The default (a forecast of this few slices is taken whole), every forecast taken as too
  // large (tables made for at most 2.25 times a growth), no forecast.
  for (const [forecast, wholeSlices] of [
    [true, undefined],
    [true, 0],
    [false, undefined],
  ] as const) {
    const store = await openStore(t, wholeSlices);
    keepAll(store, 0, count / 10);
    const before = store.stats.rebuilds;
    // A tenth of the input read: about ten times the slices kept so far at the end.
    if (forecast) store.progress(0.1);
    keepAll(store, count / 10, count);
    rebuilds.push(store.stats.rebuilds - before);
    assertFound(store, count);
  }
  const [atOnce, inSteps, without] = rebuilds as [number, number, number];
  assert.equal(atOnce, 1, `made again ${atOnce} times after the forecast`);
  // 1.5 times larger at each growth without, 2.25 times with (the most a forecast may take).
  assert.ok(inSteps >= 2 && inSteps <= 3, `made again ${inSteps} times in steps`);
  assert.ok(without >= 5, `made again ${without} times without`);
});

test('a forecast far too high (the rest of the input duplicates what was read) takes at most 2.25 times the slots of a growth without, or the slots of FORECAST_WHOLE_SLICES', async (t) => {
  const slotsOf = async (forecast: boolean, wholeSlices?: number): Promise<number> => {
    const store = await openStore(t, wholeSlices);
    keepAll(store, 0, 500);
    if (forecast) store.progress(0.05); // forecasts 10,000
    keepAll(store, 500, 2000);
    return store.stats.slots;
  };
  const without = await slotsOf(false);
  const large = await slotsOf(true, 0);
  assert.ok(large <= without * 2.25, `${large} slots against ${without}`);
  // Taken whole up to 6,000 slices: the tables made for those, not for the 10,000 forecast.
  const capped = await slotsOf(true, 6000);
  assert.ok(capped > without * 2.25, `${capped} slots against ${without}`);
  const whole = await slotsOf(true);
  assert.ok(
    Math.abs(capped / whole - 6000 / 10000) < 0.05,
    `${capped} slots for 6,000 slices, ${whole} for 10,000`,
  );
  assert.ok(10000 < FORECAST_WHOLE_SLICES);
});

test('a forecast short of what comes (or one too early to tell) still finds every slice kept', async (t) => {
  const count = 4000;
  const store = await openStore(t);
  keepAll(store, 0, 200);
  store.progress(0.01); // too early: no forecast
  store.progress(1); // the run says it is over: 200 slices
  keepAll(store, 200, count);
  assertFound(store, count);
});

test('a store kept open for the next run forecasts from that run on, not from when it was opened', async (t) => {
  const slots: number[] = [];
  for (const startRun of [true, false]) {
    const store = await openStore(t);
    keepAll(store, 0, 2000); // the run before
    store.confirm();
    if (startRun) store.startRun();
    keepAll(store, 2000, 2100);
    // Half of this run's input read: about 200 slices of its own at the end (4,200 counted from
    // the store's opening).
    store.progress(0.5);
    const rebuilds = store.stats.rebuilds;
    let i = 2100;
    for (; store.stats.rebuilds === rebuilds; i += 50) keepAll(store, i, i + 50);
    slots.push(store.stats.slots);
    assertFound(store, i);
  }
  const [fromRun, fromOpening] = slots as [number, number];
  assert.ok(fromRun < fromOpening, `${fromRun} slots against ${fromOpening}`);
});

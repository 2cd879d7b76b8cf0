import { mapWithLimit } from '../../src/core';

/** A task per item that finishes when the test says so, recording how many run at once. */
function gate() {
  const open = new Map<number, () => void>();
  let running = 0;
  let most = 0;
  const started: number[] = [];
  const work = async (item: number) => {
    started.push(item);
    running += 1;
    most = Math.max(most, running);
    await new Promise<void>((resolve) => open.set(item, resolve));
    running -= 1;
    if (item < 0) throw new Error(`item ${item} failed`);
    return item * 10;
  };
  const finish = async (item: number) => {
    while (!open.has(item)) await new Promise((resolve) => setImmediate(resolve));
    open.get(item)?.();
  };
  return { work, finish, started, most: () => most, running: () => running };
}

const turns = async (count: number) => {
  for (let i = 0; i < count; i += 1) await new Promise((resolve) => setImmediate(resolve));
};

describe('mapWithLimit: a few at a time, the results in order', () => {
  it('never runs more than the limit at once, and answers in the items’ order whatever order they finish in', async () => {
    const { work, finish, most } = gate();
    const result = mapWithLimit([1, 2, 3, 4, 5, 6], 4, work);
    for (const item of [4, 2, 6, 1, 5, 3]) await finish(item);
    expect(await result).toEqual([10, 20, 30, 40, 50, 60]);
    expect(most()).toBe(4);
  });

  it('after a failure starts nothing more, and rejects only once what was started has finished', async () => {
    const { work, finish, started, running } = gate();
    let settled = false;
    const result = mapWithLimit([-1, 2, 3, 4], 2, work).finally(() => (settled = true));
    result.catch(() => undefined);
    await finish(-1);
    await turns(5);
    // 2 was running when -1 failed; 3 and 4 are never started, and the failure waits for 2.
    expect(started).toEqual([-1, 2]);
    expect(running()).toBe(1);
    expect(settled).toBe(false);
    await finish(2);
    await expect(result).rejects.toThrow('item -1 failed');
    expect(started).toEqual([-1, 2]);
  });

  it('an empty list answers an empty list', async () => {
    expect(await mapWithLimit([], 4, () => Promise.resolve(1))).toEqual([]);
  });
});

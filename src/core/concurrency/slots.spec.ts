import { Slots } from './slots';

describe(Slots.name, () => {
  it('lets `size` holders in at once and the next in as one leaves, in arrival order', async () => {
    const slots = new Slots(2);
    const order: string[] = [];
    const releases: Record<string, () => void> = {};
    const hold = (name: string) =>
      slots.within(async () => {
        order.push(`in ${name}`);
        await new Promise<void>((resolve) => (releases[name] = resolve));
        order.push(`out ${name}`);
      });
    const all = [hold('a'), hold('b'), hold('c'), hold('d')];
    await Promise.resolve();
    expect(order).toEqual(['in a', 'in b']);
    releases.b();
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual(['in a', 'in b', 'out b', 'in c']);
    releases.a();
    await new Promise((resolve) => setImmediate(resolve));
    releases.c();
    await new Promise((resolve) => setImmediate(resolve));
    releases.d();
    await Promise.all(all);
    expect(order).toEqual(['in a', 'in b', 'out b', 'in c', 'out a', 'in d', 'out c', 'out d']);
  });

  it('gives the slot back when the work fails', async () => {
    const slots = new Slots(1);
    await expect(slots.within(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(slots.within(() => Promise.resolve('next'))).resolves.toBe('next');
  });
});

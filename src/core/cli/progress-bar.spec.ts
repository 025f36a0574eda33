import { ProgressBar, ProgressOutput } from './progress-bar';

/** An output that keeps what was written, and a clock the test moves. */
function setup(isTTY: boolean, total: number) {
  const written: string[] = [];
  const out: ProgressOutput = { isTTY, write: (text: string) => written.push(text) };
  let now = 0;
  const bar = new ProgressBar(out, total, 'bookings', () => now);
  return { bar, written, advance: (ms: number) => (now += ms) };
}

describe(ProgressBar.name, () => {
  it('redraws one line in place on a terminal, with counts and rate', () => {
    const { bar, written, advance } = setup(true, 100_000);
    advance(2000);
    bar.update(45_000);
    advance(2000);
    bar.update(50_000);
    bar.finish();
    expect(written).toEqual([
      '\r[#########...........] 45,000/100,000 bookings 22,500/s',
      '\r[##########..........] 50,000/100,000 bookings 12,500/s',
      '\r[##########..........] 50,000/100,000 bookings 12,500/s',
      '\n',
    ]);
  });

  it('pads a redraw that got shorter, so nothing of the longer line is left', () => {
    const { bar, written, advance } = setup(true, 10);
    advance(1);
    bar.update(5);
    advance(999_999);
    bar.update(5);
    expect(written[1].length).toBe(written[0].length);
    expect(written[1]).toMatch(/^\r\[#{10}\.{10}\] 5\/10 bookings 0\/s +$/);
  });

  it('writes a line per tenth elsewhere, and the last one once', () => {
    const { bar, written, advance } = setup(false, 1000);
    advance(1000);
    for (const done of [50, 99, 100, 150, 250, 999, 1000]) bar.update(done);
    bar.finish();
    expect(written).toEqual([
      '[##..................] 100/1,000 bookings 100/s\n',
      '[#####...............] 250/1,000 bookings 250/s\n',
      '[###################.] 999/1,000 bookings 999/s\n',
      '[####################] 1,000/1,000 bookings 1,000/s\n',
    ]);
  });

  it('writes the final line when the work ends short of the total', () => {
    const { bar, written } = setup(false, 1000);
    bar.update(30);
    bar.finish();
    expect(written).toEqual(['[....................] 30/1,000 bookings 0/s\n']);
  });

  it('copes with nothing to do', () => {
    const { bar, written } = setup(false, 0);
    bar.finish();
    expect(written).toEqual(['[####################] 0/0 bookings 0/s\n']);
  });
});

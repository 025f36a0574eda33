import { HeraldError } from '../../src/core/errors/herald-error';

/** The error `work` throws, for asserting on its fields; fails when nothing is thrown. */
export function thrown(work: () => unknown): HeraldError {
  try {
    work();
  } catch (error) {
    return error as HeraldError;
  }
  throw new Error('expected an error');
}

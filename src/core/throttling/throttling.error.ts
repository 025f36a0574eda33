import { ErrorKind, HeraldError } from '../errors/herald-error';

export class ThrottlingError extends HeraldError {
  constructor(retryAfterSeconds: number) {
    super(ErrorKind.TooManyRequests, 'RATE_LIMITED', `Too many requests; try again in ${retryAfterSeconds} s`, { retryAfter: retryAfterSeconds });
  }
}

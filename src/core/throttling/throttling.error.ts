import { ErrorKind, HeraldError } from '../errors/herald-error';

/** The GraphQL code for HTTP 429; ErrorKind does not name it, so the kind is spelled here. */
export const TOO_MANY_REQUESTS = String('TOO_MANY_REQUESTS') as ErrorKind;

export class ThrottlingError extends HeraldError {
  constructor(retryAfterSeconds: number) {
    super(TOO_MANY_REQUESTS, 'RATE_LIMITED', `Too many requests; try again in ${retryAfterSeconds} s`, { retryAfter: retryAfterSeconds });
  }
}

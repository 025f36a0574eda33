import { isValidPhoneNumber } from 'libphonenumber-js';
import { registerDecorator, ValidationOptions } from 'class-validator';

/**
 * Zone names the runtime has accepted. Asking Intl costs tens of microseconds, which a bulk import
 * pays per row; the set stays small, as only real zone names enter it.
 */
const knownTimezones = new Set<string>();

/** True when the runtime knows this IANA time zone name. */
export function isIanaTimezone(value: unknown): value is string {
  if (typeof value !== 'string' || value.length === 0) return false;
  if (knownTimezones.has(value)) return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
  } catch {
    return false;
  }
  knownTimezones.add(value);
  return true;
}

/** A phone number written in E.164 (+ and digits only) that is also a real, valid number. */
export function isE164Phone(value: unknown): value is string {
  return typeof value === 'string' && /^\+[1-9]\d{6,14}$/.test(value) && isValidPhoneNumber(value);
}

const simpleDecorator =
  (name: string, test: (value: unknown) => boolean, message: string) =>
  (options?: ValidationOptions): PropertyDecorator =>
  (target, propertyName) =>
    registerDecorator({
      name,
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message, ...options },
      validator: { validate: test },
    });

export const IsIanaTimezone = simpleDecorator('isIanaTimezone', isIanaTimezone, '$property must be an IANA time zone such as Asia/Tashkent');
export const IsE164Phone = simpleDecorator('isE164Phone', isE164Phone, '$property must be a valid phone number in E.164 form, e.g. +998901234567');

import { EntityManager } from '@mikro-orm/postgresql';
import { Injectable } from '@nestjs/common';
import { rawQuery } from '../core/database/raw-query';
import { BookingStatus } from './booking.entity';
import { PaymentStatus } from './payment.entity';
import { SignatureStatus } from './signature-request.entity';

export interface PendingSignature {
  id: string;
  bookingId: string;
  requestedAt: Date;
}

export interface HeldPayment {
  id: string;
  bookingId: string;
  amount: string;
  currency: string;
  heldSince: Date;
}

export interface OverdueBooking {
  id: string;
  providerId: string;
  serviceName: string;
  endsAt: Date;
}

/**
 * What is stuck around bookings, for the business alerts: signatures still pending, payments
 * still on hold, bookings past their end that nobody closed. Plain rows, oldest first, at most
 * `limit`, each read in one indexed query.
 */
@Injectable()
export class StuckBookings {
  constructor(private readonly em: EntityManager) {}

  pendingSignatures(requestedBefore: Date, limit = 1000): Promise<PendingSignature[]> {
    return this.read<PendingSignature>(
      'requestedAt',
      `select "id", "booking_id" as "bookingId", "requested_at" as "requestedAt" from "signature_requests"
        where "status" = ? and "requested_at" < ? order by "requested_at" limit ?`,
      [SignatureStatus.pending, requestedBefore, limit],
    );
  }

  heldPayments(heldBefore: Date, limit = 1000): Promise<HeldPayment[]> {
    return this.read<HeldPayment>(
      'heldSince',
      `select "id", "booking_id" as "bookingId", "amount"::text as "amount", "currency", "held_since" as "heldSince" from "payments"
        where "status" = ? and "held_since" < ? order by "held_since" limit ?`,
      [PaymentStatus.held, heldBefore, limit],
    );
  }

  overdueBookings(endedBefore: Date, limit = 1000): Promise<OverdueBooking[]> {
    return this.read<OverdueBooking>(
      'endsAt',
      `select "id", "provider_id" as "providerId", "service_name" as "serviceName", "ends_at" as "endsAt" from "bookings"
        where "status" in (?, ?) and "ends_at" < ? order by "ends_at" limit ?`,
      [BookingStatus.pending, BookingStatus.confirmed, endedBefore, limit],
    );
  }

  /** Rows with their `instant` column as a Date (the driver hands timestamps over as text); money stays text, exact. */
  private async read<T>(instant: keyof T & string, sql: string, params: unknown[]): Promise<T[]> {
    const rows = await rawQuery<Record<string, unknown>>(this.em.fork(), sql, params);
    return rows.map((row) => ({ ...row, [instant]: new Date(row[instant] as string) }) as T);
  }
}

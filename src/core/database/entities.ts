import { BookingEvent } from '../../bookings/booking-event.entity';
import { Booking } from '../../bookings/booking.entity';
import { Payment } from '../../bookings/payment.entity';
import { SignatureRequest } from '../../bookings/signature-request.entity';
import { AlertEvent } from '../../alerts/alert-event.entity';
import { BusinessAlert } from '../../alerts/business-alert.entity';
import { PostalCodeDaily } from '../../analytics/postal-code-daily.entity';
import { Campaign, CampaignRun } from '../../analytics/campaigns/campaign.entity';
import { AuditEntry } from '../audit/audit-entry.entity';
import { TelegramLinkToken } from '../../channels/telegram/telegram-link-token.entity';
import { Notification } from '../../notifications/notification.entity';
import { MessageTemplate } from '../../templates/message-template.entity';
import { UserPreferences } from '../../preferences/user-preferences.entity';
import { User } from '../../users/user.entity';

/** Every persisted entity; the ORM, the CLI and migrations all read this list. */
export const ENTITIES = [User, Booking, Payment, SignatureRequest, BookingEvent, Notification, TelegramLinkToken, UserPreferences, MessageTemplate, AuditEntry, BusinessAlert, AlertEvent, PostalCodeDaily, Campaign, CampaignRun];

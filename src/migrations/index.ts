import { MigrationObject } from '@mikro-orm/core';
import { Migration20261121100000 } from './Migration20261121100000_initial';
import { Migration20261121120000 } from './Migration20261121120000_notifications';
import { Migration20261121140000 } from './Migration20261121140000_channels';
import { Migration20261201090000 } from './Migration20261201090000_booking_event_relay';
import { Migration20261201093000 } from './Migration20261201093000_dispatch';
import { Migration20261201100000 } from './Migration20261201100000_exact_offsets_and_lookups';
import { Migration20261201110000 } from './Migration20261201110000_dispatch_lookups';
import { Migration20261201120000 } from './Migration20261201120000_preferences';
import { Migration20261201130000 } from './Migration20261201130000_templates';
import { Migration20261201140000 } from './Migration20261201140000_history_audit';
import { Migration20261201150000 } from './Migration20261201150000_alerts';
import { Migration20261201160000 } from './Migration20261201160000_self_watch_alerts';
import { Migration20261201170000 } from './Migration20261201170000_reminders_late_alerts';
import { Migration20261201190000 } from './Migration20261201190000_postal_code_analytics';
import { Migration20261201191000 } from './Migration20261201191000_ratings_and_served_postal_codes';

/** Migrations in the order they apply; a new migration file must be added here. */
export const MIGRATIONS: MigrationObject[] = [
  { name: 'Migration20261121100000_initial', class: Migration20261121100000 },
  { name: 'Migration20261121120000_notifications', class: Migration20261121120000 },
  { name: 'Migration20261121140000_channels', class: Migration20261121140000 },
  { name: 'Migration20261201090000_booking_event_relay', class: Migration20261201090000 },
  { name: 'Migration20261201093000_dispatch', class: Migration20261201093000 },
  { name: 'Migration20261201100000_exact_offsets_and_lookups', class: Migration20261201100000 },
  { name: 'Migration20261201110000_dispatch_lookups', class: Migration20261201110000 },
  { name: 'Migration20261201120000_preferences', class: Migration20261201120000 },
  { name: 'Migration20261201130000_templates', class: Migration20261201130000 },
  { name: 'Migration20261201140000_history_audit', class: Migration20261201140000 },
  { name: 'Migration20261201150000_alerts', class: Migration20261201150000 },
  { name: 'Migration20261201160000_self_watch_alerts', class: Migration20261201160000 },
  { name: 'Migration20261201170000_reminders_late_alerts', class: Migration20261201170000 },
  { name: 'Migration20261201190000_postal_code_analytics', class: Migration20261201190000 },
  { name: 'Migration20261201191000_ratings_and_served_postal_codes', class: Migration20261201191000 },
];

import { ensureBuilt } from '../../../bench/support/herald';
import globalSetup from '../../support/global-setup';

/** The fault suite runs the built app: build it when dist/ is older than its sources, then start the test services. */
export default async function faultsGlobalSetup(): Promise<void> {
  ensureBuilt((line) => process.stdout.write(`${line}\n`));
  await globalSetup();
}

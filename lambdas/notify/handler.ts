import { secretsManager, sns } from '../shared/clients';
import { inventoryFromEnv } from '../shared/config';
import { getRequiredEnv } from '../shared/errors';
import { log, logger } from '../shared/logger';
import { metrics, powertoolsSink } from '../shared/metrics';
import { Notifier, type NotifyEvent, type NotifyResult } from './notify';

// Built once per container (STYLE.md §5): the notifier caches the webhook URL and the ids already sent.
const inventory = inventoryFromEnv();
logger.appendKeys({ env: inventory.name });
const notifier = new Notifier({
  sns,
  secrets: secretsManager,
  topicArn: getRequiredEnv('ALERT_TOPIC_ARN'),
  inventory,
  logger: log,
  metrics: powertoolsSink(metrics),
});

/**
 * Target of the health-alert, recovery and rotation-failure rules. Throws when SNS fails, so Lambda's
 * async retries and then the DLQ keep the alert.
 */
export const handler = async (event: NotifyEvent): Promise<NotifyResult> => {
  try {
    return await notifier.notify(event);
  } finally {
    metrics.publishStoredMetrics();
  }
};

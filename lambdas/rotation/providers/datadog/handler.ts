import { createDatadogAdapter } from '../../../providers/datadog';
import { createRotationHandler } from '../../create-handler';

/** Rotation Lambda of provider datadog: its bundle holds this adapter only (lib/constructs/rotation-functions.ts). */
export const handler = createRotationHandler('datadog', () => createDatadogAdapter());

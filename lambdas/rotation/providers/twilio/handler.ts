import { createTwilioAdapter } from '../../../providers/twilio';
import { createRotationHandler } from '../../create-handler';

/** Rotation Lambda of provider twilio: its bundle holds this adapter only (lib/constructs/rotation-functions.ts). */
export const handler = createRotationHandler('twilio', () => createTwilioAdapter());

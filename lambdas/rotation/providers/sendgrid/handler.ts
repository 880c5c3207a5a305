import { createSendgridAdapter } from '../../../providers/sendgrid';
import { createRotationHandler } from '../../create-handler';

/** Rotation Lambda of provider sendgrid: its bundle holds this adapter only (lib/constructs/rotation-functions.ts). */
export const handler = createRotationHandler('sendgrid', () => createSendgridAdapter());

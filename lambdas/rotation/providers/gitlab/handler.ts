import { createGitlabAdapter } from '../../../providers/gitlab';
import { createRotationHandler } from '../../create-handler';

/** Rotation Lambda of provider gitlab: its bundle holds this adapter only (lib/constructs/rotation-functions.ts). */
export const handler = createRotationHandler('gitlab', () => createGitlabAdapter());

import type { Request } from 'express';
import type { AdminSession } from './adminSessions';

/** A request with the admin session its cookie names (undefined: none, or it expired). */
export type SessionRequest = Request & { adminSession?: AdminSession | undefined };

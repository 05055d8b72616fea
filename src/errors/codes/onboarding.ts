import type { ErrorDefinitions } from '../types.js';

/** Onboarding sessions, store access and unbinding (partner-api.md). */
export const onboardingErrors = {
  ONB_001: { status: 404, message: 'Onboard session not found', hint: 'Use the sid of a session your partner account opened' },
  ONB_002: { status: 410, message: 'Onboard session expired', hint: 'Sessions are valid for 3 minutes: open a new one' },
  ONB_003: { status: 409, message: 'Store access not authorized yet', hint: 'The seller has not authorized this session; fetch the access after the redirect to your redirectUri' },
  ONB_004: { status: 409, message: 'Store access already retrieved', hint: 'A sid gives the store access once; open a new session to onboard again' },
  ONB_005: { status: 409, message: 'Access was refused by the seller', hint: 'The seller cancelled; open a new session if they want to try again' },
  ONB_007: { status: 409, message: 'Store access was revoked by an unbind', hint: 'The store was unbound after the seller authorized this session; open a new session for the seller to onboard again' },
  ONB_006: { status: 404, message: 'Store not bound to this partner', hint: 'Use the storeClientId of a store your partner account has access to' },
  ONB_008: { status: 409, message: 'Store access superseded by a later authorization', hint: 'The seller authorized the store again in a later session: claim that session\'s access (its sid came to your redirectUri)' },
} satisfies ErrorDefinitions;

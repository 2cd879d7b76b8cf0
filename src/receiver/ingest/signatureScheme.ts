/** How the sender signed the request. */
export type SignatureScheme = 'dci' | 'standard_webhooks';

/** Accounts created for the browser tests (see playwright.config.ts). */
export const ADMIN = { email: 'admin@example.com', password: 'a long admin passphrase for tests' };
export const READONLY = { email: 'reader@example.com', password: 'a long reader passphrase for tests' };
export const SALES = { email: 'sales@example.com', password: 'a long sales passphrase for tests' };

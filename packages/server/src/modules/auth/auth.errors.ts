// What the token checks refuse.

export const AuthErrorCode = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  /** revokeApiToken named no token. */
  API_TOKEN_NOT_FOUND: 'API_TOKEN_NOT_FOUND',
} as const;

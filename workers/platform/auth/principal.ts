/** Who is calling, once credentials have been checked. */
export interface Principal {
  userId: string;
  email: string;
  isAdmin: boolean;
  via: 'session' | 'api_key';
  /** The refresh-token family of a session login, so logout can end it. */
  sessionFamilyId?: string;
  apiKeyId?: string;
}

// A real OpenID Connect provider (npm oidc-provider) for the single-sign-on tests, on loopback only.
// Usage: node provider.mjs PORT CLIENT_ID CLIENT_SECRET REDIRECT_URI
// Its development login page accepts any login name; the accounts below give their claims (role, districts).
import { Provider } from 'oidc-provider';

const [port, clientId, clientSecret, redirectUri] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;

const ACCOUNTS = {
  'sso-city': { name: '市级管理员甲', ledger_role: 'housing-city-admin', ledger_districts: [] },
  'sso-shibei': { name: '市北区填报员乙', ledger_role: 'housing-district-clerk', ledger_districts: ['市北区'] },
};

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: [redirectUri],
    post_logout_redirect_uris: [redirectUri.replace(/\/oauth2callback$/, '/')],
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }],
  claims: {
    openid: ['sub'],
    profile: ['preferred_username', 'name'],
    ledger: ['ledger_role', 'ledger_districts'],
  },
  scopes: ['openid', 'profile', 'ledger'],
  // Streamlit reads the user from the ID token: put the scopes' claims there, not only at the userinfo endpoint
  conformIdTokenClaims: false,
  pkce: { required: () => false },
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['test-only-cookie-key'] },
  async findAccount(ctx, id) {
    const account = ACCOUNTS[id] ?? { name: id, ledger_role: 'unknown', ledger_districts: [] };
    return {
      accountId: id,
      async claims() {
        return { sub: id, preferred_username: id, ...account };
      },
    };
  },
});
provider.proxy = false;
provider.listen(Number(port), '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${issuer}`);
});

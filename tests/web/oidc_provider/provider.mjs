// A local OpenID Connect provider for the single sign-on tests: node-oidc-provider with its
// development sign-in pages (any login and password; the login becomes the subject).
//
//   node provider.mjs PORT REDIRECT_URI CLIENT_SECRET
//
// Client "headwater" (authorization code with PKCE). The groups of a user are read from the
// environment variable OIDC_GROUPS, JSON such as {"ann": ["data-eng"]}. With OIDC_ID_TOKEN_CLAIMS=1
// the ID token carries preferred_username and groups; otherwise only the userinfo endpoint does.
// Prints "ready" once it listens on 127.0.0.1.
import Provider from "oidc-provider";

const [port, redirectUri, secret] = process.argv.slice(2);
const groups = JSON.parse(process.env.OIDC_GROUPS || "{}");
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: "headwater",
      client_secret: secret,
      redirect_uris: [redirectUri],
      response_types: ["code"],
      grant_types: ["authorization_code"],
    },
  ],
  claims: { openid: ["sub"], profile: ["preferred_username", "groups"] },
  conformIdTokenClaims: process.env.OIDC_ID_TOKEN_CLAIMS !== "1",
  cookies: { keys: ["a key only these tests use"] },
  features: { devInteractions: { enabled: true } },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return { sub: id, preferred_username: id, groups: groups[id] || [] };
      },
    };
  },
});
provider.listen(Number(port), "127.0.0.1", () => console.log("ready"));

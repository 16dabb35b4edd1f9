// Verifies an access token the way a resource server would, with panva/jose (not Tessera code):
//   node verify.mjs <jwks-url> <token> <issuer> <audience>
// Prints the verified header and claims as JSON and exits 0, or prints the error code and exits 1.
import { createRemoteJWKSet, jwtVerify } from "jose";

const [jwksUrl, token, issuer, audience] = process.argv.slice(2);
try {
  const jwks = createRemoteJWKSet(new URL(jwksUrl));
  const { payload, protectedHeader } = await jwtVerify(token, jwks, { issuer, audience, typ: "at+jwt", algorithms: ["ES256"] });
  console.log(JSON.stringify({ header: protectedHeader, claims: payload }));
} catch (error) {
  console.log(JSON.stringify({ error: error.code ?? String(error) }));
  process.exit(1);
}

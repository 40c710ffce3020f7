// createOAuthClient() in Node: prints the rejection's name and code. The process must then exit
// by itself, so nothing may be left open.
import { createOAuthClient } from '../../dist/spa-oauth.mjs';

try {
  await createOAuthClient({ issuer: 'https://auth.example.com', clientId: 'spa', redirectUri: 'https://app.example.com/' });
  console.log('resolved');
} catch (err) {
  console.log(JSON.stringify({ name: err.name, code: err.code, message: err.message }));
}

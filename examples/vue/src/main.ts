import { createApp } from 'vue';
import { createRouter, createWebHistory } from 'vue-router';
import { createOAuthClient } from 'spa-oauth-client';
import { authGuard, createOAuthPlugin } from 'spa-oauth-client/vue';
import App from './App.vue';
import Home from './Home.vue';
import Profile from './Profile.vue';

const config = (window as unknown as { SPA_OAUTH_CONFIG: { issuer: string; clientId: string; apiOrigin: string } }).SPA_OAUTH_CONFIG;
const home = location.origin + import.meta.env.BASE_URL;

// Created once, at module scope; the plugin handles the login callback.
const client = createOAuthClient({
  issuer: config.issuer,
  clientId: config.clientId,
  redirectUri: home,
  postLogoutRedirectUri: home,
  scope: 'openid profile email offline_access',
  apiOrigins: [config.apiOrigin],
});

const router = createRouter({
  history: createWebHistory(import.meta.env.BASE_URL),
  routes: [
    { path: '/', component: Home, meta: { public: true } },
    { path: '/profile', component: Profile, props: { apiOrigin: config.apiOrigin } },
  ],
});
router.beforeEach((to) => to.meta.public === true || authGuard(to));

// The plugin goes first, so the router's first navigation already finds it.
createApp(App).use(createOAuthPlugin(client)).use(router).mount('#app');

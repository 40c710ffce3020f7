import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { exampleConfig } from '../vite.shared.ts';

export default defineConfig({ ...exampleConfig('react'), plugins: [react()] });

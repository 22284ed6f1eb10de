import { startPage } from '../lib/session.js';

if (startPage()) document.body.dataset.loaded = 'true';

import { createApp } from 'vue';
import 'video-call-element';
import App from './App.vue';

createApp(App).mount('#app');

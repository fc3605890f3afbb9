import { mount } from 'svelte';
import 'video-call-element';
import App from './App.svelte';

mount(App, { target: document.getElementById('app') });

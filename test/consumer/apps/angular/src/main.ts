// Angular without its CLI: a standalone component, compiled in the browser (JIT, hence
// @angular/compiler), zoneless; Vite's esbuild compiles the decorators (tsconfig.json:
// experimentalDecorators). CUSTOM_ELEMENTS_SCHEMA lets the template use <video-call>.
import '@angular/compiler';
import { Component, CUSTOM_ELEMENTS_SCHEMA, provideZonelessChangeDetection, signal } from '@angular/core';
import { bootstrapApplication } from '@angular/platform-browser';
import 'video-call-element';

@Component({
  selector: 'app-root',
  schemas: [CUSTOM_ELEMENTS_SCHEMA],
  template: `
    <input id="name" [value]="name()" (input)="name.set($any($event.target).value)" />
    <video-call
      room="x"
      transport="local"
      [name]="name()"
      style="display: block; height: 480px"
      (vc-joined)="selfId.set($event.detail.selfId)"
      (vc-error)="error.set($event.detail.code)"
    ></video-call>
    <p id="self">{{ selfId() }}</p>
    <p id="error">{{ error() }}</p>
  `,
})
class App {
  name = signal('Ada');
  selfId = signal('');
  error = signal('');
}

bootstrapApplication(App, { providers: [provideZonelessChangeDetection()] }).catch((err) => console.error(err));

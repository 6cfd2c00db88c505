import { bootstrapApplication } from '@angular/platform-browser';
import { provideZonelessChangeDetection } from '@angular/core';
import { configureAmplify, describe } from './app/amplify';
import { AppComponent } from './app/app.component';

configureAmplify()
  .then(() => bootstrapApplication(AppComponent, { providers: [provideZonelessChangeDetection()] }))
  .catch((e) => {
    const p = document.createElement('p');
    p.dataset['testid'] = 'fatal';
    p.textContent = `Could not start: ${describe(e)}`;
    document.body.replaceChildren(p);
    console.error(e);
  });

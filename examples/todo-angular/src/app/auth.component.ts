// Sign up, confirm (with the code from amplocal's inbox in dev mode) and sign in (SRP, the
// Amplify default).
import { Component, output, signal } from '@angular/core';
import { confirmSignUp, signIn, signUp } from 'aws-amplify/auth';
import { demoConfig, describe } from './amplify';

type Step = 'signIn' | 'signUp' | 'confirm';

@Component({
  selector: 'app-auth',
  template: `
    <section>
      @switch (step()) {
        @case ('signUp') {
          <h2>Create an account</h2>
          <form (submit)="$event.preventDefault(); doSignUp()">
            <input type="email" placeholder="email" data-testid="signup-email" [value]="email()" (input)="email.set(val($event))" autocomplete="username">
            <input type="password" placeholder="password" data-testid="signup-password" [value]="password()" (input)="password.set(val($event))" autocomplete="new-password">
            <button type="submit" data-testid="signup-submit" [disabled]="busy()">Sign up</button>
          </form>
          <p class="muted">At least 8 characters with upper case, lower case and a number.
            <button type="button" class="link" data-testid="goto-signin" (click)="go('signIn')">I have an account</button></p>
        }
        @case ('confirm') {
          <h2>Confirm {{ email() }}</h2>
          @if (devMode) {
            <p data-testid="dev-code-box">Dev mode: the code amplocal "sent" is
              <span class="code" data-testid="dev-code">{{ devCode() || '…' }}</span>
              <button type="button" class="link" data-testid="dev-code-refresh" (click)="loadDevCode()">refresh</button>
              @if (devCodeError()) { <span class="error" data-testid="dev-code-error">{{ devCodeError() }}</span> }
            </p>
          }
          <form (submit)="$event.preventDefault(); doConfirm()">
            <input type="text" placeholder="code" data-testid="confirm-code" [value]="code()" (input)="code.set(val($event))" autocomplete="one-time-code">
            <button type="submit" data-testid="confirm-submit" [disabled]="busy()">Confirm</button>
          </form>
        }
        @default {
          <h2>Sign in</h2>
          <form (submit)="$event.preventDefault(); doSignIn()">
            <input type="email" placeholder="email" data-testid="signin-email" [value]="email()" (input)="email.set(val($event))" autocomplete="username">
            <input type="password" placeholder="password" data-testid="signin-password" [value]="password()" (input)="password.set(val($event))" autocomplete="current-password">
            <button type="submit" data-testid="signin-submit" [disabled]="busy()">Sign in</button>
          </form>
          <p class="muted">No account?
            <button type="button" class="link" data-testid="goto-signup" (click)="go('signUp')">Sign up</button></p>
        }
      }
      @if (info()) { <p data-testid="auth-info">{{ info() }}</p> }
      @if (error()) { <p class="error" data-testid="auth-error">{{ error() }}</p> }
    </section>
  `,
})
export class AuthComponent {
  readonly signedIn = output<void>();
  readonly step = signal<Step>('signIn');
  readonly email = signal('');
  readonly password = signal('');
  readonly code = signal('');
  readonly devCode = signal('');
  readonly devCodeError = signal('');
  readonly busy = signal(false);
  readonly error = signal('');
  readonly info = signal('');
  readonly devMode = !!demoConfig().amplocal;

  val(e: Event): string {
    return (e.target as HTMLInputElement).value;
  }

  go(step: Step): void {
    this.error.set('');
    this.info.set('');
    this.step.set(step);
  }

  private async run(f: () => Promise<void>): Promise<void> {
    this.busy.set(true);
    this.error.set('');
    this.info.set('');
    try {
      await f();
    } catch (e) {
      this.error.set(describe(e));
    } finally {
      this.busy.set(false);
    }
  }

  doSignUp(): Promise<void> {
    return this.run(async () => {
      const r = await signUp({
        username: this.email(),
        password: this.password(),
        options: { userAttributes: { email: this.email() } },
      });
      if (r.nextStep.signUpStep === 'CONFIRM_SIGN_UP') {
        this.code.set('');
        this.step.set('confirm');
        await this.loadDevCode();
      } else {
        this.step.set('signIn');
      }
    });
  }

  /** Dev mode only: the newest sign-up code from amplocal's inbox (never against real AWS). */
  async loadDevCode(): Promise<void> {
    const c = demoConfig();
    if (!c.amplocal) return;
    this.devCodeError.set('');
    try {
      const q = new URLSearchParams({ pool: c.userPoolId, username: this.email() });
      const res = await fetch(`${c.amplocal.endpoint.replace(/\/$/, '')}/_amplocal/cognito/codes?${q}`, { cache: 'no-store' });
      const body = await res.json();
      if (!res.ok) throw new Error(body?.message ?? `HTTP ${res.status}`);
      const row = (body.codes as { purpose: string; code: string }[]).find((x) => x.purpose === 'signup');
      this.devCode.set(row?.code ?? '');
    } catch (e) {
      this.devCodeError.set(`code inbox: ${describe(e)}`);
    }
  }

  doConfirm(): Promise<void> {
    return this.run(async () => {
      await confirmSignUp({ username: this.email(), confirmationCode: this.code().trim() });
      this.step.set('signIn');
      this.info.set('Account confirmed. Sign in.');
    });
  }

  doSignIn(): Promise<void> {
    return this.run(async () => {
      const r = await signIn({ username: this.email(), password: this.password() });
      if (r.isSignedIn) {
        this.password.set('');
        this.signedIn.emit();
      } else if (r.nextStep.signInStep === 'CONFIRM_SIGN_UP') {
        this.step.set('confirm');
        await this.loadDevCode();
      } else {
        throw new Error(`unsupported next step ${r.nextStep.signInStep}`);
      }
    });
  }
}

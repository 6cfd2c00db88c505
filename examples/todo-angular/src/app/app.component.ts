// The shell: the auth forms while signed out; the todo list, the shared board and the files
// panel while signed in.
import { Component, OnInit, signal } from '@angular/core';
import { fetchUserAttributes, getCurrentUser, signOut } from 'aws-amplify/auth';
import { AuthComponent } from './auth.component';
import { TodosComponent } from './todos.component';
import { BoardComponent } from './board.component';
import { FilesComponent } from './files.component';
import { demoConfig, describe } from './amplify';

@Component({
  selector: 'app-root',
  imports: [AuthComponent, TodosComponent, BoardComponent, FilesComponent],
  template: `
    <main>
      <header>
        <h1>Todo · Angular + Amplify JS v6 on amplocal</h1>
        @if (user(); as u) {
          <div class="row">
            <span data-testid="signed-in-user">{{ u }}</span>
            <button type="button" data-testid="signout" (click)="doSignOut()">Sign out</button>
          </div>
        }
      </header>
      @if (devMode) {
        <p class="muted" data-testid="dev-mode">Dev mode: backend at {{ endpoint }}</p>
      }
      @if (error()) {
        <p class="error" data-testid="app-error">{{ error() }}</p>
      }
      @if (!ready()) {
        <p data-testid="checking-session">Checking the session…</p>
      } @else if (user()) {
        <app-todos />
        <app-board />
        <app-files />
      } @else {
        <app-auth (signedIn)="refreshUser()" />
      }
    </main>
  `,
})
export class AppComponent implements OnInit {
  readonly user = signal<string | null>(null);
  readonly ready = signal(false);
  readonly error = signal('');
  readonly devMode = !!demoConfig().amplocal;
  readonly endpoint = demoConfig().amplocal?.endpoint ?? '';

  ngOnInit(): void {
    void this.refreshUser();
  }

  async refreshUser(): Promise<void> {
    try {
      const current = await getCurrentUser();
      let label = current.signInDetails?.loginId ?? current.username;
      try {
        label = (await fetchUserAttributes()).email ?? label;
      } catch {
        // the email is cosmetic; keep the login id
      }
      this.user.set(label);
    } catch {
      this.user.set(null);
    }
    this.ready.set(true);
  }

  async doSignOut(): Promise<void> {
    this.error.set('');
    try {
      await signOut();
    } catch (e) {
      this.error.set(describe(e));
    }
    this.user.set(null);
  }
}

// The shared board: every signed-in user reads every Message (private read rule) and sees new
// ones live; only the author may delete one (owner rule).
import { Component, OnDestroy, OnInit, signal } from '@angular/core';
import { generateClient } from 'aws-amplify/data';
import { getCurrentUser } from 'aws-amplify/auth';
import type { Subscription } from 'rxjs';
import { describe } from './amplify';

interface Message {
  id: string;
  text: string;
  owner?: string | null;
  createdAt?: string;
}

@Component({
  selector: 'app-board',
  template: `
    <section data-testid="board">
      <h2>Shared board <span class="muted" data-testid="board-synced">{{ synced() ? 'live' : 'syncing…' }}</span></h2>
      <form (submit)="$event.preventDefault(); post()">
        <input type="text" placeholder="Say something to everyone" data-testid="message-input" [value]="draft()" (input)="draft.set(val($event))">
        <button type="submit" data-testid="message-post" [disabled]="!draft().trim()">Post</button>
      </form>
      <ul data-testid="message-list">
        @for (m of messages(); track m.id) {
          <li data-testid="message-item" [attr.data-id]="m.id" [attr.data-text]="m.text">
            <span class="grow">{{ m.text }}</span>
            <span class="muted" data-testid="message-author">{{ author(m) }}</span>
            <button type="button" class="link" data-testid="message-delete" (click)="remove(m)">delete</button>
          </li>
        }
      </ul>
      @if (error()) { <p class="error" data-testid="message-error">{{ error() }}</p> }
    </section>
  `,
})
export class BoardComponent implements OnInit, OnDestroy {
  private readonly client = generateClient() as any;
  private sub?: Subscription;
  readonly messages = signal<Message[]>([]);
  readonly synced = signal(false);
  readonly draft = signal('');
  readonly error = signal('');

  val(e: Event): string {
    return (e.target as HTMLInputElement).value;
  }

  /** The owner value of this user's own messages (`<sub>::<username>`), once known. */
  private readonly me = signal<string | null>(null);

  author(m: Message): string {
    if (!m.owner) return 'amplocal';
    const mine = this.me();
    return mine && m.owner.split('::')[0] === mine ? 'you' : 'another user';
  }

  ngOnInit(): void {
    getCurrentUser().then((u) => this.me.set(u.userId), () => this.me.set(null));
    this.sub = this.client.models.Message.observeQuery().subscribe({
      next: ({ items, isSynced }: { items: Message[]; isSynced: boolean }) => {
        this.messages.set([...items].sort((a, b) => (a.createdAt ?? '').localeCompare(b.createdAt ?? '')));
        this.synced.set(isSynced);
      },
      error: (e: unknown) => this.error.set(describe(e)),
    });
  }

  ngOnDestroy(): void {
    this.sub?.unsubscribe();
  }

  private async call(f: () => Promise<{ errors?: { message: string }[] }>): Promise<void> {
    this.error.set('');
    try {
      const r = await f();
      if (r.errors?.length) this.error.set(describe(r));
    } catch (e) {
      this.error.set(describe(e));
    }
  }

  post(): Promise<void> {
    const text = this.draft().trim();
    this.draft.set('');
    return this.call(() => this.client.models.Message.create({ text }));
  }

  remove(m: Message): Promise<void> {
    return this.call(() => this.client.models.Message.delete({ id: m.id }));
  }
}

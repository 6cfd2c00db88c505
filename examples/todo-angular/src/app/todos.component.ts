// The signed-in user's own todos (owner @auth) through generateClient(), kept live by
// observeQuery (onCreate/onUpdate/onDelete subscriptions + list).
import { Component, OnDestroy, OnInit, signal } from '@angular/core';
import { generateClient } from 'aws-amplify/data';
import type { Subscription } from 'rxjs';
import { describe } from './amplify';

interface Todo {
  id: string;
  content: string;
  done?: boolean | null;
  owner?: string | null;
  createdAt?: string;
}

@Component({
  selector: 'app-todos',
  template: `
    <section data-testid="todos">
      <h2>My todos <span class="muted" data-testid="todos-synced">{{ synced() ? 'live' : 'syncing…' }}</span></h2>
      <form (submit)="$event.preventDefault(); add()">
        <input type="text" placeholder="What needs doing?" data-testid="todo-input" [value]="draft()" (input)="draft.set(val($event))">
        <button type="submit" data-testid="todo-add" [disabled]="!draft().trim()">Add</button>
      </form>
      <ul data-testid="todo-list">
        @for (t of todos(); track t.id) {
          <li data-testid="todo-item" [attr.data-id]="t.id" [attr.data-content]="t.content" [attr.data-done]="!!t.done">
            <input type="checkbox" data-testid="todo-toggle" [checked]="!!t.done" (change)="toggle(t)">
            <span class="grow" [class.done]="t.done" data-testid="todo-content">{{ t.content }}</span>
            <button type="button" class="link" data-testid="todo-delete" (click)="remove(t)">delete</button>
          </li>
        } @empty {
          <li class="muted" data-testid="todo-empty">Nothing yet.</li>
        }
      </ul>
      @if (error()) { <p class="error" data-testid="todo-error">{{ error() }}</p> }
    </section>
  `,
})
export class TodosComponent implements OnInit, OnDestroy {
  // The demo ships no generated Schema type: the models come from model_introspection.
  private readonly client = generateClient() as any;
  private sub?: Subscription;
  readonly todos = signal<Todo[]>([]);
  readonly synced = signal(false);
  readonly draft = signal('');
  readonly error = signal('');

  val(e: Event): string {
    return (e.target as HTMLInputElement).value;
  }

  ngOnInit(): void {
    this.sub = this.client.models.Todo.observeQuery().subscribe({
      next: ({ items, isSynced }: { items: Todo[]; isSynced: boolean }) => {
        this.todos.set([...items].sort((a, b) => (a.createdAt ?? '').localeCompare(b.createdAt ?? '')));
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

  add(): Promise<void> {
    const content = this.draft().trim();
    this.draft.set('');
    return this.call(() => this.client.models.Todo.create({ content, done: false }));
  }

  toggle(t: Todo): Promise<void> {
    return this.call(() => this.client.models.Todo.update({ id: t.id, done: !t.done }));
  }

  remove(t: Todo): Promise<void> {
    return this.call(() => this.client.models.Todo.delete({ id: t.id }));
  }
}

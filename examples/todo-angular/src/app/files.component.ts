// File attachments through Amplify Storage (Gen 2 `path` API) under the user's own
// `private/<identityId>/` or `protected/<identityId>/` prefix: uploadData (multipart above
// 5 MiB), list, getUrl (presigned, with a chosen lifetime), downloadData, remove.
import { Component, OnInit, signal } from '@angular/core';
import { downloadData, getUrl, list, remove, uploadData } from 'aws-amplify/storage';
import { describe, storageOptions } from './amplify';

type Level = 'private' | 'protected';

interface FileRow {
  path: string;
  name: string;
  size?: number;
}

/** Hex SHA-256 of a blob (shown after a download so the bytes can be checked). */
async function sha256(blob: Blob): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

@Component({
  selector: 'app-files',
  template: `
    <section data-testid="files">
      <h2>Files</h2>
      <div class="row">
        <label>Folder
          <select data-testid="file-level" (change)="setLevel(val($event))">
            <option value="private" [selected]="level() === 'private'">private (only me)</option>
            <option value="protected" [selected]="level() === 'protected'">protected (me; others may read)</option>
          </select>
        </label>
        <input type="file" data-testid="file-input" (change)="picked($event)">
        <button type="button" data-testid="file-upload" [disabled]="!file() || uploading()" (click)="upload()">Upload</button>
        @if (progress() !== null) { <span data-testid="upload-progress">{{ progress() }}%</span> }
      </div>
      <div class="row">
        <label>Link lifetime (s) <input type="number" min="1" data-testid="url-expires" [value]="expires()" (input)="expires.set(+val($event))"></label>
        <button type="button" class="link" data-testid="file-refresh" (click)="refresh()">refresh list</button>
      </div>
      <ul data-testid="file-list" [attr.data-loaded]="loaded()">
        @for (f of files(); track f.path) {
          <li data-testid="file-item" [attr.data-path]="f.path" [attr.data-name]="f.name" [attr.data-size]="f.size">
            <span class="grow">{{ f.name }} <span class="muted">{{ f.size }} bytes</span></span>
            <button type="button" class="link" data-testid="file-download" (click)="download(f)">download</button>
            <button type="button" class="link" data-testid="file-geturl" (click)="link(f)">link</button>
            <button type="button" class="link" data-testid="file-remove" (click)="del(f)">remove</button>
          </li>
        } @empty {
          <li class="muted" data-testid="file-empty">No files in {{ level() }}/.</li>
        }
      </ul>
      @if (downloaded(); as d) {
        <p data-testid="file-downloaded" [attr.data-name]="d.name" [attr.data-size]="d.size" [attr.data-sha256]="d.sha">
          Downloaded {{ d.name }}: {{ d.size }} bytes, SHA-256 {{ d.sha }}</p>
      }
      @if (url(); as u) {
        <p>Presigned link (valid {{ u.expiresIn }} s, until {{ u.expiresAt }}):
          <a data-testid="file-url" [href]="u.href" target="_blank" rel="noopener">{{ u.name }}</a></p>
      }
      @if (status()) { <p data-testid="file-status">{{ status() }}</p> }
      @if (error()) { <p class="error" data-testid="file-error">{{ error() }}</p> }
    </section>
  `,
})
export class FilesComponent implements OnInit {
  readonly level = signal<Level>('private');
  readonly file = signal<File | null>(null);
  readonly uploading = signal(false);
  readonly progress = signal<number | null>(null);
  readonly files = signal<FileRow[]>([]);
  readonly loaded = signal(false);
  readonly expires = signal(900);
  readonly downloaded = signal<{ name: string; size: number; sha: string } | null>(null);
  readonly url = signal<{ href: string; name: string; expiresIn: number; expiresAt: string } | null>(null);
  readonly status = signal('');
  readonly error = signal('');

  val(e: Event): string {
    return (e.target as HTMLInputElement).value;
  }

  ngOnInit(): void {
    void this.refresh();
  }

  private prefix(level: Level) {
    return ({ identityId }: { identityId?: string }) => `${level}/${identityId}/`;
  }

  private async guard(f: () => Promise<void>): Promise<void> {
    this.error.set('');
    try {
      await f();
    } catch (e) {
      this.error.set(describe(e));
    }
  }

  setLevel(v: string): void {
    this.level.set(v === 'protected' ? 'protected' : 'private');
    void this.refresh();
  }

  picked(e: Event): void {
    this.file.set((e.target as HTMLInputElement).files?.[0] ?? null);
  }

  refresh(): Promise<void> {
    this.loaded.set(false);
    return this.guard(async () => {
      const level = this.level();
      const r = await list({ path: this.prefix(level), options: { listAll: true, ...storageOptions() } as any });
      this.files.set(r.items.map((i) => ({ path: i.path, name: i.path.split('/').pop() ?? i.path, size: i.size })));
      this.loaded.set(true);
    });
  }

  upload(): Promise<void> {
    const file = this.file();
    if (!file) return Promise.resolve();
    const level = this.level();
    this.uploading.set(true);
    this.progress.set(0);
    this.status.set('');
    return this.guard(async () => {
      try {
        const r = await uploadData({
          path: ({ identityId }) => `${level}/${identityId}/${file.name}`,
          data: file,
          options: {
            contentType: file.type || 'application/octet-stream',
            onProgress: ({ transferredBytes, totalBytes }: { transferredBytes: number; totalBytes?: number }) => {
              if (totalBytes) this.progress.set(Math.floor((transferredBytes / totalBytes) * 100));
            },
            ...storageOptions(),
          } as any,
        }).result;
        this.status.set(`Uploaded ${r.path} (${r.size ?? file.size} bytes)`);
      } finally {
        this.uploading.set(false);
      }
      await this.refresh();
    });
  }

  download(f: FileRow): Promise<void> {
    this.downloaded.set(null);
    return this.guard(async () => {
      const { body } = await downloadData({ path: f.path, options: storageOptions() as any }).result;
      const blob = await body.blob();
      this.downloaded.set({ name: f.name, size: blob.size, sha: await sha256(blob) });
      // Hand the bytes to the browser as a download too.
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = f.name;
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 60_000);
    });
  }

  link(f: FileRow): Promise<void> {
    this.url.set(null);
    return this.guard(async () => {
      const expiresIn = Math.max(1, Math.floor(this.expires() || 900));
      const r = await getUrl({ path: f.path, options: { expiresIn, ...storageOptions() } as any });
      this.url.set({ href: r.url.href, name: f.name, expiresIn, expiresAt: r.expiresAt.toISOString() });
    });
  }

  del(f: FileRow): Promise<void> {
    return this.guard(async () => {
      await remove({ path: f.path, options: storageOptions() as any });
      this.status.set(`Removed ${f.path}`);
      if (this.downloaded()?.name === f.name) this.downloaded.set(null);
      await this.refresh();
    });
  }
}

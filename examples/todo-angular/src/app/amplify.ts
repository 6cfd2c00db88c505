// Loads /amplify_outputs.json (written by `amplocal --backend ... --amplify-outputs ...`) from
// the app's own origin at runtime, configures Amplify JS with it, then applies amplocal's
// endpoint overrides, which the outputs format has no keys for (custom.amplocal):
//   - Auth.Cognito.userPoolEndpoint / identityPoolEndpoint (aws-amplify >= 6.15.0);
//   - the Storage endpoint, passed to every Storage call as `options.customEndpoint`.
// Against real AWS (no custom.amplocal) nothing is overridden.
import { Amplify } from 'aws-amplify';

/** The `custom.amplocal` block of amplify_outputs.json. */
export interface AmplocalEndpoints {
  endpoint: string;
  userPoolEndpoint?: string;
  identityPoolEndpoint?: string;
  storageEndpoint?: string;
}

/** What the components need from the loaded configuration. */
export interface DemoConfig {
  /** Set when running against amplocal (dev mode): its endpoints. */
  amplocal?: AmplocalEndpoints;
  /** The Cognito user pool id (for amplocal's code inbox). */
  userPoolId: string;
  /** `host[:port]` for Storage's `customEndpoint`, or undefined for real S3. */
  storageEndpoint?: string;
}

let loaded: DemoConfig | undefined;

/** The configuration loaded by `configureAmplify` (throws before it ran). */
export function demoConfig(): DemoConfig {
  if (!loaded) throw new Error('configureAmplify() has not run');
  return loaded;
}

/** Storage's `customEndpoint` wants `host[:port]` (it always uses https); accept a URL too. */
function hostPort(url: string): string {
  return url.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
}

/** Fetches the outputs and configures Amplify; resolves to the demo configuration. */
export async function configureAmplify(): Promise<DemoConfig> {
  const res = await fetch('/amplify_outputs.json', { cache: 'no-store' });
  if (!res.ok) throw new Error(`GET /amplify_outputs.json: HTTP ${res.status}`);
  const outputs = await res.json();
  Amplify.configure(outputs);
  const amplocal: AmplocalEndpoints | undefined = outputs?.custom?.amplocal;
  if (amplocal) {
    const config = Amplify.getConfig();
    const cognito = config.Auth?.Cognito;
    if (cognito) {
      Amplify.configure({
        ...config,
        Auth: {
          ...config.Auth,
          // The outputs always describe a user pool and an identity pool here.
          Cognito: {
            ...cognito,
            userPoolEndpoint: amplocal.userPoolEndpoint ?? amplocal.endpoint,
            identityPoolEndpoint: amplocal.identityPoolEndpoint ?? amplocal.endpoint,
          } as typeof cognito & { userPoolClientId: string; userPoolId: string; identityPoolId: string },
        },
      });
    }
  }
  loaded = {
    amplocal,
    userPoolId: outputs?.auth?.user_pool_id ?? '',
    storageEndpoint: amplocal ? hostPort(amplocal.storageEndpoint ?? amplocal.endpoint) : undefined,
  };
  return loaded;
}

/** Extra Storage options: the amplocal endpoint when there is one. */
export function storageOptions(): Record<string, unknown> {
  const ep = demoConfig().storageEndpoint;
  return ep ? { customEndpoint: ep } : {};
}

/** Error text for the page. */
export function describe(e: unknown): string {
  if (e && typeof e === 'object') {
    const o = e as { name?: string; message?: string; errors?: { message?: string }[] };
    if (Array.isArray(o.errors) && o.errors.length) return o.errors.map((x) => x.message).join('; ');
    if (o.message) return o.name && o.name !== 'Error' ? `${o.name}: ${o.message}` : o.message;
  }
  return String(e);
}

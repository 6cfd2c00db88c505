// Amplify Storage's uploadData pulls in the `buffer` package, which expects Node's `global`
// (and a `process.env`). Browsers have neither: alias them before any app code runs.
const w = window as unknown as { global?: unknown; process?: { env: Record<string, string | undefined> } };
w.global ??= window;
w.process ??= { env: {} };

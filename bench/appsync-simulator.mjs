// The peer of `amplocal-bench appsync`: @aws-amplify/amplify-appsync-simulator (the engine behind
// `amplify mock api`), installed by the person running the bench OUTSIDE this repository
// (`npm install @aws-amplify/amplify-appsync-simulator graphql@15` in some DIR: without the
// explicit graphql@15 npm hoists graphql 14 next to the simulator's 15 and every request fails
// with "Cannot use GraphQLSchema from another module or realm"), serving the bench's Todo
// API the way the issue measured it: API key auth, a NONE data source (no table; the resolver
// echoes the input with an id and timestamps), `onCreateTodo` subscribed to `createTodo`.
// Usage: node bench/appsync-simulator.mjs DIR PORT API_KEY   (prints `Ready.` when listening,
// exits non-zero with the reason on stderr when it cannot start)
import { createRequire } from 'node:module';
import path from 'node:path';

const [dir, port, apiKey] = process.argv.slice(2);
if (!dir || !port || !apiKey) {
  console.error('usage: node appsync-simulator.mjs DIR PORT API_KEY');
  process.exit(2);
}
const require = createRequire(path.join(path.resolve(dir), 'package.json'));
const { AmplifyAppSyncSimulator } = require('@aws-amplify/amplify-appsync-simulator');

const schema = `
type Todo {
  id: ID!
  name: String!
  priority: Int
  createdAt: AWSDateTime
  updatedAt: AWSDateTime
}
input CreateTodoInput {
  id: ID
  name: String!
  priority: Int
}
type Query {
  getTodo(id: ID!): Todo
}
type Mutation {
  createTodo(input: CreateTodoInput!): Todo
}
type Subscription {
  onCreateTodo: Todo @aws_subscribe(mutations: ["createTodo"])
}
`;

const createRequest = `
#set($now = $util.time.nowISO8601())
$util.qr($ctx.args.input.put("id", $util.defaultIfNull($ctx.args.input.id, $util.autoId())))
$util.qr($ctx.args.input.put("createdAt", $now))
$util.qr($ctx.args.input.put("updatedAt", $now))
{"version": "2018-05-29", "payload": $util.toJson($ctx.args.input)}
`;

const sim = new AmplifyAppSyncSimulator({ port: Number(port), wsPort: Number(port) });
sim.init({
  appSync: {
    name: 'bench',
    defaultAuthenticationType: { authenticationType: 'API_KEY' },
    apiKey,
    additionalAuthenticationProviders: [],
  },
  schema: { content: schema },
  dataSources: [{ type: 'NONE', name: 'NONE_DS' }],
  resolvers: [
    {
      kind: 'UNIT', typeName: 'Mutation', fieldName: 'createTodo', dataSourceName: 'NONE_DS',
      requestMappingTemplate: createRequest, responseMappingTemplate: '$util.toJson($ctx.result)',
    },
    {
      kind: 'UNIT', typeName: 'Query', fieldName: 'getTodo', dataSourceName: 'NONE_DS',
      requestMappingTemplate: '{"version": "2018-05-29", "payload": null}', responseMappingTemplate: '$util.toJson($ctx.result)',
    },
  ],
});
try {
  await sim.start();
} catch (e) {
  // e.g. the port was taken between the bench choosing it and this listen.
  console.error(`appsync-simulator.mjs: the simulator did not start on port ${port}: ${e?.stack ?? e}`);
  process.exit(1);
}
// Printed only once the HTTP server is listening: the bench waits for this line (probing the
// port is not enough, see spawn_simulator in bench/src/appsync.rs).
console.log('Ready.');
const stop = async () => { await sim.stop(); process.exit(0); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

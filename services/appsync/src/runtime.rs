//! Loaded APIs: a schema definition compiled (Amplify transform when it uses `@model`, then
//! the executable dynamic schema) and cached per API id and schema version, so the data plane
//! rebuilds lazily after a restart.
//!
//! Parsed GraphQL documents are cached by query text ([`Runtime::prepare`]): parsing does not
//! depend on the schema, and clients send the same few operations over and over. Validation is
//! skipped for a text that passed it before when the request's variables cannot change the
//! outcome ([`crate::validated`]); execution runs per request.
//!
//! Leaves out: schema hot-reload from files.

use crate::control::api_modes;
use crate::executor::Executor;
use crate::resolver::dynamodb::{ensure_tables, DynamoDataSource};
use crate::resolver::{DataSource, Unwired};
use crate::store::ApiRow;
use crate::transform::auth::{AuthMode, AuthSettings};
use crate::transform::sdl::Document;
use crate::transform::{transform, TransformConfig, Transformed};
use amplocal_core::CoreCtx;
use amplocal_dynamodb::DynamoDbService;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// The standard introspection query (for `GetIntrospectionSchema` JSON).
pub const INTROSPECTION_QUERY: &str = "query { __schema { queryType { name } mutationType { name } subscriptionType { name } types { kind name description fields(includeDeprecated: true) { name description args { name description type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } defaultValue } type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } isDeprecated deprecationReason } inputFields { name description type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } defaultValue } interfaces { kind name } enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason } possibleTypes { kind name } } directives { name description locations args { name description type { kind name ofType { kind name } } defaultValue } } } }";

/// One compiled API.
#[derive(Debug)]
pub struct LoadedApi {
    /// The executable schema.
    pub schema: async_graphql::dynamic::Schema,
    /// The served SDL document.
    pub document: Document,
    /// The transform output, when the definition was an Amplify schema.
    pub transformed: Option<Transformed>,
    /// Number of type definitions.
    pub type_count: usize,
    /// Auth modes: default and additional.
    pub modes: (AuthMode, Vec<AuthMode>),
    /// Where mutation results are published for subscribers.
    pub hub: crate::subscription::hub::Hub,
}

/// The AWS directive definitions AppSync includes with `includeDirectives`.
const AWS_DIRECTIVES: &str = "directive @aws_subscribe(mutations: [String]) on FIELD_DEFINITION\n\ndirective @aws_api_key on FIELD_DEFINITION | OBJECT\n\ndirective @aws_iam on FIELD_DEFINITION | OBJECT\n\ndirective @aws_oidc on FIELD_DEFINITION | OBJECT\n\ndirective @aws_lambda on FIELD_DEFINITION | OBJECT\n\ndirective @aws_cognito_user_pools(cognito_groups: [String]) on FIELD_DEFINITION | OBJECT\n\ndirective @aws_auth(cognito_groups: [String]) on FIELD_DEFINITION\n";

impl LoadedApi {
    /// The SDL, with or without directives.
    pub fn sdl(&self, include_directives: bool) -> String {
        if include_directives {
            format!("{AWS_DIRECTIVES}\n{}", self.document.to_sdl())
        } else {
            let mut doc = self.document.clone();
            for t in &mut doc.types {
                t.directives.clear();
                for f in &mut t.fields {
                    f.directives.clear();
                }
            }
            doc.to_sdl()
        }
    }

    /// Whether `mode` is enabled on the API.
    pub fn allows(&self, mode: AuthMode) -> bool {
        self.modes.0 == mode || self.modes.1.contains(&mode)
    }
}

/// Compiled APIs by id, with the schema version they were compiled from.
type Cache = HashMap<String, (i64, Arc<LoadedApi>)>;

/// Parsed documents kept at most (the cache is emptied when it is full).
const MAX_DOCUMENTS: usize = 512;
/// Longer queries are parsed on every request rather than kept.
const MAX_CACHED_QUERY_BYTES: usize = 64 * 1024;

/// Parsed documents by query text.
type Documents = HashMap<Arc<str>, async_graphql::parser::types::ExecutableDocument>;

/// Compiles and caches APIs.
#[derive(Debug, Clone)]
pub struct Runtime {
    cache: Arc<Mutex<Cache>>,
    documents: Arc<Mutex<Documents>>,
    dynamodb: Arc<OnceLock<DynamoDbService>>,
    core: CoreCtx,
    sandbox: bool,
    versioned: bool,
    conflict_handler: crate::resolver::versioned::ConflictHandler,
}

impl Runtime {
    /// A runtime; resolvers answer with an error until [`Runtime::attach_dynamodb`].
    pub fn new(core: CoreCtx, sandbox: bool) -> Self {
        Self { cache: Arc::default(), documents: Arc::default(), dynamodb: Arc::default(), core, sandbox, versioned: false, conflict_handler: Default::default() }
    }

    /// Turn on DataStore conflict detection (VERSION) for every Amplify schema compiled.
    pub fn with_conflict_detection(mut self, on: bool) -> Self {
        self.versioned = on;
        self
    }

    /// The conflict handler of versioned APIs (AUTOMERGE by default).
    pub fn with_conflict_handler(mut self, handler: crate::resolver::versioned::ConflictHandler) -> Self {
        self.conflict_handler = handler;
        self
    }

    /// Use amplocal's DynamoDB for the model tables (APIs compiled before are recompiled).
    pub fn attach_dynamodb(&self, ddb: DynamoDbService) {
        if self.dynamodb.set(ddb).is_ok() {
            self.lock().clear();
        }
    }

    /// Create the tables of a compiled Amplify API in `account`/`region` (no-op without DynamoDB).
    pub async fn provision(&self, account: &str, region: &str, api: &LoadedApi) -> Result<(), String> {
        match (self.dynamodb.get(), &api.transformed) {
            (Some(ddb), Some(t)) => ensure_tables(ddb, &self.core, account, region, &t.tables).await,
            _ => Ok(()),
        }
    }

    /// Compile `definition` for API `api_id` of `account`/`region` with its auth modes.
    pub fn compile(&self, (account, region): (&str, &str), api_id: &str, definition: &str, default: AuthMode, additional: Vec<AuthMode>) -> Result<LoadedApi, String> {
        let is_amplify = Document::parse(definition)?.types.iter().any(|t| t.directive("model").is_some());
        let cfg = TransformConfig {
            auth: AuthSettings { default_mode: default, additional: additional.clone(), sandbox: self.sandbox },
            versioned: self.versioned,
            api_id: api_id.to_string(),
            env: "NONE".into(),
        };
        let (document, transformed) = if is_amplify {
            let t = transform(definition, &cfg).map_err(|e| e.0)?;
            (t.document.clone(), Some(t))
        } else {
            (Document::parse(definition)?, None)
        };
        let empty = Transformed { document: Document::default(), models: vec![], tables: vec![] };
        let data: Arc<dyn DataSource> = match self.dynamodb.get() {
            Some(ddb) => Arc::new(DynamoDataSource::new(ddb.clone(), self.core.clone(), account, region)),
            None => Arc::new(Unwired),
        };
        let data = crate::resolver::versioned::delta::DeltaSync::wrap(data, transformed.as_ref().filter(|_| self.versioned));
        let data: Arc<dyn DataSource> = match (self.versioned && is_amplify, self.conflict_handler) {
            (true, crate::resolver::versioned::ConflictHandler::Automerge) => Arc::new(crate::resolver::versioned::Automerge { inner: data }),
            _ => data,
        };
        let exec = Arc::new(Executor::new(transformed.as_ref().unwrap_or(&empty), data, self.core.clock.clone(), self.core.ids.clone(), self.sandbox));
        let hub = crate::subscription::hub::Hub::default();
        let schema = crate::schema::build(&document, exec, default, hub.clone())?;
        let type_count = document.types.len();
        Ok(LoadedApi { schema, document, transformed, type_count, modes: (default, additional), hub })
    }

    /// Cache a compiled API as `version`.
    pub fn install(&self, api_id: &str, version: i64, api: LoadedApi) {
        self.lock().insert(api_id.to_string(), (version, Arc::new(api)));
    }

    /// Drop a cached API.
    pub fn evict(&self, api_id: &str) {
        self.lock().remove(api_id);
    }

    /// Give `request` its parsed document from the cache (parsing it and keeping it on a miss).
    /// A query that does not parse is left alone: execution reports the syntax error as before.
    pub fn prepare(&self, request: &mut async_graphql::Request) {
        let documents = || self.documents.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(doc) = documents().get(request.query.as_str()) {
            request.set_parsed_query(doc.clone());
            return;
        }
        if request.query.len() > MAX_CACHED_QUERY_BYTES {
            return;
        }
        let Ok(doc) = request.parsed_query().cloned() else { return };
        let mut cache = documents();
        if cache.len() >= MAX_DOCUMENTS {
            cache.clear();
        }
        cache.insert(Arc::from(request.query.as_str()), doc);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Cache> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The compiled form of a stored API (compiling its definition and provisioning its tables
    /// if the cache is stale); `Ok(None)` when it has no schema.
    pub async fn get(&self, row: &ApiRow) -> Result<Option<Arc<LoadedApi>>, String> {
        if let Some((v, api)) = self.lock().get(&row.api_id) {
            if *v == row.schema_version {
                return Ok(Some(api.clone()));
            }
        }
        let Some(def) = row.definition.as_deref().filter(|_| row.schema_status.as_deref() == Some("SUCCESS")) else { return Ok(None) };
        let (default, additional) = api_modes(&row.body);
        let api = Arc::new(self.compile((&row.account, &row.region), &row.api_id, def, default, additional)?);
        self.provision(&row.account, &row.region, &api).await?;
        self.lock().insert(row.api_id.clone(), (row.schema_version, api.clone()));
        Ok(Some(api))
    }
}

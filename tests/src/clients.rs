//! aws-sdk-rust clients for one gateway endpoint, signing as [`KEY`]/[`SECRET`] in [`REGION`]
//! unless told otherwise. [`crate::TestEnv`] and [`crate::backend::BackendServer`] hand them out
//! (both deref to [`Clients`]).

use crate::{KEY, REGION, SECRET};

/// The SDK clients of one endpoint.
#[derive(Debug, Clone)]
pub struct Clients {
    endpoint: String,
}

impl Clients {
    /// Clients for `endpoint` (`http://127.0.0.1:PORT`).
    pub fn new(endpoint: impl Into<String>) -> Self {
        Self { endpoint: endpoint.into() }
    }

    /// SDK config signing with `key`/`secret`, pointing at the endpoint.
    pub fn sdk_config_with(&self, key: &str, secret: &str) -> aws_config::SdkConfig {
        let creds = aws_credential_types::Credentials::from_keys(key, secret, None);
        aws_config::SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new(REGION))
            .endpoint_url(&self.endpoint)
            .credentials_provider(aws_credential_types::provider::SharedCredentialsProvider::new(creds))
            .build()
    }

    /// SDK config with the default `test`/`test` pair.
    pub fn sdk_config(&self) -> aws_config::SdkConfig {
        self.sdk_config_with(KEY, SECRET)
    }

    /// An S3 client (path-style addressing).
    pub fn s3(&self) -> aws_sdk_s3::Client {
        let conf = aws_sdk_s3::config::Builder::from(&self.sdk_config()).force_path_style(true).build();
        aws_sdk_s3::Client::from_conf(conf)
    }

    /// A DynamoDB client.
    pub fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::new(&self.sdk_config())
    }

    /// A cognito-idp client.
    pub fn cognito_idp(&self) -> aws_sdk_cognitoidentityprovider::Client {
        aws_sdk_cognitoidentityprovider::Client::new(&self.sdk_config())
    }

    /// A cognito-identity client.
    pub fn cognito_identity(&self) -> aws_sdk_cognitoidentity::Client {
        aws_sdk_cognitoidentity::Client::new(&self.sdk_config())
    }

    /// An AppSync control-plane client.
    pub fn appsync(&self) -> aws_sdk_appsync::Client {
        aws_sdk_appsync::Client::new(&self.sdk_config())
    }
}
